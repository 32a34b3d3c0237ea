"""What the officers of bench_load.py do: their accounts, sessions and tokens, their walks over
the map, the requests each step of a walk makes and the query behind each request.

The officers (``load-officer-01`` … ``-50``, made once in the benchmark database) are 4 province
administrators, 16 city administrators, 15 county administrators and 15 officers of county units.
Each browses as the map page does (docs/map.md). A visit opens the page with the TileJSON of its
two default layers (and the basemap GeoJSON, which the browser then keeps for an hour), starts
from the officer's division (province z6/z7 over Chengdu, city z9, county z11), zooms in on a
unit of the officer's scope through z9, z11 and z13 to z14, pans three times, opens a record's
page (the popup's link) and zooms out to z12; at z13 it lists the assets in service or idle in
the view through the API. A view of 1280 × 720 px loads the tiles of both layers it shows that
the visit has not loaded yet; the tiles of the division's view are in the browser from an
earlier visit, so opening the map revalidates them. Two visits to different units make an
officer's cycle, and each officer starts at a step of its own, as if the 50 had been browsing for
a while.
"""

import json
import math
import random
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import Point, Polygon
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from portal.assets.models import Asset
from portal.demo.generators.accounts import PROVINCE_OFFICES
from portal.maps import sql
from portal.maps.tiles import Tile, etag_key, tile_source
from portal.org import sql as org_sql
from portal.org.choices import Role
from portal.org.models import Unit, User
from portal.org.scoping import Reach, cleared_levels, read_scope
from tests.benchmarks.full.bench_api import ASSET_PAGE_HEAD

LAYERS = ("units", "assets")  # the map's default layers
VIEWPORT_PX = (1280, 720)
TILE_PX = 256
LIST_STATUSES = ("in_use", "idle")
LIST_LIMIT = 100
CHENGDU = (104.07, 30.66)  # the map's default view, at zoom 7

# The API's asset page written by hand, as bench_api.py's RAW_PAGE, with the list's filters.
LIST_PAGE = (
    ASSET_PAGE_HEAD
    + """  {division_join}
  WHERE ST_Intersects(a.geom, ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4490))
    AND a.confidentiality = ANY(%(levels)s) AND a.status = ANY(%(statuses)s) {scope}
  ORDER BY a.id
  LIMIT %(limit)s
) AS f
"""
)


@dataclass(frozen=True)
class Query:
    """What the baseline runs for one request."""

    sql: str
    params: dict[str, Any]
    tile: bool = False  # a tile's query also gives its ETag, and takes the one the client holds


@dataclass
class Officer:
    """An officer: account, credentials, the steps of its cycle and the queries of its requests.

    A step is a list of ``(kind, path, auth)``; ``queries`` maps a path to its query. The
    officer's browser holds the tiles of its division's view from an earlier visit (``etags``):
    opening the map revalidates them, as a browser does once their 60 s max-age is over.
    """

    user: User
    session: str
    token: str
    start: int = 0
    steps: list[list[tuple[str, str, str]]] = field(default_factory=list)
    queries: dict[str, Query] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)  # tiles the browser holds already


# --- Who browses --------------------------------------------------------------------------------


def _account(index: int, role: str, clearance: str, unit: Unit) -> User:
    """The officer's account, made on the first run (no password: the benchmark signs it in)."""
    wanted = {"role": role, "clearance": clearance, "unit": unit}
    user, created = User.objects.get_or_create(
        username=f"load-officer-{index:02d}", defaults={**wanted, "password": make_password(None)}
    )
    if not created and any(getattr(user, name) != value for name, value in wanted.items()):
        for name, value in wanted.items():
            setattr(user, name, value)
        user.save(update_fields=list(wanted))
    return user


def _accounts(rng: random.Random) -> list[User]:
    units = Unit.objects.filter(synthetic=True).select_related("division").order_by("pk")
    province = units.get(name=PROVINCE_OFFICES)
    cities = rng.sample(list(units.filter(division__level="city", offices_administration=True)), 16)
    county_offices = units.filter(division__level="county", offices_administration=True)
    counties = rng.sample(list(county_offices), 15)
    bureaus = rng.sample(
        list(units.filter(division__level="county", offices_administration=False)), 15
    )
    specs = [
        *[(Role.PROVINCE_ADMIN, "secret" if i < 2 else "internal", province) for i in range(4)],
        *[(Role.DIVISION_ADMIN, "internal", unit) for unit in cities + counties],
        *[
            (Role.UNIT_OFFICER, "internal" if i % 3 else "public", unit)
            for i, unit in enumerate(bureaus)
        ],
    ]
    return [_account(i, *spec) for i, spec in enumerate(specs, 1)]


def _signed_in(user: User) -> Officer:
    """A session as a sign-in makes it (Client.force_login), and the user's API token."""
    client = Client()
    client.force_login(user)
    token, _created = Token.objects.get_or_create(user=user)
    return Officer(user, client.cookies["sessionid"].value, token.key)


# --- Where they look ----------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """A map view: zoom and centre in Web Mercator pixels of that zoom."""

    z: int
    px: float
    py: float

    @classmethod
    def at(cls, z: int, lon: float, lat: float) -> "View":
        scale = TILE_PX * 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2
        return cls(z, (lon + 180) / 360 * scale, y * scale)

    def lonlat(self, px: float, py: float) -> tuple[float, float]:
        scale = TILE_PX * 2**self.z
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / scale))))
        return px / scale * 360 - 180, lat

    def moved(self, dx: float, dy: float) -> "View":
        return View(self.z, self.px + dx, self.py + dy)

    def bbox(self) -> tuple[float, float, float, float]:
        half_w, half_h = VIEWPORT_PX[0] / 2, VIEWPORT_PX[1] / 2
        west, north = self.lonlat(self.px - half_w, self.py - half_h)
        east, south = self.lonlat(self.px + half_w, self.py + half_h)
        return round(west, 5), round(south, 5), round(east, 5), round(north, 5)

    def tiles(self) -> list[Tile]:
        """The tiles it shows, nearest to the centre first (the order Leaflet asks for them)."""
        last, half_w, half_h = 2**self.z - 1, VIEWPORT_PX[0] / 2, VIEWPORT_PX[1] / 2
        xs = range(
            max(0, int((self.px - half_w) // TILE_PX)),
            min(last, int((self.px + half_w) // TILE_PX)) + 1,
        )
        ys = range(
            max(0, int((self.py - half_h) // TILE_PX)),
            min(last, int((self.py + half_h) // TILE_PX)) + 1,
        )
        centre = (self.px / TILE_PX - 0.5, self.py / TILE_PX - 0.5)
        return sorted(
            (Tile(self.z, x, y) for x in xs for y in ys),
            key=lambda t: (t.x - centre[0]) ** 2 + (t.y - centre[1]) ** 2,
        )


def _start(user: User, index: int) -> View:
    division = user.unit.division
    if read_scope(user).reach is Reach.ALL:
        return View.at(6 + index % 2, *CHENGDU)
    point = division.geom.point_on_surface
    return View.at(9 if division.level == "city" else 11, point.x, point.y)


def _walk(start: View, target: Point, rng: random.Random) -> list[View]:
    """Zoom in on ``target`` to z14 through z9, z11, z13; three pans; out to z12."""
    zooms = [z for z in (9, 11, 13) if z > start.z] + [14]
    views = [start]
    for i, z in enumerate(zooms, 1):
        here = View.at(z, *start.lonlat(start.px, start.py))
        goal = View.at(z, target.x, target.y)
        views.append(
            View(
                z,
                here.px + (goal.px - here.px) * i / len(zooms),
                here.py + (goal.py - here.py) * i / len(zooms),
            )
        )
    for _pan in range(3):
        dx, dy = rng.choice([(1, 0), (-1, 0), (0, 1), (0, -1)])
        views.append(views[-1].moved(dx * VIEWPORT_PX[0] / 2, dy * VIEWPORT_PX[1] / 2))
    last = views[-1]
    views.append(View.at(12, *last.lonlat(last.px, last.py)))
    return views


# --- What each step asks for, and the query behind it -------------------------------------------


def _tile_requests(officer: Officer, request: Any, view: View, seen: set[str]) -> list[tuple]:
    """The tiles of ``view`` the officer has not loaded in this visit, both layers."""
    steps = []
    for tile in view.tiles():
        for layer in LAYERS:
            path = reverse("maps:layer_tile", args=[layer, tile.z, tile.x, tile.y])
            if path in seen:
                continue
            seen.add(path)
            steps.append(("tile", path, "session"))
            if path not in officer.queries:
                source = tile_source(layer)
                key = etag_key(source, tile, request)
                tile_sql = sql.versioned(source.statement(request, tile), key, source.tables, [])
                officer.queries[path] = Query(tile_sql.sql, tile_sql.params, tile=True)
    return steps


def _list_request(officer: Officer, view: View) -> tuple[str, str, str]:
    """The API's first page of the assets in service or idle in the view."""
    west, south, east, north = bbox = view.bbox()
    query = urllib.parse.urlencode(
        [("bbox", f"{west},{south},{east},{north}")]
        + [("status", status) for status in LIST_STATUSES]
        + [("limit", LIST_LIMIT)]
    )
    path = f"{reverse('api:asset-list')}?{query}"
    officer.queries[path] = _list_query(officer.user, bbox)
    return ("list", path, "token")


def _list_query(user: User, bbox: tuple[float, float, float, float]) -> Query:
    scope, join, clause = read_scope(user), "", ""
    params: dict[str, Any] = dict(zip(("xmin", "ymin", "xmax", "ymax"), bbox, strict=True))
    if scope.reach is Reach.DIVISION:
        join = "JOIN org_admindivision d ON d.id = u.division_id"
        clause, params["prefix"] = "AND d.code LIKE %(prefix)s", f"{scope.prefix}%"
    elif scope.reach is Reach.UNIT:
        clause, params["unit"] = "AND a.holder_id = %(unit)s", scope.unit_id
    params |= {"levels": cleared_levels(user), "statuses": list(LIST_STATUSES), "limit": LIST_LIMIT}
    return Query(LIST_PAGE.format(division_join=join, scope=clause), params)


def _detail(user: User, unit: Unit, visit: int) -> str:
    """The page a popup links to: an asset near the unit on a first visit, else the unit."""
    if visit == 0:
        x, y = unit.location.x, unit.location.y
        box = Polygon.from_bbox((x - 0.01, y - 0.01, x + 0.01, y + 0.01))
        box.srid = 4490
        near = Asset.objects.visible_to(user).filter(geom__bboverlaps=box)
        pk = next(iter(near.values_list("pk", flat=True)[:1]), None)
        if pk is not None:
            return reverse("assets:asset_detail", args=[pk])
    return reverse("org:unit_detail", args=[unit.pk])


def _visit(officer: Officer, views: list[View], detail: str) -> list[list[tuple]]:
    """The steps of one visit: open the map, walk the views, list at z13, a record's page."""
    request = RequestFactory().get("/")
    request.user = officer.user
    seen: set[str] = set()
    opening = [("page", reverse("maps:map"), "session"), _basemap(officer)] + [
        ("tilejson", reverse("maps:layer_tilejson", args=[layer]), "session") for layer in LAYERS
    ]
    steps = [opening + _tile_requests(officer, request, views[0], seen)]
    for i, view in enumerate(views[1:], 1):
        steps.append(_tile_requests(officer, request, view, seen))
        if view.z == 13:
            steps.append([_list_request(officer, view)])
        if i == len(views) - 2:  # after the last pan, before zooming out
            steps.append([("detail", detail, "session")])
    return [step for step in steps if step]


def _plan(officer: Officer, index: int, rng: random.Random) -> None:
    """Two visits to units of the officer's scope, and the step its replay starts from."""
    user = officer.user
    units = list(Unit.objects.visible_to(user).exclude(location=None).order_by("pk"))
    targets = rng.sample(units, 2) if len(units) > 1 else units * 2
    start = _start(user, index)
    for visit, unit in enumerate(targets):
        views = _walk(start, unit.location, rng)
        officer.steps += _visit(officer, views, _detail(user, unit, visit))
    officer.start = rng.randrange(len(officer.steps))
    request = RequestFactory().get("/")
    request.user = user
    for tile in start.tiles():
        for layer in LAYERS:
            path = reverse("maps:layer_tile", args=[layer, tile.z, tile.x, tile.y])
            officer.etags[path] = _etag(request, layer, tile)


def _etag(request: Any, layer: str, tile: Tile) -> str:
    """The tile's current ETag, without building the tile: the versioned query around nothing."""
    source = tile_source(layer)
    nothing = sql.Statement("SELECT NULL::bytea", {})
    statement = sql.versioned(nothing, etag_key(source, tile, request), source.tables, [])
    return sql.fetch_versioned(statement)[0]


def _basemap(officer: Officer) -> tuple[str, str, str]:
    """The basemap GeoJSON, with its query as portal.org.views.BasemapView runs it."""
    path = reverse("org:division_basemap")
    params = {"levels": ["city", "county"], "tolerance": 0.002}
    officer.queries[path] = Query(org_sql.BASEMAP, params)
    return ("basemap", path, "session")


def make_officers(rng: random.Random) -> list[Officer]:
    """The 50 officers, signed in, with their plans (needs the database), in an order that
    mixes the roles, so that locust's ramp-up (and any first few) brings every kind of officer."""
    users = _accounts(rng)
    rng.shuffle(users)
    officers = []
    for index, user in enumerate(users):
        officer = _signed_in(user)
        _plan(officer, index, rng)
        officers.append(officer)
    return officers


def plan_json(officers: list[Officer]) -> str:
    """The plan as locustfile.py reads it."""
    return json.dumps(
        [
            {
                "session": o.session,
                "token": o.token,
                "start": o.start,
                "steps": o.steps,
                "etags": {path: f'"{etag}"' for path, etag in o.etags.items()},
            }
            for o in officers
        ]
    )
