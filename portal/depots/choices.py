from django.db import models
from django.utils.translation import gettext_lazy as _


class DepotKind(models.TextChoices):
    EMERGENCY = "emergency", _("emergency supply depot")
    WAREHOUSE = "warehouse", _("public asset warehouse")
    BOTH = "both", _("emergency depot and public asset warehouse")
