"""Fuzzing of the REST API with schemathesis: every operation of the OpenAPI schema, reads and
writes, with valid and invalid data, answers without a server error and as its schema says, for
a province administrator and for a unit officer (scoped to his unit).

The schema is the document /api/schema/ serves to a signed-in user; it is read from that view
when the module is collected (schemathesis makes one test per operation from it), and a test
checks that the URL serves the same document, and only to a signed-in user. Requests go
in-process to the Django WSGI application: no socket is opened.

Every operation's test starts from the same seeded records (a record of every registry type in
the officer's unit and in another one, one classified above his clearance, and a vehicle pool
both accounts manage with bookings in every state the fleet's actions take): the records are
made once for the module and each test rolls back what it changed. Path parameters are drawn
half the time from those records, so PUT, PATCH and DELETE reach real rows, not only 404s.
Generation is derandomised with a fixed seed and the example database is off: a run is the same
on every machine and keeps no examples for the next.

The OGC API – Features under /ogc/ (issue 12) is also driven with hostile query strings the
schema does not describe: junk and extreme bbox, CRS, datetime, limit and offset values, NUL
characters, very long and non-ASCII values, unknown and repeated parameters, every attribute
filter with values of every kind. Each answer is 200 or a 4xx JSON ``{code, description}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIRequestFactory, force_authenticate

from portal.assets.models import Asset, AssetCategory, Listing, Need
from portal.buildings.models import Building, Occupancy, SpaceStandard
from portal.core.choices import Confidentiality
from portal.depots.models import Depot, StockItem, StockMovement, SupplyCategory
from portal.depots.services.stock import receive_stock
from portal.exchange import services as exchange
from portal.exchange.models import ImportJob
from portal.features.collections import COLLECTIONS
from portal.features.crs import SUPPORTED
from portal.features.params import STANDARD
from portal.fleet.choices import BookingStatus
from portal.fleet.models import Booking, Trip, Vehicle
from portal.org.choices import Role
from portal.org.models import AdminDivision, CooperationRegion, Unit, User
from portal.parcels.models import Parcel
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    CategoryFactory,
    DepotFactory,
    ListingFactory,
    NeedFactory,
    ParcelFactory,
    StockItemFactory,
    SupplyCategoryFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
)
from tests.portal.api.conftest import OccupancyFactory
from tests.portal.fleet import map_data
from tests.portal.fleet.factories import DriverFactory, PoolFactory, TariffFactory, at

pytestmark = pytest.mark.django_db(databases="__all__")

SCHEMA_PATH = "/api/schema/"
# Fixed token keys, so each role's schemathesis configuration can name its credentials.
TOKENS = {
    Role.PROVINCE_ADMIN: "f0221ea55e55f0221ea55e55f0221ea55e55ad01",
    Role.UNIT_OFFICER: "f0221ea55e55f0221ea55e55f0221ea55e55of02",
}

# What runs per operation: the fuzzing phase, valid and invalid data mixed, a bounded number of
# examples (enough to get past the required fields, few enough for minutes on two cores),
# derandomised with a fixed seed, no example database. The coverage phase (each enumerated
# value, each boundary, each parameter left out) costs minutes per run over all operations; it
# runs for the export only, whose answer depends on a combination of enumerated parameters
# (format × encoding × record type) that random draws rarely meet.
# Checks: no 5xx, and the answer matches the schema. Status codes are not checked against the
# schema: drf-spectacular documents only the success of each operation, not its 400/403/404.
CONFIG: dict[str, Any] = {
    "seed": 9,
    "generation": {
        "mode": "all",
        "max-examples": 20,
        "deterministic": True,
        "database": "none",
    },
    "phases": {
        "examples": {"enabled": False},
        "coverage": {"enabled": False},
        "stateful": {"enabled": False},
    },
    "operations": [
        {"include-path": "/api/exports/{entity}/", "phases": {"coverage": {"enabled": True}}},
    ],
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
}


def served_document() -> dict[str, Any]:
    """The OpenAPI document the schema URL serves to a signed-in user.

    Read from the URL's view without the database (no request reaches it while tests are
    collected), by a user that exists only in memory.
    """
    request = APIRequestFactory().get(SCHEMA_PATH, {"format": "json"})
    force_authenticate(request, user=User(username="schema-reader", role=Role.PROVINCE_ADMIN))
    response = resolve(SCHEMA_PATH).func(request)
    response.render()
    return json.loads(response.content)


# Read when the module is collected, not by a fixture: schemathesis's fixture-based loader
# (schemathesis.pytest.from_fixture) relies on pytest's Node._nodeid, which pytest 9 dropped.
DOCUMENT = served_document()


def schema_for(role: Role) -> schemathesis.BaseSchema:
    """The document, fuzzed in-process with ``role``'s token."""
    auth = {"openapi": {"tokenAuth": {"api_key": f"Token {TOKENS[role]}"}}}
    config = schemathesis.Config.from_dict({**CONFIG, "auth": auth})
    schema = schemathesis.openapi.from_dict(DOCUMENT, config=config)
    schema.app = get_wsgi_application()
    schema.hook(flatmap_path_parameters)
    return schema


# --- the seeded world -------------------------------------------------------------------------

# Which model answers under each collection, and the field its detail URL is keyed by.
RESOURCES: dict[str, tuple[type, str]] = {
    "units": (Unit, "pk"),
    "buildings": (Building, "pk"),
    "occupancies": (Occupancy, "pk"),
    "parcels": (Parcel, "pk"),
    "assets": (Asset, "pk"),
    "warehouse-listings": (Listing, "pk"),
    "warehouse-needs": (Need, "pk"),
    "depots": (Depot, "pk"),
    "stock-items": (StockItem, "pk"),
    "stock-movements": (StockMovement, "pk"),
    "vehicles": (Vehicle, "pk"),
    "vehicle-bookings": (Booking, "pk"),
    "vehicle-dispatch": (Booking, "pk"),
    "vehicle-trips": (Trip, "pk"),
    "divisions": (AdminDivision, "code"),
    "cooperation-regions": (CooperationRegion, "pk"),
    "asset-categories": (AssetCategory, "code"),
    "supply-categories": (SupplyCategory, "code"),
    "space-standards": (SpaceStandard, "pk"),
    "imports": (ImportJob, "pk"),
}


# The detail keys of the seeded records per collection, read once the records are made. They
# stay fixed for the module: Hypothesis replays what it drew, so a strategy must not read the
# database as it draws (a record one example deleted would change the next draw under it).
SEEDED_KEYS: dict[str, list[Any]] = {}


def seeded_keys() -> dict[str, list[Any]]:
    return {
        collection: list(model.objects.order_by(key).values_list(key, flat=True)[:12])
        for collection, (model, key) in RESOURCES.items()
    }


def flatmap_path_parameters(context, path_parameters):
    """Half the time, the key of a seeded record of the collection for ``{id}``/``{code}``."""
    names = [name for name in ("id", "code") if name in (path_parameters or {})]
    keys = SEEDED_KEYS.get(context.operation.path.split("/")[2])
    if not names or not keys:
        return st.just(path_parameters)
    seeded = st.sampled_from(keys).map(lambda value: {**path_parameters, names[0]: value})
    return st.one_of(seeded, st.just(path_parameters))


def listing(unit: Unit) -> Listing:
    return ListingFactory(
        asset__holder=unit,
        geom=unit.location,
        division=unit.division,
        category=CategoryFactory(),
        condition="good",
        original_value=6000,
        net_value=3000,
    )


def seed(own: Unit, other: Unit, officer: User) -> None:
    """A record of every registry type in ``own`` and in ``other``, and one classified above
    the officer's clearance: the officer meets records he may, may not and cannot see."""
    for unit in (own, other):
        BuildingFactory(managing_unit=unit)
        OccupancyFactory(unit=unit)
        ParcelFactory(holder=unit)
        AssetFactory(holder=unit)
        listing(unit)
        NeedFactory(unit=unit)
        VehicleFactory(holder=unit)
        StockItemFactory(depot=DepotFactory(managing_unit=unit))
    BuildingFactory(managing_unit=own, confidentiality=Confidentiality.SECRET)
    UnitFactory(division_code="510104", parent=own)
    receive_stock(
        DepotFactory(managing_unit=own),
        category=SupplyCategoryFactory(),
        name="棉帐篷",
        batch_no="F-1",
        quantity="10",
        unit_of_measure="顶",
        document_no="RK-F-1",
        occurred_on=None,
        by=officer,
    )
    upload = SimpleUploadedFile("ledger.csv", b"name\n", content_type="text/csv")
    exchange.create_import(upload, by=officer, entity="assets")


def seed_fleet(own: Unit, other: Unit, managers: list[User]) -> None:
    """A pool of both units that both accounts manage, and bookings of ``own`` in every state a
    fleet operation acts on: submitted, approved, assigned (tomorrow) and completed with its
    trip (served by ``other``'s vehicle, so it is settled)."""
    pool = PoolFactory(operator=other, members=[own, other], managers=managers)
    TariffFactory(pool=pool)
    vehicles = {unit: Vehicle.objects.filter(holder=unit).first() for unit in (own, other)}
    officer = next(user for user in managers if user.unit_id == own.pk)
    for day, status in enumerate((BookingStatus.SUBMITTED, BookingStatus.APPROVED), start=1):
        map_data.booking(own, officer, pool, at(day, 9), at(day, 12), status=status)
    assigned = map_data.booking(own, officer, pool, at(3, 9), at(3, 12))
    map_data.assign(assigned, vehicles[own], officer, DriverFactory(unit=own))
    done = map_data.booking(own, officer, pool, at(-3, 9), at(-3, 12))
    driver = DriverFactory(unit=other)
    map_data.assign(done, vehicles[other], officer, driver)
    map_data.complete(done, vehicles[other], driver, officer, "42.0")


@contextmanager
def connection_kept_open() -> Iterator[None]:
    """Django's handler closes "old" connections when a request starts and ends, and one inside
    a test's transaction counts as old (autocommit is off): as Django's test client does, keep
    it open while the fuzzed requests run."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded records, made once in a transaction that is rolled back after the module;
    each test's own transaction (``db``) nests inside it."""
    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        connection_kept_open(),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        own = UnitFactory(division_code="510104")
        officer = UserFactory(role=Role.UNIT_OFFICER, unit=own, password=None)
        admin = UserFactory(
            role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510107"), password=None
        )
        for user in (admin, officer):
            Token.objects.create(user=user, key=TOKENS[user.role])
        other = UnitFactory(division_code="510703")
        seed(own, other, officer)
        seed_fleet(own, other, [admin, officer])
        SEEDED_KEYS.update(seeded_keys())
        yield {"admin": admin, "officer": officer}
        SEEDED_KEYS.clear()
        transaction.set_rollback(True)


# --- the tests --------------------------------------------------------------------------------

as_admin = schema_for(Role.PROVINCE_ADMIN)
as_officer = schema_for(Role.UNIT_OFFICER)


# An operation's examples share its test's transaction on purpose: what one example wrote is
# there for the next (a record made, then changed or deleted), and the test's rollback undoes it.
SHARED_TRANSACTION = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@as_admin.parametrize()
@SHARED_TRANSACTION
def test_province_administrator_meets_no_server_error(case, world):
    case.call_and_validate()


@as_officer.parametrize()
@SHARED_TRANSACTION
def test_unit_officer_meets_no_server_error(case, world):
    case.call_and_validate()


def test_the_fuzzed_document_is_the_one_the_schema_url_serves_to_signed_in_users(world):
    client = Client()
    assert client.get(SCHEMA_PATH, {"format": "json"}).status_code == 401
    token = f"Token {TOKENS[Role.UNIT_OFFICER]}"
    response = client.get(SCHEMA_PATH, {"format": "json"}, HTTP_AUTHORIZATION=token)
    assert response.status_code == 200
    assert json.loads(response.content) == DOCUMENT


# --- OGC API – Features: hostile query strings ----------------------------------------------------

# Every resource under /ogc/, with {c} a collection id and {f} a feature id.
OGC_PATHS = (
    "/ogc/",
    "/ogc/conformance",
    "/ogc/api",
    "/ogc/collections",
    "/ogc/collections/{c}",
    "/ogc/collections/{c}/schema",
    "/ogc/collections/{c}/items",
    "/ogc/collections/{c}/items/{f}",
)
# Every parameter some items request takes (the standard's and each collection's filters), and
# names no resource takes.
OGC_NAMES = sorted(
    {*STANDARD, *(name for item in COLLECTIONS.values() for name in item.filters())}
    | {"", "foo", "BBOX", "bbox[]", "limit ", "名称", "\x00", "f\x00"}
)
HOSTILE = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "-0",
    "0x10",
    "1_000",
    "٣",
    "9" * 30,
    "-1",
    "0",
    "null",
    "true",
    "..",
    "../..",
    "/",
    "//",
    ",,,",
    "%",
    "%00",
    "'; --",
    "四川",
    "é́",
    "\u202e",
    "<script>",
    "{}",
    "[]",
    '{"type": "Point"}',
    "CRS84",
    "EPSG:4490",
    "EPSG:0",
    "EPSG:99999999",
    "[EPSG:4544]",
    "http://x/",
    "json",
    "geojson",
    "html",
    "2020-01-01",
    "2020-13-45",
    "2020-01-01T25:00:00Z",
    "2020-02-30/..",
    "../2020-01-01",
    "2021-01-01/2020-01-01",
    "0001-01-01",
    "9999-12-31T23:59:59+14:00",
    "2020-01-01T00:00:00+99:00",
    "10000-01-01",
    "2020-01-01T00:00:00.123456789Z",
    "2020-01-01 00:00:00",
    "P1D",
)
_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**400), 10**400).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "", " ", "1,5", "٣", "0x1p3"]),
)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
OGC_VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    _TEXT,
    st.lists(_NUMBER, max_size=9).map(",".join),
    st.integers(1000, 20_000).flatmap(lambda n: st.sampled_from(["9" * n, "a" * n, "四" * n])),
    st.sampled_from([crs.uri for crs in SUPPORTED]),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.sampled_from(
        [
            str(c)
            for item in COLLECTIONS.values()
            for f in item.filters().values()
            for c, _l in getattr(f.field, "choices", None) or ()
        ]
    ),
)
OGC_QUERIES = st.lists(st.tuples(st.sampled_from(OGC_NAMES), OGC_VALUES), max_size=6)
OGC_IDS = st.one_of(
    st.sampled_from(list(COLLECTIONS)), st.sampled_from(["nope", "UNITS", "units-", "_"])
)
FEATURE_IDS = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(["510104", "51", "9" * 30, "-1", "1.0", "%00", "四川", "\x00", "1\x00"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\"), min_size=1),
)


def ogc_answers_json(response: Any) -> None:
    """200, or a refusal the standard's way: 4xx with ``{code, description}``, no traceback."""
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.content[:300]
    assert "json" in response["Content-Type"], response["Content-Type"]
    body = json.loads(response.content)
    if response.status_code != 200:
        assert set(body) == {"code", "description"}, body
        assert all(isinstance(body[key], str) for key in ("code", "description")), body
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("role", list(TOKENS))
@given(
    path=st.sampled_from(OGC_PATHS),
    collection=OGC_IDS,
    feature=FEATURE_IDS,
    query=OGC_QUERIES,
)
@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_ogc_api_answers_hostile_queries_without_a_server_error(
    world, role, path, collection, feature, query
):
    url = path.format(c=collection, f=quote(feature, safe=""))
    client = Client(HTTP_AUTHORIZATION=f"Token {TOKENS[role]}")
    with transaction.atomic():  # a failed statement must not spoil the next example's
        ogc_answers_json(client.get(f"{url}?{urlencode(query)}"))
