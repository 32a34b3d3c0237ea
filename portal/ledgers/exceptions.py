"""Errors of the annual office-space reports; services raise them, views show
``user_message``."""

from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class LedgerForbiddenError(PortalError):
    """The user's role or level does not allow the action on this report."""

    http_status = 403
    default_message = _("You may not do this for this report.")


class LedgerStateError(PortalError):
    """The report is not in a state where the action applies (perhaps someone acted)."""

    http_status = 409
    default_message = _("This report is no longer in a state that allows this action.")


class LedgerInputError(PortalError):
    """Something the action needs is missing or wrong; the message names it."""

    http_status = 400
    default_message = _("The request is missing something it needs.")
