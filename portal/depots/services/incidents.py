"""Incident response's writes: report an incident and its needs, confirm a dispatch of stock to
it, close it. What to send (depots ranked by travel time, a suggested allocation) is read by
:mod:`portal.depots.response`; :func:`rank_depots` and :func:`suggest_allocation` are re-exported
here so that incident response has one entry point.

Dispatch. :func:`confirm_dispatch` runs in one transaction: it locks the incident, then the
batches in primary-key order (two dispatches never wait on each other in a circle), checks what
is left under the lock, and only then takes stock out, writing the dispatch, its lines and one
movement per line. Of two dispatches racing for one batch the second waits for the first and is
refused with what is left then. The database's ``quantity >= 0`` check is the last line of
defence behind the lock: the decrement is written relative to the stored value, so a writer that
slipped past the lock would drive it below zero and be stopped; that refusal becomes the same
user error. A refusal anywhere writes nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gis.crs import SICHUAN_CHONGQING_BBOX, STORAGE_SRID, ensure_supported_crs
from gis.errors import GisError
from gis.io import to_storage_coords
from gis.surfaces import Surface
from portal.core.services import writing
from portal.depots.choices import IncidentStatus, MovementKind
from portal.depots.exceptions import (
    DepotForbiddenError,
    DepotInputError,
    DepotStateError,
    InsufficientStockError,
)
from portal.depots.models import (
    Depot,
    Dispatch,
    DispatchLine,
    Incident,
    IncidentNeed,
    StockItem,
    StockMovement,
    SupplyCategory,
)
from portal.depots.response import (
    Travel,
    rank_depots,
    require_visible,
    subtree_prefix,
    suggest_allocation,
    travel_to,
)
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision
from portal.org.scoping import edit_scope

if TYPE_CHECKING:
    from portal.org.models import User

__all__ = [
    "close_incident",
    "confirm_dispatch",
    "rank_depots",
    "report_incident",
    "suggest_allocation",
]

CENT: Final = Decimal("0.01")
NONNEGATIVE_STOCK: Final = "depots_stock_quantity_nonnegative"
_OBFUSCATED: Final = {"GCJ02": "GCJ-02", "BD09": "BD-09"}


# -- reporting -----------------------------------------------------------------------------------


def report_incident(
    *,
    name: str,
    point: Sequence[float] | Point,
    source_crs: str,
    description: str = "",
    needs: Sequence[tuple[SupplyCategory | str, Decimal | str | int]],
    by: User,
) -> Incident:
    """Record an incident of ``by``'s unit at ``point`` given in ``source_crs`` with its needs.

    ``point`` is (x, y) in ``source_crs``: longitude/latitude, easting/northing of a
    Gauss-Krüger zone (zone-prefixed eastings are recognised), or GCJ-02/BD-09 coordinates
    copied from web maps. It is stored in EPSG:4490 with the declared system; its county is
    the current county-level division containing it. ``needs`` are (class or code, quantity).
    """
    unit = by.unit
    if unit is None or not edit_scope(by).allows(unit):
        raise DepotForbiddenError(_("Only a unit's officers and administrators report incidents."))
    name = (name or "").strip()
    if not name:
        raise DepotInputError(_("Name: give the incident a name."))
    geom, declared = _storage_point(point, source_crs)
    rows = _checked_needs(needs)
    incident = Incident(
        name=name,
        unit=unit,
        geom=geom,
        source_crs=declared,
        division=_county_at(geom),
        description=(description or "").strip(),
        created_by=by,
    )
    _validate(incident)
    with writing(by):
        incident.save()
        IncidentNeed.objects.bulk_create(
            IncidentNeed(incident=incident, category=category, quantity=quantity)
            for category, quantity in rows
        )
    return incident


def _storage_point(point: Sequence[float] | Point, source_crs: str) -> tuple[Point, str]:
    """The point in EPSG:4490 and the declared system as recorded (``EPSG:4544``, ``GCJ-02``)."""
    declared = (source_crs or "").strip() or f"EPSG:{STORAGE_SRID}"
    try:
        x, y = (float(v) for v in (point.coords if isinstance(point, Point) else point))
    except (TypeError, ValueError):
        raise DepotInputError(_("Location: give two numbers, x and y.")) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise DepotInputError(_("Location: give two numbers, x and y."))
    try:
        lon, lat, _notes = to_storage_coords([x], [y], source=declared)
        label = _crs_label(declared)
    except GisError as exc:
        raise DepotInputError(
            _("Location: the coordinates cannot be read in %(crs)s (%(reason)s).")
            % {"crs": declared, "reason": exc.user_message}
        ) from None
    stored = Point(float(lon[0]), float(lat[0]), srid=STORAGE_SRID)
    if not SICHUAN_CHONGQING_BBOX.contains(stored.x, stored.y):
        raise DepotInputError(
            _(
                "Location: %(x)s, %(y)s in %(crs)s lies at %(lon).5f°E %(lat).5f°N, outside "
                "Sichuan and Chongqing; check the coordinate system."
            )
            % {"x": x, "y": y, "crs": label, "lon": stored.x, "lat": stored.y}
        )
    return stored, label


def _crs_label(declared: str) -> str:
    folded = "".join(ch for ch in declared.upper() if ch.isalnum())
    if folded in _OBFUSCATED:
        return _OBFUSCATED[folded]
    crs = ensure_supported_crs(declared)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else crs.name[:40]


def _checked_needs(
    needs: Sequence[tuple[SupplyCategory | str, Decimal | str | int]],
) -> list[tuple[SupplyCategory, Decimal]]:
    """Each row's class and quantity, or the first wrong row named."""
    if not needs:
        raise DepotInputError(_("Needs: state at least one supply class and quantity."))
    codes = [c.code if isinstance(c, SupplyCategory) else str(c).strip() for c, _q in needs]
    known = {c.code: c for c in SupplyCategory.objects.filter(code__in=codes)}
    rows: list[tuple[SupplyCategory, Decimal]] = []
    first_row: dict[str, int] = {}
    for number, (code, (_c, raw)) in enumerate(zip(codes, needs, strict=True), start=1):
        params = {"row": number, "code": code}
        if code not in known:
            raise DepotInputError(
                _("Needs, row %(row)d: there is no supply class %(code)s.") % params
            )
        if code in first_row:
            params["first"] = first_row[code]
            raise DepotInputError(
                _("Needs, row %(row)d: class %(code)s is already needed in row %(first)d.") % params
            )
        first_row[code] = number
        rows.append((known[code], _positive(raw, _("Needs, row %(row)d") % params)))
    return rows


def _positive(raw: object, where: str) -> Decimal:
    """A quantity above zero in hundredths, or a refusal saying ``where``."""
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise DepotInputError(
            _("%(where)s: the quantity must be a number above zero with at most two decimals.")
            % {"where": where}
        )
    return value


def _county_at(point: Point) -> AdminDivision | None:
    counties = AdminDivision.objects.current().filter(level=DivisionLevel.COUNTY)
    return counties.filter(geom__covers=point).order_by("code").first()


def _validate(incident: Incident) -> None:
    try:
        incident.full_clean()
    except ValidationError as exc:
        detail = "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())
        raise DepotInputError(detail) from None


def close_incident(incident: Incident, *, by: User) -> Incident:
    """Close an open incident: nothing more is dispatched to it. Its unit's editors close it."""
    with writing(by):
        locked = _lock_incident(Incident.objects.editable_by(by), incident)
        if locked is None:
            raise DepotForbiddenError(_("You may not close this incident."))
        if locked.status != IncidentStatus.OPEN:
            raise DepotStateError(_("“%(incident)s” is already closed.") % {"incident": locked})
        locked.status = IncidentStatus.CLOSED
        locked.save(update_fields=["status"])
    return locked


def _lock_incident(queryset: QuerySet[Incident], incident: Incident) -> Incident | None:
    locked = queryset.select_for_update(of=("self",), no_key=True).filter(pk=incident.pk)
    return locked.first()


# -- dispatch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    row: int
    item_id: int
    need: IncidentNeed
    quantity: Decimal


def confirm_dispatch(
    incident: Incident,
    lines: Sequence[tuple[StockItem | int, IncidentNeed | int, Decimal | str | int]],
    *,
    by: User,
    note: str = "",
    cost: Surface | None = None,
) -> Dispatch:
    """Send ``lines`` (batch, need, quantity) to the incident: all of them or, refused, none.

    Each batch is taken down by its lines and gets one dispatch movement per line (signed
    change, balance after, the dispatch's document number). Refused: an incident ``by`` may
    not see or that is closed, a batch outside ``by``'s edit scope, a batch that does not meet
    its need's class or has expired, and a batch holding less than its lines ask for now.
    """
    require_visible(incident, by)
    wanted = _checked_lines(incident, lines)
    travel = travel_to(incident, _depots_of(wanted), cost)  # before the locks: it takes a while
    with writing(by):
        locked = _lock_incident(Incident.objects.visible_to(by), incident)
        if locked is None:
            raise DepotForbiddenError(_("You may not dispatch supplies to this incident."))
        if locked.status != IncidentStatus.OPEN:
            raise DepotStateError(
                _("“%(incident)s” is closed: nothing more is dispatched to it.")
                % {"incident": locked}
            )
        items = _lock_batches(wanted, by)
        _check_batches(wanted, items)
        dispatch = Dispatch.objects.create(incident=locked, note=(note or "").strip(), by=by)
        for line in wanted:
            _send(dispatch, line, items[line.item_id], travel, by)
    return dispatch


def _pk(value: object) -> int:
    pk = getattr(value, "pk", value)
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise TypeError(pk)
    return pk


def _checked_lines(
    incident: Incident,
    lines: Sequence[tuple[StockItem | int, IncidentNeed | int, Decimal | str | int]],
) -> list[_Line]:
    if not lines:
        raise DepotInputError(_("Dispatch: give at least one batch and quantity."))
    needs = {need.pk: need for need in incident.needs.select_related("category")}
    checked = []
    for row, (item, need, quantity) in enumerate(lines, start=1):
        where = _("Line %(row)d") % {"row": row}
        try:
            item_id, need_id = _pk(item), _pk(need)
        except TypeError:
            raise DepotInputError(
                _("%(where)s: name a batch and a need.") % {"where": where}
            ) from None
        if need_id not in needs:
            raise DepotInputError(
                _("%(where)s: the need is not one of this incident's.") % {"where": where}
            )
        checked.append(_Line(row, item_id, needs[need_id], _positive(quantity, where)))
    return checked


def _depots_of(wanted: list[_Line]) -> list[Depot]:
    ids = {line.item_id for line in wanted}
    return list(Depot.objects.filter(stock__pk__in=ids).distinct())


def _lock_batches(wanted: list[_Line], by: User) -> dict[int, StockItem]:
    """Lock the batches ``by`` may change, in primary-key order; refuse any other."""
    ids = sorted({line.item_id for line in wanted})
    queryset = StockItem.objects.editable_by(by).select_for_update(of=("self",), no_key=True)
    items = {
        i.pk: i
        for i in queryset.filter(pk__in=ids).select_related("depot", "category").order_by("pk")
    }
    for line in wanted:
        if line.item_id not in items:
            raise DepotForbiddenError(_refusal(line, by))
    return items


def _refusal(line: _Line, by: User) -> str:
    seen = StockItem.objects.visible_to(by).select_related("depot").filter(pk=line.item_id).first()
    if seen is None:
        return _("Line %(row)d: no such batch in your scope.") % {"row": line.row}
    return _("Line %(row)d: you may not dispatch from %(depot)s.") % {
        "row": line.row,
        "depot": seen.depot,
    }


def _check_batches(wanted: list[_Line], items: dict[int, StockItem]) -> None:
    """Under the locks: each batch meets its need, is in date and holds what its lines ask."""
    today = timezone.localdate()
    asked: dict[int, Decimal] = defaultdict(Decimal)
    for line in wanted:
        item = items[line.item_id]
        params = {"row": line.row, **_names(item)}
        if not item.category.code.startswith(subtree_prefix(line.need.category.code)):
            params["need"] = str(line.need.category)
            raise DepotInputError(
                _(
                    "Line %(row)d: batch %(batch)s (%(category)s) does not meet the need for "
                    "%(need)s."
                )
                % params
            )
        if item.expires_on is not None and item.expires_on < today:
            params["date"] = item.expires_on.isoformat()
            raise DepotStateError(_("Line %(row)d: batch %(batch)s expired on %(date)s.") % params)
        asked[item.pk] += line.quantity
    for pk, quantity in asked.items():
        if quantity > items[pk].quantity:
            raise InsufficientStockError(_short(items[pk], quantity))


def _names(item: StockItem) -> dict[str, object]:
    return {
        "batch": f"“{item.name}” {item.batch_no}".strip(),
        "category": str(item.category),
        "depot": str(item.depot),
        "uom": item.unit_of_measure,
    }


def _short(item: StockItem, asked: Decimal) -> str:
    params = {**_names(item), "available": item.quantity, "asked": asked}
    return (
        _(
            "Batch %(batch)s at %(depot)s has %(available)s %(uom)s left; this dispatch asks "
            "for %(asked)s."
        )
        % params
    )


def _send(dispatch: Dispatch, line: _Line, item: StockItem, travel: Travel, by: User) -> None:
    """Take the line's quantity out of its (locked) batch and record line and movement."""
    with _guarded(item):
        StockItem.objects.filter(pk=item.pk).update(
            quantity=F("quantity") - line.quantity, updated_at=timezone.now()
        )
    item.quantity -= line.quantity
    DispatchLine.objects.create(
        dispatch=dispatch,
        need=line.need,
        stock_item=item,
        quantity=line.quantity,
        travel_minutes=travel.get(item.depot_id, (None, 0.0))[0],
    )
    StockMovement.objects.create(
        stock_item=item,
        depot_id=item.depot_id,
        kind=MovementKind.DISPATCH,
        change=-line.quantity,
        balance=item.quantity,
        document_no=dispatch.document_no,
        counterparty=str(dispatch.incident)[:200],
        reason=dispatch.note[:300],
        dispatch=dispatch,
        occurred_on=timezone.localdate(),
        by=by,
    )


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


@contextmanager
def _guarded(item: StockItem) -> Iterator[None]:
    """A decrement the stock check refused (a writer raced past the lock) becomes the user error;
    any other integrity error is a bug and stays one."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if _constraint_name(exc) != NONNEGATIVE_STOCK:
            raise
        raise InsufficientStockError(
            _(
                "Batch %(batch)s at %(depot)s changed while this dispatch was written and holds "
                "too little now: reload the page to see what is left."
            )
            % _names(item)
        ) from None
