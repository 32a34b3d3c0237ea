"""Every page we serve obeys the Content Security Policy in headless Chromium.

The pages come from the URL conf: every portal route without parameters that answers a province
administrator (or, for the security audit, the audit administrator) with HTML, and one detail
page of each kind the tiny demo load holds, and the fleet pages that need a booking in a given
state, a pool or a month with trips (the administrator manages every demo pool, so the dispatch
pages answer him); then the login pages, the admin index, a changelist,
a change form and an add form with the Leaflet map widget, and the API's Swagger UI; the
running-cost pages with a parameter, and a return's fill page for its filler. Each page
is loaded until the network is idle and the mouse has crossed its charts (ECharts writes its
tooltips on hover); any ``securitypolicyviolation`` event or console message about the policy
fails the test, naming the page and the directive, and so does any response of the portal
without the policy header.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import F, Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, Response

from portal.buildings.models import Building
from portal.costs.choices import EDITABLE_RETURN_STATUSES, CampaignStatus
from portal.costs.models import CostCampaign, CostRecord, CostReturn
from portal.demo.services import load_demo
from portal.depots.models import CoverageAnalysis, SitingScenario
from portal.exchange.models import ImportJob
from portal.fleet.choices import BookingStatus
from portal.fleet.models import Booking, Trip, VehiclePool
from portal.ledgers.models import SpaceReport
from portal.org.choices import Role
from portal.org.models import Unit, User
from portal.parcels.models import TitleCase
from tests.factories import BuildingFactory, UserFactory, division, square

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Namespaces that are not pages: the JSON API, and the admin (visited apart, a few pages).
SKIPPED_NAMESPACES = {"api", "admin"}
# Detail views that find their object without a ``model`` attribute.
DETAIL_MODELS: dict[str, type[Model]] = {
    "parcels:case_detail": TitleCase,
    "depots:coverage_detail": CoverageAnalysis,
    "depots:scenario_detail": SitingScenario,
    "exchange:import_detail": ImportJob,
}
# Kinds the tiny demo load must hold, so that their detail pages are really visited.
REQUIRED_DETAILS = {
    "org:unit_detail",
    "org:division_detail",
    "buildings:building_detail",
    "parcels:parcel_detail",
    "assets:asset_detail",
    "depots:depot_detail",
    "fleet:vehicle_detail",
    "fleet:booking_detail",
    "fleet:trip_detail",
}
SEEDING_MIGRATIONS = (
    "portal.depots.migrations.0006_seed_supply_categories",
    "portal.assets.migrations.0006_default_approval_rules",
)
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") + " at " +
    event.sourceFile + ":" + event.lineNumber + " " + event.sample
  );
});
"""


def routes(patterns: list[Any], namespace: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    """``(namespaced name, pattern)`` of every named route outside the skipped namespaces."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner not in SKIPPED_NAMESPACES:
                yield from routes(pattern.url_patterns, inner)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def detail_kwargs(name: str, pattern: URLPattern, user: User) -> dict[str, Any] | None:
    """The URL arguments of a detail page of the first object of its kind that ``user`` may
    read; None if the route is not a detail page."""
    keys = set(pattern.pattern.converters)
    view = getattr(pattern.callback, "view_class", None)
    model = DETAIL_MODELS.get(name) or getattr(view, "model", None)
    if model is None or keys not in ({"pk"}, {"code"}):
        return None
    objects = model._default_manager.order_by("pk")
    if hasattr(objects, "visible_to"):
        objects = objects.visible_to(user)
    obj = objects.first()
    if obj is None:
        return None
    return {key: getattr(obj, key) for key in keys}


def page_paths(user: User) -> tuple[list[str], set[str]]:
    """Paths of the HTML pages the URL conf offers ``user``, and the names of the detail pages
    among them."""
    client = Client()
    client.force_login(user)
    paths, details = [], set()
    for name, pattern in routes(get_resolver().url_patterns):
        if pattern.pattern.converters:
            kwargs = detail_kwargs(name, pattern, user)
            if kwargs is None:
                continue
            path = reverse(name, kwargs=kwargs)
        else:
            path = reverse(name)
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            paths.append(path)
            if pattern.pattern.converters:
                details.add(name)
    return paths, details


def _first_booking(status: str) -> Booking:
    booking = Booking.objects.filter(status=status).order_by("pk").first()
    assert booking is not None, f"the tiny demo holds no {status} booking"
    return booking


def fleet_paths(user: User) -> list[str]:
    """Fleet pages the walk cannot reach from the first record of a kind, each checked to answer
    ``user`` (a manager of every pool) with HTML: the dispatch page of an approved and of an
    assigned booking, the assigned booking's page and log sheet, the amendment of a submitted
    one, a unit's statement and every pool's summary for a month with settled trips, and the map
    on a day with trips."""
    approved = _first_booking(BookingStatus.APPROVED)
    assigned = _first_booking(BookingStatus.ASSIGNED)
    # The log sheet of a trip that has started (the demo leaves recent ones awaiting theirs).
    driven = (
        Booking.objects.filter(status=BookingStatus.ASSIGNED, starts_at__lte=timezone.now())
        .order_by("pk")
        .first()
    )
    assert driven is not None, "the tiny demo holds no started trip awaiting its log sheet"
    submitted = _first_booking(BookingStatus.SUBMITTED)
    trip = Trip.objects.exclude(payer=F("payee")).select_related("booking").order_by("pk").first()
    assert trip is not None, "the tiny demo holds no settled trip"
    month = timezone.localtime(trip.actual_end).strftime("%Y-%m")
    day = timezone.localtime(trip.booking.starts_at).date().isoformat()
    pools = VehiclePool.objects.order_by("pk").values_list("pk", flat=True)
    paths = [
        reverse("fleet:dispatch_booking", args=[approved.pk]),
        reverse("fleet:dispatch_booking", args=[assigned.pk]),
        reverse("fleet:booking_detail", args=[assigned.pk]),
        reverse("fleet:trip_complete", args=[driven.pk]),
        reverse("fleet:booking_amend", args=[submitted.pk]),
        f"{reverse('fleet:statement')}?unit={trip.payer_id}&month={month}",
        f"{reverse('fleet:map')}?from={day}&to={day}",
        *(f"{reverse('fleet:pool_statement', args=[pk])}?month={month}" for pk in pools),
    ]
    client = Client()
    client.force_login(user)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response["Content-Type"].startswith("text/html"), path
    return paths


def answered(user: User, paths: list[str]) -> list[str]:
    """``paths``, each checked to answer ``user`` with HTML."""
    client = Client()
    client.force_login(user)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response["Content-Type"].startswith("text/html"), path
    return paths


def costs_paths(user: User) -> list[str]:
    """Running-cost and office-space report pages with a parameter, on the demo's figures: a
    unit's trends and a building's drill-down with records, the open round, a return of it,
    a report; and the dashboard and ranking at county level (the parameterless routes show
    the city level)."""
    record = CostRecord.objects.filter(building__isnull=False).order_by("pk").first()
    assert record is not None, "the tiny demo holds no cost record on a building"
    opened = CostCampaign.objects.filter(status=CampaignStatus.OPEN).order_by("pk").first()
    assert opened is not None, "the tiny demo holds no open round"
    cost_return = opened.returns.order_by("pk").first()
    report = SpaceReport.objects.order_by("pk").first()
    assert cost_return is not None, "the open round holds no return"
    assert report is not None, "the tiny demo holds no office-space report"
    county = {"level": "county", "year": record.year}
    return answered(
        user,
        [
            reverse("costs:unit_costs", args=[record.unit_id]),
            reverse("costs:building_costs", args=[record.building_id]),
            reverse("costs:campaign_detail", args=[opened.pk]),
            reverse("costs:return_detail", args=[cost_return.pk]),
            reverse("ledgers:report_detail", args=[report.pk]),
            f"{reverse('costs:dashboard')}?{urlencode(county)}",
            f"{reverse('costs:ranking')}?{urlencode(county)}",
        ],
    )


def filler_paths() -> tuple[User, list[str]]:
    """The fill page of a return of the open round still being filled, for its division's
    administrator (a province administrator fills only the province's own)."""
    cost_return = (
        CostReturn.objects.filter(
            campaign__status=CampaignStatus.OPEN, status__in=EDITABLE_RETURN_STATUSES
        )
        .exclude(division__level="province")
        .order_by("pk")
        .first()
    )
    assert cost_return is not None, "the tiny demo holds no return being filled"
    unit = Unit.objects.filter(division=cost_return.division).order_by("pk").first()
    filler = UserFactory(role=Role.DIVISION_ADMIN, unit=unit)
    return filler, answered(filler, [reverse("costs:return_fill", args=[cost_return.pk])])


def admin_paths() -> list[str]:
    building = Building.objects.order_by("pk").first()
    assert building is not None
    return [
        reverse("admin:index"),
        reverse("admin:buildings_building_changelist"),
        reverse("admin:buildings_building_change", args=[building.pk]),
        reverse("admin:buildings_building_add"),
        reverse("api:docs"),
    ]


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The demo needs what migrations seed (supply classes, approval rules), which an earlier
    # transactional test's flush removed; the seeds add only what is missing.
    for seeded in SEEDING_MIGRATIONS:
        importlib.import_module(seeded).seed(apps, None)
    load_demo(scale="tiny", allow_outside_demo=True)


@pytest.fixture
def province_admin(demo):
    admin = UserFactory(role=Role.PROVINCE_ADMIN)
    # Dispatch pages answer a pool's managers alone, whatever their role.
    for pool in VehiclePool.objects.all():
        pool.managers.add(admin)
    return admin


def sweep_charts(page: Page) -> None:
    """Move the mouse across every ECharts chart: its tooltips are written only then."""
    for chart in page.locator("[_echarts_instance_]").all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        for fx in (0.2, 0.4, 0.6, 0.8):
            for fy in (0.1, 0.3, 0.5, 0.7, 0.9):
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    # Two animation frames: what the last move asked to draw is drawn.
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def violations_on(page: Page, url: str) -> list[str]:
    policy_messages: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            policy_messages.append(f"console: {message.text}")

    page.on("console", console)
    page.goto(url, wait_until="networkidle")
    sweep_charts(page)
    found = page.evaluate("window.__cspViolations")
    page.remove_listener("console", console)
    return [*found, *policy_messages]


def without_policy(response: Response, live_server) -> list[str]:
    """``[url]`` when a response of the portal came without the policy header.

    Static files are left out: the live server answers them with a handler of its own, before
    any middleware; in production WhiteNoise answers under the policy's middleware, which
    tests/portal/security/test_http_headers.py checks.
    """
    ours = response.url.startswith(live_server.url)
    static = response.url.startswith(live_server.url + settings.STATIC_URL)
    if ours and not static and "content-security-policy" not in response.headers:
        return [response.url]
    return []


def sign_in_by_cookie(page: Page, live_server, user) -> None:
    """The session of ``user`` in the browser: the login form is tested apart (and visited
    here anonymously), and a cookie keeps this test about the policy."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_every_page_obeys_the_policy(page, live_server, province_admin):
    page.add_init_script(WATCH_VIOLATIONS)
    # Every response from the portal, not only pages: scripts, styles, images, JSON, tiles.
    unguarded: list[str] = []
    page.on("response", lambda response: unguarded.extend(without_policy(response, live_server)))
    anonymous = [reverse("login"), reverse("admin:login")]
    pages, details = page_paths(province_admin)
    assert details >= REQUIRED_DETAILS, REQUIRED_DETAILS - details
    assert reverse("maps:map") in pages
    assert reverse("fleet:dispatch_queue") in pages
    issue11 = ["costs:dashboard", "costs:ranking", "costs:campaign_list", "costs:campaign_create"]
    assert {reverse(name) for name in [*issue11, "ledgers:report_list"]} <= set(pages)
    pages += [path for path in fleet_paths(province_admin) if path not in pages]
    pages += [path for path in costs_paths(province_admin) if path not in pages]
    found = {path: violations_on(page, live_server.url + path) for path in anonymous}
    sign_in_by_cookie(page, live_server, province_admin)
    for path in [*pages, *admin_paths()]:
        found[path] = violations_on(page, live_server.url + path)
    # The security audit's pages are the audit administrator's alone.
    auditor = UserFactory(role=Role.AUDIT_ADMIN)
    audit_pages = [path for path in page_paths(auditor)[0] if path not in found]
    assert reverse("audits:event_list") in audit_pages
    page.context.clear_cookies()
    sign_in_by_cookie(page, live_server, auditor)
    for path in audit_pages:
        found[path] = violations_on(page, live_server.url + path)
    # A return's fill page answers those who fill it, never a province administrator.
    filler, fill_pages = filler_paths()
    page.context.clear_cookies()
    sign_in_by_cookie(page, live_server, filler)
    for path in fill_pages:
        found[path] = violations_on(page, live_server.url + path)
    assert len(found) > 30, sorted(found)
    assert {path: seen for path, seen in found.items() if seen} == {}
    assert unguarded == []


def test_the_map_widget_and_swagger_draw_under_the_policy(page, live_server):
    """The pages whose scripts were inline before draw their content from static files."""
    user = UserFactory(role=Role.PROVINCE_ADMIN)
    division("510107")
    lon, lat = user.unit.location.x, user.unit.location.y
    building = BuildingFactory(managing_unit=user.unit, footprint=square(lon, lat, 0.0002))
    page.add_init_script(WATCH_VIOLATIONS)
    sign_in_by_cookie(page, live_server, user)
    change = reverse("admin:buildings_building_change", args=[building.pk])
    assert violations_on(page, live_server.url + change) == []
    # Each geometry is drawn for editing (leaflet.forms.js bound it to its field) with the draw
    # toolbar: the location as a marker, the footprint as a path.
    location, footprint = page.locator("#id_geom-map"), page.locator("#id_footprint-map")
    location.locator(".leaflet-marker-icon").wait_for()
    footprint.locator("path.leaflet-interactive").first.wait_for()
    assert location.locator(".leaflet-draw-toolbar").count() >= 1
    assert violations_on(page, live_server.url + reverse("api:docs")) == []
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Tianfu Atlas API" in page.locator(".swagger-ui .info .title").inner_text()
