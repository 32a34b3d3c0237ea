"""Incident response's services: reporting in any coordinate system, which stock meets a need,
ranking by travel time on a hand-computable terrain, the suggested allocation (fastest first,
FEFO, shortfall), confirming a dispatch (exact decrements and movements, or nothing at all)
and who may do what. The world is in :mod:`tests.portal.depots.factories_incidents`."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.gis.geos import Point
from django.utils import translation

from gis.china import wgs84_to_bd09, wgs84_to_gcj02
from gis.crs import to_gk
from portal.depots import response
from portal.depots.choices import IncidentStatus, MovementKind
from portal.depots.exceptions import (
    DepotForbiddenError,
    DepotInputError,
    DepotStateError,
    InsufficientStockError,
)
from portal.depots.models import Dispatch, DispatchLine, Incident, StockItem, StockMovement
from portal.depots.response import subtree_prefix
from portal.depots.services import incidents as service
from tests.portal.depots.factories_incidents import (
    INCIDENT_LONLAT,
    KM,
    MINUTES,
    incident,
    item,
    stocked_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return stocked_world()


def report(by, *, point=INCIDENT_LONLAT, crs="EPSG:4490", needs=(("1010000", 100),), **kw):
    return service.report_incident(
        name=kw.pop("name", "山体滑坡"),
        point=point,
        source_crs=crs,
        description=kw.pop("description", ""),
        needs=list(needs),
        by=by,
    )


def quantities():
    return {i.batch_no: i.quantity for i in StockItem.objects.all()}


# -- reporting -----------------------------------------------------------------------------------


def test_a_report_stores_the_point_its_county_unit_and_needs(w):
    found = report(w["officer"], needs=(("1010000", 100), ("1030100", "12.5")))
    assert (found.geom.x, found.geom.y, found.geom.srid) == (*INCIDENT_LONLAT, 4490)
    assert found.source_crs == "EPSG:4490"
    assert found.division.code == "510104"  # 锦江区 contains the point
    assert (found.unit, found.created_by, found.status) == (
        w.jinjiang,
        w["officer"],
        IncidentStatus.OPEN,
    )
    stored = {n.category.code: n.quantity for n in found.needs.all()}
    assert stored == {"1010000": Decimal("100"), "1030100": Decimal("12.5")}


def test_a_point_outside_every_county_is_kept_without_one(w):
    found = report(w["officer"], point=(103.0, 29.0))
    assert found.division is None


@pytest.mark.parametrize("epsg", [4544, 4523])  # zone 35 (105°E): plain and zone-prefixed
def test_a_gauss_kruger_point_lands_on_the_same_cgcs2000_point(w, epsg):
    easting, northing, _ = to_gk(*INCIDENT_LONLAT, 4544)
    if epsg == 4523:
        easting += 35_000_000
    found = report(w["officer"], point=(easting, northing), crs=f"EPSG:{epsg}")
    assert found.geom.x == pytest.approx(INCIDENT_LONLAT[0], abs=1e-8)
    assert found.geom.y == pytest.approx(INCIDENT_LONLAT[1], abs=1e-8)
    assert found.source_crs == f"EPSG:{epsg}"
    assert found.division.code == "510104"


@pytest.mark.parametrize(("crs", "shift"), [("GCJ-02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_points_copied_from_web_maps_are_unshifted(w, crs, shift):
    copied = shift(*INCIDENT_LONLAT)
    assert Point(*copied).distance(Point(*INCIDENT_LONLAT)) > 0.002  # hundreds of metres off
    found = report(w["officer"], point=copied, crs=crs)
    assert found.geom.x == pytest.approx(INCIDENT_LONLAT[0], abs=1e-6)
    assert found.geom.y == pytest.approx(INCIDENT_LONLAT[1], abs=1e-6)
    assert found.source_crs == ("GCJ-02" if crs == "GCJ-02" else "BD-09")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "Name: give the incident a name."),
        ({"point": (30.63, 104.08)}, "Location: the coordinates cannot be read in EPSG:4490"),
        ({"point": (116.4, 39.9)}, "outside Sichuan and Chongqing"),
        ({"point": ("a", 1)}, "Location: give two numbers"),
        ({"crs": "EPSG:2379"}, "Location: the coordinates cannot be read in EPSG:2379"),
        ({"crs": "+init=epsg:4326"}, "Location: the coordinates cannot be read"),
        ({"needs": ()}, "Needs: state at least one"),
        ({"needs": (("1010000", 5), ("9999999", 1))}, "Needs, row 2: there is no supply class"),
        (
            {"needs": (("1010000", 5), ("1010000", 1))},
            "Needs, row 2: class 1010000 is already needed in row 1.",
        ),
        ({"needs": (("1010000", 0),)}, "Needs, row 1: the quantity must be a number above zero"),
        ({"needs": (("1010000", "1.005"),)}, "Needs, row 1: the quantity must be"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(w, changes, message):
    with pytest.raises(DepotInputError) as refused:
        report(w["officer"], **changes)
    assert message in refused.value.user_message
    assert not Incident.objects.exists()


def test_only_a_units_editors_report(w):
    with pytest.raises(DepotForbiddenError):
        report(w["viewer"])
    assert not Incident.objects.exists()


# -- which stock meets a need -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("1000000", "1"),
        ("1010000", "101"),
        ("1010100", "10101"),
        ("1010101", "1010101"),
        ("1100000", "110"),  # a level ending in 0 keeps its digits
        ("2030200", "20302"),
    ],
)
def test_a_class_subtree_is_its_code_prefix(code, prefix):
    assert subtree_prefix(code) == prefix


def test_a_need_is_met_by_its_class_and_every_class_below_it(w):
    found = incident(w.jinjiang, {"1010000": 100, "1010100": 10, "1010101": 5, "1020000": 1})
    ranking = {need.category[:7]: need for need in service.rank_depots(found, w["city_admin"])}
    held = {code: {d.code: d.available for d in need.depots} for code, need in ranking.items()}
    sw, n, e = (w.depots[name].code for name in ("south_west", "north", "east"))
    # Shelter: tents (1010101, 1010102) and folding beds (1010200); the expired batch is left out.
    assert held["1010000"] == {sw: Decimal(80), n: Decimal(40), e: Decimal(100)}
    assert held["1010100"] == {sw: Decimal(80), n: Decimal(40)}  # tents, not beds
    assert held["1010101"] == {sw: Decimal(80)}  # single tents only
    assert held["1020000"] == {sw: Decimal(500)}  # quilts are another class


# -- ranking -------------------------------------------------------------------------------------


def test_depots_rank_by_travel_time_over_the_terrain_not_by_straight_line(w):
    found = incident(w.jinjiang, {"1010000": 100})
    (need,) = service.rank_depots(found, w["city_admin"], cost=w.cost)
    names = [d.name for d in need.depots]
    assert names == ["south_west库", "north库", "east库"]
    for option, name in zip(need.depots, ("south_west", "north", "east"), strict=True):
        assert option.minutes == pytest.approx(MINUTES[name], abs=1e-9)
        assert option.distance_km == pytest.approx(KM[name], rel=0.03)
        assert option.editable
    # The east depot is nearest as the crow flies, behind the ridge; only it holds 100 alone.
    assert min(need.depots, key=lambda d: d.distance_km).name == "east库"
    assert [d.covers for d in need.depots] == [False, False, True]
    assert (need.quantity, need.available) == (Decimal(100), Decimal(220))


def test_a_depot_off_the_terrain_ranks_last_without_a_travel_time(w):
    found = incident(w.jinjiang, {"1010101": 10})
    (need,) = service.rank_depots(found, w["province_admin"], cost=w.cost)
    assert [d.name for d in need.depots] == ["south_west库", "far库"]
    far = need.depots[-1]
    assert far.minutes is None
    assert far.distance_km == pytest.approx(107, abs=5)  # 锦江区 → 涪城区, about 107 km


def test_on_the_real_terrain_nothing_is_reached_faster_than_the_top_speed(w):
    """The fixture's travel cost (band 3 of terrain_1km.tif): 60 km/h at best, so a depot is
    never reached in fewer minutes than its straight-line kilometres, give or take the cell
    each end snaps to; the Chengdu depots come before Mianyang's."""
    found = incident(w.jinjiang, {"1010101": 10})
    (need,) = service.rank_depots(found, w["province_admin"])
    assert [d.name for d in need.depots] == ["south_west库", "far库"]
    for depot in need.depots:
        assert depot.minutes is not None
        assert depot.minutes >= depot.distance_km - 2 * 1.5  # one snapped cell diagonal each end


def test_the_full_terrain_is_read_once_per_process(w, monkeypatch):
    reads = []
    monkeypatch.setattr(response, "travel_cost", lambda: reads.append(1) or w.cost)
    response.travel_surface.cache_clear()
    found = incident(w.jinjiang, {"1010000": 1})
    try:
        for _ in range(3):
            service.rank_depots(found, w["city_admin"])
    finally:
        response.travel_surface.cache_clear()  # the next reader gets the real terrain
    assert len(reads) == 1


def test_a_unit_officer_ranks_only_the_depots_of_their_unit(w):
    found = incident(w.jinjiang, {"1010000": 100})
    (need,) = service.rank_depots(found, w["officer"], cost=w.cost)
    assert [d.name for d in need.depots] == ["south_west库", "east库"]


# -- suggested allocation ------------------------------------------------------------------------


def suggested(allocation):
    return [(line.batch_no, line.quantity) for line in allocation.lines]


def test_the_suggestion_takes_the_fastest_depots_first_and_the_soonest_expiry_within(w):
    found = incident(w.jinjiang, {"1010000": 100, "1030100": 10})
    shelter, water = service.suggest_allocation(found, w["city_admin"], cost=w.cost)
    assert suggested(shelter) == [
        ("SW-SOON", Decimal(50)),  # south-west, 7.7 min: expires in 30 days
        ("SW-LATE", Decimal(30)),  # then the batch expiring in 200 days
        ("N-COTTON", Decimal(20)),  # north, 12 min
    ]
    assert [line.batch_no for line in shelter.options] == [
        "SW-SOON",
        "SW-LATE",
        "N-COTTON",
        "E-BEDS",
    ]
    assert (shelter.allocated, shelter.shortfall) == (Decimal(100), Decimal(0))
    assert (water.options, water.allocated, water.shortfall) == ((), Decimal(0), Decimal(10))


def test_the_suggestion_reports_a_shortfall_when_stock_runs_out(w):
    found = incident(w.jinjiang, {"1010100": 150})
    (tents,) = service.suggest_allocation(found, w["city_admin"], cost=w.cost)
    assert suggested(tents) == [
        ("SW-SOON", Decimal(50)),
        ("SW-LATE", Decimal(30)),
        ("N-COTTON", Decimal(40)),
    ]
    assert tents.shortfall == Decimal(30)


def test_the_suggestion_uses_only_batches_the_user_may_dispatch(w):
    found = incident(w.jinjiang, {"1010000": 100})
    (shelter,) = service.suggest_allocation(found, w["officer"], cost=w.cost)
    # The north depot is 武侯区's: the 锦江区 officer goes on across the ridge instead.
    assert suggested(shelter) == [
        ("SW-SOON", Decimal(50)),
        ("SW-LATE", Decimal(30)),
        ("E-BEDS", Decimal(20)),
    ]


def test_overlapping_needs_serve_the_more_specific_one_first(w):
    found = incident(w.jinjiang, {"1010000": 100, "1010100": 60})
    ranking = service.rank_depots(found, w["city_admin"], cost=w.cost)
    shelter, tents = service.suggest_allocation(found, w["city_admin"], ranking=ranking)
    assert suggested(tents) == [("SW-SOON", Decimal(50)), ("SW-LATE", Decimal(10))]
    assert suggested(shelter) == [
        ("SW-LATE", Decimal(20)),
        ("N-COTTON", Decimal(40)),
        ("E-BEDS", Decimal(40)),
    ]


# -- confirming a dispatch -----------------------------------------------------------------------


def test_a_confirmed_dispatch_takes_exactly_its_lines_out_with_one_movement_each(w):
    found = incident(w.jinjiang, {"1010000": 100})
    (need,) = found.needs.all()
    before = quantities()
    lines = [(item("SW-SOON"), need, 50), (item("SW-LATE"), need, "30"), (item("E-BEDS"), need, 20)]
    dispatch = service.confirm_dispatch(found, lines, by=w["officer"], note="第一批", cost=w.cost)
    after = quantities()
    assert {k: before[k] - after[k] for k in before if before[k] != after[k]} == {
        "SW-SOON": 50,
        "SW-LATE": 30,
        "E-BEDS": 20,
    }
    movements = StockMovement.objects.filter(dispatch=dispatch).order_by("pk")
    assert [(m.stock_item.batch_no, m.kind, m.change, m.balance) for m in movements] == [
        ("SW-SOON", MovementKind.DISPATCH, Decimal(-50), Decimal(0)),
        ("SW-LATE", MovementKind.DISPATCH, Decimal(-30), Decimal(0)),
        ("E-BEDS", MovementKind.DISPATCH, Decimal(-20), Decimal(80)),
    ]
    assert {m.document_no for m in movements} == {dispatch.document_no}
    assert dispatch.document_no == f"DIS-{dispatch.pk:06d}"
    assert {m.depot_id for m in movements} == {w.depots["south_west"].pk, w.depots["east"].pk}
    assert (dispatch.note, dispatch.by, dispatch.incident) == ("第一批", w["officer"], found)
    minutes = {line.stock_item.batch_no: line.travel_minutes for line in dispatch.lines.all()}
    assert minutes["E-BEDS"] == pytest.approx(MINUTES["east"])
    assert minutes["SW-SOON"] == pytest.approx(MINUTES["south_west"])


def test_two_lines_on_one_batch_leave_successive_balances(w):
    found = incident(w.jinjiang, {"1010000": 20, "1010101": 15})
    shelter, tents = found.needs.order_by("category__code")
    batch = item("SW-SOON")
    dispatch = service.confirm_dispatch(
        found, [(batch, shelter, 20), (batch, tents, 15)], by=w["officer"], cost=w.cost
    )
    balances = [m.balance for m in dispatch.movements.order_by("pk")]
    assert balances == [Decimal(30), Decimal(15)]
    assert item("SW-SOON").quantity == Decimal(15)


def test_a_line_beyond_the_stock_refuses_the_whole_dispatch_and_writes_nothing(w):
    found = incident(w.jinjiang, {"1010000": 100})
    (need,) = found.needs.all()
    before = quantities()
    events = apps.get_model("depots", "StockItemEvent").objects.count()
    lines = [(item("SW-SOON"), need, 50), (item("N-COTTON"), need, 41)]
    with pytest.raises(InsufficientStockError) as refused:
        service.confirm_dispatch(found, lines, by=w["city_admin"], cost=w.cost)
    assert refused.value.user_message == (
        "Batch “棉帐篷” N-COTTON at north库 has 40.00 顶 left; this dispatch asks for 41."
    )
    assert quantities() == before
    assert not Dispatch.objects.exists()
    assert not DispatchLine.objects.exists()
    assert not StockMovement.objects.exists()
    assert apps.get_model("depots", "StockItemEvent").objects.count() == events


def test_two_lines_on_one_batch_are_checked_together(w):
    found = incident(w.jinjiang, {"1010000": 40, "1010101": 40})
    shelter, tents = found.needs.order_by("category__code")
    batch = item("SW-SOON")  # 50 held; 80 asked in all
    with pytest.raises(InsufficientStockError, match="asks for 80"):
        service.confirm_dispatch(
            found, [(batch, shelter, 40), (batch, tents, 40)], by=w["officer"], cost=w.cost
        )
    assert item("SW-SOON").quantity == Decimal(50)


@pytest.mark.parametrize(
    ("line", "error", "message"),
    [
        (("SW-QUILTS", 5), DepotInputError, "does not meet the need for 1010000"),
        (("SW-EXPIRED", 5), DepotStateError, "expired on"),
        (("SW-SOON", 0), DepotInputError, "Line 1: the quantity must be"),
        (("SW-SOON", -3), DepotInputError, "Line 1: the quantity must be"),
    ],
)
def test_a_batch_that_cannot_serve_the_need_is_refused(w, line, error, message):
    found = incident(w.jinjiang, {"1010000": 100})
    (need,) = found.needs.all()
    batch_no, quantity = line
    with pytest.raises(error) as refused:
        service.confirm_dispatch(found, [(item(batch_no), need, quantity)], by=w["officer"])
    assert message in refused.value.user_message
    assert not StockMovement.objects.exists()


def test_a_need_of_another_incident_or_no_line_is_refused(w):
    found = incident(w.jinjiang, {"1010000": 100})
    other = incident(w.jinjiang, {"1010000": 10})
    with pytest.raises(DepotInputError, match="not one of this incident's"):
        service.confirm_dispatch(found, [(item("SW-SOON"), other.needs.get(), 1)], by=w["officer"])
    with pytest.raises(DepotInputError, match="at least one batch"):
        service.confirm_dispatch(found, [], by=w["officer"])


def test_a_closed_incident_takes_no_dispatch(w):
    found = incident(w.jinjiang, {"1010000": 100})
    closed = service.close_incident(found, by=w["officer"])
    assert closed.status == IncidentStatus.CLOSED
    with pytest.raises(DepotStateError, match="is closed"):
        service.confirm_dispatch(
            found, [(item("SW-SOON"), found.needs.get(), 1)], by=w["officer"], cost=w.cost
        )
    with pytest.raises(DepotStateError, match="already closed"):
        service.close_incident(found, by=w["officer"])
    assert not Dispatch.objects.exists()


def test_the_check_constraint_refusal_becomes_the_same_user_error(w):
    """The last line of defence, exercised for real: a decrement written past the stock check
    (as a writer that skipped the lock would) is stopped by ``quantity >= 0``."""
    found = incident(w.jinjiang, {"1010000": 100})
    dispatch = Dispatch.objects.create(incident=found, by=w["officer"])
    batch = item("N-COTTON")
    line = service._Line(1, batch.pk, found.needs.get(), Decimal(41))
    with pytest.raises(InsufficientStockError) as refused:
        service._send(dispatch, line, batch, {}, w["officer"])
    assert "N-COTTON" in refused.value.user_message
    assert "changed while this dispatch was written" in refused.value.user_message
    assert item("N-COTTON").quantity == Decimal(40)


# -- scoping -------------------------------------------------------------------------------------


def test_an_officer_of_another_county_neither_sees_the_incident_nor_dispatches_to_it(w):
    found = incident(w.jinjiang, {"1010000": 100})
    far = w["far_officer"]
    assert not Incident.objects.visible_to(far).exists()
    with pytest.raises(DepotForbiddenError):
        service.rank_depots(found, far, cost=w.cost)
    with pytest.raises(DepotForbiddenError):
        service.suggest_allocation(found, far, cost=w.cost)
    with pytest.raises(DepotForbiddenError):
        service.confirm_dispatch(found, [(item("FAR-TENTS"), found.needs.get(), 5)], by=far)
    with pytest.raises(DepotForbiddenError):
        service.close_incident(found, by=far)
    assert item("FAR-TENTS").quantity == Decimal(1000)
    assert Incident.objects.get().status == IncidentStatus.OPEN


def test_nobody_dispatches_from_a_depot_outside_their_edit_scope(w):
    found = incident(w.jinjiang, {"1010000": 100})
    (need,) = found.needs.all()
    # The 锦江区 officer sees the incident but not 武侯区's north depot.
    with pytest.raises(DepotForbiddenError, match="no such batch in your scope"):
        service.confirm_dispatch(found, [(item("N-COTTON"), need, 5)], by=w["officer"])
    # A viewer of 锦江区 sees the south-west depot's stock but changes nothing.
    with pytest.raises(DepotForbiddenError, match="you may not dispatch from south_west库"):
        service.confirm_dispatch(found, [(item("SW-SOON"), need, 5)], by=w["viewer"])
    # One line out of scope refuses the lines that were in it too.
    with pytest.raises(DepotForbiddenError):
        service.confirm_dispatch(
            found, [(item("SW-SOON"), need, 5), (item("FAR-TENTS"), need, 5)], by=w["officer"]
        )
    assert not StockMovement.objects.exists()
    assert item("SW-SOON").quantity == Decimal(50)


def test_closing_needs_the_incident_units_editors(w):
    found = incident(w.jinjiang, {"1010000": 100})
    for user in (w["viewer"], w["wuhou_officer"]):
        with pytest.raises(DepotForbiddenError):
            service.close_incident(found, by=user)
    assert service.close_incident(found, by=w["city_admin"]).status == IncidentStatus.CLOSED
