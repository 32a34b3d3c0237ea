"""A small warehouse for the listing, photo, disposal and screening tests.

锦江区 (510104) holds the unit under test, with a building, assets and its users; 涪城区 (510703)
holds another unit its users must never reach. Chengdu (510100) has an offices administration
with a public asset warehouse and an emergency depot; Mianyang (510700) has another offices
administration, whose division does not cover 锦江区.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.assets.models import Asset, Listing
from portal.assets.services.listings import publish_listing
from portal.buildings.models import Building
from portal.depots.models import Depot
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import AssetFactory, BuildingFactory, DepotFactory, UnitFactory, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@dataclass
class Warehouse:
    unit: Unit  # 锦江区, the holder under test
    building: Building
    other_unit: Unit  # 涪城区
    offices: Unit  # Chengdu's offices administration
    far_offices: Unit  # Mianyang's offices administration
    depot: Depot  # a public asset warehouse run by Chengdu's offices administration
    emergency: Depot  # an emergency-only depot
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, role: str) -> User:
        return self.users[role]

    def asset(self, **fields: Any) -> Asset:
        """An asset of the unit in its building, in use, unless ``fields`` say otherwise."""
        fields.setdefault("holder", self.unit)
        fields.setdefault("building", self.building)
        fields.setdefault("original_value", Decimal("6000.00"))
        fields.setdefault("net_value", Decimal("3000.00"))
        return AssetFactory(**fields)

    def publish(self, asset: Asset | None = None, **terms: Any) -> Listing:
        """A virtual idle listing of ``asset`` (a new one by default), published by the officer."""
        terms.setdefault("reason", "idle")
        terms.setdefault("explanation", "闲置一年以上")
        terms.setdefault("mode", "virtual")
        by = terms.pop("by", self["officer"])
        return publish_listing(asset or self.asset(), by=by, **terms)


def warehouse() -> Warehouse:
    unit = UnitFactory(division_code="510104", name="锦江区测试局")
    building = BuildingFactory(managing_unit=unit)
    other_unit = UnitFactory(division_code="510703", name="涪城区测试局")
    offices = UnitFactory(
        division_code="510100", offices_administration=True, name="成都市机关事务管理局"
    )
    far_offices = UnitFactory(
        division_code="510700", offices_administration=True, name="绵阳市机关事务管理局"
    )
    depot = DepotFactory(kind="warehouse", managing_unit=offices, name="成都市公物仓")
    emergency = DepotFactory(kind="emergency", managing_unit=offices, name="成都市应急物资库")
    users = {
        "officer": UserFactory(role=Role.UNIT_OFFICER, unit=unit),
        "viewer": UserFactory(role=Role.VIEWER, unit=unit),
        "auditor": UserFactory(role=Role.AUDITOR, unit=UnitFactory(division_code="510000")),
        "county_admin": UserFactory(
            role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104")
        ),
        "other_officer": UserFactory(role=Role.UNIT_OFFICER, unit=other_unit),
        "province_admin": UserFactory(
            role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510000")
        ),
        "offices_officer": UserFactory(role=Role.UNIT_OFFICER, unit=offices),
        "offices_admin": UserFactory(role=Role.DIVISION_ADMIN, unit=offices),
        "far_offices_officer": UserFactory(role=Role.UNIT_OFFICER, unit=far_offices),
    }
    return Warehouse(unit, building, other_unit, offices, far_offices, depot, emergency, users)
