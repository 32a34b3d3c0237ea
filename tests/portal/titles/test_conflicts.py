"""The detectors of the conflict register on crafted geometries: found when they should be, not
on clean data, and exactly at their tolerances."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from portal.buildings.models import Occupancy
from portal.core.history import load_events
from portal.org.choices import Role
from portal.parcels.choices import ConflictKind, FindingStatus
from portal.parcels.conflicts import accept_finding, detect_conflicts, resolve_finding
from portal.parcels.exceptions import (
    FindingForbiddenError,
    FindingReasonError,
    FindingStateError,
)
from portal.parcels.models import Certificate, ConflictRun, Finding, Parcel, Right, TitleCase
from portal.parcels.tolerances import Tolerances
from tests.factories import UnitFactory, UserFactory, division
from tests.portal.titles.conflict_data import building, parcel, rect

pytestmark = pytest.mark.django_db

GOOD_CODE = "510104001002GB00001W00000000"


def found(kind: str, **tolerances: float) -> list[Finding]:
    detect_conflicts(tolerances=Tolerances(**tolerances))
    return list(Finding.objects.filter(kind=kind, status=FindingStatus.OPEN).order_by("key"))


@pytest.fixture
def holder():
    return UnitFactory(division_code="510104")


def test_clean_data_has_no_findings(holder):
    """Neighbouring parcels sharing an edge, each with a building inside, codes and areas right."""
    left = parcel(holder, x=0, y=0, real_estate_unit_code=GOOD_CODE, certificate_no="川(2020)1号")
    parcel(holder, x=50, y=0, certificate_no="川(2020)2号")
    Parcel.objects.filter(pk=left.pk).update(certificate_area_m2=Decimal(round(left.area_m2, 2)))
    building(holder, x=10, y=10)
    inside = building(holder, x=60, y=10)
    Occupancy.objects.create(unit=holder, building=inside, usable_area_m2=100)
    Certificate.objects.create(number="川（2020）1号 ", holder=holder, parcel=left)
    Right.objects.create(kind="land_allocated", holder=holder, parcel=left, share=1)
    run = detect_conflicts()
    assert Finding.objects.count() == 0
    assert all(sum(counts.values()) == 0 for counts in run.counts.values())
    assert set(run.counts) == set(ConflictKind.values)


# -- parcel overlaps --------------------------------------------------------------------------


def test_overlap_is_found_with_its_area_and_shares(holder):
    a = parcel(holder, x=0, y=0, w=20, h=20)
    b = parcel(x=15, y=0, w=20, h=20)
    [finding] = found(ConflictKind.PARCEL_OVERLAP)
    assert finding.key == f"{a.pk}:{b.pk}"
    assert (finding.parcel, finding.other_parcel, finding.unit) == (a, b, holder)
    assert finding.measures["overlap_m2"] == pytest.approx(100, rel=0.01)
    assert finding.measures["share_a"] == pytest.approx(25, rel=0.01)
    assert finding.measures["share_b"] == pytest.approx(25, rel=0.01)
    assert finding.geom.geom_type == "MultiPolygon"
    assert finding.geom.area == pytest.approx(b.geom.intersection(a.geom).area)


@pytest.mark.parametrize(("side_m", "reported"), [(0.95, False), (1.05, True)])
def test_overlap_below_the_minimum_area_is_ignored(holder, side_m, reported):
    parcel(holder, x=0, y=0, w=20, h=20)
    parcel(x=20 - side_m, y=20 - side_m, w=20, h=20)  # corners overlap side × side
    findings = found(ConflictKind.PARCEL_OVERLAP, min_overlap_m2=1.0, sliver_width_m=0)
    assert bool(findings) is reported


@pytest.mark.parametrize(("width_m", "reported"), [(0.9, False), (2.0, True)])
def test_sliver_along_a_shared_boundary_is_ignored(holder, width_m, reported):
    parcel(holder, x=0, y=0, w=20, h=20)
    parcel(x=20 - width_m, y=0, w=20, h=20)  # a strip width × 20 m
    assert bool(found(ConflictKind.PARCEL_OVERLAP)) is reported


def test_touching_parcels_do_not_overlap(holder):
    parcel(holder, x=0, y=0, w=20, h=20)
    parcel(x=20, y=20, w=20, h=20)  # one corner in common
    assert found(ConflictKind.PARCEL_OVERLAP, sliver_width_m=0, min_overlap_m2=0) == []


# -- buildings off their parcel ------------------------------------------------------------------


@pytest.mark.parametrize(("off_m", "reported"), [(0.1, False), (0.3, True)])
def test_building_partly_off_its_parcel_beyond_the_tolerance(holder, off_m, reported):
    land = parcel(holder, x=0, y=0)
    house = building(holder, x=50 - 10 + off_m, y=10)  # off_m × 10 m of 100 m² outside
    findings = found(ConflictKind.BUILDING_OUTSIDE)
    assert bool(findings) is reported
    if reported:
        [finding] = findings
        assert (finding.key, finding.building, finding.parcel) == (str(house.pk), house, land)
        assert finding.measures["status"] == "straddling"
        assert finding.measures["share_outside"] == pytest.approx(3, rel=0.02)
        assert finding.measures["outside_m2"] == pytest.approx(3, rel=0.02)
        assert finding.geom.area == pytest.approx(house.footprint.area * 0.03, rel=0.02)


def test_building_on_no_parcel_is_outside_and_its_unit_answers(holder):
    manager = UnitFactory(division_code="510104")
    house = building(manager, x=500, y=500)
    [finding] = found(ConflictKind.BUILDING_OUTSIDE)
    assert finding.parcel is None
    assert finding.unit == manager
    assert finding.measures["status"] == "outside"
    assert finding.measures["share_outside"] == 100
    assert finding.geom.equals(house.footprint)


def test_the_case_parcel_rules_over_the_geometry(holder):
    parcel(holder, x=0, y=0)
    elsewhere = parcel(holder, x=200, y=0)
    house = building(holder, x=10, y=10)
    TitleCase.objects.create(building=house, parcel=elsewhere)
    [finding] = found(ConflictKind.BUILDING_OUTSIDE)
    assert finding.parcel == elsewhere
    assert finding.measures["status"] == "outside"


def test_a_building_without_footprint_counts_by_its_location(holder):
    parcel(holder, x=0, y=0)
    building(holder, x=20, y=20, w=0)
    building(holder, x=300, y=300, w=0)
    [finding] = found(ConflictKind.BUILDING_OUTSIDE)
    assert finding.geom is None
    assert finding.measures["outside_m2"] is None


# -- occupants, titles, claims --------------------------------------------------------------------


def test_occupant_other_than_the_holder(holder):
    land = parcel(holder, x=0, y=0)
    house = building(holder, x=10, y=10)
    guest = UnitFactory(division_code="510104", name="借用单位")
    Occupancy.objects.create(unit=guest, building=house, usable_area_m2=50)
    Occupancy.objects.create(unit=holder, building=house, usable_area_m2=50)
    [finding] = found(ConflictKind.OCCUPANT_NOT_HOLDER)
    assert finding.key == f"{house.pk}:{land.pk}"
    assert finding.measures["occupants"] == [{"id": guest.pk, "name": "借用单位"}]


def test_occupants_of_a_parcel_of_the_offices_administration_are_normal(holder):
    administration = UnitFactory(division_code="510104", offices_administration=True)
    parcel(administration, x=0, y=0)
    house = building(holder, x=10, y=10)
    Occupancy.objects.create(unit=holder, building=house, usable_area_m2=50)
    assert found(ConflictKind.OCCUPANT_NOT_HOLDER) == []


def test_duplicate_certificate_numbers_across_objects(holder):
    first = parcel(holder, x=0, y=0, certificate_no="川(2019)成都市不动产权第0001号")
    second = parcel(holder, x=100, y=0)
    number = " 川（2019）成都市不动产权第0001号"  # full-width parentheses, a stray space
    Certificate.objects.create(number=number, holder=holder, parcel=second)
    [finding] = found(ConflictKind.DUPLICATE_CERTIFICATE)
    assert finding.key == "川(2019)成都市不动产权第0001号"
    assert (finding.parcel, finding.other_parcel) == (first, second)
    assert len(finding.measures["records"]) == 2
    assert finding.geom.area == pytest.approx(first.geom.area + second.geom.area)


def test_a_parcels_own_certificate_is_not_a_duplicate(holder):
    land = parcel(holder, x=0, y=0, certificate_no="ABC-1")
    Certificate.objects.create(number="abc-1", holder=holder, parcel=land)
    assert found(ConflictKind.DUPLICATE_CERTIFICATE) == []


def test_duplicate_unit_code_on_a_building_certificate_takes_its_confidentiality(holder):
    land = parcel(holder, x=0, y=0, real_estate_unit_code=GOOD_CODE)
    house = building(holder, x=200, y=200, secret=True)
    Certificate.objects.create(
        number="X-2", holder=holder, building=house, real_estate_unit_code=GOOD_CODE.lower()
    )
    [finding] = found(ConflictKind.DUPLICATE_UNIT_CODE)
    assert (finding.key, finding.parcel, finding.building) == (GOOD_CODE, land, house)
    assert finding.confidentiality == "secret"


def test_parcel_claimed_by_two_units(holder):
    land = parcel(holder, x=0, y=0)
    other = UnitFactory(division_code="510104")
    Right.objects.create(kind="land_allocated", holder=holder, parcel=land, share=1)
    Right.objects.create(kind="use", holder=other, parcel=land, share=Decimal("0.5"))
    # An ended right no longer claims anything.
    Right.objects.create(
        kind="use", holder=UnitFactory(), parcel=parcel(holder, x=100, y=0), share=1,
        end_date="2001-01-01",
    )  # fmt: skip
    [finding] = found(ConflictKind.DOUBLE_CLAIM)
    assert finding.key == str(land.pk)
    assert float(finding.measures["total_share"]) == 1.5
    assert {r["unit_id"] for r in finding.measures["rights"]} == {holder.pk, other.pk}


def test_shares_adding_up_to_one_are_no_double_claim(holder):
    land = parcel(holder, x=0, y=0)
    Right.objects.create(kind="use", holder=holder, parcel=land, share=Decimal("0.6"))
    Right.objects.create(kind="use", holder=UnitFactory(), parcel=land, share=Decimal("0.4"))
    assert found(ConflictKind.DOUBLE_CLAIM) == []


# -- areas and codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("factor", "reported"), [(1.049, False), (1.051, True), (0.949, True)])
def test_certificate_area_against_the_geodesic_area(holder, factor, reported):
    land = parcel(holder, x=0, y=0)
    stated = Decimal(str(round(land.area_m2 * factor, 2)))
    Parcel.objects.filter(pk=land.pk).update(certificate_area_m2=stated)
    findings = found(ConflictKind.AREA_MISMATCH)
    assert bool(findings) is reported
    if reported:
        assert findings[0].key == f"parcel:{land.pk}"
        assert findings[0].measures["difference_pct"] == pytest.approx(100 * (factor - 1), abs=0.02)


def test_certificate_of_a_parcel_is_checked_on_its_own(holder):
    land = parcel(holder, x=0, y=0)
    cert = Certificate.objects.create(
        number="C-1", holder=holder, parcel=land, certificate_area_m2=Decimal(3000)
    )
    [finding] = found(ConflictKind.AREA_MISMATCH)
    assert finding.key == f"certificate:{cert.pk}"
    assert finding.measures["certificate_m2"] == 3000


@pytest.mark.parametrize(
    ("code", "division_code", "problems"),
    [
        ("510104001002GB00001W0000000X", "510104", ["malformed"]),
        ("510104001002GB00000W00000000", "510104", ["malformed"]),
        ("510107001002GB00001W00000000", "510104", ["division", "location"]),
        ("510107001002GB00001W00000000", "510107", ["location"]),
    ],
)
def test_codes_malformed_or_naming_another_county(code, division_code, problems):
    division("510104")
    owner = UnitFactory(division_code=division_code)
    land = parcel(owner, x=0, y=0, real_estate_unit_code=code)  # located in 锦江区 510104
    [finding] = found(ConflictKind.CODE_MISMATCH)
    assert finding.key == str(land.pk)
    assert finding.measures["problems"] == problems
    assert finding.measures["location_code"] == "510104"


# -- the register across runs ---------------------------------------------------------------------


@pytest.fixture
def conflicted(holder):
    """An overlap, a building off its parcel and a duplicate certificate number."""
    a = parcel(holder, x=0, y=0, w=20, h=20, certificate_no="N-1")
    b = parcel(holder, x=15, y=0, w=20, h=20, certificate_no="n-1")
    building(holder, x=30, y=15)
    return a, b


def snapshot() -> dict[tuple[str, str], tuple]:
    rows = Finding.objects.values_list("kind", "key", "pk", "status", "updated_at", "measures")
    return {(kind, key): rest for kind, key, *rest in rows}


def test_a_second_run_on_unchanged_data_changes_no_finding(conflicted):
    first = detect_conflicts()
    before, events = snapshot(), len(load_events(Finding))
    assert {kind for kind, _ in before} == {
        "parcel_overlap", "building_outside", "duplicate_certificate"
    }  # fmt: skip
    second = detect_conflicts()
    assert snapshot() == before
    assert len(load_events(Finding)) == events
    assert first.counts["parcel_overlap"] == {"found": 1, "new": 1, "reopened": 0, "closed": 0}
    assert second.counts["parcel_overlap"] == {"found": 1, "new": 0, "reopened": 0, "closed": 0}
    assert second.tolerances == Tolerances().as_dict()
    assert second.finished_at is not None


def test_a_fixed_cause_closes_the_finding_with_the_run(conflicted):
    _, b = conflicted
    detect_conflicts()
    Parcel.objects.filter(pk=b.pk).update(geom=rect(20, 0, 20, 20))  # now only touching
    run = detect_conflicts()
    finding = Finding.objects.get(kind=ConflictKind.PARCEL_OVERLAP)
    assert (finding.status, finding.closed_run) == (FindingStatus.RESOLVED, run)
    assert finding.reason == f"closed automatically by run #{run.pk}"
    assert run.counts["parcel_overlap"]["closed"] == 1


def test_a_finding_resolved_by_hand_but_still_there_reopens(conflicted, holder):
    detect_conflicts()
    finding = Finding.objects.get(kind=ConflictKind.PARCEL_OVERLAP)
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=holder)
    resolve_finding(finding, "moved the fence", by=officer)
    run = detect_conflicts()
    finding.refresh_from_db()
    assert (finding.status, finding.closed_run, finding.reason) == (FindingStatus.OPEN, None, "")
    assert run.counts["parcel_overlap"]["reopened"] == 1


def test_an_accepted_finding_survives_runs_and_follows_its_measures(conflicted, holder):
    _, b = conflicted
    detect_conflicts()
    finding = Finding.objects.get(kind=ConflictKind.PARCEL_OVERLAP)
    admin = UserFactory(role=Role.DIVISION_ADMIN, unit=holder)
    accept_finding(finding, "shared courtyard by agreement", by=admin)
    Parcel.objects.filter(pk=b.pk).update(geom=rect(10, 0, 20, 20))  # a larger overlap
    detect_conflicts()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACCEPTED
    assert finding.reason == "shared courtyard by agreement"
    assert finding.measures["overlap_m2"] == pytest.approx(200, rel=0.01)


def test_decisions_need_a_reason_the_right_role_and_scope(conflicted, holder):
    detect_conflicts()
    finding = Finding.objects.get(kind=ConflictKind.PARCEL_OVERLAP)
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=holder)
    stranger = UserFactory(role=Role.UNIT_OFFICER, unit=UnitFactory(division_code="510104"))
    with pytest.raises(FindingReasonError):
        resolve_finding(finding, "  ", by=officer)
    with pytest.raises(FindingForbiddenError):
        resolve_finding(finding, "not mine", by=stranger)
    with pytest.raises(FindingForbiddenError):
        accept_finding(finding, "fine", by=officer)
    resolve_finding(finding, "surveyed again", by=officer)
    with pytest.raises(FindingStateError):
        resolve_finding(finding, "twice", by=officer)
    last = load_events(finding)[-1]
    assert (last.pgh_label, last.pgh_context["user"]) == ("update", officer.pk)
    assert last.pgh_data["reason"] == "surveyed again"


# -- two runs at once -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_wait_for_each_other():
    """The advisory lock serialises runs: both finish, the second finds every finding the
    first opened (no duplicate key, nothing new, nothing closed)."""
    holder = UnitFactory(division_code="510104")
    parcel(holder, x=0, y=0, w=20, h=20)
    parcel(x=15, y=0, w=20, h=20)
    building(holder, x=500, y=500)
    barrier = threading.Barrier(2)
    runs: list[object] = []

    def attempt():
        try:
            barrier.wait()
            runs.append(detect_conflicts())
        except Exception as exc:
            runs.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(run, ConflictRun) for run in runs), runs
    first, second = sorted(runs, key=lambda run: run.pk)
    new = {kind: counts["new"] for kind, counts in first.counts.items() if counts["new"]}
    assert new == {ConflictKind.PARCEL_OVERLAP: 1, ConflictKind.BUILDING_OUTSIDE: 1}
    assert all(c["new"] == c["closed"] == 0 for c in second.counts.values())
    assert second.counts[ConflictKind.PARCEL_OVERLAP]["found"] == 1
    assert Finding.objects.count() == 2
