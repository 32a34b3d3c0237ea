"""Errors that know their HTTP meaning and carry a message fit for the user.

The user message is translated and shown as is; ``detail`` is for the log only.
"""

from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    """Base of the portal's own errors."""

    http_status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, user_message: str | None = None, *, detail: str = "") -> None:
        self.user_message = str(user_message or self.default_message)
        self.detail = detail
        super().__init__(self.user_message)


class DatabaseUnavailableError(PortalError):
    """PostgreSQL does not answer at the configured address."""

    http_status = 503
    default_message = _("The database is not reachable.")


class PostGISMissingError(PortalError):
    """The database answers but has no PostGIS extension."""

    http_status = 503
    default_message = _("The database has no PostGIS extension.")
