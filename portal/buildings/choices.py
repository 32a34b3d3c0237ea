from django.db import models
from django.utils.translation import gettext_lazy as _


class UseType(models.TextChoices):
    """The four kinds of office space of the 2017 office-space rules."""

    OFFICE = "office", _("office rooms")
    SERVICE = "service", _("service rooms")
    EQUIPMENT = "equipment", _("equipment rooms")
    AUXILIARY = "auxiliary", _("auxiliary rooms")
