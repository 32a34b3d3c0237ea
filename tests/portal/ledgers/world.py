"""A small world for the office-space reports, with figures worked out by hand.

锦江区 (510104): a county bureau occupying two buildings and the district's offices
administration; 武侯区 (510107): another county unit. Space standard "2014" of
tests/portal/buildings/space_data.py (county: section chief 18 m², staff 9 m²).

    bureau in B1 (case registered)  section_chief 2 + staff 10  126.00 m²  allows 126  within
    bureau in B2 (no title case)    staff 2                      30.00 m²  allows  18  12 over
    sub-ledger totals               staff 14                    156.00 m²  allows 144  excess 12
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from portal.buildings.models import Building
from portal.core.choices import GovernmentLevel
from portal.ledgers.choices import LedgerAction, LedgerKind
from portal.ledgers.models import SpaceReport
from portal.ledgers.services import take_report, transition_report
from portal.org.choices import Role
from portal.org.models import Unit, User
from portal.parcels.choices import CaseStatus
from portal.parcels.models import TitleCase
from tests.factories import BuildingFactory, UnitFactory, UserFactory
from tests.portal.buildings.space_data import load_standard, occupy

YEAR = timezone.localdate().year


@dataclass
class World:
    bureau: Unit
    wuhou: Unit
    administration: Unit
    b1: Building
    b2: Building
    users: dict[str, User] = field(default_factory=dict)


def world() -> World:
    load_standard()
    county = GovernmentLevel.COUNTY
    bureau = UnitFactory(name="锦江区测试局", level=county)
    administration = UnitFactory(name="锦江区机关事务管理局", offices_administration=True)
    wuhou = UnitFactory(name="武侯区测试局", division_code="510107")
    data = World(
        bureau=bureau,
        wuhou=wuhou,
        administration=administration,
        b1=BuildingFactory(name="一号楼", managing_unit=bureau, address="红星路1号"),
        b2=BuildingFactory(name="二号楼", managing_unit=wuhou, address="武侯祠大街2号"),
    )
    TitleCase.objects.create(building=data.b1, status=CaseStatus.REGISTERED)
    occupy(bureau, data.b1, "126.00", section_chief=2, staff=10)
    occupy(bureau, data.b2, "30.00", staff=2)
    city_unit = UnitFactory(division_code="510100", level=GovernmentLevel.CITY)
    province_unit = UnitFactory(division_code="510000", level=GovernmentLevel.PROVINCE)
    data.users = {
        "officer": UserFactory(unit=bureau, role=Role.UNIT_OFFICER),
        "county_admin": UserFactory(unit=administration, role=Role.DIVISION_ADMIN),
        "wuhou_admin": UserFactory(unit=wuhou, role=Role.DIVISION_ADMIN),
        "wuhou_officer": UserFactory(unit=wuhou, role=Role.UNIT_OFFICER),
        "city_admin": UserFactory(unit=city_unit, role=Role.DIVISION_ADMIN),
        "province_admin": UserFactory(unit=province_unit, role=Role.PROVINCE_ADMIN),
        "province_admin_2": UserFactory(unit=province_unit, role=Role.PROVINCE_ADMIN),
        "auditor": UserFactory(unit=province_unit, role=Role.AUDITOR),
    }
    return data


def m2(value: str) -> Decimal:
    return Decimal(value)


def accepted_last_year(data: World) -> SpaceReport:
    """The bureau's sub-ledger of last year, taken, submitted and accepted."""
    officer = data.users["officer"]
    report = take_report(YEAR - 1, LedgerKind.SUB, data.bureau, by=officer)
    transition_report(report, LedgerAction.SUBMITTED, by=officer)
    transition_report(report, LedgerAction.ACCEPTED, by=data.users["county_admin"])
    return report
