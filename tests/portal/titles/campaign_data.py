"""A crafted campaign for the dashboard and report tests, with figures known by hand.

锦江区 (510104): unit A has five cases (registered, filed, collected and overdue, not started
and due later, and one in a secret building, also overdue); unit B has two (exempt, verified and
overdue). 武侯区 (510107): a unit whose name looks like a spreadsheet formula, one case not
started. 涪城区 (510703): unit C, two cases (registered, disputed and overdue). Open conflicts:
two parcel overlaps in 锦江区, one area mismatch in 涪城区; one resolved overlap not counted.

For a reader without clearance for the secret building, 成都市 counts 7 cases: registered 1,
filed 1, exempt 1, collected 1, verified 1, not started 2; closed 3; overdue 2.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.org.models import Unit, User
from portal.parcels.choices import CaseStatus, ConflictKind, FindingStatus
from portal.parcels.models import ConflictRun, Finding, TitleCase
from tests.factories import BuildingFactory, UnitFactory, UserFactory, division, square

FORMULA_NAME = '=HYPERLINK("http://example.invalid","点我")'


@dataclass
class CampaignData:
    unit_a: Unit
    unit_b: Unit
    unit_c: Unit
    formula_unit: Unit
    secret_case: TitleCase
    late_case: TitleCase
    province_admin: User
    cleared_admin: User
    officer_a: User
    county_admin: User


def make_case(unit: Unit, status: str, due_in_days: int | None = None, **building) -> TitleCase:
    today = timezone.localdate()
    lon, lat = unit.location.x, unit.location.y
    house = BuildingFactory(managing_unit=unit, footprint=square(lon, lat, 0.0002), **building)
    due = None if due_in_days is None else today + datetime.timedelta(days=due_in_days)
    return TitleCase.objects.create(building=house, status=status, due_date=due)


def make_finding(run: ConflictRun, unit: Unit, kind: str, key: str, **fields) -> Finding:
    return Finding.objects.create(
        kind=kind, key=key, unit=unit, division=unit.division, first_run=run, **fields
    )


def _findings(unit_a: Unit, unit_c: Unit) -> None:
    run = ConflictRun.objects.create()
    make_finding(run, unit_a, ConflictKind.PARCEL_OVERLAP, "1:2")
    make_finding(run, unit_a, ConflictKind.PARCEL_OVERLAP, "3:4")
    make_finding(run, unit_c, ConflictKind.AREA_MISMATCH, "ZD-000009")
    make_finding(run, unit_a, ConflictKind.PARCEL_OVERLAP, "5:6", status=FindingStatus.RESOLVED)


def build_campaign_data() -> CampaignData:
    for code in ("510104", "510107", "510703"):
        division(code)
    unit_a = UnitFactory(division_code="510104", name="锦江区甲单位")
    unit_b = UnitFactory(division_code="510104", name="锦江区乙单位")
    unit_c = UnitFactory(division_code="510703", name="涪城区丙单位")
    formula_unit = UnitFactory(division_code="510107", name=FORMULA_NAME)
    make_case(unit_a, CaseStatus.REGISTERED, -30)
    make_case(unit_a, CaseStatus.FILED)
    late_case = make_case(unit_a, CaseStatus.COLLECTED, -3)
    make_case(unit_a, CaseStatus.NOT_STARTED, 10)
    secret = make_case(unit_a, CaseStatus.NOT_STARTED, -5, confidentiality=Confidentiality.SECRET)
    make_case(unit_b, CaseStatus.EXEMPT, -1)
    make_case(unit_b, CaseStatus.VERIFIED, -2)
    make_case(formula_unit, CaseStatus.NOT_STARTED)
    make_case(unit_c, CaseStatus.REGISTERED)
    make_case(unit_c, CaseStatus.DISPUTED, -7)
    _findings(unit_a, unit_c)
    province_unit = UnitFactory(division_code="510000", name="四川省机关事务管理局")
    return CampaignData(
        unit_a=unit_a,
        unit_b=unit_b,
        unit_c=unit_c,
        formula_unit=formula_unit,
        secret_case=secret,
        late_case=late_case,
        province_admin=UserFactory(role=Role.PROVINCE_ADMIN, unit=province_unit),
        cleared_admin=UserFactory(
            role=Role.PROVINCE_ADMIN, unit=province_unit, clearance=Confidentiality.SECRET
        ),
        officer_a=UserFactory(role=Role.UNIT_OFFICER, unit=unit_a),
        county_admin=UserFactory(
            role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104")
        ),
    )
