"""The vehicle pool (its member units, its managers), its tariffs and its approval rules."""

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import RegistryModel
from portal.core.tracking import tracked
from portal.fleet.choices import ApprovalStep, RegionClass, TripType, VehicleType
from portal.fleet.querysets import PoolQuerySet


@tracked()
class VehiclePool(RegistryModel):
    """Vehicles of the member units dispatched together by the operator's pool managers.

    The provincial pilot pools the provincial organs' vehicles; a Sichuan–Chongqing pool has
    member units on both sides and settles between them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    operator = models.ForeignKey(
        "org.Unit",
        verbose_name=_("operating unit"),
        on_delete=models.PROTECT,
        related_name="operated_pools",
        help_text=_("The offices administration that runs the pool and settles its trips."),
    )
    members = models.ManyToManyField(
        "org.Unit", verbose_name=_("member units"), related_name="vehicle_pools", blank=True
    )
    managers = models.ManyToManyField(
        "org.User", verbose_name=_("pool managers"), related_name="managed_pools", blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    objects = PoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("vehicle pool")
        verbose_name_plural = _("vehicle pools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@tracked()
class Tariff(RegistryModel):
    """What a unit pays the vehicle's holder for a trip: per kilometre and per hour, by vehicle
    type; a tariff for one region class (cross-province trips) wins over one for any class."""

    pool = models.ForeignKey(
        VehiclePool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="tariffs"
    )
    vehicle_type = models.CharField(_("vehicle type"), max_length=10, choices=VehicleType)
    region_class = models.CharField(
        _("region class"),
        max_length=20,
        choices=RegionClass,
        blank=True,
        help_text=_("Empty: applies to trips of any region class without a tariff of their own."),
    )
    per_km = models.DecimalField(_("yuan per km"), max_digits=8, decimal_places=2)
    per_hour = models.DecimalField(_("yuan per hour"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["pool", "vehicle_type", "region_class", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(per_km__gte=0, per_hour__gte=0),
                name="fleet_tariff_not_negative",
                violation_error_message=_("Rates cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="fleet_tariff_valid_period",
                violation_error_message=_("A tariff cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool} · {self.get_vehicle_type_display()} · {self.valid_from}"

    def clean(self) -> None:
        # Two tariffs of one pool, type and class valid on one day would make the trip's
        # price depend on which row the lookup happens to meet first.
        if self.pool_id is None or self.valid_from is None:
            return
        others = Tariff.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from),
            pool_id=self.pool_id,
            vehicle_type=self.vehicle_type,
            region_class=self.region_class,
        ).exclude(pk=self.pk)
        if self.valid_to is not None:
            others = others.filter(valid_from__lte=self.valid_to)
        clash = others.order_by("valid_from").first()
        if clash is None:
            return
        if clash.valid_to is None:
            message = _(
                "Another tariff of this pool, vehicle type and region class is valid from "
                "%(start)s with no end: validity periods cannot overlap."
            )
        else:
            message = _(
                "Another tariff of this pool, vehicle type and region class is valid from "
                "%(start)s to %(end)s: validity periods cannot overlap."
            )
        raise ValidationError(message % {"start": clash.valid_from, "end": clash.valid_to})


@tracked()
class TripApprovalRule(models.Model):
    """The steps a booking needs, by requesting unit and trip type (the most specific rule wins:
    a unit's own over any unit's, a trip type's over any type's). A trip that crosses the
    Sichuan–Chongqing border always ends with the pool manager, whatever the rule says."""

    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("requesting unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="trip_approval_rules",
        help_text=_("Empty: any unit without a rule of its own."),
    )
    trip_type = models.CharField(
        _("trip type"),
        max_length=20,
        choices=TripType,
        blank=True,
        help_text=_("Empty: any trip type without a rule of its own."),
    )
    steps = models.JSONField(
        _("steps"),
        help_text=_('Who signs, in order, e.g. ["unit", "pool"].'),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("trip approval rule")
        verbose_name_plural = _("trip approval rules")
        ordering = ["unit", "trip_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "trip_type"],
                condition=Q(active=True),
                nulls_distinct=False,
                name="fleet_rule_one_active",
                violation_error_message=_("Another active rule covers this unit and trip type."),
            )
        ]

    def __str__(self) -> str:
        unit = self.unit or _("any unit")
        kind = self.get_trip_type_display() if self.trip_type else _("any trip type")
        return f"{unit} · {kind}"

    def clean(self) -> None:
        steps = self.steps if isinstance(self.steps, list) else None
        if not steps or any(step not in ApprovalStep.values for step in steps):
            raise ValidationError(
                {
                    "steps": _("List one or more of: %(steps)s.")
                    % {"steps": ", ".join(ApprovalStep.values)}
                }
            )
