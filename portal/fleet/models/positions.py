"""Positions posted by a tracking server. Not tracked by history: they are telemetry, thousands a
day, append-only by nature, and the feed's own log is the record."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import source_crs_field
from portal.core.validators import validate_geometry


class VehiclePosition(models.Model):
    vehicle = models.ForeignKey(
        "fleet.Vehicle",
        verbose_name=_("vehicle"),
        on_delete=models.CASCADE,
        related_name="positions",
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    geom = models.PointField(_("position"), srid=4490, validators=[validate_geometry])
    speed_kmh = models.FloatField(_("speed (km/h)"), null=True, blank=True)
    heading = models.FloatField(_("heading (degrees)"), null=True, blank=True)
    source = models.CharField(_("tracking source"), max_length=60, blank=True)
    source_crs = source_crs_field()
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vehicle position")
        verbose_name_plural = _("vehicle positions")
        ordering = ["vehicle", "-recorded_at"]
        constraints = [
            # A feed that resends a fix (after a timeout) must not add it twice.
            models.UniqueConstraint(
                fields=["vehicle", "recorded_at"], name="fleet_position_once_per_instant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} @ {self.recorded_at:%Y-%m-%d %H:%M:%S}"
