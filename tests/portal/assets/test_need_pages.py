"""The needs pages: the list reads the needs of the units the user may see; posting a need
through the form (kilometres stored as metres), refused with its field errors and nothing
written; a need's page ranks its candidates exactly as match_candidates does, draws each with
a line to the delivery building, records requests and declines through review_match, and
holds a purchase behind the gate (409 while a candidate is unreviewed, then let through)."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.assets.choices import NeedStatus, ReviewDecision
from portal.assets.matching import match_candidates
from portal.assets.models import MatchReview, Need, PurchaseRequest, Reservation
from portal.assets.services.demand import cancel_need
from tests.factories import BuildingFactory
from tests.portal.assets.matching_data import market

pytestmark = pytest.mark.django_db

LIST = reverse("assets:needs")
NEW = reverse("assets:need_new")
MAP_DATA = re.compile(r'<script id="needs-map-data" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def m():
    return market()


@pytest.fixture
def client(client):
    """Pages in English, so service messages are matched by their source text."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def offered(m):
    """Four candidates: two in one site (the better condition ranks first), two further out."""
    near = m.site(m.neighbour, 300)
    return [
        m.offer(near, condition="fair"),
        m.offer(near, condition="good"),
        m.offer(m.site(m.wuhou, 4000, bearing=200)),
        m.offer(m.site(m.neighbour, 1500, bearing=45), condition="poor"),
    ]


def listed(client, user, query=""):
    client.force_login(user)
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return {need.pk for need in response.context["needs"]}


def page(client, user, need):
    client.force_login(user)
    response = client.get(need.get_absolute_url())
    assert response.status_code == 200
    return response


def act(client, user, need, **data):
    client.force_login(user)
    return client.post(need.get_absolute_url(), data)


def written():
    return (
        MatchReview.objects.count(),
        Reservation.objects.count(),
        PurchaseRequest.objects.count(),
        list(Need.objects.order_by("pk").values_list("status", flat=True)),
    )


# -- the list -----------------------------------------------------------------------------------


def test_the_list_shows_the_needs_of_units_in_scope(m, client):
    need = m.need()
    for user in ("officer", "viewer", "county_admin", "admin"):
        assert listed(client, m[user]) == {need.pk}, user
    for user in ("other_officer", "far_admin"):
        assert listed(client, m[user]) == set(), user


def test_the_list_filters_by_status(m, client):
    open_need = m.need()
    cancelled = cancel_need(m.need(description="打印机"), by=m["officer"])
    assert listed(client, m["officer"]) == {open_need.pk, cancelled.pk}
    assert listed(client, m["officer"], "?status=open") == {open_need.pk}
    assert listed(client, m["officer"], "?status=cancelled") == {cancelled.pk}
    assert listed(client, m["officer"], "?status=bogus") == set()


def test_the_list_offers_posting_to_officers_only(m, client):
    client.force_login(m["officer"])
    assert b'id="need-new-link"' in client.get(LIST).content
    assert b'aria-current="page">Needs<' in client.get(LIST).content
    client.force_login(m["viewer"])
    assert b'id="need-new-link"' not in client.get(LIST).content


# -- posting ------------------------------------------------------------------------------------


def form_data(m, **fields):
    data = {
        "description": "台式计算机",
        "category": m.computing.pk,
        "include_subcategories": "on",
        "quantity": "3",
        "min_condition": "fair",
        "needed_by": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "delivery_building": m.building.pk,
        "max_distance_km": "2.5",
        "same_city": "on",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_an_officer_posts_a_need(m, client):
    client.force_login(m["officer"])
    response = client.post(NEW, form_data(m))
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == need.get_absolute_url()
    assert (need.unit, need.category, need.quantity, need.min_condition) == (
        m.unit,
        m.computing,
        3,
        "fair",
    )
    assert need.max_distance_m == 2500
    assert need.include_subcategories
    assert need.same_city
    assert not need.same_county
    assert (need.status, need.created_by) == (NeedStatus.OPEN, m["officer"])


def test_no_distance_means_any_distance(m, client):
    client.force_login(m["officer"])
    assert client.post(NEW, form_data(m, max_distance_km="")).status_code == 302
    assert Need.objects.get().max_distance_m is None


def test_the_form_refuses_with_field_errors_and_writes_nothing(m, client):
    elsewhere = BuildingFactory(managing_unit=m.neighbour)
    client.force_login(m["officer"])
    response = client.post(
        NEW,
        form_data(m, quantity="0", delivery_building=elsewhere.pk, max_distance_km="-1"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"quantity", "delivery_building", "max_distance_km"}
    assert not Need.objects.exists()


def test_the_service_refusal_comes_back_on_the_form(m, client):
    client.force_login(m["officer"])
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(NEW, form_data(m, needed_by=yesterday))
    assert response.status_code == 400
    assert response.context["error"].startswith("Needed by:")
    assert b'id="need-error"' in response.content
    assert not Need.objects.exists()


@pytest.mark.parametrize("user", ["viewer", "auditor"])
def test_only_officers_post(m, client, user):
    client.force_login(m[user])
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(m)).status_code == 403
    assert not Need.objects.exists()


def test_the_form_offers_the_units_buildings_only(m, client):
    BuildingFactory(managing_unit=m.neighbour)
    client.force_login(m["officer"])
    choices = client.get(NEW).context["form"].fields["delivery_building"].queryset
    assert list(choices) == [m.building]


# -- a need's candidates and map -----------------------------------------------------------------


def test_the_candidates_are_match_candidates_in_order(m, client, offered):
    need = m.need()
    response = page(client, m["officer"], need)
    expected = [candidate.listing_id for candidate in match_candidates(need)]
    assert len(expected) == 4
    assert [row.candidate.listing_id for row in response.context["rows"]] == expected
    table = response.content.decode().split('id="candidate-table"')[1].split("</table>")[0]
    assert [int(pk) for pk in re.findall(r'<tr data-listing="(\d+)"', table)] == expected
    assert offered[1].pk == expected[0]  # same site: the good one before the fair one


def test_the_need_filters_are_its_own_not_the_pages(m, client, offered):
    need = m.need(max_distance_m=2000)
    client.force_login(m["officer"])
    response = client.get(f"{need.get_absolute_url()}?max_distance_m=100000")
    ids = [row.candidate.listing_id for row in response.context["rows"]]
    assert ids == [c.listing_id for c in match_candidates(need)]
    assert offered[2].pk not in ids
    assert len(ids) == 3
    assert "2 km" in response.content.decode()


def test_the_map_has_the_delivery_point_and_one_line_per_candidate(m, client, offered):
    need = m.need()
    response = page(client, m["officer"], need)
    data = json.loads(MAP_DATA.search(response.content.decode()).group(1))
    target = [m.building.geom.x, m.building.geom.y]
    assert data["delivery"]["geometry"] == {"type": "Point", "coordinates": target}
    candidates = match_candidates(need)
    assert len(data["candidates"]) == len(data["lines"]) == len(candidates)
    for candidate, point, line in zip(candidates, data["candidates"], data["lines"], strict=True):
        start = [candidate.lon, candidate.lat]
        assert point["geometry"]["coordinates"] == pytest.approx(start)
        assert line["geometry"]["type"] == "LineString"
        assert line["geometry"]["coordinates"] == [pytest.approx(start), pytest.approx(target)]
    assert 'data-needs-map="needs-map-data"' in response.content.decode()


def test_a_need_outside_the_scope_is_not_found(m, client):
    need = m.need()
    client.force_login(m["other_officer"])
    assert client.get(need.get_absolute_url()).status_code == 404


# -- reviews --------------------------------------------------------------------------------------


def test_decline_with_a_reason_and_request_through_the_page(m, client, offered):
    need = m.need()
    first, second = (c.listing_id for c in match_candidates(need)[:2])
    declined = act(client, m["officer"], need, action="decline", listing=first, reason="型号不符")
    assert declined.status_code == 302
    requested = act(client, m["officer"], need, action="request", listing=second)
    assert requested.status_code == 302
    reviews = dict(MatchReview.objects.values_list("listing_id", "decision"))
    assert reviews == {first: ReviewDecision.DECLINED, second: ReviewDecision.REQUESTED}
    assert Reservation.objects.get().listing_id == second
    after = page(client, m["officer"], need)
    rows = {row.candidate.listing_id: row for row in after.context["rows"]}
    assert rows[first].review.reason == "型号不符"
    assert second not in rows  # reserved for the unit: no longer offered
    assert {r.listing_id for r in after.context["reviews"]} == {first, second}


def test_decline_without_a_reason_is_refused_and_writes_nothing(m, client, offered):
    need = m.need()
    listing = match_candidates(need)[0].listing_id
    before = written()
    response = act(client, m["officer"], need, action="decline", listing=listing, reason=" ")
    assert response.status_code == 400
    assert b'id="action-error"' in response.content
    assert written() == before


def test_a_viewer_sees_no_review_forms_and_is_refused(m, client, offered):
    need = m.need()
    response = page(client, m["viewer"], need)
    assert b'data-review="request"' not in response.content
    assert b'id="purchase-form"' not in response.content
    listing = match_candidates(need)[0].listing_id
    before = written()
    refused = act(client, m["viewer"], need, action="request", listing=listing)
    assert refused.status_code == 403
    assert written() == before


# -- the purchase gate ---------------------------------------------------------------------------


def test_the_gate_refuses_until_every_candidate_is_reviewed(m, client, offered):
    need = m.need()
    purchase = {"action": "purchase", "justification": "无可调剂资产", "estimated_value": "9000"}
    candidates = [c.listing_id for c in match_candidates(need)]
    act(client, m["officer"], need, action="decline", listing=candidates[0], reason="太旧")
    before = written()
    refused = act(client, m["officer"], need, **purchase)
    assert refused.status_code == 409
    assert "3 of the top 4 warehouse candidates" in refused.context["error"]
    assert written() == before
    for listing in candidates[1:]:
        act(client, m["officer"], need, action="decline", listing=listing, reason="太远")
    allowed = act(client, m["officer"], need, **purchase)
    assert allowed.status_code == 302
    bought = PurchaseRequest.objects.get()
    assert (bought.need_id, bought.candidates_reviewed) == (need.pk, 4)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PURCHASE
    after = page(client, m["officer"], need)
    assert b'id="purchase"' in after.content
    assert b'id="purchase-form"' not in after.content


def test_cancel_through_the_page(m, client):
    need = m.need()
    assert act(client, m["officer"], need, action="cancel").status_code == 302
    assert Need.objects.get(pk=need.pk).status == NeedStatus.CANCELLED
