"""A small title campaign for the workflow, document and page tests.

锦江区 (510104) holds the unit under test: its building stands on its parcel (a derived link)
and has a case. 涪城区 (510703) holds another unit with its own case, which 锦江 users must
never reach. Chengdu (510100) has the offices administration titles are registered to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.org.choices import Role
from portal.org.models import Unit, User
from portal.parcels import services
from portal.parcels.choices import CaseStatus, ReconciliationKind, ReconciliationResult
from portal.parcels.models import BuildingParcel, Parcel, SourceDocument, TitleCase
from tests.factories import BuildingFactory, ParcelFactory, UnitFactory, UserFactory, square

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
TIFF = b"II*\x00\x08\x00\x00\x00" + bytes(20)


def upload(name: str = "scan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@dataclass
class Campaign:
    unit: Unit
    offices: Unit  # Chengdu's offices administration
    case: TitleCase
    parcel: Parcel
    link: BuildingParcel
    other_case: TitleCase  # 涪城区
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, role: str) -> User:
        return self.users[role]


def unit_case(division_code: str) -> tuple[Unit, TitleCase, Parcel, BuildingParcel]:
    unit = UnitFactory(division_code=division_code)
    lon, lat = unit.location.x, unit.location.y
    building = BuildingFactory(managing_unit=unit, footprint=square(lon, lat, 0.0002))
    parcel = ParcelFactory(holder=unit)
    link = BuildingParcel.objects.create(building=building, parcel=parcel, share_on_parcel=1.0)
    case = TitleCase.objects.create(building=building, parcel=parcel)
    return unit, case, parcel, link


def campaign() -> Campaign:
    unit, case, parcel, link = unit_case("510104")
    _, other_case, _, _ = unit_case("510703")
    offices = UnitFactory(
        division_code="510100", offices_administration=True, name="成都市机关事务管理局"
    )
    county_unit = UnitFactory(division_code="510104", name="锦江区政府")
    city_unit = UnitFactory(division_code="510100", name="成都市政府")
    province_unit = UnitFactory(division_code="510000", name="四川省政府")
    other_unit = other_case.building.managing_unit
    users = {
        "officer": UserFactory(role=Role.UNIT_OFFICER, unit=unit),
        "viewer": UserFactory(role=Role.VIEWER, unit=unit),
        "auditor": UserFactory(role=Role.AUDITOR, unit=province_unit),
        "county_admin": UserFactory(role=Role.DIVISION_ADMIN, unit=county_unit),
        "city_admin": UserFactory(role=Role.DIVISION_ADMIN, unit=city_unit),
        "province_admin": UserFactory(role=Role.PROVINCE_ADMIN, unit=province_unit),
        "other_officer": UserFactory(role=Role.UNIT_OFFICER, unit=other_unit),
        "other_admin": UserFactory(
            role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510703")
        ),
    }
    return Campaign(unit, offices, case, parcel, link, other_case, users)


def put(case: TitleCase, status: str) -> TitleCase:
    """Set a case's status directly: the set-up of a test, not a transition."""
    TitleCase.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


def add_document(case: TitleCase, by: User, name: str = "scan.pdf") -> SourceDocument:
    content = PDF + name.encode()  # distinct bytes: a case refuses the same file twice
    return services.upload_document(case, upload(name, content), "certificate", name, None, by=by)


def reconcile_all(case: TitleCase, by: User) -> None:
    """Record the three checks, consistent and with evidence (the case must be collected)."""
    document = add_document(case, by, "evidence.pdf")
    for kind in ReconciliationKind:
        services.record_reconciliation(
            case, kind, ReconciliationResult.CONSISTENT, "", [document], by=by
        )


DETAILS = {
    "register": {
        "certificate_number": "川(2025)成都市不动产权第0001234号",
        "issue_date": "2025-03-01",
        "certificate_area_m2": "1520.50",
    },
    "file": {"filing_reference": "BA-2025-017", "comment": "历史遗留，无法办证"},
    "exempt": {"exemption_reason": "涉密单位", "approval_no": "川机管〔2025〕12号"},
    "dispute": {"comment": "与相邻单位存在界址争议"},
    "settle": {"comment": "双方签订界址确认书"},
}


def ready_for(case: TitleCase, name: str, source: str, by: User) -> TitleCase:
    """Put ``case`` in ``source`` with what ``name`` needs already there."""
    if name == "collect":
        put(case, CaseStatus.NOT_STARTED)
        add_document(case, by)
    elif name == "verify":
        put(case, CaseStatus.COLLECTED)
        reconcile_all(case, by)
    return put(case, source)
