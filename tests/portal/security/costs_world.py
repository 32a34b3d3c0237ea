"""The records of the costs and ledgers scoping matrix (tests/portal/security/test_costs_matrix.py).

Every account belongs to ``home``, a unit of 锦江区 (Chengdu); ``far`` is a unit of 涪城区
(Mianyang), another city. Three kinds of record, as in :mod:`test_scoping_matrix`:

* ``own``: home's cost record on its public building, its budget and basis, the 2025 return of
  锦江区, home's sub-ledger;
* ``other``: the same of far, on its building in 涪城区 (its sub-ledger submitted);
* ``secret``: home's cost record on a building of home classified secret, which home also
  occupies: a line of home's sub-ledger.

Each amount is its own and below 1000 (no thousands separator): a page names a record by its
figure, and home's total is 780.42 only where the secret record counts (517.13 elsewhere). The
2025 round is open; a 2024 round is in draft (seen by those who may open it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from portal.core.choices import Confidentiality
from portal.costs.choices import CampaignStatus, ReturnStatus
from portal.ledgers.choices import LedgerAction, LedgerKind
from portal.ledgers.services import take_report, transition_report
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import BuildingFactory, UnitFactory, UserFactory, square
from tests.portal.buildings.space_data import load_standard, occupy
from tests.portal.costs.factories import (
    BasisFactory,
    BudgetFactory,
    CampaignFactory,
    CostRecordFactory,
    ReturnFactory,
)

YEAR = 2025
CLEARANCES = (Confidentiality.INTERNAL, Confidentiality.SECRET)
AMOUNTS = {"own": Decimal("517.13"), "secret": Decimal("263.29"), "other": Decimal("391.57")}
HOME_TOTAL = "780.42"  # own + secret: shown only where the secret record counts
BUDGETS = {"own": Decimal("601.19"), "other": Decimal("703.23")}
AREAS = {"own": Decimal("811.31"), "other": Decimal("911.41")}
NAMES = {"own": "成本矩阵本单位楼", "secret": "成本矩阵涉密楼", "other": "成本矩阵外地楼"}
ADDRESSES = {"own": "锦江成本路1号", "secret": "保密成本路9号", "other": "涪城成本路2号"}
PLACES = {
    "own": (104.071913, 30.618311),
    "secret": (104.093517, 30.646219),
    "other": (104.747319, 31.468913),
}
TITLES = {"open": "成本矩阵2025年度统计", "draft": "成本矩阵2024年度草稿"}


@dataclass
class CostsWorld:
    home: Unit
    far: Unit
    buildings: dict[str, int]  # kind → building pk
    units: dict[str, int]  # own/other → unit pk
    returns: dict[str, int]  # own/other → 2025 return pk
    campaigns: dict[str, int]  # open/draft → campaign pk
    reports: dict[str, int]  # own/other → sub-ledger pk
    ledger_year: int
    users: dict[tuple[Role, str], User] = field(default_factory=dict)

    def admin_change(self, model: str, pk: int) -> str:
        return reverse(f"admin:{model}_change", args=[pk])


def _building(kind: str, unit: Unit, **fields: object) -> int:
    lon, lat = PLACES[kind]
    building = BuildingFactory(
        managing_unit=unit,
        name=NAMES[kind],
        address=ADDRESSES[kind],
        geom=Point(lon, lat, srid=4490),
        footprint=square(lon, lat, 0.0001),
        **fields,
    )
    occupy(unit, building, "120.00", staff=6)
    return int(building.pk)


def _figures(kind: str, unit: Unit, building: int) -> None:
    CostRecordFactory(unit=unit, building_id=building, year=YEAR, amount_yuan=AMOUNTS[kind])


def _ledgers(home: Unit, far: Unit) -> tuple[dict[str, int], int]:
    """Home's sub-ledger in draft, far's submitted: each taken by its unit's officer."""
    year = timezone.localdate().year
    home_officer = UserFactory(role=Role.UNIT_OFFICER, unit=home, username="costs-matrix-filer")
    far_officer = UserFactory(role=Role.UNIT_OFFICER, unit=far, username="costs-matrix-far")
    own = take_report(year, LedgerKind.SUB, home, by=home_officer)
    other = take_report(year, LedgerKind.SUB, far, by=far_officer)
    transition_report(other, LedgerAction.SUBMITTED, by=far_officer)
    return {"own": own.pk, "other": other.pk}, year


def build_world() -> CostsWorld:
    load_standard()
    home = UnitFactory(division_code="510104", name="成本矩阵锦江局")
    far = UnitFactory(division_code="510703", name="成本矩阵涪城局")
    buildings = {
        "own": _building("own", home),
        "secret": _building("secret", home, confidentiality=Confidentiality.SECRET),
        "other": _building("other", far),
    }
    for kind in AMOUNTS:
        _figures(kind, far if kind == "other" else home, buildings[kind])
    for kind, unit in (("own", home), ("other", far)):
        BudgetFactory(unit=unit, year=YEAR, amount_yuan=BUDGETS[kind])
        BasisFactory(unit=unit, year=YEAR, usable_area_m2=AREAS[kind])
    opened = CampaignFactory(year=YEAR, title=TITLES["open"], status=CampaignStatus.OPEN)
    draft = CampaignFactory(year=YEAR - 1, title=TITLES["draft"], status=CampaignStatus.DRAFT)
    returns = {
        kind: ReturnFactory(campaign=opened, division_code=code, status=ReturnStatus.FILLING).pk
        for kind, code in (("own", "510104"), ("other", "510703"))
    }
    reports, ledger_year = _ledgers(home, far)
    world = CostsWorld(
        home=home,
        far=far,
        buildings=buildings,
        units={"own": home.pk, "other": far.pk},
        returns=returns,
        campaigns={"open": opened.pk, "draft": draft.pk},
        reports=reports,
        ledger_year=ledger_year,
    )
    for role in Role:
        for clearance in CLEARANCES:
            world.users[role, clearance] = UserFactory(
                role=role,
                unit=home,
                clearance=clearance,
                username=f"costs-matrix-{role}-{clearance}",
            )
    return world
