"""Reads of the costs app. Records, budgets and bases are scoped by their unit like every
registry record, and a record on a classified building is hidden like the building. A return
belongs to a division: a city or county administrator reads the returns of his division and
below, a unit officer his unit's division's, a province reader all. A round in draft is seen
only by those who may open it (the province administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

from portal.costs.choices import CampaignStatus
from portal.org.scoping import Reach, Scope, ScopedQuerySet, edit_scope, read_scope

if TYPE_CHECKING:
    from portal.org.models import User


class CostBasisQuerySet(ScopedQuerySet):
    unit_path = "unit"


class CostBudgetQuerySet(ScopedQuerySet):
    unit_path = "unit"


class CostRecordQuerySet(ScopedQuerySet):
    unit_path = "unit"
    confidentiality_path = "building__confidentiality"

    def for_year(self, year: int) -> Self:
        return self.filter(year=year)


def _division_q(scope: Scope, user: User, path: str) -> Q:
    """Rows whose division (at ``path``) the scope covers: a division reach by code prefix, a
    unit reach by the unit's own division."""
    if scope.reach is Reach.ALL:
        return Q()
    if scope.reach is Reach.DIVISION:
        return Q(**{f"{path}__code__startswith": scope.prefix})
    if scope.reach is Reach.UNIT and user.unit is not None:
        return Q(**{f"{path}_id": user.unit.division_id})
    return Q(pk__isnull=True)


class CostCampaignQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: User) -> Self:
        if read_scope(user).reach is Reach.NONE:
            return self.none()
        if edit_scope(user).reach is Reach.ALL:
            return self
        return self.exclude(status=CampaignStatus.DRAFT)


class CostReturnQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: User) -> Self:
        rows = self.filter(_division_q(read_scope(user), user, "division"))
        if edit_scope(user).reach is Reach.ALL:
            return rows
        return rows.exclude(campaign__status=CampaignStatus.DRAFT)

    def editable_by(self, user: User) -> Self:
        """Returns the user may fill (their own level) or act on (the levels below)."""
        rows = self.filter(_division_q(edit_scope(user), user, "division"))
        return rows.exclude(campaign__status=CampaignStatus.DRAFT)
