"""Indicator arithmetic on hand-made figures: every value is worked out by hand in the comments,
with the energy factors of migration 0002 (electricity 0.1229 kgce/kWh, gas 1.2143 kgce/m³)."""

from decimal import Decimal

import pytest

from portal.costs.choices import CostCategory, CostSource
from portal.costs.indicators import INDICATORS, UnitYear, compute
from portal.costs.models import EnergyFactor
from portal.org.models import Unit
from tests.factories import UnitFactory
from tests.portal.costs.factories import BasisFactory, BudgetFactory, CostRecordFactory

pytestmark = pytest.mark.django_db

C = CostCategory


def record(unit: Unit, category: str, amount: str, **fields: object) -> None:
    CostRecordFactory(
        unit=unit,
        year=fields.pop("year", 2024),
        category=category,
        amount_yuan=Decimal(amount),
        **fields,
    )


def one(unit: Unit, year: int = 2024) -> UnitYear:
    rows = [row for row in compute(Unit.objects.all(), [year]) if row.unit_id == unit.pk]
    assert len(rows) == 1
    return rows[0]


@pytest.fixture
def unit() -> Unit:
    """A unit in 2024: 39,600.00 yuan, 800 m², 30 staff, 4 vehicles, budget 40,000.00, and
    36,000.00 yuan in 2023."""
    unit = UnitFactory()
    for month in range(1, 13):  # 12 × 1,000.00 yuan, 12 × 1,500 kWh = 18,000 kWh
        record(unit, C.ELECTRICITY, "1000.00", month=month, quantity=Decimal("1500"))
    record(unit, C.WATER, "600.00", quantity=Decimal("300"))
    record(unit, C.GAS, "1000.00", quantity=Decimal("200"))
    record(unit, C.PROPERTY, "20000.00")
    for month in (3, 9):
        record(unit, C.VEHICLES, "3000.00", month=month, source=CostSource.FLEET)
    record(unit, C.PROPERTY, "36000.00", year=2023)
    BasisFactory(unit=unit, year=2024, usable_area_m2=Decimal("800.00"), staff=30, vehicles=4)
    BudgetFactory(unit=unit, year=2024, category=C.PROPERTY, amount_yuan=Decimal("25000.00"))
    BudgetFactory(unit=unit, year=2024, category=C.ELECTRICITY, amount_yuan=Decimal("15000.00"))
    return unit


def test_totals_and_categories(unit: Unit) -> None:
    row = one(unit)
    assert row.total_yuan == Decimal("39600.00")
    assert row.by_category == {
        **{category.value: Decimal("0") for category in CostCategory},
        "electricity": Decimal("12000.00"),
        "water": Decimal("600.00"),
        "gas": Decimal("1000.00"),
        "property": Decimal("20000.00"),
        "vehicles": Decimal("6000.00"),
    }
    assert sum(row.by_category.values()) == row.total_yuan
    assert (row.unit_name, row.level, row.kind, row.division_code, row.year) == (
        unit.name,
        "county",
        "government_organ",
        "510104",
        2024,
    )


def test_ratios(unit: Unit) -> None:
    row = one(unit)
    assert (row.area_m2, row.staff, row.vehicles) == (Decimal("800.00"), 30, 4)
    assert row.per_m2_yuan == Decimal("49.50")  # 39,600 / 800
    assert row.per_person_yuan == Decimal("1320.00")  # 39,600 / 30
    assert row.per_vehicle_yuan == Decimal("1500.00")  # 6,000 / 4
    # 18,000 kWh × 0.1229 = 2,212.2 and 200 m³ × 1.2143 = 242.86: 2,455.06 kgce
    assert row.energy_kgce == Decimal("2455.06")
    assert row.energy_per_m2_kgce == Decimal("3.07")  # 3.068825
    assert row.energy_per_person_kgce == Decimal("81.84")  # 81.83533…
    assert row.water_per_person_m3 == Decimal("10.00")  # 300 / 30


def test_budget_and_change(unit: Unit) -> None:
    row = one(unit)
    assert row.budget_yuan == Decimal("40000.00")
    assert row.execution_rate == Decimal("0.9900")  # 39,600 / 40,000
    assert row.yoy_change == Decimal("0.1000")  # (39,600 − 36,000) / 36,000
    last_year = one(unit, 2023)
    assert last_year.yoy_change is None  # nothing in 2022
    assert last_year.budget_yuan is last_year.execution_rate is None
    assert last_year.per_m2_yuan is None  # no basis in 2023


def test_indicator_accessor_follows_the_keys(unit: Unit) -> None:
    row = one(unit)
    assert [row.indicator(key) for key in INDICATORS] == [
        Decimal("49.50"),
        Decimal("1320.00"),
        Decimal("1500.00"),
        Decimal("3.07"),
        Decimal("81.84"),
        Decimal("10.00"),
        Decimal("0.1000"),
        Decimal("0.9900"),
    ]
    with pytest.raises(KeyError):
        row.indicator("total_yuan")


def test_rounding_is_half_up() -> None:
    unit = UnitFactory()
    record(unit, C.OTHER, "10.05")
    record(unit, C.OTHER, "8.00", year=2023)
    BasisFactory(unit=unit, year=2024, usable_area_m2=Decimal("2.00"), staff=2, vehicles=0)
    BudgetFactory(unit=unit, year=2024, category=C.OTHER, amount_yuan=Decimal("16.00"))
    row = one(unit)
    assert row.per_m2_yuan == row.per_person_yuan == Decimal("5.03")  # 5.025, not 5.02
    assert row.yoy_change == Decimal("0.2563")  # 2.05 / 8 = 0.25625
    assert row.execution_rate == Decimal("0.6281")  # 10.05 / 16 = 0.628125


def test_missing_denominators_give_none() -> None:
    unit = UnitFactory()
    record(unit, C.RENT, "5000.00")
    BasisFactory(unit=unit, year=2024, usable_area_m2=Decimal("0"), staff=0, vehicles=0)
    row = one(unit)
    assert row.total_yuan == Decimal("5000.00")
    assert row.per_m2_yuan is row.per_person_yuan is row.per_vehicle_yuan is None
    assert row.energy_kgce is row.energy_per_m2_kgce is row.water_per_person_m3 is None
    assert row.budget_yuan is row.execution_rate is row.yoy_change is None
    assert row.outliers == ()


def test_rows_only_for_years_with_records_in_unit_order() -> None:
    first, second, idle = (
        UnitFactory(name="A单位"),
        UnitFactory(name="B单位"),
        UnitFactory(name="C单位"),
    )
    record(second, C.OTHER, "1.00", year=2022)
    record(first, C.OTHER, "1.00", year=2023)
    record(first, C.OTHER, "1.00", year=2024)
    rows = compute(Unit.objects.filter(pk__in=[first.pk, second.pk, idle.pk]), [2022, 2023, 2024])
    assert [(row.unit_id, row.year) for row in rows] == [
        (first.pk, 2023),
        (first.pk, 2024),
        (second.pk, 2022),
    ]
    assert compute(Unit.objects.filter(pk=idle.pk), [2024]) == []
    assert compute(Unit.objects.all(), []) == []


def test_metered_water_is_carried_and_never_energy(unit: Unit) -> None:
    # A water factor entered by mistake must not turn water into energy.
    EnergyFactor.objects.update_or_create(
        category=C.WATER, defaults={"unit": "m³", "kgce_per_unit": Decimal("0.0857")}
    )
    row = one(unit)
    assert row.water_m3 == Decimal("300.00")
    assert row.energy_kgce == Decimal("2455.06")  # electricity and gas only, as above
    assert one(unit, 2023).water_m3 is None  # no metered water that year
