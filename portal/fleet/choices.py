from django.db import models
from django.utils.translation import gettext_lazy as _


class VehicleType(models.TextChoices):
    SEDAN = "sedan", _("sedan")
    SUV = "suv", _("SUV")
    MPV = "mpv", _("MPV")
    MINIBUS = "minibus", _("minibus")
    BUS = "bus", _("bus")
    PICKUP = "pickup", _("pickup")
    SPECIAL = "special", _("special-purpose vehicle")


class Energy(models.TextChoices):
    FUEL = "fuel", _("fuel")
    NEV = "nev", _("new-energy vehicle")


class VehicleStatus(models.TextChoices):
    AVAILABLE = "available", _("available")
    IN_USE = "in_use", _("in use")
    MAINTENANCE = "maintenance", _("under maintenance")
    RETIRED = "retired", _("retired")
