from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FleetConfig(AppConfig):
    name = "portal.fleet"
    label = "fleet"
    verbose_name = _("Official vehicles")
