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


class LicenceClass(models.TextChoices):
    """Driving licence classes that matter for official vehicles (GA/T 1028 quasi-driving types).

    A1 covers large buses and everything below, B1 medium buses and cars, C1 cars only."""

    A1 = "A1", _("A1 (large bus)")
    B1 = "B1", _("B1 (medium bus)")
    C1 = "C1", _("C1 (small car)")


# The lowest licence class that may drive each vehicle type, and the order of the classes.
REQUIRED_LICENCE = {
    VehicleType.BUS: LicenceClass.A1,
    VehicleType.MINIBUS: LicenceClass.B1,
}
LICENCE_RANK = {LicenceClass.C1: 1, LicenceClass.B1: 2, LicenceClass.A1: 3}


def licence_covers(licence: str, vehicle_type: str) -> bool:
    """Whether a driver holding ``licence`` may drive a vehicle of ``vehicle_type``."""
    needed = REQUIRED_LICENCE.get(VehicleType(vehicle_type), LicenceClass.C1)
    return LICENCE_RANK[LicenceClass(licence)] >= LICENCE_RANK[needed]


class TripType(models.TextChoices):
    BUSINESS = "business", _("official business")
    INSPECTION = "inspection", _("inspection or research")
    CONFERENCE = "conference", _("conference or reception")
    EMERGENCY = "emergency", _("emergency support")
    OTHER = "other", _("other official use")


class BookingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting approval")
    APPROVED = "approved", _("awaiting dispatch")
    ASSIGNED = "assigned", _("vehicle assigned")
    COMPLETED = "completed", _("completed")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


# Bookings still to be driven: they hold (or wait for) a vehicle and may be amended or cancelled.
OPEN_BOOKING_STATUSES = (BookingStatus.SUBMITTED, BookingStatus.APPROVED, BookingStatus.ASSIGNED)


class ApprovalStep(models.TextChoices):
    """Who signs one step of a booking's approval chain."""

    UNIT = "unit", _("the requesting unit's officer")
    DIVISION = "division", _("the city/county administration")
    POOL = "pool", _("the pool manager")


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class BookingAction(models.TextChoices):
    """What happened to a booking, as its history lists it."""

    SUBMITTED = "submitted", _("submitted")
    AMENDED = "amended", _("amended")
    APPROVED = "approved", _("approval step signed")
    REJECTED = "rejected", _("rejected")
    ASSIGNED = "assigned", _("vehicle and driver assigned")
    RELEASED = "released", _("assignment released")
    CANCELLED = "cancelled", _("cancelled")
    COMPLETED = "completed", _("trip completed")


class RegionClass(models.TextChoices):
    """Where a trip runs, by the divisions of its two ends (real boundaries).

    A trip with both ends inside the same cooperation region is labelled with the region, even when
    it also crosses the provincial border (遂宁–潼南); ``crosses_border`` keeps that fact."""

    SICHUAN = "sichuan", _("within Sichuan")
    CHONGQING = "chongqing", _("within Chongqing")
    CROSS_PROVINCE = "cross_province", _("Sichuan–Chongqing")
    COOPERATION = "cooperation", _("inside a cooperation region")
    OUTSIDE = "outside", _("beyond Sichuan and Chongqing")
