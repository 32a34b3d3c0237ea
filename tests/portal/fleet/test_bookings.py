"""Booking rules and history: what a request must satisfy, who may make it, and what amending
and cancelling do to the approvals and to the vehicle already assigned."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.fleet.choices import BookingAction, BookingStatus, RegionClass
from portal.fleet.exceptions import FleetForbiddenError, FleetInputError, FleetStateError
from portal.fleet.models import Booking, BookingChange, TripApprovalRule
from portal.fleet.services.approvals import sign
from portal.fleet.services.bookings import amend_booking, cancel_booking, create_booking
from tests.portal.fleet.booking_data import YUZHONG, assign, world_in_english
from tests.portal.fleet.factories import at, point, real_divisions

world = pytest.fixture(world_in_english, name="world")


def actions(booking):
    return list(BookingChange.objects.filter(booking=booking).values_list("action", flat=True))


# -- submitting -----------------------------------------------------------------------------------


def test_a_booking_is_submitted_classified_and_recorded(world):
    booking = world.book()
    assert booking.status == BookingStatus.SUBMITTED
    assert booking.requested_by == world.officer_a
    assert booking.chain == ["unit"]
    assert booking.region_class == RegionClass.SICHUAN
    assert booking.crosses_border is False
    assert booking.origin_division.code == "510104"
    assert booking.destination_division.code == "510703"
    assert 100_000 < booking.distance_m < 120_000  # 锦江区 to 涪城区, straight
    change = booking.changes.get()
    assert (change.action, change.by, change.changes) == (
        BookingAction.SUBMITTED,
        world.officer_a,
        {"status": [None, "submitted"]},
    )


def test_a_trip_in_the_past_is_refused(world):
    with pytest.raises(FleetInputError, match="start in the future"):
        world.book(starts_at=timezone.now() - dt.timedelta(minutes=5))
    assert not Booking.objects.exists()


def test_a_trip_ending_before_it_starts_is_refused(world):
    with pytest.raises(FleetInputError, match="end after it starts"):
        world.book(starts_at=at(2, 14), ends_at=at(2, 9))
    with pytest.raises(FleetInputError, match="end after it starts"):
        world.book(starts_at=at(2, 14), ends_at=at(2, 14))


def test_fewer_seats_than_passengers_are_refused(world):
    with pytest.raises(FleetInputError, match="at least 5 seats"):
        world.book(passengers=5, seats_needed=4)
    with pytest.raises(FleetInputError, match="at least one passenger"):
        world.book(passengers=0, seats_needed=2)


def test_a_unit_outside_the_pool_is_refused(world):
    with pytest.raises(FleetInputError, match="not a member of the pool"):
        world.book(by=world.outsider, unit=world.outsider_unit)


def test_a_closed_pool_is_refused(world):
    world.pool.active = False
    world.pool.save()
    with pytest.raises(FleetInputError, match="closed"):
        world.book()


@pytest.mark.parametrize("requester", ["officer_b", "outsider", "viewer_a", "manager"])
def test_only_the_units_editors_request_for_it(world, requester):
    with pytest.raises(FleetForbiddenError):
        world.book(by=getattr(world, requester))
    assert not Booking.objects.exists()


def test_administrators_request_for_units_of_their_division(world):
    assert world.book(by=world.city_admin).requested_by == world.city_admin
    assert world.book(by=world.province_admin).unit == world.unit_a


def test_unknown_fields_are_refused(world):
    with pytest.raises(FleetInputError):
        create_booking({**world.fields(), "status": "approved"}, by=world.officer_a)


# -- amending -------------------------------------------------------------------------------------


def approved(world, **fields):
    booking = world.book(**fields)
    sign(booking, "approved", by=world.officer_a2)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED
    return booking


def test_amending_the_purpose_keeps_the_approval(world):
    booking = approved(world)
    amended = amend_booking(
        booking, {"purpose": "检查调研", "passenger_names": "张三"}, by=world.officer_a
    )
    assert amended.status == BookingStatus.APPROVED
    assert booking.approvals.filter(superseded=False).count() == 1
    change = amended.changes.last()
    assert change.action == BookingAction.AMENDED
    assert change.changes == {
        "purpose": ["调研公务用车平台", "检查调研"],
        "passenger_names": ["张三、李四", "张三"],
    }


def test_amending_a_material_field_of_an_assigned_booking_releases_the_vehicle(world):
    booking = approved(world)
    assignment = assign(booking, world)
    new_start = at(1, 10)
    amended = amend_booking(
        booking, {"starts_at": new_start, "passengers": 3}, by=world.officer_a, note="推迟一小时"
    )
    assignment.refresh_from_db()
    assert assignment.released_at is not None
    assert "passengers" in assignment.release_reason
    assert "starts_at" in assignment.release_reason
    assert amended.status == BookingStatus.SUBMITTED
    assert booking.approvals.get().superseded is True
    assert not booking.assignments.filter(released_at__isnull=True).exists()
    assert actions(booking)[-2:] == ["released", "amended"]
    released, change = booking.changes.order_by("pk")[2:4]
    assert released.changes == {"vehicle": ["川A12345", None], "driver": ["王师傅", None]}
    assert change.changes["passengers"] == [2, 3]
    assert change.changes["status"] == ["assigned", "submitted"]
    assert change.changes["starts_at"][1] == timezone.localtime(new_start).isoformat()
    assert change.note == "推迟一小时"
    # The chain starts again: the unit signs anew.
    sign(amended, "approved", by=world.officer_a2)
    amended.refresh_from_db()
    assert amended.status == BookingStatus.APPROVED
    assert amended.approvals.filter(superseded=False).count() == 1


def test_moving_an_end_across_the_border_reclassifies_and_repicks_the_chain(world):
    real_divisions("500103", regions=False)
    booking = approved(world)
    amended = amend_booking(booking, {"destination": YUZHONG}, by=world.officer_a)
    assert amended.region_class == RegionClass.CROSS_PROVINCE
    assert amended.crosses_border is True
    assert amended.destination_division.code == "500103"
    assert amended.chain == ["unit", "pool"]
    diff = amended.changes.last().changes
    assert diff["destination"] == [[104.74, 31.46], [106.53, 29.552]]
    assert diff["chain"] == [["unit"], ["unit", "pool"]]


def test_a_changed_rule_applies_to_a_materially_amended_booking(world):
    booking = world.book()
    TripApprovalRule.objects.create(unit=None, trip_type="emergency", steps=["division"])
    amended = amend_booking(booking, {"trip_type": "emergency"}, by=world.officer_a)
    assert amended.chain == ["division"]


def test_an_amendment_keeps_the_rules(world):
    booking = world.book()
    with pytest.raises(FleetInputError, match="at least 2 seats"):
        amend_booking(booking, {"seats_needed": 1}, by=world.officer_a)
    with pytest.raises(FleetInputError, match="end after it starts"):
        amend_booking(booking, {"ends_at": at(1, 8)}, by=world.officer_a)
    with pytest.raises(FleetInputError, match="changes nothing"):
        amend_booking(booking, {"passengers": 2}, by=world.officer_a)
    with pytest.raises(FleetInputError, match="cannot be amended"):
        amend_booking(booking, {"unit": world.unit_b}, by=world.officer_a)
    assert actions(booking) == ["submitted"]


def test_only_the_units_editors_amend(world):
    booking = world.book()
    for user in (world.officer_b, world.viewer_a, world.manager):
        with pytest.raises(FleetForbiddenError):
            amend_booking(booking, {"purpose": "另一事由"}, by=user)
    amend_booking(booking, {"purpose": "另一事由"}, by=world.officer_a2)


def test_closed_bookings_cannot_be_amended(world):
    booking = world.book()
    cancel_booking(booking, by=world.officer_a, reason="会议取消")
    with pytest.raises(FleetStateError, match="no longer be changed"):
        amend_booking(booking, {"purpose": "另一事由"}, by=world.officer_a)


def test_the_point_equality_ignores_float_noise(world):
    booking = world.book()
    same = point(booking.origin.x + 1e-9, booking.origin.y)
    with pytest.raises(FleetInputError, match="changes nothing"):
        amend_booking(booking, {"origin": same}, by=world.officer_a)


# -- cancelling -----------------------------------------------------------------------------------


def test_cancelling_releases_the_vehicle_and_records_the_reason(world):
    booking = approved(world)
    assignment = assign(booking, world)
    cancelled = cancel_booking(booking, by=world.officer_a, reason="会议取消")
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancel_reason == "会议取消"
    assignment.refresh_from_db()
    assert assignment.released_at is not None
    assert assignment.release_reason == "Booking cancelled: 会议取消"
    assert actions(booking)[-2:] == ["released", "cancelled"]
    assert booking.changes.last().changes == {"status": ["assigned", "cancelled"]}


def test_cancelling_needs_a_reason_an_editor_and_an_open_booking(world):
    booking = world.book()
    with pytest.raises(FleetInputError):
        cancel_booking(booking, by=world.officer_a, reason="  ")
    with pytest.raises(FleetForbiddenError):
        cancel_booking(booking, by=world.officer_b, reason="不需要")
    cancel_booking(booking, by=world.officer_a, reason="不需要")
    with pytest.raises(FleetStateError):
        cancel_booking(booking, by=world.officer_a, reason="再次")


def started(booking):
    """Move the booking's window so that its trip started two hours ago."""
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=now - dt.timedelta(hours=2), ends_at=now + dt.timedelta(hours=4)
    )
    booking.refresh_from_db()
    return booking


def test_an_assigned_trip_that_has_started_is_neither_cancelled_nor_reopened(world):
    booking = approved(world)
    assignment = assign(booking, world)
    started(booking)
    with pytest.raises(FleetStateError, match="ask the pool manager") as refused:
        cancel_booking(booking, by=world.officer_a, reason="不需要了")
    assert refused.value.http_status == 409
    for changes in ({"passengers": 3}, {"starts_at": at(2, 9), "ends_at": at(2, 12)}):
        with pytest.raises(FleetStateError, match="release the vehicle through dispatch"):
            amend_booking(booking, changes, by=world.officer_a)
    assignment.refresh_from_db()
    assert assignment.released_at is None
    # What the dispatch and the bill do not rely on may still be corrected.
    amended = amend_booking(booking, {"purpose": "检查调研"}, by=world.officer_a)
    assert amended.status == BookingStatus.ASSIGNED
    assert actions(booking) == ["submitted", "approved", "amended"]


def test_an_approved_booking_without_a_vehicle_may_be_cancelled_after_its_start(world):
    booking = started(approved(world))
    assert cancel_booking(booking, by=world.officer_a, reason="没派车").status == "cancelled"


def test_a_trip_inside_suitong_is_labelled_by_the_region_and_needs_the_pool(world):
    real_divisions("510903", "500152")
    booking = world.book(
        origin=point(105.587, 30.492),
        origin_label="遂宁市船山区",
        destination=point(105.793, 30.114),
        destination_label="重庆市潼南区",
    )
    assert booking.region_class == RegionClass.COOPERATION
    assert booking.region.name == "遂潼一体化发展先行区"
    assert booking.crosses_border is True
    assert (booking.origin_division.code, booking.destination_division.code) == (
        "510903",
        "500152",
    )
    assert booking.chain == ["unit", "pool"]
