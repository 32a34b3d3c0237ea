"""A unit's request for a vehicle, its approval chain and history, and the assignment of a
vehicle and a driver to it, which the database keeps free of double bookings."""

from django.contrib.gis.db import models
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.models import RegistryModel
from portal.core.tracking import tracked
from portal.core.validators import validate_geometry
from portal.fleet.choices import (
    ApprovalDecision,
    ApprovalStep,
    BookingAction,
    BookingStatus,
    RegionClass,
    TripType,
    VehicleType,
)
from portal.fleet.querysets import BookingQuerySet


@tracked()
class Booking(RegistryModel):
    """A trip a unit asks for: who travels, why, from where to where, when, in what vehicle."""

    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("requesting unit"),
        on_delete=models.PROTECT,
        related_name="vehicle_bookings",
    )
    requested_by = models.ForeignKey(
        "org.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    pool = models.ForeignKey(
        "fleet.VehiclePool",
        verbose_name=_("pool"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    trip_type = models.CharField(_("trip type"), max_length=20, choices=TripType)
    purpose = models.CharField(_("purpose"), max_length=300)
    passengers = models.PositiveSmallIntegerField(_("passengers"))
    passenger_names = models.TextField(_("passenger names"), blank=True)
    origin = models.PointField(_("origin"), srid=4490, validators=[validate_geometry])
    origin_label = models.CharField(_("origin place"), max_length=200)
    destination = models.PointField(_("destination"), srid=4490, validators=[validate_geometry])
    destination_label = models.CharField(_("destination place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    round_trip = models.BooleanField(
        _("round trip"), default=True, help_text=_("The vehicle brings the passengers back.")
    )
    seats_needed = models.PositiveSmallIntegerField(_("seats needed"))
    nev_ok = models.BooleanField(_("new-energy vehicle acceptable"), default=True)
    vehicle_type = models.CharField(
        _("preferred vehicle type"), max_length=10, choices=VehicleType, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus, default=BookingStatus.SUBMITTED
    )
    chain = models.JSONField(_("approval chain"), default=list, blank=True)
    region_class = models.CharField(_("region class"), max_length=20, choices=RegionClass)
    crosses_border = models.BooleanField(_("crosses the Sichuan–Chongqing border"), default=False)
    region = models.ForeignKey(
        "org.CooperationRegion",
        verbose_name=_("cooperation region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vehicle_bookings",
    )
    origin_division = models.ForeignKey(
        "org.AdminDivision",
        verbose_name=_("origin division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    destination_division = models.ForeignKey(
        "org.AdminDivision",
        verbose_name=_("destination division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    distance_m = models.FloatField(_("straight-line distance (m)"), default=0)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("vehicle booking")
        verbose_name_plural = _("vehicle bookings")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["pool", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="fleet_booking_ends_after_start",
                violation_error_message=_("A trip must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(seats_needed__gte=F("passengers"), passengers__gte=1),
                name="fleet_booking_seats_for_passengers",
                violation_error_message=_("Ask for at least one seat per passenger."),
            ),
        ]

    def __str__(self) -> str:
        return _("Booking %(number)s") % {"number": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("fleet:booking_detail", args=[self.pk])


class BookingApproval(models.Model):
    """One signed step of a booking's chain; the steps are signed in order."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="approvals"
    )
    step = models.CharField(_("step"), max_length=10, choices=ApprovalStep)
    decision = models.CharField(_("decision"), max_length=10, choices=ApprovalDecision)
    by = models.ForeignKey(
        "org.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    # An amendment sends a booking back to the first step: earlier signatures stay as history.
    superseded = models.BooleanField(_("superseded"), default=False)

    class Meta:
        verbose_name = _("booking approval")
        verbose_name_plural = _("booking approvals")
        ordering = ["booking", "at", "pk"]


class BookingChange(models.Model):
    """The booking's history as its officers read it: what happened, who did it, what changed."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="changes"
    )
    action = models.CharField(_("action"), max_length=12, choices=BookingAction)
    by = models.ForeignKey(
        "org.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Field: [before, after].")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("booking change")
        verbose_name_plural = _("booking changes")
        ordering = ["booking", "at", "pk"]


@tracked()
class Assignment(models.Model):
    """A vehicle and a driver holding a booking's time window.

    Two exclusion constraints refuse a second active assignment of the same vehicle, or of the
    same driver, whose period overlaps: double booking is impossible whatever the application
    does, also between two dispatchers at the same instant. Releasing (a cancel, an amendment, a
    reassignment) keeps the row for the record and frees the period."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="assignments"
    )
    vehicle = models.ForeignKey(
        "fleet.Vehicle",
        verbose_name=_("vehicle"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    driver = models.ForeignKey(
        "fleet.Driver",
        verbose_name=_("driver"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    period = DateTimeRangeField(_("period"))
    assigned_by = models.ForeignKey(
        "org.User", verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("reason for release"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-period"]
        constraints = [
            ExclusionConstraint(
                name="fleet_assignment_vehicle_free",
                expressions=[
                    ("vehicle", RangeOperators.EQUAL),
                    ("period", RangeOperators.OVERLAPS),
                ],
                condition=Q(released_at__isnull=True),
                violation_error_message=_("The vehicle is already assigned in this period."),
            ),
            ExclusionConstraint(
                name="fleet_assignment_driver_free",
                expressions=[("driver", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
                condition=Q(released_at__isnull=True),
                violation_error_message=_("The driver is already assigned in this period."),
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(released_at__isnull=True),
                name="fleet_assignment_one_active",
                violation_error_message=_("The booking already has a vehicle."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle} · {self.driver}"
