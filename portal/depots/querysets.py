from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final, Self

from django.db.models import BooleanField, Case, F, Q, When
from django.utils import timezone

from portal.org.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.depots.models import Depot

# Supplies expiring within this many days are flagged so they can be rotated out in time.
EXPIRY_WARNING_DAYS: Final = 90


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=True), default=False, output_field=BooleanField())


class DepotQuerySet(ScopedQuerySet):
    unit_path = "managing_unit"


class StockItemQuerySet(ScopedQuerySet):
    unit_path = "depot__managing_unit"

    def with_alerts(self) -> Self:
        """Flag each batch ``expired``, ``expiring`` (within the warning) and ``below_minimum``."""
        today = timezone.localdate()
        soon = today + timedelta(days=EXPIRY_WARNING_DAYS)
        return self.annotate(
            expired=_flag(Q(expires_on__lt=today)),
            expiring=_flag(Q(expires_on__gte=today, expires_on__lte=soon)),
            below_minimum=_flag(Q(quantity__lt=F("minimum_level"))),
        )

    def in_depot(self, depot: Depot) -> Self:
        """A depot's stock with its alerts, soonest expiry first."""
        soonest = F("expires_on").asc(nulls_last=True)
        return self.filter(depot=depot).with_alerts().order_by(soonest, "category__code", "name")


class StockMovementQuerySet(ScopedQuerySet):
    unit_path = "depot__managing_unit"


class AnalysisQuerySet(ScopedQuerySet):
    """Coverage analyses and siting scenarios belong to the unit that ran them."""

    unit_path = "unit"


class CoverageChildQuerySet(ScopedQuerySet):
    unit_path = "analysis__unit"


class ScenarioSiteQuerySet(ScopedQuerySet):
    unit_path = "scenario__unit"


class IncidentQuerySet(ScopedQuerySet):
    unit_path = "unit"


class IncidentChildQuerySet(ScopedQuerySet):
    unit_path = "incident__unit"


class DispatchQuerySet(ScopedQuerySet):
    unit_path = "incident__unit"
