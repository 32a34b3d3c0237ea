"""An asset is never reserved or handed over twice, whoever acts at the same moment.

Each request runs in its own thread with its own database connection, released together by a
barrier, and the tests check both the outcome (exactly one wins, the loser gets the user error,
never an IntegrityError) and that nothing was half-written. Two tests do not leave the timing
to chance: they hold a transaction open and wait until PostgreSQL reports the request blocked
on it. One proves the row lock (a reservation waits for a concurrent withdrawal and is refused;
without the lock it would reserve a withdrawn listing), the other proves the constraint behind
it (a writer that took no lock inserts first; the request still gets "already reserved").
"""

import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from portal.assets.choices import AssetStatus, ListingStatus, ReservationStatus
from portal.assets.exceptions import AlreadyReservedError, WarehouseStateError
from portal.assets.models import Asset, CustodyEntry, Listing, Reservation
from portal.assets.services.batches import add_to_batch, create_batch
from portal.assets.services.handover import translate_integrity_error
from portal.assets.services.transfers import cancel_reservation, hand_over, reserve_listing
from tests.concurrency import Request, race, split
from tests.portal.assets.transfer_data import (
    approve_all,
    asset,
    ensure_default_rules,
    listing,
    world,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def w():
    # A transactional test's flush empties the rules migration 0006 seeded.
    ensure_default_rules()
    return world()


def stale(model, pk, count=2):
    """Copies of a row read before the race, as two browsers would have loaded the page."""
    return [model.objects.get(pk=pk) for _ in range(count)]


# -- reservations ------------------------------------------------------------------------------


def test_two_units_reserving_one_listing_at_once_exactly_one_wins(w):
    offer = listing(w.holder)
    first, second = stale(Listing, offer.pk)
    winner, loser = split(
        race(
            lambda: reserve_listing(first, by=w["receiver_officer"], delivery_building=w.building),
            lambda: reserve_listing(
                second, by=w["other_officer"], delivery_building=w.other_building
            ),
        ),
        Reservation,
    )
    assert type(loser) is AlreadyReservedError
    assert not isinstance(loser, IntegrityError)
    assert "is already reserved" in loser.user_message
    # Nothing half-written: one reservation, the winner's; listing and asset say reserved.
    (stored,) = Reservation.objects.all()
    assert (stored.pk, stored.status) == (winner.pk, ReservationStatus.PENDING)
    offer.refresh_from_db()
    offer.asset.refresh_from_db()
    assert (offer.status, offer.asset.status) == (ListingStatus.RESERVED, AssetStatus.RESERVED)
    assert apps.get_model("assets", "ReservationEvent").objects.count() == 1


def test_a_reservation_waits_for_a_concurrent_withdrawal_and_is_refused(w):
    """The row lock: the holder withdraws the listing (holding its lock) while a unit reserves.

    The reservation waits for the lock, then reads the listing as withdrawn. Without the lock it
    would read the listing as still published, insert its reservation and mark the withdrawn
    listing reserved; no constraint would stop it.
    """
    offer = listing(w.holder)
    (copy,) = stale(Listing, offer.pk, 1)
    request = Request(
        lambda: reserve_listing(copy, by=w["receiver_officer"], delivery_building=w.building)
    )
    with transaction.atomic():
        withdrawn = Listing.objects.select_for_update().get(pk=offer.pk)
        withdrawn.status = ListingStatus.WITHDRAWN
        withdrawn.save()
        Asset.objects.filter(pk=offer.asset_id).update(status=AssetStatus.IN_USE)
        request.start()
        waited = request.blocked()
    request.join()
    assert waited
    assert type(request.outcome) is WarehouseStateError
    assert "no longer offered in the warehouse (the listing is withdrawn)" in str(request.outcome)
    assert not Reservation.objects.exists()
    offer.refresh_from_db()
    offer.asset.refresh_from_db()
    assert (offer.status, offer.asset.status) == (ListingStatus.WITHDRAWN, AssetStatus.IN_USE)


def test_the_constraint_turns_a_lock_free_race_into_the_same_refusal(w):
    """The last guard: a writer that takes no row lock inserts an active reservation of the
    asset and keeps its transaction open. The request's checks cannot see that row yet; its
    insert waits on the unique index, then fails; the user gets "already reserved"."""
    offer = listing(w.holder)
    inserted, release = threading.Event(), threading.Event()

    def intruder() -> None:
        try:
            with transaction.atomic():
                Reservation.objects.create(
                    asset_id=offer.asset_id,
                    listing=offer,
                    from_unit=w.holder,
                    receiving_unit=w.other_receiver,
                    delivery_building=w.other_building,
                    value=Decimal("3000"),
                    chain=["holder_unit"],
                )
                inserted.set()
                release.wait()
        finally:
            inserted.set()
            connection.close()

    lock_free = threading.Thread(target=intruder)
    lock_free.start()
    inserted.wait()
    request = Request(
        lambda: reserve_listing(offer, by=w["receiver_officer"], delivery_building=w.building)
    )
    request.start()
    waited = request.blocked()
    release.set()
    lock_free.join()
    request.join()
    assert waited
    assert type(request.outcome) is AlreadyReservedError
    assert "is already reserved" in str(request.outcome)
    (stored,) = Reservation.objects.all()
    assert stored.receiving_unit == w.other_receiver  # the intruder's, nothing of the request's
    offer.refresh_from_db()
    offer.asset.refresh_from_db()
    assert (offer.status, offer.asset.status) == (ListingStatus.PUBLISHED, AssetStatus.IDLE)


def test_other_integrity_errors_are_not_disguised(w):
    assert translate_integrity_error(IntegrityError("some other constraint")) is None


# -- handovers ---------------------------------------------------------------------------------


def approved_reservation(w):
    offer = listing(w.holder)
    reservation = reserve_listing(offer, by=w["receiver_officer"], delivery_building=w.building)
    return approve_all(reservation, w)


def test_two_handovers_of_one_reservation_at_once_one_is_refused(w):
    reservation = approved_reservation(w)
    first, second = stale(Reservation, reservation.pk)
    _, loser = split(
        race(
            lambda: hand_over(first, by=w["receiver_officer"]),
            lambda: hand_over(second, by=w["holder_officer"]),
        ),
        Reservation,
    )
    assert type(loser) is WarehouseStateError
    assert "was already handed over" in loser.user_message
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.HANDED_OVER
    assert CustodyEntry.objects.count() == 1
    item = Asset.objects.get(pk=reservation.asset_id)
    assert (item.holder, item.status) == (w.receiver, AssetStatus.IN_USE)
    assert Listing.objects.get(pk=reservation.listing_id).status == ListingStatus.TRANSFERRED


def test_a_handover_and_a_cancellation_at_once_leave_one_consistent_outcome(w):
    reservation = approved_reservation(w)
    first, second = stale(Reservation, reservation.pk)
    winner, loser = split(
        race(
            lambda: hand_over(first, by=w["receiver_officer"]),
            lambda: cancel_reservation(second, by=w["holder_officer"]),
        ),
        Reservation,
    )
    assert type(loser) is WarehouseStateError
    reservation.refresh_from_db()
    item = Asset.objects.get(pk=reservation.asset_id)
    offer = Listing.objects.get(pk=reservation.listing_id)
    if winner.status == ReservationStatus.HANDED_OVER:
        expected = (ReservationStatus.HANDED_OVER, ListingStatus.TRANSFERRED, w.receiver, 1)
        assert item.status == AssetStatus.IN_USE
    else:
        expected = (ReservationStatus.CANCELLED, ListingStatus.PUBLISHED, w.holder, 0)
        assert item.status == AssetStatus.IDLE
    assert (reservation.status, offer.status, item.holder, CustodyEntry.objects.count()) == (
        expected
    )


# -- bulk transfer -------------------------------------------------------------------------------


def test_one_asset_added_to_two_batches_at_once_joins_one(w):
    item = asset(w.holder)
    to_receiver = create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"])
    to_other = create_batch(w.holder, w.other_receiver, w.other_building, by=w["holder_officer"])
    _, loser = split(
        race(
            lambda: add_to_batch(to_receiver, [item], by=w["holder_officer"]),
            lambda: add_to_batch(to_other, [item], by=w["holder_officer"]),
        ),
        list,
    )
    assert type(loser) is AlreadyReservedError
    assert f"Asset {item.ledger_code} is already reserved" in loser.user_message
    assert Reservation.objects.filter(asset=item).count() == 1
