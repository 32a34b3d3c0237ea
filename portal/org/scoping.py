"""Who may read and who may change which registry records: the one place that decides.

Every channel (admin, pages, API, tiles, exports) reaches records through
``Model.objects.visible_to(user)`` and ``editable_by(user)``, which build their filter here from the
user's role and unit, and hide records classified above the user's clearance. A registry queryset
only names the path from its model to the owning unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, ClassVar, Self

from django.db import models
from django.db.models import Q

from portal.core.choices import Confidentiality
from portal.org.choices import Role

if TYPE_CHECKING:
    from portal.org.models import AdminDivision, Unit, User


class Reach(Enum):
    ALL = "all"
    DIVISION = "division"
    UNIT = "unit"
    NONE = "none"


# Roles that read everything but change nothing: oversight and the technical administrators.
_READ_EVERYTHING = {Role.AUDITOR, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN}


@dataclass(frozen=True)
class Scope:
    """A reach plus what anchors it (a division code prefix or a unit id)."""

    reach: Reach
    prefix: str = ""
    unit_id: int | None = None

    def q(self, unit_path: str) -> Q:
        """The filter for records whose owning unit sits at ``unit_path`` ("" for units)."""
        if self.reach is Reach.ALL:
            return Q()
        if self.reach is Reach.DIVISION:
            return Q(**{_join(unit_path, "division__code__startswith"): self.prefix})
        if self.reach is Reach.UNIT:
            return Q(**{unit_path or "pk": self.unit_id})
        # Matches nothing, yet compiles to SQL: ``pk__in=[]`` raises EmptyResultSet wherever a
        # queryset is compiled by hand (GeoJSON lists, tiles), which answered 500.
        return Q(pk__isnull=True)

    def allows(self, unit: Unit | None) -> bool:
        """Whether a record owned by ``unit`` falls inside this scope (for new records)."""
        if self.reach is Reach.ALL:
            return True
        if unit is None or self.reach is Reach.NONE:
            return False
        if self.reach is Reach.DIVISION:
            return unit.division.code.startswith(self.prefix)
        return unit.pk == self.unit_id


def _join(path: str, lookup: str) -> str:
    return f"{path}__{lookup}" if path else lookup


def _own(user: User, reach: Reach) -> Scope:
    unit = user.unit
    if unit is None:
        return Scope(Reach.NONE)
    if reach is Reach.DIVISION:
        return Scope(Reach.DIVISION, prefix=unit.division.prefix)
    return Scope(Reach.UNIT, unit_id=unit.pk)


def read_scope(user: User) -> Scope:
    """What ``user`` may read."""
    if not user.is_authenticated or not user.is_active:
        return Scope(Reach.NONE)
    if user.is_superuser or user.role == Role.PROVINCE_ADMIN or user.role in _READ_EVERYTHING:
        return Scope(Reach.ALL)
    if user.role == Role.DIVISION_ADMIN:
        return _own(user, Reach.DIVISION)
    if user.role in {Role.UNIT_OFFICER, Role.VIEWER}:
        return _own(user, Reach.UNIT)
    return Scope(Reach.NONE)


def edit_scope(user: User) -> Scope:
    """What ``user`` may create, change or delete."""
    if not user.is_authenticated or not user.is_active:
        return Scope(Reach.NONE)
    if user.is_superuser or user.role == Role.PROVINCE_ADMIN:
        return Scope(Reach.ALL)
    if user.role == Role.DIVISION_ADMIN:
        return _own(user, Reach.DIVISION)
    if user.role == Role.UNIT_OFFICER:
        return _own(user, Reach.UNIT)
    return Scope(Reach.NONE)


def unit_path_of(model: type[models.Model]) -> str:
    """The path from ``model`` to its owning unit, as its scoped queryset declares it."""
    return model._default_manager._queryset_class.unit_path  # type: ignore[attr-defined,no-any-return]


def owning_unit(obj: models.Model) -> Unit | None:
    """The unit a record belongs to ("holder", "depot__managing_unit", itself for a unit)."""
    target: object = obj
    for part in filter(None, unit_path_of(type(obj)).split("__")):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target  # type: ignore[return-value]


def cleared_levels(user: User) -> list[str]:
    """Confidentiality levels ``user`` may see: up to their clearance (all for a superuser)."""
    levels = list(Confidentiality.values)
    if user.is_superuser:
        return levels
    clearance = getattr(user, "clearance", Confidentiality.PUBLIC)
    return levels[: Confidentiality.rank(clearance) + 1]


def cleared_for_all(user: User) -> bool:
    """Whether ``user`` may see every confidentiality level (nothing is hidden by clearance)."""
    return len(cleared_levels(user)) == len(Confidentiality.values)


def cleared_q(model: type[models.Model], user: User, path: str | None = None) -> Q:
    """Hide records classified above the user's clearance, for models that carry a level.

    ``path`` names where the level is read when a record takes it from another one (a title
    case from its building, ``"building__confidentiality"``); a record the path leads nowhere
    from (a certificate of a parcel, with no building) is not classified by it.
    """
    if path:
        return Q(**{f"{path}__in": cleared_levels(user)}) | Q(**{f"{path}__isnull": True})
    if not any(f.name == "confidentiality" for f in model._meta.get_fields()):
        return Q()
    return Q(confidentiality__in=cleared_levels(user))


class ScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """Base of every registry queryset; subclasses set ``unit_path``."""

    unit_path: ClassVar[str]
    confidentiality_path: ClassVar[str | None] = None

    def visible_to(self, user: User) -> Self:
        cleared = cleared_q(self.model, user, self.confidentiality_path)
        return self.filter(read_scope(user).q(self.unit_path), cleared)

    def editable_by(self, user: User) -> Self:
        cleared = cleared_q(self.model, user, self.confidentiality_path)
        return self.filter(edit_scope(user).q(self.unit_path), cleared)

    def for_unit(self, unit: Unit) -> Self:
        """Records owned by ``unit`` (chain after ``visible_to``; this reads, it does not scope)."""
        return self.filter(**{self.unit_path or "pk": unit.pk})

    def in_division(self, division: AdminDivision) -> Self:
        """Records whose owning unit lies in ``division`` or below (the same rule as scoping)."""
        lookup = _join(self.unit_path, "division__code__startswith")
        return self.filter(**{lookup: division.prefix})
