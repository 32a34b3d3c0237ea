from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.models import RegistryModel
from portal.core.tracking import tracked
from portal.core.validators import validate_geometry
from portal.fleet.choices import Energy, LicenceClass, VehicleStatus, VehicleType
from portal.fleet.querysets import DriverQuerySet, VehicleQuerySet

# A mainland plate: province character, city letter, then 5 (fuel) or 6 (new-energy) characters.
PLATE = RegexValidator(
    r"^[\u4e00-\u9fff][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}$",
    _("Enter a plate such as 川A12345 or 川AD12345."),
)


@tracked()
class Vehicle(RegistryModel):
    """An official vehicle: its plate, type, holder and where it is based."""

    plate = models.CharField(_("plate"), max_length=10, unique=True, validators=[PLATE])
    vehicle_type = models.CharField(_("type"), max_length=10, choices=VehicleType)
    seats = models.PositiveSmallIntegerField(_("seats"))
    energy = models.CharField(_("energy"), max_length=6, choices=Energy)
    holder = models.ForeignKey(
        "org.Unit", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="vehicles"
    )
    base_building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("base building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    base_depot = models.ForeignKey(
        "depots.Depot",
        verbose_name=_("base depot"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=VehicleStatus, default=VehicleStatus.AVAILABLE
    )
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), default=0)
    range_km = models.PositiveIntegerField(
        _("range (km)"),
        null=True,
        blank=True,
        help_text=_("A new-energy vehicle's range on a full charge, which dispatch checks."),
    )
    # The last position a tracking server posted (portal.fleet.services.positions keeps it the
    # newest); the map draws the vehicle there, or at its base when there is none.
    last_position = models.PointField(
        _("last known position"), srid=4490, null=True, blank=True, validators=[validate_geometry]
    )
    last_position_at = models.DateTimeField(_("last position time"), null=True, blank=True)
    asset = models.OneToOneField(
        "assets.Asset",
        verbose_name=_("asset record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicle",
        help_text=_("The vehicle's entry on its holder's asset ledger (class 2030000)."),
    )

    objects = VehicleQuerySet.as_manager()

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["plate"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(base_building__isnull=True) | models.Q(base_depot__isnull=True),
                name="fleet_vehicle_one_base",
                violation_error_message=_("A vehicle is based at a building or a depot, not both."),
            )
        ]

    def __str__(self) -> str:
        return self.plate

    def natural_key(self) -> tuple[str]:
        return (self.plate,)

    def get_absolute_url(self) -> str:
        return reverse("fleet:vehicle_detail", args=[self.pk])

    def clean(self) -> None:
        if self.energy == Energy.NEV and self.plate and len(self.plate) != 8:
            raise ValidationError({"plate": _("New-energy plates have 8 characters.")})
        if self.energy == Energy.NEV and not self.range_km:
            raise ValidationError({"range_km": _("Give a new-energy vehicle's range.")})


@tracked()
class Driver(RegistryModel):
    """A driver employed by a unit, who drives pooled vehicles his licence class covers."""

    name = models.CharField(_("name"), max_length=60)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="drivers"
    )
    licence_class = models.CharField(_("licence class"), max_length=2, choices=LicenceClass)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = DriverQuerySet.as_manager()

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        ordering = ["unit", "name"]

    def __str__(self) -> str:
        return self.name
