from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Self

from django.db.models import Q
from django.utils import timezone

from portal.org.scoping import ScopedQuerySet
from portal.parcels.choices import CaseStatus, FindingStatus, LinkStatus

if TYPE_CHECKING:
    from portal.buildings.models import Building


# A case in one of these states has reached its end: registered, filed or exempt.
CLOSED_CASE_STATUSES = (CaseStatus.REGISTERED, CaseStatus.FILED, CaseStatus.EXEMPT)


def overdue_q(on: date | None = None) -> Q:
    """Still open and past the due date on ``on`` (today): the one rule of "overdue", also
    counted inside grouped queries."""
    day = on or timezone.localdate()
    return Q(due_date__lt=day) & ~Q(status__in=CLOSED_CASE_STATUSES)


class ParcelQuerySet(ScopedQuerySet):
    unit_path = "holder"

    def under(self, building: Building) -> Self:
        """The parcels a building stands on: meeting its footprint, or its location lacking one."""
        shape = building.footprint or building.geom
        return self.filter(geom__intersects=shape)


class CertificateQuerySet(ScopedQuerySet):
    unit_path = "holder"
    # A certificate of a classified building is hidden like the building.
    confidentiality_path = "building__confidentiality"


class RightQuerySet(ScopedQuerySet):
    unit_path = "holder"
    confidentiality_path = "building__confidentiality"

    def current(self, on: date | None = None) -> Self:
        """Rights in force on ``on`` (today by default): begun, and not yet ended."""
        day = on or timezone.localdate()
        begun = Q(start_date__isnull=True) | Q(start_date__lte=day)
        return self.filter(begun, Q(end_date__isnull=True) | Q(end_date__gte=day))


class BuildingParcelQuerySet(ScopedQuerySet):
    unit_path = "building__managing_unit"
    confidentiality_path = "building__confidentiality"

    def standing(self) -> Self:
        """Links an officer has not rejected."""
        return self.exclude(status=LinkStatus.REJECTED)


class TitleCaseQuerySet(ScopedQuerySet):
    unit_path = "building__managing_unit"
    confidentiality_path = "building__confidentiality"

    def open(self) -> Self:
        return self.exclude(status__in=CLOSED_CASE_STATUSES)

    def overdue(self, on: date | None = None) -> Self:
        """Open cases past their due date."""
        return self.filter(overdue_q(on))


class CaseChildQuerySet(ScopedQuerySet):
    """Comments, reconciliations and documents: scoped through their case."""

    unit_path = "case__building__managing_unit"
    confidentiality_path = "case__building__confidentiality"


class FindingQuerySet(ScopedQuerySet):
    unit_path = "unit"

    def open(self) -> Self:
        return self.filter(status=FindingStatus.OPEN)
