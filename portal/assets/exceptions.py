"""Errors of the asset ledger and the public asset warehouse: each knows its HTTP meaning and
tells the user what to do. Services raise them; views and the API show ``user_message``."""

from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class WarehouseForbiddenError(PortalError):
    """The user's role or scope does not allow the action."""

    http_status = 403
    default_message = _("You may not do this for this unit.")


class WarehouseStateError(PortalError):
    """The record is not in a state where the action applies (perhaps someone acted first)."""

    http_status = 409
    default_message = _("This record is no longer in a state that allows this action.")


class WarehouseInputError(PortalError):
    """Something the action needs is missing or wrong; the message names the field or row."""

    http_status = 400
    default_message = _("The request is missing something it needs.")


class AlreadyListedError(WarehouseStateError):
    default_message = _("This asset is already in the warehouse.")


class AlreadyReservedError(WarehouseStateError):
    default_message = _("This asset is already reserved by another unit.")


class PhotoRejectedError(WarehouseInputError):
    """An uploaded photo is empty, too big, or not a JPEG or PNG."""

    default_message = _("The photo was refused.")


class PurchaseGateError(WarehouseStateError):
    """A purchase was submitted before the warehouse candidates for the need were reviewed."""

    default_message = _(
        "Check the warehouse before buying: review every candidate for this need first."
    )


class ApprovalForbiddenError(WarehouseForbiddenError):
    default_message = _("You may not sign this approval step.")


class SpaceAlreadyListedError(WarehouseStateError):
    """A floor or room is offered twice: the database's one-live-listing constraint refused it."""

    default_message = _("This space is already offered in the warehouse.")


class AssetEngagedError(WarehouseStateError):
    """A ledger fact the warehouse or a transfer relies on was changed while they hold the
    asset (its holder, status, classification or category)."""

    default_message = _(
        "This asset is offered in the warehouse or being transferred: withdraw the listing or "
        "cancel the transfer before changing its holder, status, confidentiality or category."
    )
