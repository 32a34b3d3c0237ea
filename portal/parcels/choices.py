from django.db import models
from django.utils.translation import gettext_lazy as _


class RightType(models.TextChoices):
    ALLOCATED = "allocated", _("state land use right, allocated (划拨)")
    GRANTED = "granted", _("state land use right, granted (出让)")
    LEASED = "leased", _("leased")
    COLLECTIVE = "collective", _("collective land use right")
    OTHER = "other", _("other")


class LandUse(models.TextChoices):
    ORGAN = "organ", _("organs and organisations")
    PUBLIC_SERVICE = "public_service", _("public services")
    COMMERCIAL = "commercial", _("commercial")
    RESIDENTIAL = "residential", _("residential")
    OTHER = "other", _("other")


class TitleStatus(models.TextChoices):
    UNREGISTERED = "unregistered", _("not registered")
    IN_PROGRESS = "in_progress", _("registration in progress")
    REGISTERED = "registered", _("registered to the offices administration")
    FILED = "filed", _("title filing (权属备案)")
    DISPUTED = "disputed", _("disputed")
