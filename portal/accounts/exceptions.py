from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class WrongCodeError(PortalError):
    """A second-factor code did not match (or came too fast after a wrong one)."""

    default_message = _(
        "The code is not correct. Enter the code your authenticator app shows now; if it keeps "
        "failing, check that the device's clock is right."
    )


class AlreadyEnrolledError(PortalError):
    """The account already has a confirmed second factor; only the security administrator
    can reset it."""

    http_status = 409
    default_message = _(
        "This account already has a second factor. To replace it, ask the security "
        "administrator to reset it."
    )
