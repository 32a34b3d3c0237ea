"""Office space against the standard: exact figures per occupancy, unit and building, the
edition in force, ranks without a limit, scoping, and vacant rooms and floors.

The figures of :mod:`tests.portal.buildings.space_data` are worked out by hand in its docstring.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import JSONField, Value
from django.utils import translation

from portal.assets.models import SpaceListing
from portal.buildings.models import Building, Occupancy, SpaceStandard
from portal.buildings.space import (
    MissingLimit,
    building_space,
    missing_limits,
    occupancy_space,
    standard_in_force,
    unit_space,
    vacant_floors,
    vacant_rooms,
)
from portal.core.choices import Confidentiality, GovernmentLevel
from portal.org.choices import Role
from portal.org.models import Unit
from tests.factories import BuildingFactory, UnitFactory, UserFactory
from tests.portal.buildings.space_data import Offices, occupy, offices

pytestmark = pytest.mark.django_db


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def space() -> Offices:
    return offices()


def figures(row: object) -> tuple[object, ...]:
    names = ("occupied_m2", "staff_total", "per_person_m2", "allowance_m2", "excess_m2")
    return (*(getattr(row, name) for name in names), row.over_standard)


def m2(text: str) -> Decimal:
    return Decimal(text)


# -- the figures -------------------------------------------------------------------------------


def test_occupancy_figures_at_each_level_and_at_the_edge(space):
    rows = {o.pk: o for o in occupancy_space()}
    got = {name: figures(rows[o.pk]) for name, o in space.occupancies.items()}
    assert got == {
        # county: 2 × 18 + 10 × 9 = 126, exactly the area: at the limit is within it
        "bureau_b1": (m2("126.00"), 12, m2("10.50"), m2("126.00"), m2("0.00"), False),
        # province: 18 + 3 × 9 = 45, the area 0.01 below
        "province_b1": (m2("44.99"), 4, m2("11.25"), m2("45.00"), m2("0.00"), False),
        # county: 2 × 9 = 18 for 30 m²
        "bureau_b2": (m2("30.00"), 2, m2("15.00"), m2("18.00"), m2("12.00"), True),
        # city: 42 + 24 = 66, the area 0.01 above
        "city_b2": (m2("66.01"), 2, m2("33.01"), m2("66.00"), m2("0.01"), True),
    }
    assert rows[space.occupancies["city_b2"].pk].allowance_per_person_m2 == m2("33.00")
    assert {row.uncounted_staff for row in rows.values()} == {0}
    assert {tuple(row.uncounted_ranks) for row in rows.values()} == {()}


def test_per_person_area_is_rounded_half_up_like_the_staff_count_of_the_model(space):
    for row in occupancy_space():
        exact = row.usable_area_m2 / row.staff_count
        assert row.per_person_m2 == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert row.staff_total == row.staff_count
    # 66.01 m² for 2: 33.005 is rounded up (四舍五入)
    assert occupancy_space().get(pk=space.occupancies["city_b2"].pk).per_person_m2 == m2("33.01")


def test_unit_figures_sum_its_occupancies(space):
    rows = {u.pk: u for u in unit_space()}
    # the bureau: 126 + 30 m², 12 + 2 staff, 126 + 18 allowed → 12 m² over
    assert figures(rows[space.bureau.pk]) == (
        m2("156.00"), 14, m2("11.14"), m2("144.00"), m2("12.00"), True
    )  # fmt: skip
    assert figures(rows[space.province.pk]) == (
        m2("44.99"), 4, m2("11.25"), m2("45.00"), m2("0.00"), False
    )  # fmt: skip
    # a unit that occupies nothing: nothing to judge
    assert figures(rows[space.wuhou.pk]) == (m2("0.00"), 0, None, m2("0.00"), m2("0.00"), None)


def test_building_figures_sum_its_occupants_each_at_its_own_level(space):
    rows = {b.pk: b for b in building_space()}
    # B1: 126 + 44.99 m² for 12 + 4 staff, 126 (county) + 45 (province) allowed → 0.01 under
    assert figures(rows[space.b1.pk]) == (
        m2("170.99"), 16, m2("10.69"), m2("171.00"), m2("0.00"), False
    )  # fmt: skip
    # B2: 30 + 66.01 m², 18 (county) + 66 (city) allowed → 12.01 over
    assert figures(rows[space.b2.pk]) == (
        m2("96.01"), 4, m2("24.00"), m2("84.00"), m2("12.01"), True
    )  # fmt: skip
    assert rows[space.b2.pk].allowance_per_person_m2 == m2("21.00")


def test_over_standard_filters_and_orders_in_the_database(space):
    over = building_space().filter(over_standard=True)
    assert list(over.values_list("name", flat=True)) == ["二号楼"]
    units = unit_space().filter(over_standard=True).order_by("-excess_m2")
    assert list(units) == [space.bureau, space.city]
    worst = occupancy_space().order_by("-excess_m2").first()
    assert worst == space.occupancies["bureau_b2"]


def test_each_level_is_one_query_whatever_the_number_of_rows(space, django_assert_num_queries):
    for index in range(30):
        unit = UnitFactory(level=GovernmentLevel.COUNTY)
        occupy(unit, space.b1 if index % 2 else space.b2, "50.00", staff=index)
    units = Unit.objects.count()
    with django_assert_num_queries(1):
        standard = standard_in_force()
    with django_assert_num_queries(1):
        assert len(list(occupancy_space(standard=standard))) == 34
    with django_assert_num_queries(1):
        assert len(list(unit_space(standard=standard))) == units
    with django_assert_num_queries(1):
        row = building_space(standard=standard).get(pk=space.b2.pk)
    assert row.staff_total == 4 + sum(range(0, 30, 2))
    with django_assert_num_queries(2):  # the standard, then the figures
        assert len(missing_limits()) == 0


def test_area_without_staff_is_not_judged(space):
    empty = occupy(space.wuhou, space.b1, "80.00")
    row = occupancy_space().get(pk=empty.pk)
    assert figures(row) == (m2("80.00"), 0, None, m2("0.00"), m2("80.00"), None)
    assert row.allowance_per_person_m2 is None
    assert unit_space().get(pk=space.wuhou.pk).over_standard is None


def test_counts_that_are_not_whole_numbers_count_as_no_staff(space):
    odd = occupy(space.wuhou, space.b1, "90.00", staff="many", section_chief=2.0, other=[1])
    row = occupancy_space().get(pk=odd.pk)
    assert (row.staff_total, row.allowance_m2) == (2, m2("36.00"))
    json_null = Value(None, JSONField())
    for stored in ([3, 4], "staff", 7, json_null):  # not an object: no staff, and no error
        Occupancy.objects.filter(pk=odd.pk).update(staff_by_rank=stored)
        row = occupancy_space().get(pk=odd.pk)
        assert (row.staff_total, row.uncounted_staff, row.uncounted_ranks) == (0, 0, [])
        assert building_space().get(pk=space.b1.pk).staff_total == 16


# -- the edition in force ----------------------------------------------------------------------


def test_the_latest_edition_is_used_unless_one_is_named(space):
    assert standard_in_force().edition == "2014"
    old = standard_in_force("1999")
    assert (old.edition, old.limits["county"]["staff"]) == ("1999", m2("6.00"))
    row = occupancy_space(standard=old).get(pk=space.occupancies["bureau_b1"].pk)
    assert (row.allowance_m2, row.excess_m2, row.over_standard) == (m2("72.00"), m2("54.00"), True)
    assert building_space(standard="1999").get(pk=space.b1.pk).allowance_m2 == m2("96.00")
    assert unit_space(standard="1999").get(pk=space.city.pk).allowance_m2 == m2("12.00")


def test_a_new_edition_is_in_force_once_loaded(space):
    SpaceStandard.objects.bulk_create(
        SpaceStandard(edition="2024", government_level=level, rank="staff", post="-", area_m2=20)
        for level in ("province", "city", "county")
    )
    assert standard_in_force().edition == "2024"
    b1 = building_space().get(pk=space.b1.pk)
    # only staff have a limit in it: 10 + 3 staff × 20; the section and division chiefs wait
    assert (b1.allowance_m2, b1.uncounted_staff) == (m2("260.00"), 3)
    assert standard_in_force("2014").limits["city"]["bureau_chief"] == m2("42.00")


def test_an_edition_without_rows_has_no_limits(space):
    none = standard_in_force("2015")
    assert (none.edition, dict(none.limits)) == ("2015", {})
    assert unit_space(standard=none).get(pk=space.bureau.pk).uncounted_staff == 14


def test_without_any_standard_nothing_is_allowed_and_every_rank_is_reported(space):
    SpaceStandard.objects.all().delete()
    assert standard_in_force().edition is None
    row = unit_space().get(pk=space.bureau.pk)
    assert (row.allowance_m2, row.uncounted_staff, row.over_standard) == (m2("0.00"), 14, True)
    assert {(m.government_level, m.rank) for m in missing_limits()} == {
        ("county", "section_chief"),
        ("county", "staff"),
        ("province", "division_chief"),
        ("province", "staff"),
        ("city", "bureau_chief"),
        ("city", "division_chief"),
    }


# -- ranks without a limit ---------------------------------------------------------------------


def test_a_rank_without_a_limit_at_the_units_level_is_reported_not_counted(space, english):
    # the 2014 table sets no county limit for a bureau deputy; "科员" is no rank at all
    odd = occupy(space.wuhou, space.b2, "60.00", bureau_deputy=1, staff=2, **{"科员": 3})
    row = occupancy_space().get(pk=odd.pk)
    # 科员 is left out of the staff (it is no rank), reported with the bureau deputy
    assert (row.staff_total, row.allowance_m2, row.uncounted_staff) == (3, m2("18.00"), 4)
    assert row.uncounted_ranks == ["bureau_deputy", "科员"]
    assert (row.excess_m2, row.over_standard) == (m2("42.00"), True)
    assert building_space().get(pk=space.b2.pk).uncounted_staff == 4
    assert unit_space().get(pk=space.wuhou.pk).uncounted_staff == 4

    found = missing_limits()
    assert found == [
        MissingLimit("county", "bureau_deputy", 1, 1, 1, "2014"),
        MissingLimit("county", "科员", 3, 1, 1, "2014"),
    ]
    assert found[0].message == (
        "No limit for rank “department-bureau deputy” at county level in edition 2014: "
        "1 staff are not counted in the allowance."
    )
    assert "“科员”" in found[1].message


def test_missing_limits_follow_the_edition_and_the_occupancies_asked_for(space):
    occupy(space.wuhou, space.b2, "60.00", bureau_deputy=1)
    assert missing_limits(standard="1999") == [
        MissingLimit("county", "bureau_deputy", 1, 1, 1, "1999")
    ]
    assert missing_limits(Occupancy.objects.filter(building=space.b1)) == []
    assert missing_limits(Occupancy.objects.filter(unit=space.wuhou))[0].rank == "bureau_deputy"


def test_a_missing_limit_at_one_level_is_not_hidden_by_another_levels_limit(space):
    # division_chief has a province, city and county limit; section_chief only a county one
    occupy(space.city, space.b1, "30.00", section_chief=1)
    assert missing_limits() == [MissingLimit("city", "section_chief", 1, 1, 1, "2014")]
    assert unit_space().get(pk=space.city.pk).uncounted_staff == 1


# -- scoping -----------------------------------------------------------------------------------


def test_an_officer_sees_only_their_units_figures(space):
    officer = space.users["officer"]
    assert list(unit_space(user=officer)) == [space.bureau]
    assert list(building_space(user=officer)) == [space.b1]
    assert set(occupancy_space(user=officer)) == {
        space.occupancies["bureau_b1"],
        space.occupancies["bureau_b2"],
    }
    assert missing_limits(user=officer) == []


def test_a_buildings_figures_cover_occupants_outside_the_readers_scope(space):
    # the 武侯 officer reads B2, whose occupants (the bureau, the city) are not theirs
    row = building_space(user=space.users["wuhou_officer"]).get()
    assert (row, row.occupied_m2, row.staff_total) == (space.b2, m2("96.01"), 4)
    assert list(occupancy_space(user=space.users["wuhou_officer"])) == []


def test_scoped_figures_equal_the_unscoped_ones(space):
    admin = space.users["province_admin"]
    assert [figures(b) for b in building_space(user=admin).order_by("pk")] == [
        figures(b) for b in building_space().order_by("pk")
    ]


def test_scope_narrows_a_given_queryset_and_hides_classified_buildings(space):
    secret = BuildingFactory(managing_unit=space.bureau, confidentiality=Confidentiality.SECRET)
    occupy(space.bureau, secret, "500.00", staff=1)
    officer = space.users["officer"]
    assert list(building_space(Building.objects.filter(name="二号楼"), user=officer)) == []
    assert list(building_space(user=officer)) == [space.b1]
    cleared = UserFactory(unit=space.bureau, role=Role.UNIT_OFFICER, clearance="secret")
    assert set(building_space(user=cleared)) == {space.b1, secret}


def test_an_account_without_a_read_scope_sees_nothing(space):
    auditor = UserFactory(unit=space.wuhou, role=Role.SECURITY_ADMIN)
    assert list(unit_space(user=auditor)) == []
    assert list(building_space(user=auditor)) == []
    assert missing_limits(user=auditor) == []
    assert list(vacant_rooms(user=auditor)) == []


# -- vacant space ------------------------------------------------------------------------------


def test_vacant_rooms_are_those_without_an_occupant(space):
    rooms = vacant_rooms().order_by("number")
    assert [(r.number, r.usable_area_m2, r.listed) for r in rooms] == [
        ("102", m2("20.50"), False),
        ("201", m2("30.00"), False),
        ("202", m2("25.25"), False),
    ]


def test_vacant_floors_have_rooms_all_vacant(space):
    floors = list(vacant_floors())
    assert [(f.number, f.room_count, f.vacant_area_m2, f.listed) for f in floors] == [
        (2, 2, m2("55.25"), False)
    ]


def test_listed_marks_space_offered_alone_or_with_its_floor(space):
    SpaceListing.objects.create(
        building=space.b1, floor=space.floors[2], usable_area_m2=m2("55.25"), share_prefix="51"
    )
    SpaceListing.objects.create(
        building=space.b1,
        floor=space.floors[1],
        room=space.rooms["102"],
        usable_area_m2=m2("20.50"),
        share_prefix="51",
    )
    assert {r.number: r.listed for r in vacant_rooms()} == {"102": True, "201": True, "202": True}
    assert [f.listed for f in vacant_floors()] == [True]
    SpaceListing.objects.update(status="withdrawn")
    assert {r.listed for r in vacant_rooms()} | {f.listed for f in vacant_floors()} == {False}


def test_vacant_space_is_scoped_by_the_building(space):
    assert list(vacant_rooms(user=space.users["wuhou_officer"])) == []
    assert list(vacant_floors(user=space.users["wuhou_officer"])) == []
    assert vacant_rooms(user=space.users["officer"]).count() == 3
    Building.objects.filter(pk=space.b1.pk).update(confidentiality=Confidentiality.SECRET)
    assert list(vacant_floors(user=space.users["officer"])) == []
    assert vacant_floors(user=space.users["province_admin"]).count() == 0  # internal clearance
