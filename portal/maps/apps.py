from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "portal.maps"
    label = "maps"
    verbose_name = _("Map portal")

    def ready(self) -> None:
        from portal.maps import checks  # noqa: F401  (registers the basemap check)
