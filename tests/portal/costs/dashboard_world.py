"""A hand-made world for the dashboard and its exports, with figures worked out by hand.

2024 (the year shown), per unit: records → total; basis area / staff / vehicles; budget.

  甲 county organ, 锦江区 510104: property 10000 + electricity 4700 (10000 kWh) + water 300
       (100 m³) = 15000; 2023: 10000; basis 100 m², 10 staff, 2 vehicles; budget 20000;
       3000 of its property is on building ``tower`` (in the 15000).
  乙 county organ, 武侯区 510107: property 30000; basis 200 m², 20 staff; budget 30000.
  丙 county organ, 涪城区 510703: property 8000; no basis.
  丁 city organ, 成都市 510100: property 12000; basis 100 m², 5 staff.
  戊 province organ, 四川省 510000: property 5000; basis 50 m², 5 staff.

Cost per m² by city: 成都 (15000 + 30000 + 12000) / (100 + 200 + 100) = 142.50; 绵阳 none
(丙 has no area), total 8000; 戊 lies above the city level. All shown: 62000 / 450 = 137.78.
By county: 锦江 150.00, 武侯 150.00, 涪城 none; 丁 and 戊 above the level.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portal.core.choices import GovernmentLevel
from portal.costs.choices import CampaignStatus, CostCategory
from portal.org.choices import Role
from tests.factories import BuildingFactory, UnitFactory, UserFactory
from tests.portal.costs.factories import (
    BasisFactory,
    BudgetFactory,
    CampaignFactory,
    CostRecordFactory,
)

YEAR = 2024


@dataclass
class World:
    jia: Any
    yi: Any
    bing: Any
    ding: Any
    wu: Any
    tower: Any
    province_admin: Any
    county_admin: Any  # 锦江区's administrator
    officer: Any  # 乙's unit officer


def record(unit: Any, amount: str, category: str = CostCategory.PROPERTY, **fields: Any) -> Any:
    return CostRecordFactory(
        unit=unit,
        year=fields.pop("year", YEAR),
        category=category,
        amount_yuan=Decimal(amount),
        **fields,
    )


def _units() -> dict[str, Any]:
    county = {"level": GovernmentLevel.COUNTY}
    return {
        "jia": UnitFactory(name="甲单位", division_code="510104", **county),
        "yi": UnitFactory(name="乙单位", division_code="510107", **county),
        "bing": UnitFactory(name="丙单位", division_code="510703", **county),
        "ding": UnitFactory(name="丁单位", division_code="510100", level=GovernmentLevel.CITY),
        "wu": UnitFactory(name="戊单位", division_code="510000", level=GovernmentLevel.PROVINCE),
    }


def _jia(jia: Any, tower: Any) -> None:
    record(jia, "7000")
    record(jia, "3000", building=tower, month=None)
    record(jia, "4700", CostCategory.ELECTRICITY, quantity=Decimal("10000"))
    record(jia, "300", CostCategory.WATER, quantity=Decimal("100"))
    record(jia, "10000", year=YEAR - 1)
    BasisFactory(unit=jia, year=YEAR, usable_area_m2=Decimal("100"), staff=10, vehicles=2)
    BudgetFactory(unit=jia, year=YEAR, amount_yuan=Decimal("20000"))


def build_world(*, published: bool = False) -> World:
    units = _units()
    tower = BuildingFactory(
        name="锦江大楼", managing_unit=units["jia"], usable_area_m2=Decimal("500")
    )
    _jia(units["jia"], tower)
    record(units["yi"], "30000")
    BasisFactory(unit=units["yi"], year=YEAR, usable_area_m2=Decimal("200"), staff=20, vehicles=0)
    BudgetFactory(unit=units["yi"], year=YEAR, amount_yuan=Decimal("30000"))
    record(units["bing"], "8000")
    record(units["ding"], "12000")
    BasisFactory(unit=units["ding"], year=YEAR, usable_area_m2=Decimal("100"), staff=5, vehicles=0)
    record(units["wu"], "5000")
    BasisFactory(unit=units["wu"], year=YEAR, usable_area_m2=Decimal("50"), staff=5, vehicles=0)
    status = CampaignStatus.PUBLISHED if published else CampaignStatus.OPEN
    CampaignFactory(year=YEAR, status=status)
    return World(
        **units,
        tower=tower,
        province_admin=UserFactory(role=Role.PROVINCE_ADMIN, unit=units["wu"]),
        county_admin=UserFactory(role=Role.DIVISION_ADMIN, unit=units["jia"]),
        officer=UserFactory(role=Role.UNIT_OFFICER, unit=units["yi"]),
    )
