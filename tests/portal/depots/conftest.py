"""A small depot world for the stock tests: a depot of 锦江区's emergency office holding tents,
an officer who may record its stock, and 涪城区's officer, who may neither see nor change it.

Uploads go to a temporary media folder; service messages are read in English.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from portal.depots.models import Depot, StockItem
from portal.depots.services.stock import receive_stock
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import (
    CategoryFactory,
    DepotFactory,
    ListingFactory,
    SupplyCategoryFactory,
    UnitFactory,
    UserFactory,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TIFF = b"II*\x00" + bytes(20)


def dual_use_listing(depot: Depot, holder: Unit, code: str = "2030100", **fields: object):
    """A generator set stocked in ``depot`` and flagged a reserve of class ``code``."""
    terms = {
        "mode": "physical",
        "depot": depot,
        "receipt_no": "RK-GW-1",
        "geom": depot.geom,
        "division": depot.division,
        "category": CategoryFactory(code="2050000", name="电气设备"),
        "condition": "good",
        "original_value": 90_000,
        "net_value": 60_000,
        "reserve_category": SupplyCategoryFactory(code=code, name="发电机组"),
        "asset__name": "柴油发电机组",
    }
    return ListingFactory(asset__holder=holder, **(terms | fields))


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@dataclass
class Stock:
    """The world: ``depot`` (锦江区), its ``tents`` batch of 100, who may and who may not."""

    unit: Unit
    depot: Depot
    tents: StockItem
    officer: User
    viewer: User
    other_unit: Unit
    other_officer: User


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def receive_tents(depot: Depot, by: User, quantity: str = "100", **extra: object) -> StockItem:
    """A receipt of cotton tents (batch 2025-001 unless ``extra`` says otherwise)."""
    terms = {
        "category": SupplyCategoryFactory(),
        "name": "棉帐篷",
        "batch_no": "2025-001",
        "quantity": quantity,
        "unit_of_measure": "顶",
        "unit_volume_m3": Decimal("0.25"),
        "document_no": "RK-2025-001",
        "counterparty": "成都帐篷厂",
        "occurred_on": None,
        **extra,
    }
    return receive_stock(depot, **terms, by=by).stock_item


def assert_log_rebuilds(item: StockItem) -> None:
    """The batch's movements, summed in order, give each one's balance and the quantity."""
    item.refresh_from_db()
    running = Decimal(0)
    for movement in item.movements.order_by("at", "pk"):
        running += movement.change
        assert movement.balance == running, movement
    assert running == item.quantity


@pytest.fixture
def world(db) -> Stock:
    unit = UnitFactory(division_code="510104", name="锦江区应急管理局")
    depot = DepotFactory(managing_unit=unit, code="YJ-510104-01", capacity_m3=Decimal("1000"))
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit)
    other = UnitFactory(division_code="510703", name="涪城区应急管理局")
    return Stock(
        unit=unit,
        depot=depot,
        tents=receive_tents(depot, officer),
        officer=officer,
        viewer=UserFactory(role=Role.VIEWER, unit=unit),
        other_unit=other,
        other_officer=UserFactory(role=Role.UNIT_OFFICER, unit=other),
    )
