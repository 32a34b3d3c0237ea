"""Writes of the warehouse's shareable office space: offer a vacant floor or room, withdraw it,
and take off the shelf what has been occupied since it was offered.

Only vacant space is offered: a room without an occupant unit, or a floor with rooms, all of
them vacant. A floor is offered whole or room by room, never both at once. Each write locks the
floor's rooms before it checks them, so a room cannot be offered while someone assigns it; the
database's constraints (one live listing per floor, per room) stay the last guard. Nothing is
written when a check fails.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final

import pghistory
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from portal.assets.choices import SpaceListingStatus
from portal.assets.exceptions import (
    SpaceAlreadyListedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import SpaceListing
from portal.buildings.models import Building, Floor, Room
from portal.core.services import writing

if TYPE_CHECKING:
    from portal.org.models import User

# Rooms named in an error message, at most: a floor of 80 offices would drown the message.
NAMED_ROOMS: Final = 5


def _numbers(rooms: list[Room]) -> str:
    names = [room.number for room in rooms[:NAMED_ROOMS]]
    return ", ".join(names) + ("…" if len(rooms) > NAMED_ROOMS else "")


def _require_editor(building: Building, by: User) -> None:
    """Officers and administrators whose edit scope (and clearance) covers the building."""
    if not Building.objects.editable_by(by).filter(pk=building.pk).exists():
        raise WarehouseForbiddenError(
            _("You may not offer space in “%(building)s”.") % {"building": building}
        )


def _check_share_prefix(share_prefix: str) -> None:
    if not (share_prefix.isascii() and share_prefix.isdigit() and 2 <= len(share_prefix) <= 6):
        raise WarehouseInputError(
            _("Shared within: give a division code prefix of 2 to 6 digits, such as 51.")
        )


def _target(building: Building, floor: Floor | None, room: Room | None) -> Floor:
    """The floor the offer is on, after checking that floor and room belong to the building."""
    if room is not None:
        if floor is not None and room.floor_id != floor.pk:
            raise WarehouseInputError(
                _("Room: room %(room)s is not on floor %(floor)s.")
                % {"room": room.number, "floor": floor.number}
            )
        floor = room.floor
    if floor is None:
        raise WarehouseInputError(_("Space: choose a vacant floor or room to offer."))
    if floor.building_id != building.pk:
        raise WarehouseInputError(
            _("Floor: floor %(floor)s is not in “%(building)s”.")
            % {"floor": floor.number, "building": building}
        )
    return floor


def _locked_rooms(floor: Floor) -> list[Room]:
    """The floor's rooms, locked until the end of the transaction, with their occupants."""
    rooms = Room.objects.select_for_update(of=("self",)).filter(floor=floor)
    return list(rooms.select_related("unit").order_by("number"))


def _check_room(room: Room, floor: Floor) -> None:
    if room.unit is not None:
        raise WarehouseStateError(
            _("Room %(room)s is occupied by “%(unit)s”: only vacant space can be offered.")
            % {"room": room.number, "unit": room.unit}
        )
    live = SpaceListing.objects.filter(status=SpaceListingStatus.PUBLISHED, floor=floor)
    if live.filter(room__isnull=True).exists():
        raise WarehouseStateError(
            _("Floor %(floor)s is already offered whole, room %(room)s with it.")
            % {"floor": floor.number, "room": room.number}
        )


def _check_floor(floor: Floor, rooms: list[Room]) -> None:
    if not rooms:
        raise WarehouseStateError(
            _("Floor %(floor)s has no rooms recorded: record them before offering it.")
            % {"floor": floor.number}
        )
    occupied = [room for room in rooms if room.unit_id is not None]
    if occupied:
        raise WarehouseStateError(
            _("Floor %(floor)s is not vacant: rooms %(rooms)s are occupied.")
            % {"floor": floor.number, "rooms": _numbers(occupied)}
        )
    live = SpaceListing.objects.filter(
        status=SpaceListingStatus.PUBLISHED, room__in=rooms
    ).select_related("room")
    offered = [listing.room for listing in live.order_by("room__number") if listing.room]
    if offered:
        raise WarehouseStateError(
            _(
                "Rooms %(rooms)s of floor %(floor)s are already offered one by one: "
                "withdraw them before offering the whole floor."
            )
            % {"rooms": _numbers(offered), "floor": floor.number}
        )


def _save_new(listing: SpaceListing, what: str) -> None:
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError:  # offered by someone else meanwhile: the constraint caught it
        raise SpaceAlreadyListedError(
            _("%(space)s is already offered in the warehouse.") % {"space": what}
        ) from None


def publish_space(
    building: Building,
    *,
    floor: Floor | None = None,
    room: Room | None = None,
    note: str = "",
    share_prefix: str | None = None,
    by: User,
) -> SpaceListing:
    """Offer a vacant ``room`` (its floor is recorded with it) or a whole vacant ``floor``.

    Its usable area is the room's, or the sum of the floor's rooms. ``share_prefix`` is the
    division code prefix of the units that see the offer (default: the building's province).
    """
    _require_editor(building, by)
    if share_prefix is not None:
        _check_share_prefix(share_prefix)
    on_floor = _target(building, floor, room)
    with writing(by):
        room, area, what = _checked_offer(on_floor, room)
        listing = SpaceListing(
            building=building,
            floor=on_floor,
            room=room,
            usable_area_m2=area,
            note=note.strip(),
            share_prefix=share_prefix or building.division.code[:2],
            published_by=by,
        )
        _save_new(listing, what)
    return listing


def _checked_offer(floor: Floor, room: Room | None) -> tuple[Room | None, Decimal, str]:
    """Under the lock of the floor's rooms: the room as stored now (or None for the whole
    floor), the usable area offered, and how a message names it."""
    rooms = _locked_rooms(floor)
    if room is not None:
        room = next(r for r in rooms if r.pk == room.pk)
        _check_room(room, floor)
        return room, room.usable_area_m2, _("Room %(room)s") % {"room": room.number}
    _check_floor(floor, rooms)
    area = sum((r.usable_area_m2 for r in rooms), Decimal("0.00"))
    return None, area, _("Floor %(floor)s") % {"floor": floor.number}


def withdraw_space(space_listing: SpaceListing, *, by: User) -> SpaceListing:
    """Take offered space off the shelf; only while it is published."""
    if not SpaceListing.objects.editable_by(by).filter(pk=space_listing.pk).exists():
        raise WarehouseForbiddenError(
            _("You may not withdraw the space offered in “%(building)s”.")
            % {"building": space_listing.building}
        )
    with writing(by):
        locked = SpaceListing.objects.select_for_update().get(pk=space_listing.pk)
        if locked.status != SpaceListingStatus.PUBLISHED:
            raise WarehouseStateError(
                _("This space is no longer offered: it is %(status)s.")
                % {"status": locked.get_status_display()}
            )
        locked.status = SpaceListingStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
    return locked


def unlist_occupied_space() -> int:
    """Mark ALLOCATED every published offer whose room, or a room of whose floor, now has an
    occupant; returns how many. Idempotent, for a periodic job."""
    occupied_room = Room.objects.filter(floor=OuterRef("floor"), unit__isnull=False)
    taken = SpaceListing.objects.filter(status=SpaceListingStatus.PUBLISHED).filter(
        Q(room__unit__isnull=False)
        | (Q(room__isnull=True, floor__isnull=False) & Exists(occupied_room))
    )
    with transaction.atomic(), pghistory.context(job="unlist_occupied_space"):
        return taken.update(status=SpaceListingStatus.ALLOCATED)
