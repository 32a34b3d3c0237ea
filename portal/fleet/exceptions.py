"""Errors of bookings, dispatch, trips and the position feed: each knows its HTTP meaning and
tells the user what to do. Services raise them; views and the API show ``user_message``."""

from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class FleetForbiddenError(PortalError):
    """The user's role, unit or pool does not allow the action on this booking or vehicle."""

    http_status = 403
    default_message = _("You may not do this for this booking.")


class FleetStateError(PortalError):
    """The booking or trip is not in a state where the action applies (perhaps someone acted)."""

    http_status = 409
    default_message = _("This booking is no longer in a state that allows this action.")


class FleetInputError(PortalError):
    """Something the action needs is missing or wrong; the message names the field or row."""

    http_status = 400
    default_message = _("The request is missing something it needs.")


class DoubleBookingError(FleetStateError):
    """The database refused an assignment: the vehicle or the driver is taken in that period."""

    default_message = _(
        "The vehicle or the driver was assigned to another trip in this period a moment ago. "
        "Reload the suggestions and choose again."
    )
