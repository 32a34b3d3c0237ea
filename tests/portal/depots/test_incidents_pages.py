"""Incident pages: the list, the report form, an incident's page with its ranking, suggested
dispatch and actions, and a dispatch's page; scope (404 outside it) and refusals (the error's
own status, nothing written). Travel times come from the synthetic terrain of
:mod:`tests.portal.depots.factories_incidents`."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from portal.depots import response
from portal.depots.choices import IncidentStatus
from portal.depots.models import Dispatch, Incident, StockMovement
from tests.portal.core.test_offline import EXTERNAL
from tests.portal.depots.factories_incidents import (
    INCIDENT_LONLAT,
    category,
    incident,
    item,
    stocked_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(monkeypatch):
    found = stocked_world()
    monkeypatch.setattr(response, "travel_surface", lambda: found.cost)
    return found


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    # The pages follow the browser's language, not the one active in the test.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signed_in(client, user):
    client.force_login(user)
    return client


def test_pages_need_a_login(client, w):
    found = incident(w.jinjiang, {"1010000": 10})
    for url in (
        reverse("depots:incident_list"),
        reverse("depots:incident_create"),
        found.get_absolute_url(),
    ):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer.url.startswith(reverse("login"))


def test_the_list_shows_the_incidents_in_scope(client, w):
    found = incident(w.jinjiang, {"1010000": 10, "1030100": 5})
    answer = signed_in(client, w["officer"]).get(reverse("depots:incident_list"))
    assert answer.status_code == 200
    body = answer.content.decode()
    assert f'data-incident="{found.pk}"' in body
    assert 'id="incident-new-link"' in body
    assert answer.context["incidents"][0].need_count == 2
    closed = signed_in(client, w["officer"]).get(
        reverse("depots:incident_list"), {"status": "closed"}
    )
    assert list(closed.context["incidents"]) == []
    far = signed_in(client, w["far_officer"]).get(reverse("depots:incident_list"))
    assert list(far.context["incidents"]) == []


def report_form(**changes):
    data = {
        "name": "山体滑坡",
        "x": str(INCIDENT_LONLAT[0]),
        "y": str(INCIDENT_LONLAT[1]),
        "source_crs": "EPSG:4490",
        "description": "",
        "needs-TOTAL_FORMS": "4",
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "50",
        "needs-0-category": str(category("1010000").pk),
        "needs-0-quantity": "100",
    }
    data.update(changes)
    return data


def test_the_report_form_renders_and_reports(client, w):
    page = signed_in(client, w["officer"]).get(reverse("depots:incident_create"))
    assert page.status_code == 200
    assert b"data-incident-picker" in page.content
    assert not EXTERNAL.search(page.content.decode())
    water = category("1030100")
    answer = client.post(
        reverse("depots:incident_create"),
        report_form(**{"needs-1-category": str(water.pk), "needs-1-quantity": "20"}),
    )
    found = Incident.objects.get()
    assert answer.status_code == 302
    assert answer.url == found.get_absolute_url()
    assert {n.category.code: n.quantity for n in found.needs.all()} == {
        "1010000": Decimal(100),
        "1030100": Decimal(20),
    }


def test_a_report_typed_in_a_gauss_kruger_zone_is_stored_in_cgcs2000(client, w):
    form = report_form(x="508000.000", y="3389000.000", source_crs="EPSG:4544")
    assert (
        signed_in(client, w["officer"]).post(reverse("depots:incident_create"), form).status_code
        == 302
    )
    found = Incident.objects.get()
    assert found.source_crs == "EPSG:4544"
    assert 105.0 < found.geom.x < 105.2
    assert 30.5 < found.geom.y < 30.7


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"needs-0-quantity": ""}, 400, "State how much is needed."),
        ({"needs-0-category": "", "needs-0-quantity": ""}, 400, "State at least one need."),
        ({"x": "116.4", "y": "39.9"}, 400, "outside Sichuan and Chongqing"),
        ({"source_crs": "EPSG:9999"}, 400, "EPSG:9999"),  # not offered: the field's own error
    ],
)
def test_a_bad_report_comes_back_with_its_error(client, w, changes, status, message):
    answer = signed_in(client, w["officer"]).post(
        reverse("depots:incident_create"), report_form(**changes)
    )
    assert answer.status_code == status
    assert message in answer.content.decode() + str(answer.context["form"].errors)
    assert not Incident.objects.exists()


def test_a_viewer_may_not_report(client, w):
    answer = signed_in(client, w["viewer"]).get(reverse("depots:incident_create"))
    assert answer.status_code == 403


def test_an_incident_page_ranks_suggests_and_maps(client, w):
    found = incident(w.jinjiang, {"1010000": 100, "1030100": 10})
    answer = signed_in(client, w["city_admin"]).get(found.get_absolute_url())
    assert answer.status_code == 200
    body = answer.content.decode()
    assert not EXTERNAL.search(body)
    shelter = found.needs.get(category__code="1010000")
    table = re.search(
        rf'<table class="ranking-table" data-need="{shelter.pk}">(.*?)</table>', body, re.S
    )
    depots = re.findall(r'data-depot="(\d+)"', table.group(1))
    assert depots == [str(w.depots[n].pk) for n in ("south_west", "north", "east")]
    form = answer.context["dispatch_form"]
    assert form.fields[f"q-{shelter.pk}-{item('SW-SOON').pk}"].initial == 50
    assert f'name="q-{shelter.pk}-{item("SW-SOON").pk}" value="50.00"' in body
    assert "Short by 10" in body  # no water anywhere
    data = json.loads(re.search(r'id="incident-map-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    assert data["incident"]["geometry"]["coordinates"] == list(INCIDENT_LONLAT)
    assert [f["properties"]["rank"] for f in data["depots"]] == [1, 2, 3]
    assert len(data["lines"]) == 3
    assert "42 min" in data["depots"][2]["properties"]["label"]


def test_an_incident_outside_the_scope_is_a_404(client, w):
    found = incident(w.jinjiang, {"1010000": 100})
    assert signed_in(client, w["far_officer"]).get(found.get_absolute_url()).status_code == 404
    answer = client.post(found.get_absolute_url(), {"action": "close"})
    assert answer.status_code == 404
    assert Incident.objects.get().status == IncidentStatus.OPEN


def dispatch_form(found, quantities, note=""):
    data = {"action": "dispatch", "note": note}
    need = found.needs.get(category__code="1010000")
    for batch_no, quantity in quantities.items():
        data[f"q-{need.pk}-{item(batch_no).pk}"] = str(quantity)
    return data


def test_confirming_the_dispatch_writes_it_and_shows_its_movements(client, w):
    found = incident(w.jinjiang, {"1010000": 100})
    posted = dispatch_form(found, {"SW-SOON": 50, "SW-LATE": 30, "N-COTTON": 20, "E-BEDS": 0})
    answer = signed_in(client, w["city_admin"]).post(found.get_absolute_url(), posted)
    dispatch = Dispatch.objects.get()
    assert answer.status_code == 302
    assert answer.url == reverse("depots:dispatch_detail", args=[dispatch.pk])
    assert [item(b).quantity for b in ("SW-SOON", "SW-LATE", "N-COTTON", "E-BEDS")] == [
        0,
        0,
        20,
        100,
    ]
    page = client.get(answer.url)
    assert page.status_code == 200
    assert page.content.decode().count(dispatch.document_no) >= 4  # the heading and 3 movements
    assert len(page.context["movements"]) == 3
    again = client.get(found.get_absolute_url())
    assert f'data-dispatch="{dispatch.pk}"' in again.content.decode()


def test_a_dispatch_beyond_the_stock_is_refused_on_the_page(client, w):
    found = incident(w.jinjiang, {"1010000": 100})
    posted = dispatch_form(found, {"N-COTTON": 41})
    answer = signed_in(client, w["city_admin"]).post(found.get_absolute_url(), posted)
    assert answer.status_code == 409
    assert "has 40.00 顶 left" in answer.content.decode()
    assert not Dispatch.objects.exists()
    assert not StockMovement.objects.exists()


def test_a_dispatch_without_quantities_or_with_a_foreign_batch_is_refused(client, w):
    found = incident(w.jinjiang, {"1010000": 100})
    client = signed_in(client, w["officer"])
    empty = client.post(found.get_absolute_url(), dispatch_form(found, {"SW-SOON": 0}))
    assert empty.status_code == 400
    assert "Enter a quantity for at least one batch." in empty.content.decode()
    # The north depot is 武侯区's: its batch is not in the officer's form, yet posted anyway.
    foreign = client.post(found.get_absolute_url(), dispatch_form(found, {"N-COTTON": 5}))
    assert foreign.status_code == 403
    assert item("N-COTTON").quantity == 40


def test_closing_an_incident_from_its_page(client, w):
    found = incident(w.jinjiang, {"1010000": 100})
    viewer = signed_in(client, w["viewer"]).get(found.get_absolute_url())
    assert viewer.status_code == 200
    assert 'id="close-form"' not in viewer.content.decode()
    refused = client.post(found.get_absolute_url(), {"action": "close"})
    assert refused.status_code == 403
    answer = signed_in(client, w["officer"]).post(found.get_absolute_url(), {"action": "close"})
    assert answer.status_code == 302
    page = client.get(found.get_absolute_url())
    assert Incident.objects.get().status == IncidentStatus.CLOSED
    assert page.context["dispatch_form"] is None
    assert 'id="dispatch-form"' not in page.content.decode()


def test_a_dispatch_page_outside_the_scope_is_a_404(client, w):
    found = incident(w.jinjiang, {"1010000": 100})
    signed_in(client, w["officer"]).post(
        found.get_absolute_url(), dispatch_form(found, {"SW-SOON": 5})
    )
    dispatch = Dispatch.objects.get()
    url = reverse("depots:dispatch_detail", args=[dispatch.pk])
    assert client.get(url).status_code == 200
    assert signed_in(client, w["far_officer"]).get(url).status_code == 404
