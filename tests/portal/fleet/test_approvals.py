"""Approval chains of bookings: the most specific rule, the pool manager for border-crossing
trips, signing in order, nobody signing his own booking, the wrong signer refused, rejection."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.fleet.choices import BookingAction, BookingStatus
from portal.fleet.exceptions import FleetForbiddenError, FleetInputError, FleetStateError
from portal.fleet.models import Booking, BookingChange, TripApprovalRule
from portal.fleet.services.approvals import awaiting, chain_for, may_sign, next_step, sign
from portal.fleet.services.bookings import amend_booking
from tests.portal.fleet.booking_data import YUZHONG, world_in_english
from tests.portal.fleet.factories import real_divisions

world = pytest.fixture(world_in_english, name="world")


def rules(world, *, unit_any=None, any_type=None, unit_type=None):
    """Rules beside the migration's any/any → ["unit"]: for emergencies, for unit A, for both."""
    if any_type:
        TripApprovalRule.objects.create(unit=None, trip_type="emergency", steps=any_type)
    if unit_any:
        TripApprovalRule.objects.create(unit=world.unit_a, trip_type="", steps=unit_any)
    if unit_type:
        TripApprovalRule.objects.create(unit=world.unit_a, trip_type="emergency", steps=unit_type)


def test_the_default_rule_asks_the_unit(world):
    assert chain_for(world.unit_a, "business", False) == ["unit"]


def test_a_trip_types_rule_wins_over_any_type(world):
    rules(world, any_type=["unit", "division"])
    assert chain_for(world.unit_b, "emergency", False) == ["unit", "division"]
    assert chain_for(world.unit_b, "business", False) == ["unit"]


def test_a_units_rule_wins_over_any_units(world):
    rules(world, unit_any=["division"], any_type=["unit", "division"])
    assert chain_for(world.unit_a, "emergency", False) == ["division"]
    assert chain_for(world.unit_b, "emergency", False) == ["unit", "division"]


def test_a_rule_for_the_unit_and_the_type_wins_over_all(world):
    rules(world, unit_any=["division"], any_type=["unit"], unit_type=["unit", "pool"])
    assert chain_for(world.unit_a, "emergency", False) == ["unit", "pool"]
    assert chain_for(world.unit_a, "business", False) == ["division"]


def test_inactive_rules_do_not_count(world):
    TripApprovalRule.objects.create(
        unit=world.unit_a, trip_type="", steps=["division"], active=False
    )
    assert chain_for(world.unit_a, "business", False) == ["unit"]


def test_without_a_rule_the_booking_cannot_be_submitted(world):
    TripApprovalRule.objects.update(active=False)
    with pytest.raises(FleetStateError, match="No active approval rule"):
        chain_for(world.unit_a, "business", False)


def test_crossing_the_border_adds_the_pool_manager_once(world):
    assert chain_for(world.unit_a, "business", True) == ["unit", "pool"]
    rules(world, any_type=["pool", "unit"])
    assert chain_for(world.unit_a, "emergency", True) == ["pool", "unit"]


def test_a_border_crossing_booking_carries_the_pool_step(world):
    real_divisions("500103", regions=False)
    booking = world.book(destination=YUZHONG, destination_label="重庆市渝中区")
    assert booking.crosses_border is True
    assert booking.chain == ["unit", "pool"]


def test_steps_are_signed_in_order(world):
    rules(world, unit_any=["unit", "division", "pool"])
    booking = world.book()
    assert next_step(booking) == (1, "unit")
    with pytest.raises(FleetForbiddenError, match="Step 1"):
        sign(booking, "approved", by=world.manager)  # the pool's turn comes last
    sign(booking, "approved", by=world.officer_a2)
    assert next_step(booking) == (2, "division")
    sign(booking, "approved", by=world.city_admin)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.SUBMITTED
    sign(booking, "approved", by=world.manager, comment="同意")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED
    assert next_step(booking) is None
    assert list(booking.approvals.values_list("step", flat=True)) == ["unit", "division", "pool"]
    actions = list(booking.changes.values_list("action", flat=True))
    assert actions == ["submitted", "approved", "approved", "approved"]
    assert booking.changes.last().changes == {"status": ["submitted", "approved"]}


def test_nobody_signs_his_own_booking(world):
    booking = world.book(by=world.officer_a)
    assert not may_sign(world.officer_a, "unit", booking)
    with pytest.raises(FleetForbiddenError, match="their own booking"):
        sign(booking, "approved", by=world.officer_a)
    assert booking.approvals.count() == 0


def test_a_province_admin_does_not_sign_his_own_booking_either(world):
    rules(world, unit_any=["division"])
    booking = world.book(by=world.province_admin)
    with pytest.raises(FleetForbiddenError):
        sign(booking, "approved", by=world.province_admin)
    sign(booking, "approved", by=world.city_admin)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED


@pytest.mark.parametrize("signer", ["officer_b", "outsider", "viewer_a", "manager"])
def test_the_wrong_signer_is_refused_with_403(world, signer):
    booking = world.book()
    with pytest.raises(FleetForbiddenError) as caught:
        sign(booking, "approved", by=getattr(world, signer))
    assert caught.value.http_status == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.SUBMITTED


def test_a_unit_officer_cannot_sign_the_division_step(world):
    rules(world, unit_any=["division"])
    booking = world.book()
    assert not may_sign(world.officer_a2, "division", booking)
    assert may_sign(world.city_admin, "division", booking)
    assert may_sign(world.province_admin, "division", booking)
    with pytest.raises(FleetForbiddenError):
        sign(booking, "approved", by=world.officer_a2)


def test_only_the_pools_managers_sign_its_step(world):
    rules(world, unit_any=["pool"])
    booking = world.book()
    assert not may_sign(world.province_admin, "pool", booking)
    with pytest.raises(FleetForbiddenError):
        sign(booking, "approved", by=world.province_admin)
    sign(booking, "approved", by=world.manager)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED


def test_a_rejection_ends_the_chain(world):
    rules(world, unit_any=["unit", "pool"])
    booking = world.book()
    sign(booking, "rejected", by=world.officer_a2, comment="行程不必要")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REJECTED
    change = BookingChange.objects.filter(booking=booking).last()
    assert change.action == BookingAction.REJECTED
    assert change.changes == {"status": ["submitted", "rejected"]}
    assert "行程不必要" in change.note
    with pytest.raises(FleetStateError, match="not awaiting approval"):
        sign(booking, "approved", by=world.manager)


def test_a_rejection_needs_a_reason_and_a_decision_must_be_known(world):
    booking = world.book()
    with pytest.raises(FleetInputError):
        sign(booking, "rejected", by=world.officer_a2)
    with pytest.raises(FleetInputError):
        sign(booking, "maybe", by=world.officer_a2)


def test_awaiting_lists_what_the_user_may_sign_now(world):
    rules(world, unit_any=["unit", "pool"])
    booking = world.book()
    other = world.book(by=world.officer_b, unit=world.unit_b)
    assert awaiting(world.officer_a2) == [booking]
    assert awaiting(world.officer_a) == []  # his own
    assert awaiting(world.manager) == []  # not the pool's turn yet
    assert [b.pk for b in awaiting(world.officer_a)] == []
    assert other in awaiting(world.city_admin)
    sign(booking, "approved", by=world.officer_a2)
    assert awaiting(world.manager) == [booking]
    assert awaiting(world.officer_a2) == []


# -- one person, one step; nobody after the start ------------------------------------------------


def test_one_person_signs_one_step_of_a_chain(world):
    rules(world, unit_any=["unit", "division"])
    booking = world.book()
    sign(booking, "approved", by=world.province_admin)  # his edit scope covers the unit step
    assert booking not in awaiting(world.province_admin)
    with pytest.raises(FleetForbiddenError, match="already signed") as refused:
        sign(booking, "approved", by=world.province_admin)
    assert refused.value.http_status == 403
    sign(booking, "approved", by=world.city_admin)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED
    assert list(booking.approvals.values_list("by__username", flat=True)) == [
        "province-admin",
        "city-admin",
    ]


def test_a_superseded_signature_does_not_bar_signing_again(world):
    rules(world, unit_any=["unit", "division"])
    booking = world.book()
    sign(booking, "approved", by=world.officer_a2)
    amend_booking(booking, {"passengers": 3}, by=world.officer_a)
    sign(booking, "approved", by=world.officer_a2)
    assert next_step(booking) == (2, "division")


def test_the_author_of_a_material_amendment_does_not_sign_the_restarted_chain(world):
    booking = world.book(by=world.officer_a)
    amend_booking(booking, {"passengers": 3, "seats_needed": 4}, by=world.officer_a2)
    assert awaiting(world.officer_a2) == []
    with pytest.raises(FleetForbiddenError, match="You amended"):
        sign(booking, "approved", by=world.officer_a2)
    amend_booking(booking, {"purpose": "检查调研"}, by=world.city_admin)  # not material
    with pytest.raises(FleetForbiddenError, match="You amended"):
        sign(booking, "approved", by=world.officer_a2)
    sign(booking, "approved", by=world.city_admin)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED


def test_nobody_signs_a_trip_whose_start_has_passed(world):
    booking = world.book()
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=1)
    )
    assert awaiting(world.officer_a2) == []
    with pytest.raises(FleetStateError, match="amend the times first"):
        sign(booking, "approved", by=world.officer_a2)
    booking.refresh_from_db()
    assert (booking.status, booking.approvals.count()) == (BookingStatus.SUBMITTED, 0)


def test_a_province_administrator_awaits_every_step_he_may_sign(world):
    """His edit scope is everything (an empty filter): OR-ing it with his pools must not narrow
    the list to the pools he manages."""
    rules(world, unit_any=["division"])
    booking = world.book()
    assert awaiting(world.province_admin) == [booking]


def test_a_security_administrator_named_manager_neither_signs_nor_reads(world):
    from portal.fleet.services.dispatch import is_manager
    from portal.org.choices import Role
    from tests.factories import UserFactory

    rules(world, unit_any=["pool"])
    guard = UserFactory(unit=world.pool.operator, role=Role.SECURITY_ADMIN)
    world.pool.managers.add(guard)
    booking = world.book()
    assert awaiting(guard) == []
    assert not is_manager(booking, guard)
    assert not Booking.objects.visible_to(guard).exists()
    with pytest.raises(FleetForbiddenError):
        sign(booking, "approved", by=guard)
