"""The demo's two vehicle pools, their tariffs, the trip approval rules and who signs what.

The provincial pool serves the provincial organs and Chengdu; the Sichuan–Chongqing pool serves
the Chongqing side and the Sichuan cities bordering it, so its trips cross the border and run
inside the cooperation regions. Both are managed by demo accounts (``pool-manager``, and
``chongqing-admin`` for the cross-border one), so a visitor can dispatch at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import numpy as np
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from portal.demo.data import fleet as data
from portal.demo.exceptions import DemoDataError
from portal.demo.generators.world import DemoUnit, World
from portal.fleet.choices import ApprovalStep, VehicleType
from portal.fleet.models import Tariff, TripApprovalRule, VehiclePool
from portal.org.choices import Role
from portal.org.models import User
from portal.org.scoping import edit_scope

# Narrowest scope first: a booking is requested by the first account that may edit its unit's
# records and its "unit" step signed by the next one (nobody signs his own booking).
SIGNERS = (
    "unit-officer",
    "county-admin",
    "chengdu-admin",
    "chongqing-admin",
    "province-admin",
    "pool-manager",
)
OLD_TARIFF = (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
CURRENT_TARIFF = dt.date(2026, 1, 1)


@dataclass
class DemoPool:
    """A pool with its member units (those holding vehicles or booking) and managers."""

    model: VehiclePool
    members: list[DemoUnit]
    managers: list[User]
    tariffs: list[Tariff] = field(default_factory=list)

    @cached_property
    def weights(self) -> np.ndarray:
        """How often each member books: bigger units more often."""
        weights = np.array([1 + u.headcount / 40 for u in self.members])
        return weights / weights.sum()


@dataclass
class People:
    """The demo accounts that request, sign, dispatch and complete, and the rules' chains."""

    accounts: list[User]
    rules: dict[tuple[int | None, str], list[str]]
    _covering_cache: dict[int, list[User]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._scopes = [(user, edit_scope(user)) for user in self.accounts]

    def requester(self, unit: DemoUnit) -> User:
        return self._covering(unit)[0]

    def signer(self, step: str, unit: DemoUnit, pool: DemoPool, requester: User) -> User:
        """Who signs ``step`` of a booking of ``unit`` (as approvals.sign accepts it)."""
        if step == ApprovalStep.POOL:
            candidates = pool.managers
        elif step == ApprovalStep.DIVISION:
            candidates = [
                u
                for u in self._covering(unit)
                if u.role in (Role.DIVISION_ADMIN, Role.PROVINCE_ADMIN)
            ]
        else:
            candidates = self._covering(unit)
        return next(u for u in candidates if u.pk != requester.pk)

    def chain(self, unit: DemoUnit, trip_type: str, crosses_border: bool) -> list[str]:
        """The most specific active rule's steps, the pool step added for a cross-border trip."""
        pk = unit.model.pk if unit.model else None
        steps = [str(ApprovalStep.UNIT)]  # the migration's default, should it be deactivated
        for key in ((pk, trip_type), (pk, ""), (None, trip_type), (None, "")):
            if key in self.rules:
                steps = list(self.rules[key])
                break
        if crosses_border and ApprovalStep.POOL not in steps:
            steps.append(str(ApprovalStep.POOL))
        return steps

    def _covering(self, unit: DemoUnit) -> list[User]:
        """The accounts that may edit the unit's records, narrowest scope first."""
        key = id(unit)
        if key not in self._covering_cache:
            self._covering_cache[key] = [u for u, s in self._scopes if s.allows(unit.model)]
        return self._covering_cache[key]


def _accounts() -> list[User]:
    found = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=SIGNERS)
        .select_related("unit__division")
    }
    missing = [name for name in SIGNERS if name not in found]
    if missing:
        raise DemoDataError(
            _("The demo accounts %(names)s are missing.") % {"names": ", ".join(missing)}
        )
    return [found[name] for name in SIGNERS]


def _member(unit: DemoUnit, prefixes: tuple[str, ...]) -> bool:
    return unit.model is not None and any(unit.place.code.startswith(p) for p in prefixes)


def _pool(world: World, name: str, operator: str, prefixes: tuple[str, ...]) -> DemoPool:
    unit = world.unit_named(operator)
    if unit is None or unit.model is None:
        raise DemoDataError(_("The demo unit %(name)s is missing.") % {"name": operator})
    users = {u.username: u for u in get_user_model().objects.filter(username__in=SIGNERS)}
    members = [u for u in world.units if _member(u, prefixes)]
    model = VehiclePool.objects.create(
        name=name, operator=unit.model, description=_("Demonstration pool."), synthetic=True
    )
    model.members.set([u.model for u in members])
    managers = [users[username] for username in data.POOL_MANAGERS[name]]
    model.managers.set(managers)
    return DemoPool(model, members, managers)


def _rates(type_: str, factor: str) -> tuple[Decimal, Decimal]:
    per_km, per_hour = data.RATES[type_]
    cent = Decimal("0.01")
    return (
        (Decimal(per_km) * Decimal(factor)).quantize(cent),
        (Decimal(per_hour) * Decimal(factor)).quantize(cent),
    )


def _tariffs(pool: DemoPool, by_region: bool) -> None:
    """Last tariff (ended) and the current one per vehicle type; cross-border ones for the
    Sichuan–Chongqing pool."""
    rows = []
    for type_ in VehicleType.values:
        old_km, old_hour = _rates(type_, data.OLD_RATE_FACTOR)
        new_km, new_hour = _rates(type_, "1")
        common = {"pool": pool.model, "vehicle_type": type_, "synthetic": True}
        rows.append(
            Tariff(
                **common,
                per_km=old_km,
                per_hour=old_hour,
                valid_from=OLD_TARIFF[0],
                valid_to=OLD_TARIFF[1],
            )
        )
        rows.append(Tariff(**common, per_km=new_km, per_hour=new_hour, valid_from=CURRENT_TARIFF))
        for region_class, factor in data.REGION_RATE_FACTORS.items() if by_region else ():
            per_km, per_hour = _rates(type_, factor)
            rows.append(
                Tariff(
                    **common,
                    region_class=region_class,
                    per_km=per_km,
                    per_hour=per_hour,
                    valid_from=CURRENT_TARIFF,
                )
            )
    pool.tariffs = Tariff.objects.bulk_create(rows)


def _rules(world: World) -> dict[tuple[int | None, str], list[str]]:
    """Add the demo's rules where no active rule covers the key yet; return every active one."""
    wanted: list[tuple[int | None, str, tuple[str, ...]]] = [
        (None, kind, steps) for kind, steps in data.RULES
    ]
    offices = world.unit_named(data.CHONGQING_OFFICES)
    if offices is not None and offices.model is not None:
        wanted.append((offices.model.pk, "", data.UNIT_RULE_STEPS))
    active = TripApprovalRule.objects.filter(active=True)
    present = set(active.values_list("unit_id", "trip_type"))
    TripApprovalRule.objects.bulk_create(
        TripApprovalRule(unit_id=unit, trip_type=kind, steps=list(steps))
        for unit, kind, steps in wanted
        if (unit, kind) not in present
    )
    return {(r.unit_id, r.trip_type): list(r.steps) for r in active}


def write_pools(world: World) -> tuple[list[DemoPool], People]:
    """The two pools with members, managers and tariffs; the rules; the signing accounts."""
    provincial = _pool(world, data.PROVINCIAL_POOL, data.SICHUAN_OFFICES, data.PROVINCIAL_MEMBERS)
    cross = _pool(world, data.CROSS_POOL, data.CHONGQING_OFFICES, data.CROSS_MEMBERS)
    _tariffs(provincial, by_region=False)
    _tariffs(cross, by_region=True)
    return [provincial, cross], People(_accounts(), _rules(world))
