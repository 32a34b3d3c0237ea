"""Errors of depots, stock, analyses and dispatch: each knows its HTTP meaning and tells the user
what to do. Services raise them; views and the API show ``user_message``."""

from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class DepotForbiddenError(PortalError):
    """The user's role or scope does not allow the action on this depot or record."""

    http_status = 403
    default_message = _("You may not do this for this depot.")


class DepotStateError(PortalError):
    """The record is not in a state where the action applies (perhaps someone acted first)."""

    http_status = 409
    default_message = _("This record is no longer in a state that allows this action.")


class DepotInputError(PortalError):
    """Something the action needs is missing or wrong; the message names the field or row."""

    http_status = 400
    default_message = _("The request is missing something it needs.")


class InsufficientStockError(DepotStateError):
    """A batch holds less than an issue or dispatch asks for; the message names the batch."""

    default_message = _("There is not enough stock for this.")


class AnalysisInputError(DepotInputError):
    """An analysis or scenario cannot run with these inputs; the message says which."""

    default_message = _("The analysis cannot run with these inputs.")
