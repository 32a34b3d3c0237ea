"""The scoping matrix of OGC API – Features and of the tiles a desktop client reads (issue 12):
every role, with clearance internal and secret, × every channel × the records of
:mod:`tests.portal.security.ogc_world` in the six scoped collections (own, another city's,
another county's, shared through the warehouse, classified secret).

Each channel is read as a desktop GIS client reads it, with an API token in the
``Authorization`` header and no session; the feature channels and the tiles are read once more
with a signed-in session and once with HTTP Basic over HTTPS. :data:`READS` of
:mod:`test_scoping_matrix` is the spec. A hidden record must not be answered, nor its name,
address, codes or coordinates appear in the answer, and no extent (spatial or temporal) of a
collection may cover it: an extent is the box and the interval of what the user reads.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Polygon
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from portal.accounts.duties import may_hold_token
from portal.core.choices import Confidentiality
from portal.features.collections import COLLECTIONS
from portal.org.choices import Role
from tests.factories import PASSWORD
from tests.portal.maps.mvt import tile_at
from tests.portal.security.ogc_world import (
    CLEARANCES,
    DAYS,
    KINDS,
    PLACES,
    OGCWorld,
    Record,
    build_world,
)
from tests.portal.security.test_scoping_matrix import READS

pytestmark = pytest.mark.django_db

OGC = "/ogc"
SECRET = Confidentiality.SECRET
# Mianyang, Chengdu and the west where the secret records stand, in CRS84 and EPSG:4490.
BBOX = (101.5, 29.5, 105.5, 32.0)
GK_SRID = 4544  # CGCS2000 3-degree Gauss-Krüger, central meridian 105°E
WHOLE_WORLD = [-180.0, -90.0, 180.0, 90.0]


def reads(role: Role, clearance: str, record: Record) -> bool:
    """Which records ``role`` reads with ``clearance``: the scoping matrix's table; another
    county's record is read like another city's, and a secret one needs clearance secret."""
    if record.kind == "secret":
        return READS[role]["own"] and clearance == SECRET
    return READS[role]["other" if record.kind == "neighbour" else record.kind]


def never(role: Role, clearance: str, record: Record) -> bool:
    """Documents that describe the service and carry no record."""
    return False


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


def test_the_layout_tells_every_kind_apart():
    """Whatever a user reads of a collection, the box and the interval of it leave out every
    record he may not read: an extent check cannot pass by chance."""
    for role in Role:
        for clearance in CLEARANCES:
            for collection, kinds in KINDS.items():
                records = [Record(collection, kind, 0, "", "", ()) for kind in kinds]
                shown = [r for r in records if reads(role, clearance, r)]
                for record in (r for r in records if r not in shown and shown):
                    assert not _inside(record, _box([PLACES[r.kind] for r in shown]))
                    days = [DAYS[r.kind] for r in shown]
                    assert not min(days) <= record.day <= max(days)


def _box(points: list[tuple[float, float]]) -> list[float]:
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return [min(lons), min(lats), max(lons), max(lats)]


def _inside(record: Record, box: list[float]) -> bool:
    lon, lat = record.lonlat
    slack = 1e-4  # a footprint's half width and the extent's rounding
    return box[0] - slack <= lon <= box[2] + slack and box[1] - slack <= lat <= box[3] + slack


# -- the clients ---------------------------------------------------------------------------------


class HTTPSClient(Client):
    """A client whose every request goes over HTTPS (Basic is refused over plain HTTP)."""

    def get(self, path: str, data: Any = None, **extra: Any) -> Any:
        return super().get(path, data, secure=True, **extra)


def client_for(world: OGCWorld, auth: str, role: Role, clearance: str) -> Client:
    user = world.users[role, clearance]
    if auth == "session":
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client
    if auth == "basic":
        pair = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
        return HTTPSClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Basic {pair}")
    token = world.tokens[role, clearance]
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token}")


# -- what a channel shows ------------------------------------------------------------------------


@dataclass
class Answer:
    """Whether a channel shows each record, and the text it answered per collection."""

    shown: dict[str, bool] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)

    def text(self, collection: str, text: str) -> None:
        self.texts.setdefault(collection, []).append(text)


def _json(response: Any) -> tuple[Any, str]:
    """The parsed JSON (None unless 200) and its text with Chinese unescaped, without the
    links: they repeat the request's own query (a ``q`` or ``unit`` the client sent)."""
    assert response.status_code < 500, response.content[:500]
    data = json.loads(response.content)
    if response.status_code != 200:
        assert set(data) >= {"code", "description"} or "detail" in data, data
        return None, json.dumps(data, ensure_ascii=False)
    answered = {k: v for k, v in data.items() if k != "links"} if isinstance(data, dict) else data
    return data, json.dumps(answered, ensure_ascii=False)


def _ids(response: Any) -> tuple[set[Any], str]:
    data, text = _json(response)
    return ({f["id"] for f in data["features"]} if data else set()), text


def _items(client: Client, collection: str, **query: Any) -> tuple[set[Any], str]:
    return _ids(client.get(f"{OGC}/collections/{collection}/items", query))


def _listed(world: OGCWorld, answer: Answer, collection: str, found: tuple[set[Any], str]):
    ids, text = found
    answer.text(collection, text)
    for record in world.of(collection):
        answer.shown[record.key] = answer.shown.get(record.key, False) or record.pk in ids


def items(client: Client, world: OGCWorld) -> Answer:
    answer = Answer()
    for collection in KINDS:
        _listed(world, answer, collection, _items(client, collection, limit=1000))
    return answer


def items_paged(client: Client, world: OGCWorld) -> Answer:
    """Two features a page, following the ``next`` links to the end."""
    answer = Answer()
    for collection in KINDS:
        url: str | None = f"{OGC}/collections/{collection}/items?limit=2"
        for _page in range(20):
            if url is None:
                break
            data, text = _json(client.get(url))
            ids = {f["id"] for f in data["features"]} if data else set()
            _listed(world, answer, collection, (ids, text))
            following = [x["href"] for x in (data or {}).get("links", []) if x["rel"] == "next"]
            url = "?".join(urlsplit(following[0])[2:4]) if following else None
        assert url is None, f"{collection}: more than 20 pages"
    return answer


def items_bbox(client: Client, world: OGCWorld) -> Answer:
    """A small box around each record, in CRS84."""
    answer = Answer()
    for record in world.records.values():
        lon, lat = record.lonlat
        box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
        _listed(world, answer, record.collection, _items(client, record.collection, bbox=box))
    return answer


def items_epsg4490(client: Client, world: OGCWorld) -> Answer:
    """Latitude first, in the box and in the coordinates answered."""
    xmin, ymin, xmax, ymax = BBOX
    query = {"bbox": f"{ymin},{xmin},{ymax},{xmax}", "bbox-crs": "EPSG:4490", "crs": "EPSG:4490"}
    answer = Answer()
    for collection in KINDS:
        _listed(world, answer, collection, _items(client, collection, **query))
    return answer


def items_gauss_kruger(client: Client, world: OGCWorld) -> Answer:
    """The box and the features in metres, northing first."""
    box = Polygon.from_bbox(BBOX)
    box.srid = 4490
    east_min, north_min, east_max, north_max = box.transform(GK_SRID, clone=True).extent
    crs = f"http://www.opengis.net/def/crs/EPSG/0/{GK_SRID}"
    query = {"bbox": f"{north_min},{east_min},{north_max},{east_max}", "bbox-crs": crs, "crs": crs}
    answer = Answer()
    for collection in KINDS:
        _listed(world, answer, collection, _items(client, collection, **query))
    return answer


def items_datetime(client: Client, world: OGCWorld) -> Answer:
    """Each record's day, as ``datetime`` selects on the collection's temporal property."""
    answer = Answer()
    for record in world.records.values():
        found = _items(client, record.collection, datetime=record.day.isoformat())
        _listed(world, answer, record.collection, found)
    return answer


def items_filter(client: Client, world: OGCWorld) -> Answer:
    """Each record looked for by its text (``q``) and by its owning unit (``unit``)."""
    answer = Answer()
    for record in world.records.values():
        for query in ({"q": record.text}, {"unit": record.owner}):
            _listed(world, answer, record.collection, _items(client, record.collection, **query))
    return answer


def single_item(client: Client, world: OGCWorld) -> Answer:
    answer = Answer()
    for record in world.records.values():
        response = client.get(f"{OGC}/collections/{record.collection}/items/{record.pk}")
        data, text = _json(response)
        answer.shown[record.key] = data is not None and data["id"] == record.pk
        answer.text(record.collection, text)
    return answer


def _extent_documents(client: Client, each: bool) -> dict[str, tuple[Any, str]]:
    """Each scoped collection's description: from /collections, or from its own URL."""
    if each:
        return {c: _json(client.get(f"{OGC}/collections/{c}")) for c in KINDS}
    data, _text = _json(client.get(f"{OGC}/collections"))
    found = {c["id"]: c for c in (data or {}).get("collections", [])}
    return {c: (found.get(c), json.dumps(found.get(c), ensure_ascii=False)) for c in KINDS}


def _in_space(document: Any, record: Record) -> bool:
    box = document["extent"]["spatial"]["bbox"][0]
    return box != WHOLE_WORLD and _inside(record, box)


def _in_time(document: Any, record: Record) -> bool:
    first, last = document["extent"]["temporal"]["interval"][0]
    day = record.day.isoformat()
    return first is not None and last is not None and first[:10] <= day <= last[:10]


def _extents(each: bool, covers: Callable[[Any, Record], bool]) -> Callable[..., Answer]:
    def channel(client: Client, world: OGCWorld) -> Answer:
        answer = Answer()
        for collection, (document, text) in _extent_documents(client, each).items():
            answer.text(collection, text)
            for record in world.of(collection):
                answer.shown[record.key] = document is not None and covers(document, record)
        return answer

    return channel


def documents(client: Client, world: OGCWorld) -> Answer:
    """Landing page, conformance, OpenAPI and each collection's schema: shown means named."""
    common = [_json(client.get(f"{OGC}/{path}"))[1] for path in ("", "conformance", "api")]
    answer = Answer()
    for collection in KINDS:
        answer.texts[collection] = [
            *common,
            _json(client.get(f"{OGC}/collections/{collection}/schema"))[1],
        ]
    return _named(world, answer)


def tilejson(client: Client, world: OGCWorld) -> Answer:
    """The TileJSON each collection links to: the layer's description, no record."""
    answer = Answer()
    for collection in KINDS:
        layer = COLLECTIONS[collection].tile_layer
        answer.text(collection, _json(client.get(reverse("maps:layer_tilejson", args=[layer])))[1])
    return _named(world, answer)


def _named(world: OGCWorld, answer: Answer) -> Answer:
    for record in world.records.values():
        text = "\n".join(answer.texts.get(record.collection, []))
        answer.shown[record.key] = any(mark in text for mark in record.marks)
    return answer


def tiles(client: Client, world: OGCWorld) -> Answer:
    """Each record's tile at zoom 15 of its collection's layer."""
    answer = Answer()
    for record in world.records.values():
        layer = COLLECTIONS[record.collection].tile_layer
        response = client.get(
            reverse("maps:layer_tile", args=[layer, *tile_at(*record.lonlat, 15)])
        )
        assert response.status_code < 500
        decoded = mapbox_vector_tile.decode(response.content) if response.status_code == 200 else {}
        features = [f for found in decoded.values() for f in found["features"]]
        answer.text(
            record.collection, json.dumps([f["properties"] for f in features], ensure_ascii=False)
        )
        answer.shown[record.key] = record.pk in {f.get("id") for f in features}
    return answer


Channel = Callable[[Client, OGCWorld], Answer]
CHANNELS: dict[str, tuple[Channel, Callable[[Role, str, Record], bool]]] = {
    "collections list spatial extent": (_extents(False, _in_space), reads),
    "collections list temporal extent": (_extents(False, _in_time), reads),
    "collection spatial extent": (_extents(True, _in_space), reads),
    "collection temporal extent": (_extents(True, _in_time), reads),
    "items": (items, reads),
    "items paged": (items_paged, reads),
    "items bbox": (items_bbox, reads),
    "items EPSG:4490": (items_epsg4490, reads),
    "items Gauss-Kruger": (items_gauss_kruger, reads),
    "items datetime": (items_datetime, reads),
    "items attribute filter": (items_filter, reads),
    "single item": (single_item, reads),
    "documents and schemas": (documents, never),
    "tilejson": (tilejson, never),
    "vector tiles": (tiles, reads),
}
# Read once more with a session and with HTTP Basic over HTTPS.
OTHER_AUTHS = ("session", "basic")
AGAIN = ("items", "single item", "vector tiles", "collection spatial extent")
CASES = [("token", channel) for channel in CHANNELS] + [
    (auth, channel) for auth in OTHER_AUTHS for channel in AGAIN
]


# -- the matrix ----------------------------------------------------------------------------------


def mismatches(
    expect: Callable[[Role, str, Record], bool],
    role: Role,
    clearance: str,
    answer: Answer,
    world: OGCWorld,
) -> list[str]:
    wrong = []
    for key, shown in answer.shown.items():
        record = world.records[key]
        want = expect(role, clearance, record)
        if shown != want:
            wrong.append(f"{key}: {'shown' if shown else 'hidden'}, expected the opposite")
        texts = [t for c in (record.collection, *record.related) for t in answer.texts.get(c, [])]
        leaked = [] if want else [m for m in record.marks if m in "\n".join(texts)]
        if leaked:
            wrong.append(f"{key}: hidden, yet the answer holds {leaked}")
    return wrong


@pytest.mark.parametrize(("auth", "channel"), CASES, ids=[f"{a}-{c}" for a, c in CASES])
@pytest.mark.parametrize("clearance", CLEARANCES)
@pytest.mark.parametrize("role", list(Role))
def test_ogc_matrix(world, role, clearance, auth, channel):
    read, expect = CHANNELS[channel]
    if auth != "session" and not may_hold_token(world.users[role, clearance]):
        # Administrator duties (and roles that must use a second factor) have no desktop
        # access: their token and their Basic credentials are refused, so nothing is answered.
        expect = never
    answer = read(client_for(world, auth, role, clearance), world)
    assert set(answer.shown) == set(world.records)
    assert mismatches(expect, role, clearance, answer, world) == []


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_without_credentials_nothing_is_answered(world, channel):
    read, _expect = CHANNELS[channel]
    answer = read(Client(HTTP_ACCEPT_LANGUAGE="en"), world)
    assert mismatches(never, Role.VIEWER, SECRET, answer, world) == []
