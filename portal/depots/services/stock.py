"""Writes of a depot's stock: receipts, issues, stocktakes and write-offs, each with its document.

Every write locks the batch's row (``select_for_update``) before reading its quantity, so two
officers issuing from one batch at once are served one after the other and the second sees what
the first left; an out-movement beyond the quantity is refused naming the batch, and the table's
check (quantity ≥ 0) stays the last guard. Each write changes the batch and appends one
:class:`~portal.depots.models.StockMovement` with the signed change and the balance after it,
so the log alone rebuilds the stock. A refusal writes nothing, and no scanned document is kept
for a movement that was not written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.core.files import CheckedFile, UploadRejectedError, check_upload
from portal.core.services import writing
from portal.depots.choices import MovementKind
from portal.depots.exceptions import DepotForbiddenError, DepotInputError, InsufficientStockError
from portal.depots.models import Depot, StockItem, StockMovement, SupplyCategory
from portal.parcels.documents import accepted

if TYPE_CHECKING:
    from portal.org.models import User

# The scans a movement may carry (a subset of what the title documents' check recognises),
# each stored under its content hash with this extension.
DOCUMENT_TYPES: Final = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
BATCH_CONSTRAINT: Final = "depots_stock_batch_unique"
MAX_QUANTITY: Final = Decimal(10) ** 12  # the columns hold 14 digits, 2 of them decimals
MAX_UNIT_VOLUME: Final = Decimal(10) ** 6  # 10 digits, 4 of them decimals


class ShortStockError(InsufficientStockError):
    """The batch holds less than asked for; the quantity asked is the field at fault."""

    field = "quantity"


class StockInputError(DepotInputError):
    """Input a stock movement cannot take; ``field`` names the parameter, so that a form shows
    the message beside it (the message names the field too, for the API and the log)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


# -- checks of the input ----------------------------------------------------------------------


def _label(model: type[Model], name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _refuse(field: str, label: str, problem: str, **values: object) -> StockInputError:
    """The refusal of ``field``, its message starting with the field's ``label``."""
    text = problem % values if values else problem
    return StockInputError(field, _("%(field)s: %(problem)s") % {"field": label, "problem": text})


def _refuse_field(
    model: type[Model], field: str, problem: str, **values: object
) -> StockInputError:
    return _refuse(field, _label(model, field), problem, **values)


def _amount(field: str, label: str, value: Any, *, places: int, limit: Decimal) -> Decimal:
    """``value`` as a Decimal of at most ``places`` decimals, ≥ 0 and below ``limit``."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _refuse(field, label, _("give a number.")) from None
    if not number.is_finite() or number < 0 or number >= limit:
        raise _refuse(field, label, _("give a number from 0 below %(limit)s."), limit=limit)
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        raise _refuse(field, label, _("at most %(places)d decimals."), places=places)
    return number


def _figure(field: str, value: Any, *, places: int = 2, limit: Decimal = MAX_QUANTITY) -> Decimal:
    """A batch figure named by its model field (``quantity``, ``minimum_level``…)."""
    return _amount(field, _label(StockItem, field), value, places=places, limit=limit)


def _quantity(value: Any) -> Decimal:
    """The quantity a movement moves: above zero."""
    number = _figure("quantity", value)
    if number == 0:
        raise _refuse_field(StockItem, "quantity", _("give a number above zero."))
    return number


def _text(model: type[Model], field: str, value: str | None, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _refuse_field(model, field, _("this is required."))
    limit = model._meta.get_field(field).max_length
    if limit is not None and len(text) > limit:
        raise _refuse_field(model, field, _("at most %(limit)d characters."), limit=limit)
    return text


def _date(value: datetime.date | None) -> datetime.date:
    """The movement's date: today when not given, never in the future."""
    today = timezone.localdate()
    if value is None:
        return today
    if not isinstance(value, datetime.date):
        raise _refuse_field(StockMovement, "occurred_on", _("give a date."))
    if value > today:
        raise _refuse_field(
            StockMovement, "occurred_on", _("a movement cannot be dated in the future.")
        )
    return value


def _checked_document(upload: UploadedFile | None) -> CheckedFile | None:
    """The scan's facts when it is a PDF, JPEG or PNG (judged by its first bytes) within the
    size limit of scanned documents; None without a scan."""
    if upload is None:
        return None
    try:
        checked = check_upload(upload, accepted())
    except UploadRejectedError as exc:
        raise _refuse_field(StockMovement, "document", exc.reason) from None
    if checked.content_type not in DOCUMENT_TYPES:
        raise _refuse_field(
            StockMovement,
            "document",
            _("“%(name)s” is a %(type)s file; give a PDF, JPEG or PNG scan."),
            name=checked.original_name,
            type=checked.content_type,
        )
    return checked


@dataclass(frozen=True)
class _Paper:
    """The document behind a movement: its number, the other side, why, when, and the scan."""

    document_no: str
    occurred_on: datetime.date
    counterparty: str = ""
    reason: str = ""
    upload: UploadedFile | None = None
    checked: CheckedFile | None = None


def _paper(
    document_no: str,
    occurred_on: datetime.date | None,
    document: UploadedFile | None,
    *,
    counterparty: str = "",
    reason: str = "",
    counterparty_required: bool = False,
    reason_required: bool = False,
) -> _Paper:
    return _Paper(
        document_no=_text(StockMovement, "document_no", document_no, required=True),
        occurred_on=_date(occurred_on),
        counterparty=_text(
            StockMovement, "counterparty", counterparty, required=counterparty_required
        ),
        reason=_text(StockMovement, "reason", reason, required=reason_required),
        upload=document,
        checked=_checked_document(document),
    )


# -- scope, locks and the log -----------------------------------------------------------------


def _require_editor(record: Depot | StockItem, by: User) -> None:
    """Only those whose edit scope covers the depot's managing unit record its movements."""
    if not type(record).objects.editable_by(by).filter(pk=record.pk).exists():
        raise DepotForbiddenError(
            _("You may not record stock movements of “%(record)s”.") % {"record": record}
        )


def _lock(item: StockItem) -> StockItem:
    locked = StockItem.objects.select_for_update(of=("self",)).select_related("depot")
    return locked.get(pk=item.pk)


@contextmanager
def _writing(by: User) -> Iterator[list[FieldFile]]:
    """``writing(by)`` that removes the scans stored inside it when its transaction fails."""
    stored: list[FieldFile] = []
    try:
        with writing(by):
            yield stored
    except BaseException:
        for field_file in stored:
            field_file.delete(save=False)
        raise


def _log(
    item: StockItem, kind: str, change: Decimal, paper: _Paper, by: User, stored: list[FieldFile]
) -> StockMovement:
    """Append the movement that brought the locked ``item`` to its current quantity."""
    movement = StockMovement(
        stock_item=item,
        depot_id=item.depot_id,
        kind=kind,
        change=change,
        balance=item.quantity,
        document_no=paper.document_no,
        counterparty=paper.counterparty,
        reason=paper.reason,
        occurred_on=paper.occurred_on,
        by=by,
    )
    if paper.upload is not None and paper.checked is not None:
        name = paper.checked.sha256 + DOCUMENT_TYPES[paper.checked.content_type]
        movement.document.save(name, paper.upload, save=False)
        stored.append(movement.document)
    movement.save()
    return movement


def _available(item: StockItem, asked: Decimal) -> None:
    """Refuse taking ``asked`` out of the locked ``item`` when it holds less, naming it."""
    if asked > item.quantity:
        raise ShortStockError(
            _(
                "Quantity: batch “%(name)s” (batch number %(batch)s) in %(depot)s holds "
                "%(available)s %(unit)s; %(asked)s asked for."
            )
            % {
                "name": item.name,
                "batch": item.batch_no or "—",
                "depot": item.depot,
                "available": _plain(item.quantity),
                "unit": item.unit_of_measure,
                "asked": _plain(asked),
            }
        )


def _plain(number: Decimal) -> str:
    """120.00 → "120", 2.50 → "2.5": quantities as people write them."""
    return f"{number.normalize():f}"


# -- receipts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    """What a receipt says about its batch; ``None`` figures keep an existing batch's values."""

    category: SupplyCategory
    batch_no: str
    name: str
    unit_of_measure: str
    expires_on: datetime.date | None
    minimum_level: Decimal | None
    unit_volume_m3: Decimal | None
    dual_use: bool | None

    def new_item(self, depot: Depot, quantity: Decimal) -> StockItem:
        return StockItem(
            depot=depot,
            category=self.category,
            batch_no=self.batch_no,
            name=self.name,
            quantity=quantity,
            unit_of_measure=self.unit_of_measure,
            expires_on=self.expires_on,
            minimum_level=self.minimum_level or 0,
            unit_volume_m3=self.unit_volume_m3 or 0,
            dual_use=bool(self.dual_use),
        )

    def check_same(self, item: StockItem) -> None:
        """A receipt into an existing batch counts in its unit and shares its expiry."""
        if item.unit_of_measure != self.unit_of_measure:
            raise _refuse_field(
                StockItem,
                "unit_of_measure",
                _("batch %(batch)s of this class is counted in “%(unit)s”."),
                batch=item.batch_no or "—",
                unit=item.unit_of_measure,
            )
        if self.expires_on is not None and item.expires_on != self.expires_on:
            raise _refuse_field(
                StockItem,
                "expires_on",
                _("batch %(batch)s expires on %(date)s; another expiry is another batch."),
                batch=item.batch_no or "—",
                date=item.expires_on or "—",
            )

    def update(self, item: StockItem) -> list[str]:
        """Set the figures the receipt gives on ``item``; the names of the fields changed."""
        given = {
            "minimum_level": self.minimum_level,
            "unit_volume_m3": self.unit_volume_m3,
            "dual_use": self.dual_use,
        }
        changed = [name for name, value in given.items() if value is not None]
        for name in changed:
            setattr(item, name, given[name])
        return changed


def _batch(
    category: SupplyCategory | None,
    batch_no: str,
    name: str,
    unit_of_measure: str,
    expires_on: datetime.date | None,
    minimum_level: Any,
    unit_volume_m3: Any,
    dual_use: bool | None,
) -> _Batch:
    if not isinstance(category, SupplyCategory):
        raise _refuse_field(StockItem, "category", _("choose a supply class."))
    if expires_on is not None and not isinstance(expires_on, datetime.date):
        raise _refuse_field(StockItem, "expires_on", _("give a date."))
    return _Batch(
        category=category,
        batch_no=_text(StockItem, "batch_no", batch_no, required=False),
        name=_text(StockItem, "name", name, required=True),
        unit_of_measure=_text(StockItem, "unit_of_measure", unit_of_measure, required=True),
        expires_on=expires_on,
        minimum_level=_optional("minimum_level", minimum_level),
        unit_volume_m3=_optional("unit_volume_m3", unit_volume_m3, places=4, limit=MAX_UNIT_VOLUME),
        dual_use=dual_use,
    )


def _optional(field: str, value: Any, **limits: Any) -> Decimal | None:
    return None if value is None or value == "" else _figure(field, value, **limits)


def receive_stock(
    depot: Depot,
    *,
    category: SupplyCategory,
    name: str,
    batch_no: str,
    quantity: Any,
    unit_of_measure: str,
    document_no: str,
    occurred_on: datetime.date | None,
    by: User,
    expires_on: datetime.date | None = None,
    minimum_level: Any = None,
    unit_volume_m3: Any = None,
    dual_use: bool | None = None,
    counterparty: str = "",
    document: UploadedFile | None = None,
) -> StockMovement:
    """Stock in ``quantity`` of a batch (``category`` + ``batch_no``) to ``depot``.

    A batch the depot already holds grows (it must count in the same unit and, if an expiry is
    given, expire on the same day; the name stays the batch's); otherwise a batch is created.
    ``minimum_level``, ``unit_volume_m3`` and ``dual_use`` set the batch's figures when given
    and keep them when ``None``. ``counterparty`` is the supplier.
    """
    _require_editor(depot, by)
    spec = _batch(
        category,
        batch_no,
        name,
        unit_of_measure,
        expires_on,
        minimum_level,
        unit_volume_m3,
        dual_use,
    )
    amount = _quantity(quantity)
    paper = _paper(document_no, occurred_on, document, counterparty=counterparty)
    with _writing(by) as stored:
        item = _receive(depot, spec, amount)
        return _log(item, MovementKind.RECEIPT, amount, paper, by, stored)


def _receive(depot: Depot, spec: _Batch, amount: Decimal) -> StockItem:
    """The batch with ``amount`` added, locked: an existing one, or a new one of ``amount``."""
    found = _locked_batch(depot, spec)
    if found is None:
        item = spec.new_item(depot, amount)
        try:
            with transaction.atomic():
                item.save()
            return item
        except IntegrityError as exc:
            # Created by another receipt since the look-up: add to that one instead.
            if BATCH_CONSTRAINT not in str(exc):
                raise
            found = _locked_batch(depot, spec)
            assert found is not None  # the constraint has just named it
    spec.check_same(found)
    if found.quantity + amount >= MAX_QUANTITY:
        # Checked under the lock: the column would refuse it with a database error.
        raise _refuse_field(
            StockItem,
            "quantity",
            _("the batch holds %(held)s; adding this would reach %(limit)s or more."),
            held=found.quantity,
            limit=MAX_QUANTITY,
        )
    changed = spec.update(found)
    found.quantity += amount
    found.save(update_fields=["quantity", "updated_at", *changed])
    return found


def _locked_batch(depot: Depot, spec: _Batch) -> StockItem | None:
    locked = StockItem.objects.select_for_update(of=("self",)).select_related("depot")
    return locked.filter(depot=depot, category=spec.category, batch_no=spec.batch_no).first()


# -- issues, stocktakes, write-offs -----------------------------------------------------------


def issue_stock(
    item: StockItem,
    *,
    quantity: Any,
    document_no: str,
    counterparty: str,
    by: User,
    occurred_on: datetime.date | None = None,
    reason: str = "",
    document: UploadedFile | None = None,
) -> StockMovement:
    """Issue ``quantity`` of the batch to ``counterparty`` (the recipient), at most what it
    holds."""
    _require_editor(item, by)
    amount = _quantity(quantity)
    paper = _paper(
        document_no,
        occurred_on,
        document,
        counterparty=counterparty,
        reason=reason,
        counterparty_required=True,
    )
    return _take_out(item, amount, MovementKind.ISSUE, paper, by)


def write_off(
    item: StockItem,
    *,
    quantity: Any,
    reason: str,
    document_no: str,
    by: User,
    occurred_on: datetime.date | None = None,
    document: UploadedFile | None = None,
) -> StockMovement:
    """Write ``quantity`` of the batch off (expired, damaged, lost), saying why."""
    _require_editor(item, by)
    amount = _quantity(quantity)
    paper = _paper(document_no, occurred_on, document, reason=reason, reason_required=True)
    return _take_out(item, amount, MovementKind.WRITE_OFF, paper, by)


def _take_out(
    item: StockItem, amount: Decimal, kind: str, paper: _Paper, by: User
) -> StockMovement:
    with _writing(by) as stored:
        locked = _lock(item)
        _available(locked, amount)
        locked.quantity -= amount
        locked.save(update_fields=["quantity", "updated_at"])
        return _log(locked, kind, -amount, paper, by, stored)


def adjust_stock(
    item: StockItem,
    *,
    counted_quantity: Any,
    document_no: str,
    reason: str,
    by: User,
    occurred_on: datetime.date | None = None,
    document: UploadedFile | None = None,
) -> StockMovement:
    """Record a stocktake: the batch's quantity becomes ``counted_quantity`` and the movement
    holds the difference (positive when more was counted than recorded)."""
    _require_editor(item, by)
    # Zero is a count too: the batch is gone.
    label = _("Counted quantity")
    counted = _amount("counted_quantity", label, counted_quantity, places=2, limit=MAX_QUANTITY)
    paper = _paper(document_no, occurred_on, document, reason=reason, reason_required=True)
    with _writing(by) as stored:
        locked = _lock(item)
        difference = counted - locked.quantity
        if difference == 0:
            raise _refuse(
                "counted_quantity",
                label,
                _("it equals the recorded %(quantity)s %(unit)s; there is nothing to adjust."),
                quantity=_plain(locked.quantity),
                unit=locked.unit_of_measure,
            )
        locked.quantity = counted
        locked.save(update_fields=["quantity", "updated_at"])
        return _log(locked, MovementKind.STOCKTAKE, difference, paper, by, stored)
