"""Double booking is impossible: the exclusion constraints on assignments, under concurrency.

Two pool managers assign at the same instant (each in its own thread and connection, released
together by a barrier): both pass the service's checks, since neither sees the other's
uncommitted row, and PostgreSQL's exclusion constraint makes the second insert wait for the
first transaction and then refuses it. Exactly one wins; the other gets DoubleBookingError naming
the vehicle (or the driver). A second test does not leave the timing to chance: one assignment
holds its transaction open while the other starts, and the test waits until PostgreSQL reports
the second blocked on it. A raw INSERT of an overlap is refused by the database itself, and
released rows block nothing.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from portal.fleet.choices import BookingStatus
from portal.fleet.exceptions import DoubleBookingError
from portal.fleet.models import Assignment
from portal.fleet.services.dispatch import assign
from tests.concurrency import Request, race, split
from tests.factories import UserFactory
from tests.portal.fleet.dispatch_world import ORIGIN, booking, driver, vehicle_at, world
from tests.portal.fleet.factories import at

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3


@pytest.fixture
def w():
    w = world()
    w.second_manager = UserFactory(unit=w.manager.unit, username="second-manager")
    w.pool.managers.add(w.second_manager)
    return w


def two_overlapping(w):
    return booking(w, starts_at=at(1, 9), hours=3), booking(w, starts_at=at(1, 10), hours=3)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_same_vehicle_at_once_exactly_one_wins(w, round_):
    car = vehicle_at(w.holder, ORIGIN)
    first, second = two_overlapping(w)
    d1, d2 = driver(w.holder), driver(w.holder)
    outcomes = race(
        lambda: assign(first, car, d1, by=w.manager),
        lambda: assign(second, car, d2, by=w.second_manager),
    )
    _winner, loser = split(outcomes, Assignment)
    assert type(loser) is DoubleBookingError, loser
    assert loser.user_message.startswith(f"Vehicle {car.plate} is already assigned")
    assert Assignment.objects.filter(released_at__isnull=True).count() == 1
    statuses = sorted(b.status for b in type(first).objects.filter(pk__in=[first.pk, second.pk]))
    assert statuses == [BookingStatus.APPROVED, BookingStatus.ASSIGNED]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_same_driver_at_once_exactly_one_wins(w, round_):
    drv = driver(w.holder)
    first, second = two_overlapping(w)
    c1, c2 = vehicle_at(w.holder, ORIGIN), vehicle_at(w.holder, ORIGIN)
    outcomes = race(
        lambda: assign(first, c1, drv, by=w.manager),
        lambda: assign(second, c2, drv, by=w.second_manager),
    )
    _winner, loser = split(outcomes, Assignment)
    assert type(loser) is DoubleBookingError, loser
    assert loser.user_message.startswith(f"Driver {drv.name} is already assigned")
    assert Assignment.objects.count() == 1


def test_the_second_waits_for_the_first_and_is_refused(w):
    car = vehicle_at(w.holder, ORIGIN)
    first, second = two_overlapping(w)
    request = Request(lambda: assign(second, car, driver(w.holder), by=w.second_manager))
    with transaction.atomic():
        winner = assign(first, car, driver(w.holder), by=w.manager)
        request.start()
        waited = request.blocked()
    request.join()
    assert waited
    assert type(request.outcome) is DoubleBookingError, request.outcome
    assert Assignment.objects.get() == winner


def _raw_insert(b, vehicle_id, driver_id, by_id, released=False):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO fleet_assignment (booking_id, vehicle_id, driver_id, period, "
            "assigned_by_id, assigned_at, released_at, release_reason) "
            "VALUES (%s, %s, %s, tstzrange(%s, %s, '[)'), %s, now(), "
            "CASE WHEN %s THEN now() END, '')",
            [b.pk, vehicle_id, driver_id, b.starts_at, b.ends_at, by_id, released],
        )


def test_raw_overlapping_insert_is_refused_by_the_database(w):
    car, other_car = vehicle_at(w.holder, ORIGIN), vehicle_at(w.holder, ORIGIN)
    d1, d2 = driver(w.holder), driver(w.holder)
    first, second = two_overlapping(w)
    _raw_insert(first, car.pk, d1.pk, w.manager.pk)
    for vehicle, drv, constraint in (
        (car, d2, "fleet_assignment_vehicle_free"),
        (other_car, d1, "fleet_assignment_driver_free"),
    ):
        with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
            _raw_insert(second, vehicle.pk, drv.pk, w.manager.pk)
    # Released rows block nothing; back-to-back periods do not overlap.
    _raw_insert(second, car.pk, d1.pk, w.manager.pk, released=True)
    adjacent = booking(w, starts_at=first.ends_at, hours=1)
    _raw_insert(adjacent, car.pk, d1.pk, w.manager.pk)
    assert Assignment.objects.filter(released_at__isnull=True).count() == 2


def test_released_assignment_does_not_block_the_service(w):
    car, drv = vehicle_at(w.holder, ORIGIN), driver(w.holder)
    first, second = two_overlapping(w)
    assign(first, car, drv, by=w.manager)
    Assignment.objects.filter(booking=first).update(released_at=at(0, 8))
    assert assign(second, car, drv, by=w.manager).booking == second
