"""The scoping matrix (MLPS level 3): every role × every channel × four kinds of record.

Every account below belongs to one unit of 锦江区 (Chengdu). The records:

* ``own``: an office building of that unit;
* ``other``: an office building of a unit of 涪城区 (Mianyang), another city;
* ``shared``: a live warehouse listing of a 武侯区 unit, shared within Chengdu (prefix 5101);
* ``secret``: a building of the user's own unit classified secret.

:data:`READS` is the spec, from :mod:`portal.org.scoping` (``read_scope``, ``cleared_levels``)
and ``ListingQuerySet.visible_to``: what each role reads; a secret record also needs clearance
secret or above. Each role is tried with clearance internal and secret. Each test is one role,
clearance and channel, and asserts every kind the channel carries: shown where the table says
so, and otherwise absent, its name, address and coordinates included.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import openpyxl
import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from portal.assets.services.listings import publish_listing
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.parcels.choices import CaseStatus
from portal.parcels.models import TitleCase
from tests.factories import AssetFactory, BuildingFactory, UnitFactory, UserFactory, square
from tests.portal.maps.mvt import tile_at

pytestmark = pytest.mark.django_db

KINDS = ("own", "other", "shared", "secret")
# What each role reads, by kind (True: shown). "secret" is read where the role reads its own
# unit's records and the account's clearance is secret or above.
READS: dict[Role, dict[str, bool]] = {
    Role.PROVINCE_ADMIN: {"own": True, "other": True, "shared": True, "secret": True},
    Role.DIVISION_ADMIN: {"own": True, "other": False, "shared": True, "secret": True},
    Role.UNIT_OFFICER: {"own": True, "other": False, "shared": True, "secret": True},
    Role.VIEWER: {"own": True, "other": False, "shared": True, "secret": True},
    Role.AUDITOR: {"own": True, "other": True, "shared": True, "secret": True},
    Role.SYSTEM_ADMIN: {"own": True, "other": True, "shared": True, "secret": True},
    # Grants roles and reads no registry record, not even one shared with its unit.
    Role.SECURITY_ADMIN: {"own": False, "other": False, "shared": False, "secret": False},
    Role.AUDIT_ADMIN: {"own": True, "other": True, "shared": True, "secret": True},
}
CLEARANCES = (Confidentiality.INTERNAL, Confidentiality.SECRET)


def expected(role: Role, clearance: str, kind: str) -> bool:
    if kind == "secret" and Confidentiality.rank(clearance) < Confidentiality.rank("secret"):
        return False
    return READS[role][kind]


def test_the_table_covers_every_role():
    assert set(READS) == set(Role)


# -- the records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    kind: str
    pk: int
    name: str  # the name shown for it (a listing: its asset's)
    address: str
    lonlat: tuple[float, float]
    unit_pk: int

    @property
    def marks(self) -> tuple[str, ...]:
        """What must not appear where the record is hidden: its name, address, coordinates."""
        lon, lat = self.lonlat
        return (self.name, self.address, f"{lon:.4f}", f"{lat:.4f}")


@dataclass
class World:
    records: dict[str, Record]
    users: dict[tuple[Role, str], Any]


# No other record, unit or boundary shares the first four decimals of these coordinates, and
# their fifth is small: written to four decimals or more, each begins with its mark.
PLACES = {
    "own": (104.073112, 30.621631),
    "other": (104.744131, 31.465221),
    "shared": (104.042113, 30.633812),
    "secret": (104.091731, 30.642513),
}


def _building(kind: str, unit: Any, name: str, address: str, **fields: Any) -> Record:
    lon, lat = PLACES[kind]
    building = BuildingFactory(
        managing_unit=unit,
        name=name,
        address=address,
        geom=Point(lon, lat, srid=4490),
        footprint=square(lon, lat, 0.0001),
        **fields,
    )
    # An open, overdue title case puts the building in the campaign's reports by name.
    due = timezone.localdate() - timedelta(days=5)
    TitleCase.objects.create(building=building, status=CaseStatus.NOT_STARTED, due_date=due)
    return Record(kind, building.pk, name, address, (lon, lat), unit.pk)


def _listing(unit: Any) -> Record:
    lon, lat = PLACES["shared"]
    asset = AssetFactory(
        holder=unit, name="矩阵共享台式机", geom=Point(lon, lat, srid=4490), net_value=Decimal(900)
    )
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=unit)
    listing = publish_listing(
        asset,
        reason="idle",
        explanation="矩阵闲置一年",
        mode="virtual",
        share_prefix="5101",
        by=officer,
    )
    return Record("shared", listing.pk, asset.name, "矩阵闲置一年", (lon, lat), unit.pk)


def build_world() -> World:
    home = UnitFactory(division_code="510104", name="矩阵锦江局")
    wuhou = UnitFactory(division_code="510107", name="矩阵武侯局")
    far = UnitFactory(division_code="510703", name="矩阵涪城局")
    records = {
        "own": _building("own", home, "矩阵本单位楼", "锦江矩阵路1号"),
        "other": _building("other", far, "矩阵外地楼", "涪城矩阵路2号"),
        "shared": _listing(wuhou),
        "secret": _building(
            "secret",
            home,
            "矩阵涉密楼",
            "保密矩阵路9号",
            confidentiality=Confidentiality.SECRET,
        ),
    }
    users = {
        (role, clearance): UserFactory(
            role=role, unit=home, clearance=clearance, username=f"matrix-{role}-{clearance}"
        )
        for role in Role
        for clearance in CLEARANCES
    }
    return World(records, users)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One dataset for the module, rolled back at its end."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        override_settings(PASSWORD_HASHERS=fast),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# -- what a channel shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """Whether a channel shows a record, and the text it answered (to look for leaks in)."""

    shown: bool
    text: str


def _text(response: Any) -> str:
    assert response.status_code < 500, response.status_code
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig", "replace")
    return response.content.decode("utf-8", "replace")


def _json(response: Any) -> tuple[Any, str]:
    """The parsed JSON (None when refused) and its text with Chinese unescaped."""
    text = _text(response)
    if response.status_code != 200:
        return None, text
    data = json.loads(text)
    return data, json.dumps(data, ensure_ascii=False)


def _by_name(response: Any, records: list[Record]) -> dict[str, Seen]:
    """A text answer: a record is shown when its name is in it."""
    text = _text(response)
    return {r.kind: Seen(response.status_code == 200 and r.name in text, text) for r in records}


def _buildings(world: World) -> list[Record]:
    return [world.records[kind] for kind in ("own", "other", "secret")]


def detail_page(client: Any, world: World) -> dict[str, Seen]:
    seen = {}
    for record in world.records.values():
        name = "assets:listing_detail" if record.kind == "shared" else "buildings:building_detail"
        response = client.get(reverse(name, args=[record.pk]))
        seen[record.kind] = Seen(response.status_code == 200, _text(response))
    return seen


def list_page(client: Any, world: World) -> dict[str, Seen]:
    """A building in the list of its managing unit's page; a listing on the warehouse page."""
    seen = {}
    for record in _buildings(world):
        response = client.get(reverse("org:unit_detail", args=[record.unit_pk]))
        seen |= _by_name(response, [record])
    return seen | _by_name(client.get(reverse("assets:warehouse")), [world.records["shared"]])


def admin_list(client: Any, world: World) -> dict[str, Seen]:
    return _by_name(client.get(reverse("admin:buildings_building_changelist")), _buildings(world))


def _api_ids(response: Any) -> tuple[set[int], str]:
    data, text = _json(response)
    if data is None:
        return set(), text
    rows = data.get("features", data.get("results", []))
    return {row["id"] for row in rows}, text


def api_list(client: Any, world: World) -> dict[str, Seen]:
    buildings, text = _api_ids(client.get("/api/buildings/"))
    listings, listing_text = _api_ids(client.get("/api/warehouse-listings/"))
    seen = {r.kind: Seen(r.pk in buildings, text) for r in _buildings(world)}
    shared = world.records["shared"]
    return seen | {"shared": Seen(shared.pk in listings, listing_text)}


def api_detail(client: Any, world: World) -> dict[str, Seen]:
    seen = {}
    for record in world.records.values():
        prefix = "warehouse-listings" if record.kind == "shared" else "buildings"
        response = client.get(f"/api/{prefix}/{record.pk}/")
        seen[record.kind] = Seen(response.status_code == 200, _text(response))
    return seen


def tiles(client: Any, world: World) -> dict[str, Seen]:
    """Each record's tile at zoom 15, where every record is a feature with its id."""
    seen = {}
    for record in world.records.values():
        layer = "warehouse" if record.kind == "shared" else "buildings"
        tile = tile_at(*record.lonlat, 15)
        response = client.get(reverse("maps:layer_tile", args=[layer, *tile]))
        assert response.status_code < 500
        decoded = mapbox_vector_tile.decode(response.content) if response.status_code == 200 else {}
        features = [f for found in decoded.values() for f in found["features"]]
        text = json.dumps([f["properties"] for f in features], ensure_ascii=False)
        seen[record.kind] = Seen(record.pk in {f.get("id") for f in features}, text)
    return seen


def export_page(client: Any, world: World) -> dict[str, Seen]:
    response = client.get(reverse("exchange:export", args=["buildings"]), {"format": "csv"})
    return _by_name(response, _buildings(world))


def export_api(client: Any, world: World) -> dict[str, Seen]:
    response = client.get("/api/exports/buildings/", {"format": "csv"})
    return _by_name(response, _buildings(world))


# Chengdu and Mianyang, where the four records stand.
BBOX = "103.6,30.2,105.2,31.9"


def _query_ids(client: Any, layer: str) -> tuple[set[int], str]:
    data, text = _json(client.get(reverse("maps:query_json"), {"layer": layer, "bbox": BBOX}))
    return ({row["id"] for row in data["rows"]} if data else set()), text


def map_query(client: Any, world: World) -> dict[str, Seen]:
    buildings, text = _query_ids(client, "buildings")
    listings, listing_text = _query_ids(client, "warehouse")
    seen = {r.kind: Seen(r.pk in buildings, text) for r in _buildings(world)}
    shared = world.records["shared"]
    return seen | {"shared": Seen(shared.pk in listings, listing_text)}


def _csv_ids(response: Any) -> tuple[set[int], str]:
    text = _text(response) if response.status_code == 200 else ""
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return {int(row[0]) for row in rows if row}, text


def map_query_csv(client: Any, world: World) -> dict[str, Seen]:
    url = reverse("maps:query_csv")
    buildings, text = _csv_ids(client.get(url, {"layer": "buildings", "bbox": BBOX}))
    listings, listing_text = _csv_ids(client.get(url, {"layer": "warehouse", "bbox": BBOX}))
    seen = {r.kind: Seen(r.pk in buildings, text) for r in _buildings(world)}
    shared = world.records["shared"]
    return seen | {"shared": Seen(shared.pk in listings, listing_text)}


def search(client: Any, world: World) -> dict[str, Seen]:
    """Buildings are searched by name and address; listings are not searchable."""
    data, text = _json(client.get(reverse("maps:search"), {"q": "矩阵"}))
    results = data["results"] if data else []
    found = {row["id"] for row in results if row["layer"] == "buildings"}
    return {r.kind: Seen(r.pk in found, text) for r in _buildings(world)}


def _pdf_text(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "report.pdf"
        path.write_bytes(content)
        command = ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"]
        result = subprocess.run(command, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def report_pdf(client: Any, world: World) -> dict[str, Seen]:
    """The title campaign's PDF lists overdue cases by building name."""
    response = client.get(reverse("parcels:campaign_pdf"), {"level": "county"})
    text = _pdf_text(response.content) if response.status_code == 200 else ""
    return {r.kind: Seen(r.name in text, text) for r in _buildings(world)}


def report_xlsx(client: Any, world: World) -> dict[str, Seen]:
    response = client.get(reverse("parcels:campaign_xlsx"), {"level": "county"})
    cells = []
    if response.status_code == 200:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    text = "\n".join(cells)
    return {r.kind: Seen(r.name in cells, text) for r in _buildings(world)}


PROPERTIES = re.compile(r'"properties": (\{[^{}]*\})')


def report_map(client: Any, world: World) -> dict[str, Seen]:
    """The campaign's folium map counts cases per county, not by record: ``own`` and ``secret``
    are counted in 锦江区 (the second only when the first is, by the table), ``other`` in 涪城区."""
    response = client.get(reverse("parcels:campaign_map"), {"level": "county"})
    html = ""
    if response.status_code == 200:
        html = zipfile.ZipFile(io.BytesIO(response.content)).read("map.html").decode("utf-8")
    totals = {}
    for found in PROPERTIES.findall(html):
        properties = json.loads(found)
        totals[properties["code"]] = properties["total"]
    text = json.dumps(totals) + html
    jinjiang, fucheng = totals.get("510104", 0), totals.get("510703", 0)
    return {
        "own": Seen(jinjiang >= 1, text),
        "secret": Seen(jinjiang == 2, text),
        "other": Seen(fucheng == 1, text),
    }


CHANNELS: dict[str, Callable[[Any, World], dict[str, Seen]]] = {
    "detail page": detail_page,
    "list page": list_page,
    "admin list": admin_list,
    "api list": api_list,
    "api detail": api_detail,
    "vector tiles": tiles,
    "export page": export_page,
    "export api": export_api,
    "map query": map_query,
    "map query csv": map_query_csv,
    "search": search,
    "report pdf": report_pdf,
    "report xlsx": report_xlsx,
    "report map": report_map,
}


# -- the matrix ----------------------------------------------------------------------------------


def mismatches(role: Role, clearance: str, seen: dict[str, Seen], world: World) -> list[str]:
    wrong = []
    for kind, cell in seen.items():
        want = expected(role, clearance, kind)
        if cell.shown != want:
            wrong.append(f"{kind}: {'shown' if cell.shown else 'hidden'}, expected the opposite")
        leaked = [] if want else [m for m in world.records[kind].marks if m in cell.text]
        if leaked:
            wrong.append(f"{kind}: hidden, yet the answer holds {leaked}")
    return wrong


@pytest.mark.parametrize("channel", list(CHANNELS))
@pytest.mark.parametrize("clearance", CLEARANCES)
@pytest.mark.parametrize("role", list(Role))
def test_matrix(client, world, role, clearance, channel):
    client.force_login(world.users[role, clearance])
    seen = CHANNELS[channel](client, world)
    assert mismatches(role, clearance, seen, world) == []
