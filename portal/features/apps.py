from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeaturesConfig(AppConfig):
    """OGC API – Features over the registry, for desktop GIS clients (QGIS, ArcGIS, GDAL)."""

    name = "portal.features"
    label = "features"
    verbose_name = _("OGC API – Features")
