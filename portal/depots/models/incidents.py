"""Incidents, what they need, and the dispatches that supply them from depot stock."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.models import source_crs_field
from portal.core.tracking import tracked
from portal.core.validators import validate_geometry
from portal.depots.choices import IncidentStatus
from portal.depots.models.registry import StockItem, SupplyCategory
from portal.depots.querysets import DispatchQuerySet, IncidentChildQuerySet, IncidentQuerySet

POSITIVE = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0.01)]}


@tracked()
class Incident(models.Model):
    """A place that needs supplies now (a landslide, a flood, an earthquake)."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("responding unit"), on_delete=models.PROTECT, related_name="+"
    )
    geom = models.PointField(_("location"), srid=4490, validators=[validate_geometry])
    source_crs = source_crs_field()
    division = models.ForeignKey(
        "org.AdminDivision",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus, default=IncidentStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("depots:incident_detail", args=[self.pk])


class IncidentNeed(models.Model):
    """How much of one supply class the incident needs."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="needs")
    category = models.ForeignKey(
        SupplyCategory, verbose_name=_("supply category"), on_delete=models.PROTECT
    )
    quantity = models.DecimalField(_("quantity"), **POSITIVE)

    objects = IncidentChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident need")
        verbose_name_plural = _("incident needs")
        ordering = ["incident", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "category"], name="depots_incident_need_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.quantity}"


class Dispatch(models.Model):
    """A confirmed allocation: stock leaves depots for an incident, all lines or none."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="dispatches")
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    objects = DispatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.incident} #{self.pk}"

    @property
    def document_no(self) -> str:
        """The number written on every stock movement of this dispatch."""
        return f"DIS-{self.pk:06d}"


class DispatchLine(models.Model):
    """One batch's share of a dispatch, with the travel time that ranked it."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="lines")
    need = models.ForeignKey(IncidentNeed, on_delete=models.PROTECT, related_name="+")
    stock_item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **POSITIVE)
    travel_minutes = models.FloatField(_("travel time (min)"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch line")
        verbose_name_plural = _("dispatch lines")
        ordering = ["dispatch", "travel_minutes", "pk"]

    def __str__(self) -> str:
        return f"{self.stock_item}: {self.quantity}"
