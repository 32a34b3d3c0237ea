from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError


class DemoRefusedError(PortalError):
    """Demo data (with its public passwords) is loaded only into a demo-mode database."""

    http_status = 403
    default_message = _("Demo data is loaded only when TIANFU_MODE=demo.")


class DemoDataError(PortalError):
    """A fixture the demo needs is missing or does not match its contract."""

    http_status = 500
    default_message = _("The demo fixtures are missing or malformed.")
