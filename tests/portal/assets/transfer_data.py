"""A small world for the reservation, approval, handover and bulk transfer tests.

锦江区 (510104) holds the assets on offer; two units of 武侯区 (510107) receive them; 涪城区
(510703, Mianyang) holds a unit outside Chengdu; Chengdu (510100) has the offices
administration. Listings are written directly with every field the publish service copies,
so these tests do not depend on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from portal.assets.choices import AssetStatus, ListingMode, ListingStatus, ReservationStatus
from portal.assets.models import ApprovalRule, Asset, Listing, Reservation
from portal.assets.services import approvals
from portal.buildings.models import Building
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    DepotFactory,
    UnitFactory,
    UserFactory,
)

# The rules migration 0006 seeds; a transactional test's flush empties the table, so the
# concurrency tests put them back.
DEFAULT_RULES = (
    ("transfer", Decimal("0"), ["holder_unit", "receiving_unit"]),
    ("transfer", Decimal("50000"), ["holder_unit", "receiving_unit", "administration"]),
    ("disposal", Decimal("0"), ["administration"]),
)


def ensure_default_rules() -> None:
    for subject, min_value, steps in DEFAULT_RULES:
        ApprovalRule.objects.get_or_create(
            subject=subject,
            category=None,
            min_value=min_value,
            active=True,
            defaults={"steps": steps},
        )


@dataclass
class World:
    holder: Unit  # 锦江区: holds the assets
    receiver: Unit  # 武侯区: receives them
    other_receiver: Unit  # 武侯区: competes for them
    far: Unit  # 涪城区 (Mianyang)
    offices: Unit  # Chengdu's offices administration
    building: Building  # the receiver's own building
    other_building: Building  # the other receiver's
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def world() -> World:
    holder = UnitFactory(division_code="510104", name="锦江区财政局")
    receiver = UnitFactory(division_code="510107", name="武侯区教育局")
    other_receiver = UnitFactory(division_code="510107", name="武侯区卫健局")
    far = UnitFactory(division_code="510703", name="涪城区民政局")
    offices = UnitFactory(
        division_code="510100", offices_administration=True, name="成都市机关事务管理局"
    )
    users = {
        "holder_officer": UserFactory(role=Role.UNIT_OFFICER, unit=holder),
        "receiver_officer": UserFactory(role=Role.UNIT_OFFICER, unit=receiver),
        "receiver_officer_2": UserFactory(role=Role.UNIT_OFFICER, unit=receiver),
        "other_officer": UserFactory(role=Role.UNIT_OFFICER, unit=other_receiver),
        "far_officer": UserFactory(role=Role.UNIT_OFFICER, unit=far),
        "viewer": UserFactory(role=Role.VIEWER, unit=receiver),
        "auditor": UserFactory(role=Role.AUDITOR, unit=UnitFactory(division_code="510000")),
        "wuhou_admin": UserFactory(
            role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510107")
        ),
        "city_admin": UserFactory(
            role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510100")
        ),
        "offices_admin": UserFactory(role=Role.DIVISION_ADMIN, unit=offices),
        "offices_officer": UserFactory(role=Role.UNIT_OFFICER, unit=offices),
        "province_admin": UserFactory(
            role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510000")
        ),
    }
    return World(
        holder=holder,
        receiver=receiver,
        other_receiver=other_receiver,
        far=far,
        offices=offices,
        building=BuildingFactory(managing_unit=receiver),
        other_building=BuildingFactory(managing_unit=other_receiver),
        users=users,
    )


def asset(holder: Unit, **fields: object) -> Asset:
    """An asset of ``holder`` in its own building (its location is the building's)."""
    building = BuildingFactory(managing_unit=holder)
    fields.setdefault("building", building)
    fields.setdefault("geom", building.geom)
    return AssetFactory(holder=holder, **fields)


def listing(
    holder: Unit,
    *,
    mode: str = ListingMode.VIRTUAL,
    share_prefix: str = "51",
    reason: str = "idle",
    item: Asset | None = None,
    **asset_fields: object,
) -> Listing:
    """A published listing of a new (or the given) asset of ``holder``, as publishing leaves it."""
    physical = mode == ListingMode.PHYSICAL
    item = item or asset(holder, **asset_fields)
    item.status = AssetStatus.IN_WAREHOUSE if physical else reason
    item.save(update_fields=["status"])
    depot = DepotFactory(kind="warehouse", managing_unit=holder) if physical else None
    return Listing.objects.create(
        asset=item,
        holder=holder,
        reason=reason,
        explanation="闲置",
        mode=mode,
        depot=depot,
        receipt_no="RK-001" if physical else "",
        geom=depot.geom if depot else item.geom,
        division=depot.division if depot else item.building.division,
        category=item.category,
        condition=item.condition,
        original_value=item.original_value,
        net_value=item.net_value,
        acquired_on=item.acquired_on,
        stocked_in_at=timezone.now() if physical else None,
        share_prefix=share_prefix,
        status=ListingStatus.PUBLISHED,
        published_at=timezone.now(),
        screening_ends_on=timezone.localdate() + dt.timedelta(days=21),
    )


def approve_all(reservation: Reservation, w: World) -> Reservation:
    """Sign every step of the reservation's chain with the right person."""
    signers = {
        "holder_unit": w["holder_officer"],
        "receiving_unit": w["receiver_officer"],
        "administration": w["offices_admin"],
    }
    while (awaited := approvals.next_step(reservation)) is not None:
        approvals.sign(reservation, "approved", by=signers[awaited[1]])
        reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.APPROVED
    return reservation
