"""Shareable office space in the warehouse: offering vacant rooms and floors, withdrawing them,
the refusals (occupied, overlapping, twice, out of scope) with nothing written, and taking off
the shelf what has been occupied since.

The building is B1 of :mod:`tests.portal.buildings.space_data`: floor 1 has room 101 occupied
and 102 vacant (20.50 m²), floor 2 rooms 201 and 202 vacant (30.00 + 25.25 m²), floor 3 no rooms.
"""

from decimal import Decimal

import pytest

from portal.assets.choices import SpaceListingStatus
from portal.assets.exceptions import (
    SpaceAlreadyListedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import SpaceListing
from portal.assets.services.space import publish_space, unlist_occupied_space, withdraw_space
from portal.buildings.models import Floor, Room
from portal.core.choices import Confidentiality
from portal.core.history import load_events
from portal.org.choices import Role
from portal.org.models import User
from tests.factories import UnitFactory, UserFactory
from tests.portal.buildings.space_data import Offices, offices

pytestmark = pytest.mark.django_db


@pytest.fixture
def space() -> Offices:
    return offices()


@pytest.fixture
def officer(space) -> User:
    return space.users["officer"]


def refused(error: type[Exception], message: str, call, *args, **kwargs) -> None:
    """``call`` raises ``error`` with ``message`` and leaves the listings as they were."""
    before = list(SpaceListing.objects.order_by("pk").values_list("pk", "status"))
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    assert caught.value.user_message == message
    assert list(SpaceListing.objects.order_by("pk").values_list("pk", "status")) == before


# -- publishing --------------------------------------------------------------------------------


def test_a_vacant_room_is_offered_with_its_area_and_floor(space, officer):
    listing = publish_space(space.b1, room=space.rooms["102"], note="  朝南  ", by=officer)
    listing.refresh_from_db()
    assert (listing.building, listing.floor, listing.room) == (
        space.b1, space.floors[1], space.rooms["102"]
    )  # fmt: skip
    assert (listing.usable_area_m2, listing.note, listing.share_prefix) == (
        Decimal("20.50"), "朝南", "51"
    )  # fmt: skip
    assert (listing.status, listing.published_by) == (SpaceListingStatus.PUBLISHED, officer)
    (event,) = load_events(listing)
    assert (event.pgh_label, event.pgh_context["user"]) == ("insert", officer.pk)


def test_a_vacant_floor_is_offered_with_the_area_of_its_rooms(space, officer):
    listing = publish_space(space.b1, floor=space.floors[2], share_prefix="5101", by=officer)
    assert (listing.floor, listing.room, listing.usable_area_m2) == (
        space.floors[2], None, Decimal("55.25")
    )  # fmt: skip
    assert listing.share_prefix == "5101"


def test_a_room_named_with_its_floor_is_offered(space, officer):
    room = space.rooms["201"]
    listing = publish_space(space.b1, floor=space.floors[2], room=room, by=officer)
    assert (listing.floor, listing.room, listing.usable_area_m2) == (
        space.floors[2], room, Decimal("30.00")
    )  # fmt: skip


def test_offered_space_is_seen_across_the_province_by_default(space, officer):
    listing = publish_space(space.b1, room=space.rooms["102"], by=officer)
    mianyang = UserFactory(unit=UnitFactory(division_code="510703"), role=Role.VIEWER)
    assert list(SpaceListing.objects.visible_to(mianyang)) == [listing]
    near = publish_space(space.b1, room=space.rooms["201"], share_prefix="510104", by=officer)
    assert near not in SpaceListing.objects.visible_to(mianyang)


def test_administrators_over_the_building_may_offer_its_space(space):
    county_admin = UserFactory(unit=space.bureau, role=Role.DIVISION_ADMIN)
    publish_space(space.b1, room=space.rooms["102"], by=county_admin)
    publish_space(space.b1, floor=space.floors[2], by=space.users["province_admin"])
    assert SpaceListing.objects.count() == 2


# -- refusals ----------------------------------------------------------------------------------


def test_occupied_space_is_refused(space, officer, english):
    refused(
        WarehouseStateError,
        "Room 101 is occupied by “锦江区测试局”: only vacant space can be offered.",
        publish_space, space.b1, room=space.rooms["101"], by=officer,
    )  # fmt: skip
    refused(
        WarehouseStateError,
        "Floor 1 is not vacant: rooms 101 are occupied.",
        publish_space, space.b1, floor=space.floors[1], by=officer,
    )  # fmt: skip


def test_a_floor_without_rooms_is_refused(space, officer, english):
    refused(
        WarehouseStateError,
        "Floor 3 has no rooms recorded: record them before offering it.",
        publish_space, space.b1, floor=space.floors[3], by=officer,
    )  # fmt: skip


def test_space_that_is_not_in_the_building_is_refused(space, officer, english):
    refused(
        WarehouseInputError,
        "Space: choose a vacant floor or room to offer.",
        publish_space, space.b1, by=officer,
    )  # fmt: skip
    refused(
        WarehouseInputError,
        "Room: room 102 is not on floor 2.",
        publish_space, space.b1, floor=space.floors[2], room=space.rooms["102"], by=officer,
    )  # fmt: skip
    elsewhere = Floor.objects.create(building=space.b2, number=5)
    Room.objects.create(floor=elsewhere, number="501", usable_area_m2=Decimal("18.00"))
    refused(
        WarehouseInputError,
        "Floor: floor 5 is not in “一号楼”.",
        publish_space, space.b1, floor=elsewhere, by=officer,
    )  # fmt: skip


@pytest.mark.parametrize("prefix", ["5", "51a", "5101041", "５１"])
def test_a_malformed_share_prefix_is_refused(space, officer, english, prefix):
    refused(
        WarehouseInputError,
        "Shared within: give a division code prefix of 2 to 6 digits, such as 51.",
        publish_space, space.b1, room=space.rooms["102"], share_prefix=prefix, by=officer,
    )  # fmt: skip


def test_the_same_space_is_offered_once(space, officer, english):
    publish_space(space.b1, room=space.rooms["201"], by=officer)
    refused(
        SpaceAlreadyListedError,
        "Room 201 is already offered in the warehouse.",
        publish_space, space.b1, room=space.rooms["201"], by=officer,
    )  # fmt: skip


def test_a_floor_is_offered_whole_or_room_by_room_not_both(space, officer, english):
    whole = publish_space(space.b1, floor=space.floors[2], by=officer)
    refused(
        SpaceAlreadyListedError,
        "Floor 2 is already offered in the warehouse.",
        publish_space, space.b1, floor=space.floors[2], by=officer,
    )  # fmt: skip
    refused(
        WarehouseStateError,
        "Floor 2 is already offered whole, room 202 with it.",
        publish_space, space.b1, room=space.rooms["202"], by=officer,
    )  # fmt: skip
    withdraw_space(whole, by=officer)
    publish_space(space.b1, room=space.rooms["202"], by=officer)
    refused(
        WarehouseStateError,
        "Rooms 202 of floor 2 are already offered one by one: "
        "withdraw them before offering the whole floor.",
        publish_space, space.b1, floor=space.floors[2], by=officer,
    )  # fmt: skip


@pytest.mark.parametrize("who", ["viewer", "auditor", "other_officer", "other_admin"])
def test_only_editors_of_the_building_may_offer_its_space(space, english, who):
    user = {
        "viewer": lambda: UserFactory(unit=space.bureau, role=Role.VIEWER),
        "auditor": lambda: UserFactory(unit=space.bureau, role=Role.AUDITOR),
        "other_officer": lambda: space.users["wuhou_officer"],
        "other_admin": lambda: UserFactory(unit=space.wuhou, role=Role.DIVISION_ADMIN),
    }[who]()
    refused(
        WarehouseForbiddenError,
        "You may not offer space in “一号楼”.",
        publish_space, space.b1, room=space.rooms["102"], by=user,
    )  # fmt: skip


def test_a_classified_building_needs_the_clearance(space, officer, english):
    space.b1.confidentiality = Confidentiality.SECRET
    space.b1.save()
    refused(
        WarehouseForbiddenError,
        "You may not offer space in “一号楼”.",
        publish_space, space.b1, room=space.rooms["102"], by=officer,
    )  # fmt: skip
    cleared = UserFactory(unit=space.bureau, role=Role.UNIT_OFFICER, clearance="secret")
    assert publish_space(space.b1, room=space.rooms["102"], by=cleared).pk


# -- withdrawing -------------------------------------------------------------------------------


def test_withdrawn_space_may_be_offered_again(space, officer):
    listing = publish_space(space.b1, room=space.rooms["102"], by=officer)
    withdrawn = withdraw_space(listing, by=officer)
    assert withdrawn.status == SpaceListingStatus.WITHDRAWN
    assert SpaceListing.objects.get(pk=listing.pk).status == SpaceListingStatus.WITHDRAWN
    again = publish_space(space.b1, room=space.rooms["102"], by=officer)
    assert again.pk != listing.pk
    assert load_events(listing)[-1].pgh_context["user"] == officer.pk


def test_withdrawing_twice_or_out_of_scope_is_refused(space, officer, english):
    listing = publish_space(space.b1, room=space.rooms["102"], by=officer)
    refused(
        WarehouseForbiddenError,
        "You may not withdraw the space offered in “一号楼”.",
        withdraw_space, listing, by=space.users["wuhou_officer"],
    )  # fmt: skip
    withdraw_space(listing, by=officer)
    refused(
        WarehouseStateError,
        "This space is no longer offered: it is withdrawn.",
        withdraw_space, listing, by=officer,
    )  # fmt: skip


# -- occupied since offered --------------------------------------------------------------------


def test_space_occupied_since_it_was_offered_is_taken_off_the_shelf(space, officer):
    room = publish_space(space.b1, room=space.rooms["102"], by=officer)
    floor = publish_space(space.b1, floor=space.floors[2], by=officer)
    left = Floor.objects.create(building=space.b1, number=4)
    Room.objects.create(floor=left, number="401", usable_area_m2=Decimal("12.00"))
    untouched = publish_space(space.b1, floor=left, by=officer)
    assert unlist_occupied_space() == 0

    Room.objects.filter(pk__in=[space.rooms["102"].pk, space.rooms["202"].pk]).update(
        unit=space.wuhou
    )
    assert unlist_occupied_space() == 2
    statuses = dict(SpaceListing.objects.values_list("pk", "status"))
    assert statuses == {
        room.pk: SpaceListingStatus.ALLOCATED,
        floor.pk: SpaceListingStatus.ALLOCATED,
        untouched.pk: SpaceListingStatus.PUBLISHED,
    }
    assert unlist_occupied_space() == 0


def test_withdrawn_space_stays_withdrawn_when_occupied(space, officer):
    listing = withdraw_space(
        publish_space(space.b1, room=space.rooms["102"], by=officer), by=officer
    )
    Room.objects.filter(pk=space.rooms["102"].pk).update(unit=space.wuhou)
    assert unlist_occupied_space() == 0
    assert SpaceListing.objects.get(pk=listing.pk).status == SpaceListingStatus.WITHDRAWN
