"""What a transfer's writes share, whether one reservation from the warehouse
(:mod:`~portal.assets.services.transfers`) or a bulk transfer batch
(:mod:`~portal.assets.services.batches`): the translation of a refused transfer constraint into
the user's error, the checks on who acts and where the assets go, and the handover itself (the
asset moved to the receiving unit's ledger, the custody log). Bulk listing and disposal also
name the asset a refusal is about with :func:`naming`.

It is its own module so that neither of those two imports the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.assets.choices import AssetStatus, CustodyEvent
from portal.assets.exceptions import (
    AlreadyReservedError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import Asset, CustodyEntry
from portal.buildings.models import Occupancy
from portal.core.exceptions import PortalError
from portal.org.scoping import edit_scope

if TYPE_CHECKING:
    from portal.assets.models import Reservation
    from portal.buildings.models import Building
    from portal.org.models import Unit, User


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def translate_integrity_error(
    exc: IntegrityError, asset: Asset | None = None
) -> PortalError | None:
    """The user error for a row a transfer constraint refused (another writer came first);
    None for any other integrity error, which is a bug to surface, not a user's mistake."""
    names = {"asset": asset or _("This asset")}
    errors: dict[str, PortalError] = {
        "assets_reservation_one_active_per_asset": AlreadyReservedError(
            _("“%(asset)s” is already reserved.") % names
        ),
        "assets_reservation_one_handover_per_listing": WarehouseStateError(
            _("“%(asset)s” was already handed over.") % names
        ),
        "assets_reservation_two_units": WarehouseInputError(
            _("“%(asset)s” cannot be transferred to its own holder.") % names
        ),
        "assets_asset_holder_ledger_unique": WarehouseInputError(
            _("The receiving unit already has an asset with the ledger code of “%(asset)s”.")
            % names
        ),
    }
    return errors.get(_constraint_name(exc))


@contextmanager
def guarded(asset: Asset | None = None) -> Iterator[None]:
    """Run a write in a savepoint; a transfer constraint's refusal becomes the user error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        error = translate_integrity_error(exc, asset)
        if error is None:
            raise
        raise error from None


# -- checks shared by reservations and batches ------------------------------------------------


def may_edit(by: User, *units: Unit) -> bool:
    """``by``'s edit scope covers one of ``units``."""
    scope = edit_scope(by)
    return any(scope.allows(unit) for unit in units)


def check_delivery(unit: Unit, building: Building | None) -> None:
    """The delivery building is one the receiving unit manages or occupies."""
    if building is None:
        raise WarehouseInputError(_("Choose the delivery building."))
    if building.managing_unit_id == unit.pk:
        return
    if not Occupancy.objects.filter(unit=unit, building=building).exists():
        raise WarehouseInputError(
            _("Delivery building: “%(building)s” is neither managed nor occupied by %(unit)s.")
            % {"building": building, "unit": unit}
        )


def check_codes_free(assets: Sequence[Asset], to_unit: Unit, new_code: str = "") -> None:
    """The assets' ledger codes (or the new one) are not yet used on the receiver's ledger."""
    codes = [new_code.strip() or asset.ledger_code for asset in assets]
    taken = Asset.objects.filter(holder=to_unit, ledger_code__in=codes)
    clash = min(taken.values_list("ledger_code", flat=True), default=None)
    if clash is not None:
        raise WarehouseInputError(
            _("Ledger code %(code)s is already used by %(unit)s: give the asset a new one.")
            % {"code": clash, "unit": to_unit}
        )


# -- the handover ------------------------------------------------------------------------------


def move_asset(asset: Asset, to_unit: Unit, building: Building, ledger_code: str = "") -> None:
    """Put the asset on the receiving unit's ledger, in the delivery building, in use."""
    asset.holder = to_unit
    asset.ledger_code = ledger_code.strip() or asset.ledger_code
    asset.building = building
    asset.geom = building.geom
    asset.status = AssetStatus.IN_USE
    asset.updated_at = timezone.now()


def log_handover(reservations: Sequence[Reservation], by: User, document_no: str = "") -> None:
    """One handover entry in the custody log per reservation."""
    CustodyEntry.objects.bulk_create(
        CustodyEntry(
            asset_id=reservation.asset_id,
            event=CustodyEvent.HANDOVER,
            from_unit_id=reservation.from_unit_id,
            to_unit_id=reservation.receiving_unit_id,
            reservation=reservation,
            document_no=document_no.strip(),
            by=by,
        )
        for reservation in reservations
    )


@contextmanager
def naming(asset: Asset | None) -> Iterator[None]:
    """Prefix a refusal with the asset's ledger code, so a bulk action says which one failed
    (``None``: a single action, whose page already names the asset)."""
    try:
        yield
    except PortalError as exc:
        if asset is None:
            raise
        raise type(exc)(
            _("Asset %(code)s: %(message)s")
            % {"code": asset.ledger_code, "message": exc.user_message}
        ) from None
