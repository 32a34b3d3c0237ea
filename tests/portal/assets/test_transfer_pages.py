"""The transfer pages: the list's tabs read two-sidedly (the giver and the receiver, nobody
else), a reservation's page signs, cancels and hands over through the services, a batch is
opened, filled, submitted, signed and completed; every refusal comes back with its status and
writes nothing."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.assets.choices import (
    AssetStatus,
    BatchStatus,
    CustodyEvent,
    ListingStatus,
    ReservationStatus,
)
from portal.assets.models import Approval, Asset, CustodyEntry, Reservation, TransferBatch
from portal.assets.services import approvals
from portal.assets.services.batches import add_to_batch, create_batch, submit_batch
from portal.assets.services.transfers import reserve_listing
from tests.portal.assets.transfer_data import approve_all, asset, listing, world

LIST = reverse("assets:transfers")
NEW_BATCH = reverse("assets:batch_new")
TABS = ("sign", "outgoing", "incoming", "done")
NOTHING = {name: set() for name in TABS}


@pytest.fixture
def w(db):
    return world()


@pytest.fixture
def client(client):
    """Pages in English, so service messages are matched by their source text."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def reservation(w):
    offer = listing(w.holder)
    return reserve_listing(offer, by=w["receiver_officer"], delivery_building=w.building)


@pytest.fixture
def batch(w):
    draft = create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"])
    add_to_batch(draft, [asset(w.holder), asset(w.holder)], by=w["holder_officer"])
    return submit_batch(draft, by=w["holder_officer"])


def tab(client, user, name):
    client.force_login(user)
    response = client.get(f"{LIST}?tab={name}")
    assert response.status_code == 200
    return {(row.is_batch, row.obj.pk) for row in response.context["rows"]}


def tabs(client, user):
    return {name: tab(client, user, name) for name in TABS}


def post(client, user, obj, **data):
    client.force_login(user)
    return client.post(obj.get_absolute_url(), data)


def written():
    """What the transfer services write, to compare before and after a refusal."""
    return (
        Approval.objects.count(),
        CustodyEntry.objects.count(),
        list(Reservation.objects.order_by("pk").values_list("status", "note")),
        list(TransferBatch.objects.order_by("pk").values_list("status", flat=True)),
        list(Asset.objects.order_by("pk").values_list("holder", "ledger_code", "status")),
    )


# -- the list ----------------------------------------------------------------------------------


def test_the_list_needs_a_login(client, db):  # the portal checks PostgreSQL first
    assert client.get(LIST).status_code == 302


def test_tabs_are_two_sided_and_follow_the_chain(client, w, reservation):
    one = {(False, reservation.pk)}
    assert tabs(client, w["holder_officer"]) == {
        "sign": one,  # step 1 is the holder unit's
        "outgoing": one,
        "incoming": set(),
        "done": set(),
    }
    assert tabs(client, w["receiver_officer"]) == {
        "sign": set(),
        "outgoing": set(),
        "incoming": one,
        "done": set(),
    }
    assert tab(client, w["viewer"], "incoming") == one  # reads, never signs
    assert tab(client, w["viewer"], "sign") == set()
    for stranger in ("other_officer", "far_officer"):
        assert tabs(client, w[stranger]) == NOTHING
    approvals.sign(reservation, "approved", by=w["holder_officer"])
    assert tab(client, w["holder_officer"], "sign") == set()
    assert tab(client, w["receiver_officer"], "sign") == one


def test_an_administration_step_awaits_the_offices_administration(client, w):
    offer = listing(w.holder, net_value=Decimal("80000.00"), original_value=Decimal("90000.00"))
    big = reserve_listing(offer, by=w["receiver_officer"], delivery_building=w.building)
    approvals.sign(big, "approved", by=w["holder_officer"])
    approvals.sign(big, "approved", by=w["receiver_officer"])
    assert tab(client, w["offices_admin"], "sign") == {(False, big.pk)}
    assert tab(client, w["receiver_officer"], "sign") == set()


def test_batches_are_listed_for_both_sides(client, w, batch):
    one = {(True, batch.pk)}
    assert tab(client, w["holder_officer"], "sign") == one
    assert tab(client, w["holder_officer"], "outgoing") == one
    assert tab(client, w["receiver_officer"], "incoming") == one
    assert tab(client, w["receiver_officer"], "sign") == set()
    assert tabs(client, w["other_officer"]) == NOTHING
    # Items of a batch are listed through their batch, not one by one.
    assert tab(client, w["province_admin"], "outgoing") == one


def test_a_row_shows_the_asset_the_units_the_value_and_the_chain(client, w, reservation):
    approvals.sign(reservation, "approved", by=w["holder_officer"])
    client.force_login(w["receiver_officer"])
    page = client.get(f"{LIST}?tab=sign").content.decode()
    assert reservation.asset.ledger_code in page
    assert f"{w.holder} → {w.receiver}" in page
    assert "3,000.00" in page
    assert "✓ holder unit" in page
    assert "… receiving unit" in page


def test_handed_over_and_cancelled_transfers_are_done(client, w, reservation):
    approve_all(reservation, w)
    post(client, w["holder_officer"], reservation, action="handover", document_no="YJ-1")
    cancelled = reserve_listing(
        listing(w.holder), by=w["receiver_officer"], delivery_building=w.building
    )
    post(client, w["receiver_officer"], cancelled, action="cancel", note="")
    done = {(False, reservation.pk), (False, cancelled.pk)}
    assert tab(client, w["holder_officer"], "done") == done
    assert tab(client, w["receiver_officer"], "done") == done
    assert tab(client, w["holder_officer"], "outgoing") == set()


# -- a reservation's page ------------------------------------------------------------------------


def test_the_reservation_page_is_read_by_both_sides_only(client, w, reservation):
    url = reservation.get_absolute_url()
    for name in ("holder_officer", "receiver_officer", "viewer", "province_admin"):
        client.force_login(w[name])
        assert client.get(url).status_code == 200, name
    for name in ("other_officer", "far_officer"):
        client.force_login(w[name])
        assert client.get(url).status_code == 404, name


def test_the_page_offers_what_each_user_may_do(client, w, reservation):
    url = reservation.get_absolute_url()
    client.force_login(w["holder_officer"])
    forms = client.get(url).context["forms"]
    assert set(forms) == {"sign", "cancel"}
    client.force_login(w["receiver_officer"])
    assert set(client.get(url).context["forms"]) == {"cancel"}
    client.force_login(w["viewer"])
    page = client.get(url)
    assert page.context["forms"] == {}
    assert 'name="action"' not in page.content.decode()
    approve_all(reservation, w)
    client.force_login(w["receiver_officer"])
    assert set(client.get(url).context["forms"]) == {"cancel", "handover"}


def test_the_page_maps_the_route(client, w, reservation):
    client.force_login(w["receiver_officer"])
    data = client.get(reservation.get_absolute_url()).context["map_data"]
    kinds = [f["geometry"]["type"] for f in data["primary"]["features"]]
    assert kinds == ["Point", "LineString"]
    origin = reservation.listing.geom
    assert data["context"][0]["geometry"]["coordinates"] == pytest.approx(list(origin.coords))
    line = data["primary"]["features"][1]["geometry"]["coordinates"]
    assert line[0] == pytest.approx(list(origin.coords))
    assert line[1] == pytest.approx(list(w.building.geom.coords))
    page = client.get(reservation.get_absolute_url()).content.decode()
    assert 'id="minimap-data"' in page
    assert json.loads(page.split('id="minimap-data" type="application/json">')[1].split("<")[0])


def test_both_sides_sign_in_turn_with_notes(client, w, reservation):
    response = post(client, w["holder_officer"], reservation, action="sign", decision="approved")
    assert response.status_code == 302
    response = post(
        client, w["receiver_officer"], reservation, action="sign", decision="approved", note="同意"
    )
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.APPROVED
    page = client.get(reservation.get_absolute_url()).content.decode()
    assert "同意" in page
    assert w["receiver_officer"].get_username() in page


def test_signing_out_of_turn_is_refused_and_writes_nothing(client, w, reservation):
    before = written()
    response = post(client, w["receiver_officer"], reservation, action="sign", decision="approved")
    assert response.status_code == 403
    assert "is not yours to sign" in response.content.decode()
    assert (
        post(client, w["viewer"], reservation, action="sign", decision="approved").status_code
        == 403
    )
    stranger = post(client, w["other_officer"], reservation, action="sign", decision="approved")
    assert stranger.status_code == 404
    assert post(client, w["holder_officer"], reservation, action="sign").status_code == 400
    assert post(client, w["holder_officer"], reservation, action="nonsense").status_code == 400
    assert written() == before


def test_a_rejection_offers_the_listing_again(client, w, reservation):
    response = post(
        client, w["holder_officer"], reservation, action="sign", decision="rejected", note="自用"
    )
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.REJECTED
    assert reservation.listing.status == ListingStatus.PUBLISHED
    before = written()
    again = post(client, w["receiver_officer"], reservation, action="sign", decision="approved")
    assert again.status_code == 409
    assert written() == before


def test_either_side_cancels_once(client, w, reservation):
    response = post(client, w["receiver_officer"], reservation, action="cancel", note="不需要了")
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert "不需要了" in reservation.note
    before = written()
    again = post(client, w["holder_officer"], reservation, action="cancel", note="")
    assert again.status_code == 409
    assert "can no longer be cancelled" in again.content.decode()
    assert post(client, w["viewer"], reservation, action="cancel").status_code == 403
    assert written() == before


def test_hand_over_after_approval_moves_the_asset(client, w, reservation):
    before = written()
    early = post(client, w["holder_officer"], reservation, action="handover", document_no="YJ-1")
    assert early.status_code == 409
    assert written() == before
    approve_all(reservation, w)
    response = post(
        client, w["holder_officer"], reservation, action="handover", document_no="YJ-2026-01"
    )
    assert response.status_code == 302
    moved = Asset.objects.get(pk=reservation.asset_id)
    assert (moved.holder, moved.building, moved.status) == (
        w.receiver,
        w.building,
        AssetStatus.IN_USE,
    )
    entry = CustodyEntry.objects.get(asset=moved)
    assert (entry.event, entry.document_no) == (CustodyEvent.HANDOVER, "YJ-2026-01")
    page = client.get(reservation.get_absolute_url())  # the giver still reads its transfer
    assert page.status_code == 200
    assert "YJ-2026-01" in page.content.decode()


def test_a_clashing_ledger_code_is_renumbered_on_the_form(client, w, reservation):
    approve_all(reservation, w)
    code = reservation.asset.ledger_code
    asset(w.receiver, ledger_code=code)
    before = written()
    response = post(
        client, w["receiver_officer"], reservation, action="handover", document_no="YJ-3"
    )
    assert response.status_code == 400
    assert f"Ledger code {code} is already used" in response.content.decode()
    assert written() == before
    assert post(client, w["receiver_officer"], reservation, action="handover").status_code == 400
    response = post(
        client,
        w["receiver_officer"],
        reservation,
        action="handover",
        document_no="YJ-3",
        ledger_code="WH-0001",
    )
    assert response.status_code == 302
    assert Asset.objects.get(pk=reservation.asset_id).ledger_code == "WH-0001"


# -- transfer batches --------------------------------------------------------------------------


def test_open_a_batch_by_finding_the_receiver(client, w):
    client.force_login(w["holder_officer"])
    found = client.get(NEW_BATCH, {"q": "武侯区教育"})
    assert [unit.pk for unit in found.context["units"]] == [w.receiver.pk]
    form = client.get(NEW_BATCH, {"to": w.receiver.pk}).context["form"]
    assert list(form.fields["delivery_building"].queryset) == [w.building]
    response = client.post(
        f"{NEW_BATCH}?to={w.receiver.pk}", {"delivery_building": w.building.pk, "note": "调剂"}
    )
    batch = TransferBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch.get_absolute_url()
    assert (batch.from_unit, batch.to_unit, batch.status) == (
        w.holder,
        w.receiver,
        BatchStatus.DRAFT,
    )


def test_opening_a_batch_is_refused_without_writing(client, w):
    client.force_login(w["viewer"])  # a viewer of the receiving unit edits nothing
    data = {"delivery_building": w.other_building.pk}
    response = client.post(f"{NEW_BATCH}?to={w.other_receiver.pk}", data)
    assert response.status_code == 403
    client.force_login(w["holder_officer"])
    assert client.post(NEW_BATCH, data).status_code == 400  # no receiving unit
    wrong_building = client.post(f"{NEW_BATCH}?to={w.receiver.pk}", data)
    assert wrong_building.status_code == 400
    assert not TransferBatch.objects.exists()


def test_a_batch_is_filled_by_code_and_by_ticking(client, w):
    batch = create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"])
    typed, ticked, other = asset(w.holder), asset(w.holder), asset(w.holder)
    client.force_login(w["holder_officer"])
    page = client.get(batch.get_absolute_url())
    assert {a.pk for a in page.context["offered"]} == {typed.pk, ticked.pk, other.pk}
    response = client.post(
        batch.get_absolute_url(),
        {"action": "add", "codes": f" {typed.ledger_code} ", "assets": [ticked.pk]},
    )
    assert response.status_code == 302
    items = set(batch.items.values_list("asset", flat=True))
    assert items == {typed.pk, ticked.pk}
    response = client.post(batch.get_absolute_url(), {"action": "remove", "asset": ticked.pk})
    assert response.status_code == 302
    assert set(batch.items.filter(status="pending").values_list("asset", flat=True)) == {typed.pk}


def test_adding_is_refused_without_writing(client, w):
    batch = create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"])
    mine = asset(w.holder)
    foreign = asset(w.receiver)
    before = written()
    client.force_login(w["holder_officer"])
    response = client.post(
        batch.get_absolute_url(), {"action": "add", "codes": f"{mine.ledger_code} NOPE-1"}
    )
    assert response.status_code == 400
    assert "Ledger code NOPE-1 is not on the holder" in response.content.decode()
    response = client.post(
        batch.get_absolute_url(), {"action": "add", "codes": foreign.ledger_code}
    )
    assert response.status_code == 400
    assert client.post(batch.get_absolute_url(), {"action": "add"}).status_code == 400
    client.force_login(w["receiver_officer"])  # only the giver chooses the assets
    response = client.post(batch.get_absolute_url(), {"action": "add", "assets": [mine.pk]})
    assert response.status_code == 400  # the receiver does not read the giver's ledger
    client.force_login(w["province_admin"])
    listing(w.holder, item=mine)
    response = client.post(batch.get_absolute_url(), {"action": "add", "assets": [mine.pk]})
    assert response.status_code == 409
    assert "is offered in the warehouse" in response.content.decode()
    assert written()[:2] == before[:2]
    assert not batch.items.exists()


def test_a_batch_is_submitted_signed_and_completed(client, w):
    batch = create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"])
    items = [asset(w.holder), asset(w.holder)]
    add_to_batch(batch, items, by=w["holder_officer"])
    url = batch.get_absolute_url()
    early = post(client, w["receiver_officer"], batch, action="complete", document_no="PL-1")
    assert early.status_code == 409
    assert post(client, w["receiver_officer"], batch, action="submit").status_code == 403
    assert post(client, w["holder_officer"], batch, action="submit").status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.chain) == (BatchStatus.SUBMITTED, ["holder_unit", "receiving_unit"])
    out_of_turn = post(client, w["receiver_officer"], batch, action="sign", decision="approved")
    assert out_of_turn.status_code == 403
    for signer in ("holder_officer", "receiver_officer"):
        response = post(client, w[signer], batch, action="sign", decision="approved")
        assert response.status_code == 302
    client.force_login(w["receiver_officer"])
    assert "complete" in client.get(url).context["forms"]
    response = client.post(url, {"action": "complete", "document_no": "PL-2026-7"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    assert set(
        Asset.objects.filter(pk__in=[a.pk for a in items]).values_list("holder", flat=True)
    ) == {w.receiver.pk}
    assert CustodyEntry.objects.filter(document_no="PL-2026-7").count() == 2


def test_a_batch_page_is_read_by_both_sides_only(client, w, batch):
    for name in ("holder_officer", "receiver_officer", "viewer"):
        client.force_login(w[name])
        assert client.get(batch.get_absolute_url()).status_code == 200, name
    client.force_login(w["other_officer"])
    assert client.get(batch.get_absolute_url()).status_code == 404
    before = written()
    assert (
        post(client, w["other_officer"], batch, action="sign", decision="approved").status_code
        == 404
    )
    assert written() == before


def test_a_batch_item_is_signed_only_through_its_batch(client, w, batch):
    item = batch.items.first()
    client.force_login(w["holder_officer"])
    page = client.get(item.get_absolute_url())
    assert page.status_code == 200
    assert page.context["forms"] == {}  # signed, removed and handed over with the batch
    before = written()
    response = post(client, w["holder_officer"], item, action="sign", decision="approved")
    assert response.status_code == 409
    assert f"transfer batch #{batch.pk}" in response.content.decode()
    assert post(client, w["holder_officer"], item, action="cancel").status_code == 409
    handover = post(client, w["holder_officer"], item, action="handover", document_no="X")
    assert handover.status_code == 409
    assert written() == before


def test_a_batch_hides_an_asset_above_the_reader_s_clearance(client, w):
    """An asset classified after it joined a batch (the service refuses one classified before)
    is left out of the batch's page, its total and the list's total for readers without
    clearance; a reader cleared for it sees it."""
    batch = create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"])
    shown, hidden = asset(w.holder, net_value=Decimal("100.00")), asset(w.holder)
    add_to_batch(batch, [shown, hidden], by=w["holder_officer"])
    Asset.objects.filter(pk=hidden.pk).update(confidentiality="secret", net_value=Decimal("7"))
    Reservation.objects.filter(asset=hidden).update(value=Decimal("900.00"))
    Reservation.objects.filter(asset=shown).update(value=Decimal("100.00"))
    client.force_login(w["receiver_officer"])
    page = client.get(batch.get_absolute_url())
    assert [item.asset_id for item in page.context["items"]] == [shown.pk]
    assert page.context["total"] == Decimal("100.00")
    assert hidden.ledger_code not in page.content.decode()
    [row] = [r for r in client.get(f"{LIST}?tab=incoming").context["rows"] if r.is_batch]
    assert (row.obj.item_count, row.value) == (1, Decimal("100.00"))
    w["receiver_officer"].clearance = "secret"
    w["receiver_officer"].save(update_fields=["clearance"])
    page = client.get(batch.get_absolute_url())
    assert {item.asset_id for item in page.context["items"]} == {shown.pk, hidden.pk}
    assert page.context["total"] == Decimal("1000.00")
