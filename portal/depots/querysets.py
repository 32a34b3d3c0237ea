from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Self

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from portal.org.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.assets.models import Listing
    from portal.depots.models import Depot
    from portal.org.models import User

# Supplies expiring within this many days are flagged so they can be rotated out in time.
EXPIRY_WARNING_DAYS: Final = 90


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=True), default=False, output_field=BooleanField())


# Σ quantity × m³ per unit: 14 + 10 digits at most, 2 + 4 of them decimals.
VOLUME = DecimalField(max_digits=24, decimal_places=6)


def _per_depot(items: QuerySet[Any], value: Any, output: Any) -> Subquery:
    """``value`` aggregated over ``items`` of the outer depot, as a correlated subquery: each
    figure its own subquery, so several of them never multiply one another's rows."""
    grouped = items.filter(depot=OuterRef("pk")).order_by().values("depot")
    return Subquery(grouped.annotate(figure=value).values("figure"), output_field=output)


class DepotQuerySet(ScopedQuerySet):
    unit_path = "managing_unit"

    def with_capacity_use(self) -> Self:
        """Annotate ``used_m3`` (Σ quantity × volume per unit of the depot's batches) and
        ``capacity_use`` (``used_m3`` / ``capacity_m3`` as a fraction, None without a capacity).
        """
        from portal.depots.models import StockItem  # the models module imports this one

        volume = ExpressionWrapper(F("quantity") * F("unit_volume_m3"), output_field=VOLUME)
        used = _per_depot(StockItem.objects.all(), Sum(volume), VOLUME)
        zero = Value(Decimal(0), output_field=VOLUME)
        return self.annotate(used_m3=Coalesce(used, zero)).annotate(
            capacity_use=Cast("used_m3", FloatField())
            / NullIf(Cast("capacity_m3", FloatField()), Value(0.0))
        )

    def with_alert_counts(self) -> Self:
        """Annotate ``expired_count``, ``expiring_count`` and ``below_minimum_count``: how many
        of the depot's batches carry each flag of :meth:`StockItemQuerySet.with_alerts`."""
        from portal.depots.models import StockItem  # the models module imports this one

        flagged = StockItem.objects.with_alerts()
        counts = {
            f"{flag}_count": Coalesce(
                _per_depot(flagged.filter(**{flag: True}), Count("pk"), IntegerField()), 0
            )
            for flag in ("expired", "expiring", "below_minimum")
        }
        return self.annotate(**counts)

    def dual_use_listings(self, user: User) -> QuerySet[Listing]:
        """Public-warehouse items counted as emergency reserves ("serve in peacetime, respond
        in disasters"): live physical listings with a reserve class, stocked in these depots,
        that ``user`` may read."""
        from portal.assets.choices import ListingMode
        from portal.assets.models import Listing

        return (
            Listing.objects.visible_to(user)
            .live()
            .filter(
                mode=ListingMode.PHYSICAL,
                reserve_category__isnull=False,
                depot__in=self.order_by().values("pk"),
            )
        )


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

    def alerting(self) -> Self:
        """Batches expired, expiring within the warning or below their minimum level, with
        their flags: the soonest expiry first, then by depot and class."""
        flagged = self.with_alerts().filter(
            Q(expired=True) | Q(expiring=True) | Q(below_minimum=True)
        )
        soonest = F("expires_on").asc(nulls_last=True)
        return flagged.order_by(soonest, "depot__code", "category__code", "pk")

    def usable(self) -> Self:
        """Batches that can still be used: not expired (counted as reserves)."""
        today = timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))

    def by_class(self) -> QuerySet[Any]:
        """One row per supply class and unit of measure: ``category__code``,
        ``category__name``, ``unit_of_measure``, ``quantity`` (the sum) and ``batches``."""
        grouped = self.order_by().values("category__code", "category__name", "unit_of_measure")
        totals = grouped.annotate(quantity=Sum("quantity"), batches=Count("pk"))
        return totals.order_by("category__code", "unit_of_measure")


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
