"""Errors of cost records, statistics campaigns and indicators: each knows its HTTP meaning and
tells the user what to do. Services raise them; views and the API show ``user_message``."""

from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class CostForbiddenError(PortalError):
    """The user's role or level does not allow the action on this return or record."""

    http_status = 403
    default_message = _("You may not do this for this statistics return.")


class CostStateError(PortalError):
    """The campaign or return is not in a state where the action applies (perhaps someone
    acted in the meantime, or the deadline passed)."""

    http_status = 409
    default_message = _("This return is no longer in a state that allows this action.")


class CostInputError(PortalError):
    """A figure is missing or wrong; the message names the row and the field."""

    http_status = 400
    default_message = _("A figure is missing or wrong.")
