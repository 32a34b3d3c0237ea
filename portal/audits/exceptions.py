from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class AuditAccessError(PortalError):
    """Only the audit administrator reads, exports and purges the security audit."""

    http_status = 403
    default_message = _("Only the audit administrator may read or purge the security audit.")


class RetentionError(PortalError):
    """A purge asked for events that must still be kept."""

    default_message = _("Audit events are kept for the configured retention period.")
