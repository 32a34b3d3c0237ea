from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    """The security audit: who did what, from where, with what result; append-only and tagged."""

    name = "portal.audits"
    label = "audits"
    verbose_name = _("Security audit")

    def ready(self) -> None:
        from portal.audits import signals

        signals.connect()
