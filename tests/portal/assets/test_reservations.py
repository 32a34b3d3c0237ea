"""Reservations from the warehouse and their handover: who may reserve what for whom and where
to, the statuses of listing and asset at each step, cancellation by either side, the holder
change with its custody log and history, and the need fulfilled once enough arrived. Every
refusal is checked to have written nothing."""

from decimal import Decimal

import pytest
from django.apps import apps

from portal.assets.choices import (
    AssetStatus,
    CustodyEvent,
    ListingStatus,
    NeedStatus,
    ReservationStatus,
)
from portal.assets.exceptions import (
    AlreadyReservedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import ApprovalRule, CustodyEntry, Reservation
from portal.assets.services.approvals import sign
from portal.assets.services.transfers import cancel_reservation, hand_over, reserve_listing
from portal.buildings.models import Occupancy
from tests.factories import AssetFactory, BuildingFactory, NeedFactory, UserFactory
from tests.portal.assets.transfer_data import approve_all, listing, world

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def w(db):
    return world()


@pytest.fixture
def offer(w):
    return listing(w.holder, net_value=Decimal("3200.00"))


def reserve(offer, w, user="receiver_officer", **kwargs):
    kwargs.setdefault("delivery_building", w.building)
    return reserve_listing(offer, by=w[user], **kwargs)


def assert_untouched(offer, status=AssetStatus.IDLE):
    """Nothing was written: no reservation, the listing offered, the asset as listed."""
    offer.refresh_from_db()
    offer.asset.refresh_from_db()
    assert not Reservation.objects.exists()
    assert offer.status == ListingStatus.PUBLISHED
    assert offer.asset.status == status


# -- reserving ---------------------------------------------------------------------------------


def test_reserve_a_published_listing(w, offer):
    reservation = reserve(offer, w, note=" 教学用 ")
    offer.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING
    assert reservation.value == Decimal("3200.00")  # the asset's net value
    assert reservation.chain == ["holder_unit", "receiving_unit"]
    assert (reservation.from_unit, reservation.receiving_unit) == (w.holder, w.receiver)
    assert reservation.delivery_building == w.building
    assert (reservation.requested_by, reservation.note) == (w["receiver_officer"], "教学用")
    assert offer.status == ListingStatus.RESERVED
    assert offer.asset.status == AssetStatus.RESERVED


def test_reserving_is_recorded_in_history_with_the_user(w, offer):
    reservation = reserve(offer, w)
    event = apps.get_model("assets", "ReservationEvent").objects.get(pgh_obj_id=reservation.pk)
    assert event.pgh_context.metadata["user"] == w["receiver_officer"].pk
    listing_update = apps.get_model("assets", "ListingEvent").objects.get(
        pgh_obj_id=offer.pk, pgh_label="update"
    )
    assert listing_update.pgh_context.metadata["user"] == w["receiver_officer"].pk


def test_the_value_chooses_the_chain(w):
    dear = listing(w.holder, original_value=Decimal("80000"), net_value=Decimal("60000"))
    assert reserve(dear, w).chain == ["holder_unit", "receiving_unit", "administration"]


def test_an_administrator_reserves_for_a_unit_in_scope(w, offer):
    reservation = reserve(offer, w, "wuhou_admin", receiving_unit=w.receiver)
    assert reservation.receiving_unit == w.receiver
    assert reservation.requested_by == w["wuhou_admin"]


def test_delivery_to_a_building_the_unit_occupies(w, offer):
    shared = BuildingFactory(managing_unit=w.offices)
    Occupancy.objects.create(unit=w.receiver, building=shared, usable_area_m2=Decimal("300"))
    assert reserve(offer, w, delivery_building=shared).delivery_building == shared


def test_reserve_for_a_need_takes_its_unit_and_building(w, offer):
    need = NeedFactory(unit=w.receiver, delivery_building=w.building)
    reservation = reserve_listing(offer, need=need, by=w["receiver_officer"])
    assert (reservation.need, reservation.receiving_unit) == (need, w.receiver)
    assert reservation.delivery_building == w.building


@pytest.mark.parametrize(
    ("user", "for_receiver"),
    [("viewer", False), ("auditor", True), ("far_officer", True), ("other_officer", True)],
)
def test_who_may_not_reserve(w, offer, user, for_receiver):
    """Viewers and auditors edit nothing; an officer reserves only for its own unit."""
    kwargs = {"receiving_unit": w.receiver} if for_receiver else {}
    with pytest.raises(WarehouseForbiddenError, match="may not reserve assets for 武侯区教育局"):
        reserve(offer, w, user, **kwargs)
    assert_untouched(offer)


def test_a_unit_cannot_reserve_its_own_asset(w, offer):
    own_building = w.holder.managed_buildings.first()
    with pytest.raises(WarehouseInputError, match="a unit cannot reserve its own asset"):
        reserve(offer, w, "holder_officer", delivery_building=own_building)
    assert_untouched(offer)


def test_an_account_without_unit_names_the_receiving_unit(w, offer):
    root = UserFactory(unit=None, is_superuser=True)
    with pytest.raises(WarehouseInputError, match="Choose the receiving unit"):
        reserve_listing(offer, by=root, delivery_building=w.building)
    assert reserve_listing(offer, by=root, receiving_unit=w.receiver, delivery_building=w.building)


def test_a_listing_not_shared_with_the_unit_cannot_be_reserved(w):
    chengdu_only = listing(w.holder, share_prefix="5101")
    far_building = BuildingFactory(managing_unit=w.far)
    with pytest.raises(WarehouseForbiddenError, match="is not shared with 涪城区民政局"):
        reserve(chengdu_only, w, "far_officer", delivery_building=far_building)
    # The province administrator sees it, but the unit it reserves for must be in the area.
    with pytest.raises(WarehouseForbiddenError, match="is not shared with"):
        reserve(
            chengdu_only,
            w,
            "province_admin",
            receiving_unit=w.far,
            delivery_building=far_building,
        )
    assert_untouched(chengdu_only)


def test_a_classified_asset_is_not_shared_with_an_uncleared_user(w):
    secret = listing(w.holder, confidentiality="secret")
    with pytest.raises(WarehouseForbiddenError, match="is not shared with"):
        reserve(secret, w)
    assert_untouched(secret)


@pytest.mark.parametrize("building", ["other", "holder", None])
def test_the_delivery_building_is_the_receivers(w, offer, building):
    chosen = {
        "other": w.other_building,
        "holder": w.holder.managed_buildings.first(),
        None: None,
    }[building]
    message = "Choose the delivery building" if chosen is None else "neither managed nor occupied"
    with pytest.raises(WarehouseInputError, match=message):
        reserve(offer, w, delivery_building=chosen)
    assert_untouched(offer)


def test_the_need_must_be_the_units_and_open(w, offer):
    others = NeedFactory(unit=w.other_receiver, delivery_building=w.other_building)
    with pytest.raises(WarehouseInputError, match="is not a need of 武侯区教育局"):
        reserve(offer, w, need=others, receiving_unit=w.receiver)
    closed = NeedFactory(unit=w.receiver, delivery_building=w.building, status=NeedStatus.PURCHASE)
    with pytest.raises(WarehouseStateError, match="is purchase requested, not open"):
        reserve(offer, w, need=closed)
    assert_untouched(offer)


def test_a_reserved_listing_cannot_be_reserved_again(w, offer):
    first = reserve(offer, w)
    with pytest.raises(AlreadyReservedError, match="is already reserved"):
        reserve(offer, w, "other_officer", delivery_building=w.other_building)
    assert list(Reservation.objects.all()) == [first]


@pytest.mark.parametrize("status", [ListingStatus.WITHDRAWN, ListingStatus.DISPOSAL])
def test_a_listing_no_longer_offered_cannot_be_reserved(w, offer, status):
    offer.status = status
    offer.save()
    with pytest.raises(WarehouseStateError, match="no longer offered in the warehouse"):
        reserve(offer, w)
    assert not Reservation.objects.exists()


def test_without_an_approval_rule_nothing_is_reserved(w, offer):
    ApprovalRule.objects.filter(subject="transfer").update(active=False)
    with pytest.raises(WarehouseStateError, match="No active approval rule"):
        reserve(offer, w)
    assert_untouched(offer)


# -- cancelling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["receiver_officer", "holder_officer"])
@pytest.mark.parametrize("approved", [False, True])
def test_either_side_cancels_and_the_listing_is_offered_again(w, offer, user, approved):
    reservation = reserve(offer, w)
    if approved:
        approve_all(reservation, w)
    cancelled = cancel_reservation(reservation, by=w[user], note="计划调整")
    offer.refresh_from_db()
    assert (cancelled.status, cancelled.note) == (ReservationStatus.CANCELLED, "计划调整")
    assert offer.status == ListingStatus.PUBLISHED
    assert offer.asset.status == AssetStatus.IDLE
    assert reserve(offer, w, "other_officer", delivery_building=w.other_building)


def test_a_physical_listing_goes_back_to_the_warehouse(w):
    stocked = listing(w.holder, mode="physical", reason="over_standard")
    cancel_reservation(reserve(stocked, w), by=w["receiver_officer"])
    stocked.asset.refresh_from_db()
    assert stocked.asset.status == AssetStatus.IN_WAREHOUSE


def test_cancelling_is_refused_to_strangers_and_after_the_handover(w, offer):
    reservation = reserve(offer, w)
    for user in ("other_officer", "viewer", "far_officer"):
        with pytest.raises(WarehouseForbiddenError, match="may not cancel the transfer"):
            cancel_reservation(reservation, by=w[user])
    hand_over(approve_all(reservation, w), by=w["receiver_officer"])
    with pytest.raises(WarehouseStateError, match="is handed over: it can no longer be"):
        cancel_reservation(reservation, by=w["receiver_officer"])
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.HANDED_OVER


# -- handing over --------------------------------------------------------------------------------


def test_hand_over_moves_the_asset_to_the_receiver(w, offer):
    reservation = approve_all(reserve(offer, w), w)
    done = hand_over(reservation, by=w["receiver_officer"], document_no="JJ-7")
    offer.refresh_from_db()
    asset = offer.asset
    asset.refresh_from_db()
    assert done.status == ReservationStatus.HANDED_OVER
    assert (done.handed_over_by, done.handed_over_at is not None) == (w["receiver_officer"], True)
    assert (asset.holder, asset.building, asset.geom) == (w.receiver, w.building, w.building.geom)
    assert asset.status == AssetStatus.IN_USE
    assert (offer.status, offer.closed_at is not None) == (ListingStatus.TRANSFERRED, True)
    entry = CustodyEntry.objects.get()
    assert (entry.event, entry.from_unit, entry.to_unit) == (
        CustodyEvent.HANDOVER,
        w.holder,
        w.receiver,
    )
    assert (entry.reservation, entry.document_no, entry.by) == (done, "JJ-7", w["receiver_officer"])
    update = (
        apps.get_model("assets", "AssetEvent")
        .objects.filter(pgh_obj_id=asset.pk, pgh_label="update")
        .latest("pgh_id")
    )
    assert (update.holder_id, update.pgh_context.metadata["user"]) == (
        w.receiver.pk,
        w["receiver_officer"].pk,
    )


def test_a_physical_listing_is_stocked_out_then_handed_over(w):
    stocked = listing(w.holder, mode="physical")
    reservation = approve_all(reserve(stocked, w), w)
    hand_over(reservation, by=w["holder_officer"])
    entries = list(CustodyEntry.objects.order_by("pk"))
    assert [e.event for e in entries] == [CustodyEvent.STOCK_OUT, CustodyEvent.HANDOVER]
    assert (entries[0].depot, entries[0].from_unit) == (stocked.depot, w.holder)


def test_a_pending_reservation_is_not_handed_over(w, offer):
    reservation = reserve(offer, w)
    sign(reservation, "approved", by=w["holder_officer"])
    with pytest.raises(WarehouseStateError, match="once approved; the reservation is awaiting"):
        hand_over(reservation, by=w["receiver_officer"])
    offer.asset.refresh_from_db()
    assert (offer.asset.holder, offer.asset.status) == (w.holder, AssetStatus.RESERVED)
    assert not CustodyEntry.objects.exists()


def test_a_handover_happens_once(w, offer):
    reservation = approve_all(reserve(offer, w), w)
    hand_over(reservation, by=w["receiver_officer"])
    with pytest.raises(WarehouseStateError, match="was already handed over"):
        hand_over(reservation, by=w["holder_officer"])
    assert CustodyEntry.objects.count() == 1


def test_strangers_may_not_hand_over(w, offer):
    reservation = approve_all(reserve(offer, w), w)
    with pytest.raises(WarehouseForbiddenError, match="may not hand over"):
        hand_over(reservation, by=w["other_officer"])
    assert not CustodyEntry.objects.exists()


def test_a_ledger_code_taken_at_the_receiver_must_be_renumbered(w, offer):
    AssetFactory(holder=w.receiver, ledger_code=offer.asset.ledger_code)
    reservation = approve_all(reserve(offer, w), w)
    with pytest.raises(
        WarehouseInputError,
        match=f"Ledger code {offer.asset.ledger_code} is already used by 武侯区教育局",
    ):
        hand_over(reservation, by=w["receiver_officer"])
    reservation.refresh_from_db()
    offer.refresh_from_db()
    assert reservation.status == ReservationStatus.APPROVED
    assert offer.status == ListingStatus.RESERVED
    assert not CustodyEntry.objects.exists()
    hand_over(reservation, by=w["receiver_officer"], ledger_code="WH-0001")
    offer.asset.refresh_from_db()
    assert (offer.asset.holder, offer.asset.ledger_code) == (w.receiver, "WH-0001")


def test_the_need_is_fulfilled_when_its_quantity_is_met(w):
    need = NeedFactory(unit=w.receiver, delivery_building=w.building, quantity=2)
    first, second = listing(w.holder), listing(w.holder)
    for offer in (first, second):
        reservation = approve_all(reserve_listing(offer, need=need, by=w["receiver_officer"]), w)
        hand_over(reservation, by=w["receiver_officer"])
        need.refresh_from_db()
        expected = NeedStatus.FULFILLED if offer is second else NeedStatus.OPEN
        assert need.status == expected


def test_a_handover_is_refused_once_the_ledger_moved_the_asset(w, offer):
    """Someone changed the asset's holder since the reservation: the handover does not
    overwrite that ledger entry, and nothing is written."""
    reservation = approve_all(reserve(offer, w), w)
    offer.asset.__class__.objects.filter(pk=offer.asset_id).update(holder=w.far)
    with pytest.raises(WarehouseStateError, match=f"Asset {offer.asset.ledger_code} is no longer"):
        hand_over(reservation, by=w["receiver_officer"])
    reservation.refresh_from_db()
    offer.refresh_from_db()
    offer.asset.refresh_from_db()
    assert reservation.status == ReservationStatus.APPROVED
    assert offer.status == ListingStatus.RESERVED
    assert offer.asset.holder == w.far
    assert not CustodyEntry.objects.exists()
