from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "portal.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from portal.org.checks import check_duties

        checks.register(check_duties, checks.Tags.security, deploy=True)
