"""A county's return for the records tests: 锦江区 510104 with its administrator's own unit and
a second unit (with an officer) that occupies one building and manages another; 武侯区 510107
with its administrator and a unit; the round of 2025 open, 锦江区's return not started."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal.buildings.models import Building, Occupancy
from portal.costs.choices import ReturnStatus
from portal.costs.models import CostReturn
from portal.costs.services.records import Line, UnitFigures
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import BuildingFactory, UnitFactory, UserFactory
from tests.portal.costs.factories import CampaignFactory, ReturnFactory


@dataclass
class World:
    admin: User
    own_unit: Unit
    unit: Unit
    officer: User
    occupied: Building
    managed: Building
    foreign: Building
    other_admin: User
    other_unit: Unit
    cost_return: CostReturn
    other_return: CostReturn

    def ret(self) -> CostReturn:
        return CostReturn.objects.select_related("campaign", "division").get(pk=self.cost_return.pk)


def make_world() -> World:
    own_unit = UnitFactory(name="锦江区机关事务服务中心", division_code="510104")
    unit = UnitFactory(name="锦江区测试局", division_code="510104")
    other_unit = UnitFactory(name="武侯区测试局", division_code="510107")
    occupied = BuildingFactory(name="合署办公楼", managing_unit=own_unit)
    Occupancy.objects.create(unit=unit, building=occupied, usable_area_m2=Decimal("800.00"))
    campaign = CampaignFactory(year=2025)
    return World(
        admin=UserFactory(role=Role.DIVISION_ADMIN, unit=own_unit),
        own_unit=own_unit,
        unit=unit,
        officer=UserFactory(role=Role.UNIT_OFFICER, unit=unit),
        occupied=occupied,
        managed=BuildingFactory(name="档案楼", managing_unit=unit),
        foreign=BuildingFactory(name="武侯大楼", managing_unit=other_unit),
        other_admin=UserFactory(role=Role.DIVISION_ADMIN, unit=other_unit),
        other_unit=other_unit,
        cost_return=ReturnFactory(
            campaign=campaign, division_code="510104", status=ReturnStatus.NOT_STARTED
        ),
        other_return=ReturnFactory(
            campaign=campaign, division_code="510107", status=ReturnStatus.NOT_STARTED
        ),
    )


def line(category: str, amount: str, **fields: object) -> Line:
    fields.setdefault("where", f"{category}-{fields.get('month')}")
    return Line(category=category, amount_yuan=Decimal(amount), **fields)  # type: ignore[arg-type]


def figures(unit: Unit, *lines: Line, **fields: object) -> UnitFigures:
    return UnitFigures(unit=unit, lines=tuple(lines), **fields)  # type: ignore[arg-type]
