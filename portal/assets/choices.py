from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("in use")
    IDLE = "idle", _("idle")
    OVER_STANDARD = "over_standard", _("over standard")
    LOW_EFFICIENCY = "low_efficiency", _("low efficiency")
    REPAIRABLE = "repairable", _("repairable")
    IN_WAREHOUSE = "in_warehouse", _("in the public asset warehouse")
    RESERVED = "reserved", _("reserved")
    TRANSFERRED = "transferred", _("transferred")
    DISPOSED = "disposed", _("disposed")


class ConditionGrade(models.TextChoices):
    GOOD = "good", _("good")
    FAIR = "fair", _("fair")
    POOR = "poor", _("poor")
    SCRAP = "scrap", _("to be scrapped")
