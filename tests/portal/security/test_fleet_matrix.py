"""The scoping matrix of the fleet channels (issue 10): every role, as a plain officer of his unit
and as a pool manager, × every fleet channel × the kinds of fleet record of
:mod:`tests.portal.security.fleet_world` (own, other, shared through the pool, served by the
unit's vehicle). Fleet records carry no confidentiality level, so the clearance axis of
:mod:`test_scoping_matrix` becomes the pool manager axis here; :data:`READS` of that module is the
spec of the unit scope, widened as the fleet querysets widen it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from portal.fleet.forms.trips import last_month
from portal.fleet.querysets import POOL_MANAGER_ROLES
from portal.org.choices import Role
from tests.portal.security.fleet_world import MANAGES, FleetWorld, Record, build_world
from tests.portal.security.test_scoping_matrix import READS, Seen, _json, _pdf_text, _text

pytestmark = pytest.mark.django_db

# Who may change a record of each vehicle kind (the position feed): the unit's edit scope only,
# never a pool manager as such.
EDITS: dict[Role, dict[str, bool]] = {
    role: {"own": False, "other": False, "pooled": False} for role in Role
}
EDITS[Role.PROVINCE_ADMIN] = {"own": True, "other": True, "pooled": True}
EDITS[Role.DIVISION_ADMIN] = {"own": True, "other": False, "pooled": False}
EDITS[Role.UNIT_OFFICER] = {"own": True, "other": False, "pooled": False}


def reads(role: Role, manages: bool, kind: str) -> bool:
    """Bookings, trips, vehicles and drivers: the unit scope of :data:`READS` (``served``: the
    holder of the serving vehicle is home), widened for a pool's managers to its records."""
    unit_kind = {"own": "own", "served": "own", "other": "other", "pooled": "other"}[kind]
    return READS[role][unit_kind] or (manages and kind == "pooled")


def admin_reads(role: Role, manages: bool, kind: str) -> bool:
    """The admin site: as :func:`reads`, yet closed to a role that reads no registry record (the
    security administrator), even one who manages a pool."""
    return READS[role]["own"] and reads(role, manages, kind)


def dispatches(role: Role, manages: bool, kind: str) -> bool:
    """The dispatch pages and API: the managers of the booking's pool alone."""
    return manages and kind == "pooled"


def sees_pool(role: Role, manages: bool, kind: str) -> bool:
    """A pool's summary: its managers and whoever reads its operator (in 涪城区); the plain pool
    holds own, other and served."""
    return READS[role]["other"] or (manages and kind == "pooled")


def edits(role: Role, manages: bool, kind: str) -> bool:
    return EDITS[role][kind]


def test_the_edit_table_covers_every_role():
    assert set(EDITS) == set(Role)


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


def _ids(response: Any) -> tuple[set[int], str]:
    data, text = _json(response)
    if data is None:
        return set(), text
    rows = data if isinstance(data, list) else data.get("features", data.get("results", []))
    return {row["id"] for row in rows}, text


def _listed(records: dict[str, Record], response: Any) -> dict[str, Seen]:
    ids, text = _ids(response)
    return {kind: Seen(r.pk in ids, text) for kind, r in records.items()}


def _each(records: dict[str, Record], url: Callable[[int], str], client: Any) -> dict[str, Seen]:
    """A page per record: shown when it answers 200."""
    seen = {}
    for kind, record in records.items():
        response = client.get(url(record.pk))
        seen[kind] = Seen(response.status_code == 200, _text(response))
    return seen


def _by_mark(records: dict[str, Record], response: Any) -> dict[str, Seen]:
    """A text answer: a record is shown when its first mark is in it."""
    text = _text(response)
    ok = response.status_code == 200
    return {kind: Seen(ok and r.marks[0] in text, text) for kind, r in records.items()}


def booking_list_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _by_mark(w.bookings, client.get(reverse("fleet:booking_list")))


def booking_detail_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _each(w.bookings, lambda pk: reverse("fleet:booking_detail", args=[pk]), client)


def booking_api_list(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _listed(w.bookings, client.get("/api/vehicle-bookings/"))


def booking_api_detail(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _each(w.bookings, lambda pk: f"/api/vehicle-bookings/{pk}/", client)


def booking_admin(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _by_mark(w.bookings, client.get(reverse("admin:fleet_booking_changelist")))


def map_bookings(client: Any, w: FleetWorld) -> dict[str, Seen]:
    days = {"from": w.day.isoformat(), "to": (w.day + dt.timedelta(days=4)).isoformat()}
    return _listed(w.bookings, client.get(reverse("fleet:map_bookings"), days))


def trip_list_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    response = client.get(reverse("fleet:trip_list"))
    text = _text(response)
    ok = response.status_code == 200
    return {k: Seen(ok and f'data-trip="{r.pk}"' in text, text) for k, r in w.trips.items()}


def trip_detail_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _each(w.trips, lambda pk: reverse("fleet:trip_detail", args=[pk]), client)


def trip_api_list(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _listed(w.trips, client.get("/api/vehicle-trips/"))


def trip_api_detail(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _each(w.trips, lambda pk: f"/api/vehicle-trips/{pk}/", client)


def _statements(client: Any, w: FleetWorld, name: str, read: Callable[[Any], str]) -> dict:
    """Each trip in the statement of its payer or of its payee, last month, as ``name`` gives it
    (a unit the user may not open is a 400 without lines)."""
    month = str(last_month())
    seen = {}
    for kind, record in w.trips.items():
        texts = []
        for unit in w.payers[kind]:
            response = client.get(reverse(name), {"unit": unit, "month": month})
            texts.append(read(response) if response.status_code == 200 else _text(response))
        text = "\n".join(texts)
        seen[kind] = Seen(record.marks[0] in text, text)
    return seen


def statement_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _statements(client, w, "fleet:statement", _text)


def _cells(response: Any) -> str:
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
    )


def statement_xlsx(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _statements(client, w, "fleet:statement_xlsx", _cells)


def statement_pdf(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _statements(client, w, "fleet:statement_pdf", lambda r: _pdf_text(r.content))


def _pool_summaries(client: Any, w: FleetWorld, name: str, read: Callable[[Any], str]) -> dict:
    month = str(last_month())
    texts = {}
    for key, pool in w.pools.items():
        response = client.get(reverse(name, args=[pool.pk]), {"month": month})
        texts[key] = read(response) if response.status_code == 200 else _text(response)
    seen = {}
    for kind, record in w.trips.items():
        text = texts["managed" if kind == "pooled" else "plain"]
        seen[kind] = Seen(record.marks[0] in text, text)
    return seen


def pool_statement_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _pool_summaries(client, w, "fleet:pool_statement", _text)


def pool_statement_xlsx(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _pool_summaries(client, w, "fleet:pool_statement_xlsx", _cells)


def dispatch_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _each(w.bookings, lambda pk: reverse("fleet:dispatch_booking", args=[pk]), client)


def dispatch_api(client: Any, w: FleetWorld) -> dict[str, Seen]:
    """Suggestions for each booking: a completed one is refused (409) to its pool's managers,
    any other user's answer is a 404."""
    seen = {}
    for kind, record in w.bookings.items():
        response = client.get(f"/api/vehicle-dispatch/{record.pk}/suggestions/")
        seen[kind] = Seen(response.status_code != 404, _text(response))
    return seen


def map_vehicles(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _listed(w.vehicles, client.get(reverse("fleet:map_vehicles")))


def positions_feed(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _listed(w.vehicles, client.get(reverse("api:fleet_positions")))


def vehicle_api_list(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _listed(w.vehicles, client.get("/api/vehicles/"))


def vehicle_api_detail(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _each(w.vehicles, lambda pk: f"/api/vehicles/{pk}/", client)


def vehicle_detail_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _each(w.vehicles, lambda pk: reverse("fleet:vehicle_detail", args=[pk]), client)


def vehicle_admin(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _by_mark(w.vehicles, client.get(reverse("admin:fleet_vehicle_changelist")))


def utilisation_page(client: Any, w: FleetWorld) -> dict[str, Seen]:
    days = {"from": w.day.isoformat(), "to": (w.day + dt.timedelta(days=4)).isoformat()}
    return _by_mark(w.vehicles, client.get(reverse("fleet:utilisation"), days))


def driver_admin(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return _by_mark(w.drivers, client.get(reverse("admin:fleet_driver_changelist")))


def positions_post(client: Any, w: FleetWorld) -> dict[str, Seen]:
    """A fix posted for each vehicle: accepted (201) only for a vehicle the account edits."""
    seen = {}
    when = (timezone.now() - dt.timedelta(seconds=30)).isoformat()
    for kind, record in w.vehicles.items():
        response = _post_fix(client, {"vehicle": record.pk, "recorded_at": when})
        seen[kind] = Seen(response.status_code == 201, _text(response))
    return seen


def _post_fix(client: Any, row: dict[str, Any]) -> Any:
    body = {"source": "matrix", "positions": [{**row, "lon": 104.0, "lat": 30.6}]}
    url = reverse("api:fleet_positions")
    return client.post(url, json.dumps(body), content_type="application/json")


def _assign(client: Any, w: FleetWorld, vehicle: str, driver: str, named: Record) -> Seen:
    """Assign a pair to the waiting booking: ``named`` is shown when the answer names it (the
    service's refusal says which vehicle or driver does not suit) or takes it (201)."""
    body = {"vehicle": w.vehicles[vehicle].pk, "driver": w.drivers[driver].pk}
    url = f"/api/vehicle-dispatch/{w.waiting}/assign/"
    response = client.post(url, json.dumps(body), content_type="application/json")
    text = _text(response)
    return Seen(response.status_code == 201 or named.marks[0] in text, text)


def dispatch_assign_vehicle(client: Any, w: FleetWorld) -> dict[str, Seen]:
    """Each vehicle with the pool's driver; the pool's own vehicle last (it is taken)."""
    return {k: _assign(client, w, k, "pooled", r) for k, r in w.vehicles.items()}


def dispatch_assign_driver(client: Any, w: FleetWorld) -> dict[str, Seen]:
    return {k: _assign(client, w, "pooled", k, r) for k, r in w.drivers.items()}


def assigns(role: Role, manages: bool, kind: str) -> bool:
    """The assign API answers a pool's managers and takes, or names in a refusal, only the
    vehicles and drivers of the pool's members: any other "does not exist", as on the page."""
    return dispatches(role, manages, kind)


Channel = Callable[[Any, FleetWorld], dict[str, Seen]]
# Each channel: what it reads, the records it carries and who should see them.
CHANNELS: dict[str, tuple[Channel, str, Callable[[Role, bool, str], bool]]] = {
    "booking list page": (booking_list_page, "bookings", reads),
    "booking detail page": (booking_detail_page, "bookings", reads),
    "booking api list": (booking_api_list, "bookings", reads),
    "booking api detail": (booking_api_detail, "bookings", reads),
    "booking admin list": (booking_admin, "bookings", admin_reads),
    "map bookings geojson": (map_bookings, "bookings", reads),
    "trip list page": (trip_list_page, "trips", reads),
    "trip detail page": (trip_detail_page, "trips", reads),
    "trip api list": (trip_api_list, "trips", reads),
    "trip api detail": (trip_api_detail, "trips", reads),
    "statement page": (statement_page, "trips", reads),
    "statement xlsx": (statement_xlsx, "trips", reads),
    "statement pdf": (statement_pdf, "trips", reads),
    "pool statement page": (pool_statement_page, "trips", sees_pool),
    "pool statement xlsx": (pool_statement_xlsx, "trips", sees_pool),
    "dispatch page": (dispatch_page, "bookings", dispatches),
    "dispatch api": (dispatch_api, "bookings", dispatches),
    "dispatch assign api vehicle": (dispatch_assign_vehicle, "vehicles", assigns),
    "dispatch assign api driver": (dispatch_assign_driver, "drivers", assigns),
    "map vehicles geojson": (map_vehicles, "vehicles", reads),
    "positions feed": (positions_feed, "vehicles", reads),
    "vehicle api list": (vehicle_api_list, "vehicles", reads),
    "vehicle api detail": (vehicle_api_detail, "vehicles", reads),
    "vehicle detail page": (vehicle_detail_page, "vehicles", reads),
    "vehicle admin list": (vehicle_admin, "vehicles", admin_reads),
    "utilisation page": (utilisation_page, "vehicles", reads),
    "driver admin list": (driver_admin, "drivers", admin_reads),
    "positions post": (positions_post, "vehicles", edits),
}


# -- the matrix ----------------------------------------------------------------------------------


def mismatches(
    expect: Callable[[Role, bool, str], bool],
    role: Role,
    manages: bool,
    seen: dict[str, Seen],
    records: dict[str, Record],
) -> list[str]:
    wrong = []
    for kind, cell in seen.items():
        want = expect(role, manages, kind)
        if cell.shown != want:
            wrong.append(f"{kind}: {'shown' if cell.shown else 'hidden'}, expected the opposite")
        # A page that shows a record of another kind may name this one's unit: only the marks
        # of the record itself (labels, coordinates, plate, amount) are looked for.
        leaked = [] if want else [m for m in records[kind].marks if m in cell.text]
        if leaked:
            wrong.append(f"{kind}: hidden, yet the answer holds {leaked}")
    return wrong


@pytest.mark.parametrize("channel", list(CHANNELS))
@pytest.mark.parametrize("manages", MANAGES, ids=["member", "pool-manager"])
@pytest.mark.parametrize("role", list(Role))
def test_fleet_matrix(client, world, role, manages, channel):
    read, records, expect = CHANNELS[channel]
    client.force_login(world.users[role, manages])
    seen = read(client, world)
    # Named a manager, only an operational role acts as one: the administrator duties and the
    # read-only roles read and do as if they were not (portal.fleet.querysets).
    acts = manages and role in POOL_MANAGER_ROLES
    assert mismatches(expect, role, acts, seen, getattr(world, records)) == []
