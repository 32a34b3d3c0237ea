"""The outlier rule: a unit's indicator against the median of its peers (same level and kind,
same year, over every unit whoever looks), judged from ``min_peers`` units on, flagged beyond
``outlier_factor`` × the median or below the median ÷ the factor."""

from decimal import Decimal

import pytest
from django.utils import translation

from portal.core.choices import Confidentiality, GovernmentLevel
from portal.costs.choices import CostCategory
from portal.costs.indicators import UnitYear, compute, compute_for
from portal.org.choices import Role, UnitKind
from portal.org.models import Unit
from tests.factories import BuildingFactory, UnitFactory, UserFactory
from tests.portal.costs.factories import BasisFactory, CostRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rule(settings: pytest.FixtureRequest) -> None:
    settings.TIANFU_COSTS = {"outlier_factor": 1.5, "min_peers": 5}


def peer(per_m2: str, *, year: int = 2024, code: str = "510104", **fields: object) -> Unit:
    """A unit whose only indicator is its cost per m² (100 m², no staff, no vehicles)."""
    unit = UnitFactory(division_code=code, **fields)
    amount = Decimal(per_m2) * 100
    CostRecordFactory(unit=unit, year=year, category=CostCategory.OTHER, amount_yuan=amount)
    BasisFactory(unit=unit, year=year, usable_area_m2=Decimal("100.00"), staff=0, vehicles=0)
    return unit


def row_of(unit: Unit, rows: list[UnitYear] | None = None) -> UnitYear:
    rows = compute(Unit.objects.all(), [2024]) if rows is None else rows
    return next(row for row in rows if row.unit_id == unit.pk)


def test_a_group_below_min_peers_is_not_judged() -> None:
    for _ in range(3):
        peer("100")
    far = peer("1000")
    assert row_of(far).outliers == ()


def test_exactly_factor_times_the_median_is_not_flagged() -> None:
    for _ in range(4):
        peer("100")
    edge = peer("150")
    assert row_of(edge).outliers == ()


def test_above_is_flagged_with_its_reason() -> None:
    for _ in range(4):
        peer("100")
    high = peer("150.01")
    with translation.override("en"):
        (outlier,) = row_of(high).outliers
    assert outlier.indicator == "per_m2_yuan"
    assert (outlier.value, outlier.median, outlier.peers, outlier.ratio) == (
        Decimal("150.01"),
        Decimal("100.00"),
        5,
        Decimal("1.50"),
    )
    assert outlier.reason == (
        "Cost per m² 150.01 yuan is 1.50 × the median 100.00 of 5 county-level units of kind "
        "“government organ” in 2024: above 1.5 × the median."
    )


def test_below_is_flagged_and_its_edge_is_not() -> None:
    for _ in range(4):
        peer("150")
    edge, low = peer("100"), peer("99.99")
    assert row_of(edge).outliers == ()  # 100 × 1.5 = the median
    with translation.override("en"):
        (outlier,) = row_of(low).outliers
    assert outlier.ratio == Decimal("0.67")
    assert outlier.reason.endswith("in 2024: below the median ÷ 1.5.")


def test_the_median_of_an_even_group_is_the_mean_of_the_middle_two() -> None:
    units = [peer(value) for value in ("100", "100", "101", "103.01", "200", "300")]
    (outlier,) = row_of(units[-1]).outliers
    # (101 + 103.01) / 2 = 102.005, rounded half-up
    assert (outlier.median, outlier.peers, outlier.ratio) == (Decimal("102.01"), 6, Decimal("2.94"))
    assert [o.ratio for o in row_of(units[-2]).outliers] == [Decimal("1.96")]  # 200 > 153.015
    assert row_of(units[0]).outliers == ()  # 100 is not below 102.01 / 1.5


def test_peers_share_level_kind_and_year() -> None:
    for _ in range(4):
        peer("100")
    for _ in range(3):
        peer("100", kind=UnitKind.PUBLIC_INSTITUTION)
        peer("100", level=GovernmentLevel.CITY)
        peer("100", year=2023)
    high = peer("200")
    (outlier,) = row_of(high).outliers
    assert outlier.peers == 5
    odd = peer("200", kind=UnitKind.PUBLIC_INSTITUTION)
    assert row_of(odd).outliers == ()  # a group of 4


def test_a_zero_median_judges_nobody() -> None:
    for _ in range(4):
        peer("0")
    assert row_of(peer("5")).outliers == ()


def test_every_judged_indicator_is_checked() -> None:
    units = [UnitFactory() for _ in range(5)]
    for index, unit in enumerate(units):
        high = index == 4
        CostRecordFactory(
            unit=unit,
            year=2024,
            category=CostCategory.VEHICLES,
            amount_yuan=Decimal("400.00") if high else Decimal("100.00"),
        )
        CostRecordFactory(
            unit=unit,
            year=2024,
            category=CostCategory.ELECTRICITY,
            amount_yuan=Decimal("0"),
            quantity=Decimal("1000"),
        )
        BasisFactory(unit=unit, year=2024, usable_area_m2=Decimal("100"), staff=10, vehicles=1)
    flagged = {outlier.indicator for outlier in row_of(units[4]).outliers}
    # the cost per m², per person and per vehicle are 4 × the others'; energy is the same
    assert flagged == {"per_m2_yuan", "per_person_yuan", "per_vehicle_yuan"}


def test_the_median_does_not_depend_on_the_reader() -> None:
    for _ in range(4):
        peer("100", code="510107")
    mine = peer("300")
    admin = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104"))
    rows = compute_for(admin, [2024])
    assert {row.division_code for row in rows} == {"510104"}
    (outlier,) = row_of(mine, rows).outliers
    assert (outlier.median, outlier.peers) == (Decimal("100.00"), 5)


def test_rows_follow_the_readers_scope() -> None:
    jinjiang, wuhou, mianyang = (
        peer("1", code="510104"),
        peer("1", code="510107"),
        peer("1", code="510703"),
    )
    province = UserFactory(role=Role.PROVINCE_ADMIN, clearance=Confidentiality.CONFIDENTIAL)
    chengdu = UserFactory(role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100"))
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=wuhou)
    security = UserFactory(role=Role.SECURITY_ADMIN)

    def ids(user: object, prefix: str = "") -> set[int]:
        return {row.unit_id for row in compute_for(user, [2024], division_prefix=prefix)}

    assert ids(province) == {jinjiang.pk, wuhou.pk, mianyang.pk}
    assert ids(province, "5107") == {mianyang.pk}
    assert ids(chengdu) == {jinjiang.pk, wuhou.pk}
    assert ids(officer) == {wuhou.pk}
    assert ids(security) == set()


def test_records_on_a_classified_building_are_hidden_like_it() -> None:
    unit = peer("10")
    secret = BuildingFactory(managing_unit=unit, confidentiality=Confidentiality.SECRET)
    CostRecordFactory(
        unit=unit, building=secret, year=2024, category=CostCategory.RENT, amount_yuan=Decimal("5")
    )
    other = UnitFactory()
    CostRecordFactory(
        unit=other, building=secret, year=2024, category=CostCategory.RENT, amount_yuan=Decimal("7")
    )
    cleared = UserFactory(role=Role.PROVINCE_ADMIN, clearance=Confidentiality.SECRET)
    internal = UserFactory(role=Role.PROVINCE_ADMIN, clearance=Confidentiality.INTERNAL)
    seen = {row.unit_id: row.total_yuan for row in compute_for(cleared, [2024])}
    assert seen == {unit.pk: Decimal("1005.00"), other.pk: Decimal("7.00")}
    hidden = {row.unit_id: row for row in compute_for(internal, [2024])}
    assert list(hidden) == [unit.pk]  # the other unit's only record is on the building
    assert hidden[unit.pk].total_yuan == Decimal("1000.00")
    assert hidden[unit.pk].by_category["rent"] == Decimal("0")
    assert hidden[unit.pk].per_m2_yuan == Decimal("10.00")
