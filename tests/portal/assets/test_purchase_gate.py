"""Check the warehouse before buying: a purchase is refused while any of the need's current top
candidates is unreviewed (the message says how many), and let through once each is requested
or declined with a reason. Reviews: a request reserves the listing for the need, a decline
needs a reason, only candidates can be reviewed, only by the unit's editors; a refusal
writes nothing."""

from decimal import Decimal

import pytest

from portal.assets.choices import ListingStatus, NeedStatus, ReservationStatus
from portal.assets.exceptions import (
    PurchaseGateError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.matching import match_candidates
from portal.assets.models import Listing, MatchReview, Need, PurchaseRequest, Reservation
from portal.assets.services.demand import cancel_need, review_match, submit_purchase
from tests.portal.assets.matching_data import market

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return market()


@pytest.fixture
def offered(m):
    """Three candidates for the need, a kilometre apart."""
    return [m.offer(m.site(m.neighbour, 300 + 1000 * n, bearing=40 * n)) for n in range(3)]


def buy(m, need, user="officer", value="12000.00"):
    return submit_purchase(need, justification="无可调剂资产", estimated_value=value, by=m[user])


def assert_not_bought(need):
    assert not PurchaseRequest.objects.exists()
    assert Need.objects.get(pk=need.pk).status == NeedStatus.OPEN


def test_refused_while_candidates_are_unreviewed(m, offered, english):
    need = m.need()
    with pytest.raises(PurchaseGateError) as caught:
        buy(m, need)
    assert caught.value.http_status == 409
    assert "3 of the top 3 warehouse candidates for this need have not been reviewed" in (
        caught.value.user_message
    )
    assert_not_bought(need)


def test_the_count_falls_as_candidates_are_reviewed(m, offered, english):
    need = m.need()
    review_match(need, offered[0], "declined", reason="型号不符", by=m["officer"])
    review_match(need, offered[1], "requested", by=m["officer"])
    with pytest.raises(PurchaseGateError) as caught:
        buy(m, need)
    assert "1 of the top 2 warehouse candidates for this need has not been reviewed" in (
        caught.value.user_message
    )
    assert_not_bought(need)


def test_allowed_once_every_candidate_is_requested_or_declined(m, offered):
    need = m.need()
    review_match(need, offered[0], "requested", by=m["officer"])
    for listing in offered[1:]:
        review_match(need, listing, "declined", reason="太远", by=m["officer"])
    purchase = buy(m, need)
    assert purchase.need == need
    assert purchase.estimated_value == Decimal("12000.00")
    # The requested one is reserved now, no longer a candidate: two were on the list.
    assert purchase.candidates_reviewed == 2
    assert purchase.submitted_by == m["officer"]
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PURCHASE


def test_only_the_top_candidates_hold_the_gate(m, offered, settings):
    settings.TIANFU_MATCH_LIMIT = 2
    need = m.need()
    top = match_candidates(need)
    assert len(top) == 2
    for candidate in top:
        listing = Listing.objects.get(pk=candidate.listing_id)
        review_match(need, listing, "declined", reason="不适用", by=m["officer"])
    assert buy(m, need).candidates_reviewed == 2


def test_a_new_listing_among_the_top_reopens_the_gate(m, offered, english):
    need = m.need()
    for listing in offered:
        review_match(need, listing, "declined", reason="不适用", by=m["officer"])
    m.offer(m.site(m.wuhou, 100))
    with pytest.raises(PurchaseGateError) as caught:
        buy(m, need)
    assert "1 of the top 4" in caught.value.user_message
    assert_not_bought(need)


def test_no_candidates_no_review_needed(m):
    need = m.need()
    assert buy(m, need).candidates_reviewed == 0


def test_a_request_reserves_the_listing_for_the_need(m, offered):
    need = m.need()
    review = review_match(need, offered[0], "requested", reason="正好需要", by=m["officer"])
    assert (review.decision, review.decided_by) == ("requested", m["officer"])
    assert review.distance_m == pytest.approx(300, rel=0.005)
    reservation = Reservation.objects.get(listing=offered[0])
    assert (reservation.need, reservation.receiving_unit) == (need, m.unit)
    assert reservation.delivery_building == m.building
    assert reservation.status == ReservationStatus.PENDING
    assert Listing.objects.get(pk=offered[0].pk).status == ListingStatus.RESERVED


def test_a_decline_without_a_reason_is_refused(m, offered, english):
    need = m.need()
    with pytest.raises(WarehouseInputError) as caught:
        review_match(need, offered[0], "declined", reason="  ", by=m["officer"])
    assert caught.value.user_message == "Reason: say why the candidate is declined."
    assert not MatchReview.objects.exists()
    with pytest.raises(PurchaseGateError):
        buy(m, need)


def test_an_unknown_decision_is_refused(m, offered, english):
    with pytest.raises(WarehouseInputError):
        review_match(m.need(), offered[0], "maybe", reason="?", by=m["officer"])
    assert not MatchReview.objects.exists()


def test_a_decline_may_be_decided_again(m, offered):
    need = m.need()
    review_match(need, offered[0], "declined", reason="太旧", by=m["officer"])
    review_match(need, offered[0], "requested", by=m["officer"])
    review = MatchReview.objects.get(need=need, listing=offered[0])
    assert (review.decision, review.reason) == ("requested", "")
    assert Reservation.objects.filter(listing=offered[0], need=need).exists()


def test_only_candidates_are_reviewed(m, offered, english):
    need = m.need()
    own = m.offer(m.site(m.unit, 50))
    unshared = m.offer(m.site(m.mianyang, 500), share_prefix="5107")
    for listing in (own, unshared):
        with pytest.raises(WarehouseStateError) as caught:
            review_match(need, listing, "declined", reason="无", by=m["officer"])
        assert "is not a candidate for this need" in caught.value.user_message
    # A request of a listing reserved meanwhile: refused, nothing reserved twice.
    review_match(need, offered[0], "requested", by=m["officer"])
    with pytest.raises(WarehouseStateError):
        review_match(need, offered[0], "requested", by=m["officer"])
    assert Reservation.objects.filter(listing=offered[0]).count() == 1
    assert MatchReview.objects.count() == 1


@pytest.mark.parametrize("user", ["viewer", "auditor", "other_officer", "far_admin"])
def test_only_the_units_editors_review_and_buy(m, offered, user, english):
    need = m.need()
    with pytest.raises(WarehouseForbiddenError):
        review_match(need, offered[0], "declined", reason="无", by=m[user])
    with pytest.raises(WarehouseForbiddenError):
        review_match(need, offered[0], "requested", by=m[user])
    assert not MatchReview.objects.exists()
    assert not Reservation.objects.exists()
    with pytest.raises(WarehouseForbiddenError) as caught:
        buy(m, need, user=user)
    assert "You may not request purchases for" in caught.value.user_message
    assert_not_bought(need)


def test_an_administrator_in_scope_reviews_and_buys(m, offered):
    need = m.need()
    for listing in offered:
        review_match(need, listing, "declined", reason="不适用", by=m["county_admin"])
    assert buy(m, need, user="county_admin").submitted_by == m["county_admin"]


def test_purchase_input_is_checked_first(m, english):
    need = m.need()
    with pytest.raises(WarehouseInputError) as caught:
        submit_purchase(need, justification=" ", estimated_value="100", by=m["officer"])
    assert caught.value.user_message.startswith("Justification:")
    for value in ("-1", "abc", "1.005", "NaN"):
        with pytest.raises(WarehouseInputError) as caught:
            buy(m, need, value=value)
        assert caught.value.user_message.startswith("Estimated value:")
    assert_not_bought(need)


def test_no_second_purchase_and_none_for_a_closed_need(m, offered, english):
    need = m.need()
    for listing in offered:
        review_match(need, listing, "declined", reason="不适用", by=m["officer"])
    buy(m, need)
    with pytest.raises(WarehouseStateError) as caught:
        buy(m, need)
    assert "not open" in caught.value.user_message
    assert PurchaseRequest.objects.count() == 1
    with pytest.raises(WarehouseStateError):
        review_match(need, offered[0], "declined", reason="再看", by=m["officer"])
    cancelled = m.need()
    cancel_need(cancelled, by=m["officer"])
    with pytest.raises(WarehouseStateError):
        buy(m, cancelled)
    assert not PurchaseRequest.objects.filter(need=cancelled).exists()
