"""A completed trip: what was driven and spent, and what the using unit owes the vehicle's holder.

The tariff's rates are copied onto the trip when it is completed, so a statement printed later
shows the same amounts whatever happens to the tariff table."""

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import RegistryModel
from portal.core.tracking import tracked
from portal.fleet.choices import RegionClass
from portal.fleet.querysets import TripQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}


def _money(label: str) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, default=0, **MONEY)  # type: ignore[arg-type]


@tracked()
class Trip(RegistryModel):
    booking = models.OneToOneField(
        "fleet.Booking", verbose_name=_("booking"), on_delete=models.PROTECT, related_name="trip"
    )
    vehicle = models.ForeignKey(
        "fleet.Vehicle", verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="trips"
    )
    driver = models.ForeignKey(
        "fleet.Driver", verbose_name=_("driver"), on_delete=models.PROTECT, related_name="trips"
    )
    odometer_start = models.DecimalField(
        _("odometer at start (km)"), max_digits=9, decimal_places=1
    )
    odometer_end = models.DecimalField(_("odometer at end (km)"), max_digits=9, decimal_places=1)
    actual_start = models.DateTimeField(_("actual start"))
    actual_end = models.DateTimeField(_("actual end"))
    fuel_litres = models.DecimalField(
        _("fuel (litres)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    fuel_cost = _money(_("fuel cost (yuan)"))
    charge_kwh = models.DecimalField(
        _("charging (kWh)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    charge_cost = _money(_("charging cost (yuan)"))
    tolls = _money(_("tolls (yuan)"))
    parking = _money(_("parking (yuan)"))
    notes = models.TextField(_("notes"), blank=True)
    # Settlement, fixed when the trip is completed (portal.fleet.services.trips).
    distance_km = models.DecimalField(_("distance (km)"), max_digits=9, decimal_places=1)
    billed_hours = models.DecimalField(_("billed hours"), max_digits=6, decimal_places=1)
    tariff = models.ForeignKey(
        "fleet.Tariff",
        verbose_name=_("tariff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trips",
    )
    per_km = models.DecimalField(_("yuan per km"), max_digits=8, decimal_places=2)
    per_hour = models.DecimalField(_("yuan per hour"), max_digits=8, decimal_places=2)
    amount = _money(_("amount due (yuan)"))
    payer = models.ForeignKey(
        "org.Unit", verbose_name=_("paying unit"), on_delete=models.PROTECT, related_name="+"
    )
    payee = models.ForeignKey(
        "org.Unit", verbose_name=_("paid unit"), on_delete=models.PROTECT, related_name="+"
    )
    region_class = models.CharField(_("region class"), max_length=20, choices=RegionClass)
    crosses_border = models.BooleanField(_("crosses the Sichuan–Chongqing border"), default=False)
    completed_by = models.ForeignKey(
        "org.User", verbose_name=_("completed by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = TripQuerySet.as_manager()

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        ordering = ["-actual_end", "-pk"]
        indexes = [models.Index(fields=["actual_end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(odometer_end__gte=F("odometer_start")),
                name="fleet_trip_odometer_forward",
                violation_error_message=_("The odometer at the end cannot be below the start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end__gt=F("actual_start")),
                name="fleet_trip_ends_after_start",
                violation_error_message=_("A trip must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(fuel_cost__gte=0, charge_cost__gte=0, tolls__gte=0, parking__gte=0),
                name="fleet_trip_costs_not_negative",
                violation_error_message=_("Costs cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return _("Trip of booking %(number)s") % {"number": self.booking_id}
