"""The warehouse's reports in figures, counted by the ORM over what the user may read.

Every figure starts from the user's scope, so a county administrator counts the county and a
province administrator the province; assets classified above the reader's clearance are not
counted. Whose scope a record falls in:

* reallocation: the *receiving* unit (the unit that did not have to buy), for handed-over
  reservations, from the warehouse or in a bulk transfer;
* needs and purchase requests: the requesting unit;
* idle rates: the holder, over the assets on its ledger (transferred and disposed ones have
  left it); idle means idle, over standard, low efficiency or repairable;
* time to match: the listing's holder (the listing is the holder's record); a listing is
  matched when it is first reserved, whatever became of that reservation;
* disposal proceeds: the batch's responsible unit, completed batches only;
* office space: the units and buildings the user may read (:mod:`portal.buildings.space`).

The page, the XLSX and the dashboard panel read one :class:`WarehouseReport` (the panel a
:class:`WarehousePanel`, a few of the same figures), so their numbers cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Extract, Left
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.assets.choices import (
    AssetStatus,
    BatchStatus,
    DisposalMethod,
    ListingStatus,
    NeedStatus,
    ReservationStatus,
)
from portal.assets.models import (
    Asset,
    AssetCategory,
    DisposalBatch,
    DisposalItem,
    Listing,
    Need,
    PurchaseRequest,
    Reservation,
)
from portal.assets.services.disposal import proceeds_total
from portal.buildings.models import Building
from portal.buildings.space import Standard, building_space, standard_in_force, unit_space
from portal.org.models import Unit
from portal.org.scoping import cleared_q, read_scope

if TYPE_CHECKING:
    from portal.org.models import User

# Idle: marked so, stocked in the warehouse (a unit that stocks its idle goods is no less idle),
# or reserved (on its way to another unit, still idle on this ledger until handed over).
IDLE_STATUSES: Final = (
    AssetStatus.IDLE,
    AssetStatus.OVER_STANDARD,
    AssetStatus.LOW_EFFICIENCY,
    AssetStatus.REPAIRABLE,
    AssetStatus.IN_WAREHOUSE,
    AssetStatus.RESERVED,
)
OFF_LEDGER: Final = (AssetStatus.TRANSFERRED, AssetStatus.DISPOSED)
ZERO: Final = Decimal("0.00")
SECONDS_PER_DAY: Final = 86_400.0


class PercentileCont(Aggregate):  # type: ignore[misc]
    """``percentile_cont(f) WITHIN GROUP (ORDER BY x)``: the continuous percentile ``f``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        # A constant of the code, formatted into the SQL: float() keeps it a number.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


@dataclass(frozen=True)
class IdleRate:
    """Idle assets of a group (a division, a class, everything) among those on the ledger."""

    key: str
    label: str
    idle_count: int
    count: int
    idle_value: Decimal
    value: Decimal

    @property
    def count_rate(self) -> float | None:
        return self.idle_count / self.count if self.count else None

    @property
    def value_rate(self) -> float | None:
        return float(self.idle_value / self.value) if self.value else None

    @property
    def count_percent(self) -> float | None:
        return None if self.count_rate is None else round(self.count_rate * 100, 1)

    @property
    def value_percent(self) -> float | None:
        return None if self.value_rate is None else round(self.value_rate * 100, 1)


@dataclass(frozen=True)
class Reallocation:
    """What was reallocated instead of bought, and needs met by each route."""

    value: Decimal  # Σ value of the handed-over reservations (net value when reserved)
    transfers: int  # handed-over reservations
    needs_fulfilled: int  # needs fulfilled from the warehouse
    purchase_requests: int  # needs that went to purchase after the warehouse was checked
    purchase_value: Decimal  # their estimated value


@dataclass(frozen=True)
class MatchTime:
    """Days from a listing's publication to its first reservation."""

    matched: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class Proceeds:
    """Completed disposal batches of one method and what their items fetched."""

    method: str
    label: str
    batches: int
    items: int
    proceeds: Decimal


@dataclass(frozen=True)
class SpaceSummary:
    """Units and buildings over the office-space standard in force."""

    edition: str | None
    units_over: int
    units_excess_m2: Decimal
    buildings_over: int
    buildings_excess_m2: Decimal


@dataclass(frozen=True)
class WarehouseReport:
    today: date
    reallocation: Reallocation
    idle: IdleRate
    idle_by_division: list[IdleRate]
    idle_by_category: list[IdleRate]
    match_time: MatchTime
    proceeds: list[Proceeds]
    proceeds_total: Decimal
    open_listings: int
    space: SpaceSummary


@dataclass(frozen=True)
class WarehousePanel:
    """The dashboard's warehouse panel: three figures of the report."""

    reallocated_value: Decimal
    open_listings: int
    idle: IdleRate


# -- scopes -----------------------------------------------------------------------------------


def own_listings(user: User) -> QuerySet[Listing]:
    """Listings of holders in the user's scope (not those merely shared with the user)."""
    return Listing.objects.filter(
        read_scope(user).q("holder"), cleared_q(Listing, user, "asset__confidentiality")
    )


def received(user: User) -> QuerySet[Reservation]:
    """Handed-over reservations whose receiving unit is in the user's scope."""
    return Reservation.objects.filter(
        read_scope(user).q("receiving_unit"),
        cleared_q(Reservation, user, "asset__confidentiality"),
        status=ReservationStatus.HANDED_OVER,
    )


def ledger_assets(user: User) -> QuerySet[Asset]:
    """Assets on the ledger of holders in the user's scope."""
    return Asset.objects.visible_to(user).exclude(status__in=OFF_LEDGER)


# -- the figures ------------------------------------------------------------------------------


def reallocation(user: User) -> Reallocation:
    moved = received(user).aggregate(value=Sum("value"), n=Count("pk"))
    purchases = PurchaseRequest.objects.visible_to(user).aggregate(
        value=Sum("estimated_value"), n=Count("pk")
    )
    fulfilled = Need.objects.visible_to(user).filter(status=NeedStatus.FULFILLED).count()
    return Reallocation(
        value=moved["value"] or ZERO,
        transfers=moved["n"],
        needs_fulfilled=fulfilled,
        purchase_requests=purchases["n"],
        purchase_value=purchases["value"] or ZERO,
    )


def _idle_measures() -> dict[str, Any]:
    idle = Q(status__in=IDLE_STATUSES)
    return {
        "count": Count("pk"),
        "value": Sum("net_value"),
        "idle_count": Count("pk", filter=idle),
        "idle_value": Sum("net_value", filter=idle),
    }


def _rate(key: str, label: str, row: dict[str, Any]) -> IdleRate:
    return IdleRate(
        key=key,
        label=label,
        idle_count=row["idle_count"],
        count=row["count"],
        idle_value=row["idle_value"] or ZERO,
        value=row["value"] or ZERO,
    )


def idle_total(assets: QuerySet[Asset]) -> IdleRate:
    return _rate("", _("All assets"), assets.aggregate(**_idle_measures()))


def idle_by_division(assets: QuerySet[Asset]) -> list[IdleRate]:
    """By the holder's division, in code order."""
    fields = ("holder__division__code", "holder__division__name")
    rows = assets.order_by().values(*fields).annotate(**_idle_measures()).order_by(fields[0])
    return [_rate(row[fields[0]], row[fields[1]], row) for row in rows]


def idle_by_category(assets: QuerySet[Asset]) -> list[IdleRate]:
    """By top-level class of GB/T 14885 (the first digit of the code), as the dashboard groups
    assets, named by the class coded that digit and six zeros (2000000 通用设备)."""
    grouped = assets.order_by().annotate(top=Left("category__code", 1)).values("top")
    rows = list(grouped.annotate(**_idle_measures()).order_by("top"))
    codes = [f"{row['top']}000000" for row in rows]
    names = dict(AssetCategory.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        _rate(code, names.get(code) or _("class %s") % code, row)
        for row, code in zip(rows, codes, strict=True)
    ]


def match_time(user: User) -> MatchTime:
    """Median and 90th percentile of the days from publication to the first reservation."""
    matched = (
        own_listings(user)
        .annotate(first_reserved=Min("reservations__created_at"))
        .filter(first_reserved__isnull=False)
        .annotate(days=Extract(F("first_reserved") - F("published_at"), "epoch") / SECONDS_PER_DAY)
    )
    figures = matched.aggregate(
        n=Count("pk"), median=PercentileCont("days", 0.5), p90=PercentileCont("days", 0.9)
    )
    return MatchTime(figures["n"], _days(figures["median"]), _days(figures["p90"]))


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def disposal_proceeds(user: User) -> list[Proceeds]:
    """Every method, with zeros: completed batches, their items and proceeds."""
    completed = DisposalBatch.objects.visible_to(user).filter(status=BatchStatus.COMPLETED)
    rows = (
        DisposalItem.objects.filter(batch__in=completed)
        .values("batch__method")
        .annotate(batches=Count("batch", distinct=True), items=Count("pk"), total=Sum("proceeds"))
        .order_by()
    )
    found = {row["batch__method"]: row for row in rows}
    return [
        Proceeds(
            method=method,
            label=str(label),
            batches=found.get(method, {}).get("batches", 0),
            items=found.get(method, {}).get("items", 0),
            proceeds=found.get(method, {}).get("total") or ZERO,
        )
        for method, label in DisposalMethod.choices
    ]


def space_summary(user: User, standard: Standard | None = None) -> SpaceSummary:
    used = standard or standard_in_force()
    over = Q(over_standard=True)
    units = unit_space(Unit.objects.visible_to(user), standard=used).filter(over)
    buildings = building_space(Building.objects.visible_to(user), standard=used).filter(over)
    unit_figures = units.aggregate(n=Count("pk"), excess=Sum("excess_m2"))
    building_figures = buildings.aggregate(n=Count("pk"), excess=Sum("excess_m2"))
    return SpaceSummary(
        edition=used.edition,
        units_over=unit_figures["n"],
        units_excess_m2=unit_figures["excess"] or ZERO,
        buildings_over=building_figures["n"],
        buildings_excess_m2=building_figures["excess"] or ZERO,
    )


def open_listings(user: User) -> int:
    return own_listings(user).filter(status=ListingStatus.PUBLISHED).count()


def warehouse_report(user: User) -> WarehouseReport:
    assets = ledger_assets(user)
    proceeds = disposal_proceeds(user)
    return WarehouseReport(
        today=timezone.localdate(),
        reallocation=reallocation(user),
        idle=idle_total(assets),
        idle_by_division=idle_by_division(assets),
        idle_by_category=idle_by_category(assets),
        match_time=match_time(user),
        proceeds=proceeds,
        proceeds_total=proceeds_total(DisposalBatch.objects.visible_to(user)),
        open_listings=open_listings(user),
        space=space_summary(user),
    )


def warehouse_panel(user: User) -> WarehousePanel:
    """The dashboard's panel: value reallocated, listings open, the idle rate."""
    moved = received(user).aggregate(value=Sum("value"))["value"]
    return WarehousePanel(
        reallocated_value=moved or ZERO,
        open_listings=open_listings(user),
        idle=idle_total(ledger_assets(user)),
    )
