from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepotsConfig(AppConfig):
    name = "portal.depots"
    label = "depots"
    verbose_name = _("Depots")
