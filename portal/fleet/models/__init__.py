"""Official vehicles, drivers, the pool that dispatches them, bookings, trips and positions."""

from portal.fleet.models.bookings import Assignment, Booking, BookingApproval, BookingChange
from portal.fleet.models.pools import Tariff, TripApprovalRule, VehiclePool
from portal.fleet.models.positions import VehiclePosition
from portal.fleet.models.trips import Trip
from portal.fleet.models.vehicles import PLATE, Driver, Vehicle

__all__ = [
    "PLATE",
    "Assignment",
    "Booking",
    "BookingApproval",
    "BookingChange",
    "Driver",
    "Tariff",
    "Trip",
    "TripApprovalRule",
    "Vehicle",
    "VehiclePool",
    "VehiclePosition",
]
