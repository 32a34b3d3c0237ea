"""The conflict register: findings computed in PostGIS that persist across runs."""

from django.conf import settings
from django.contrib.gis.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.choices import Confidentiality
from portal.core.tracking import tracked
from portal.parcels.choices import ConflictKind, FindingStatus
from portal.parcels.querysets import FindingQuerySet


class ConflictRun(models.Model):
    """One run of the detectors, with the tolerances it used and its counts per kind."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tolerances = models.JSONField(_("tolerances"), default=dict)
    counts = models.JSONField(
        _("counts"), default=dict, help_text=_("Per kind: found, new, reopened and closed.")
    )

    class Meta:
        verbose_name = _("conflict run")
        verbose_name_plural = _("conflict runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.started_at:%Y-%m-%d %H:%M}"


@tracked()
class Finding(models.Model):
    """A title conflict, identified by ``(kind, key)`` so that re-runs find the same row.

    ``key`` is built from the records involved (``"12:34"`` for two parcels, a certificate
    number…). A finding no longer detected is resolved with ``closed_run``; one detected again
    after that is reopened. ``geom`` is what the map draws: the overlap itself, the part of a
    building off its parcel, or the record at fault. ``confidentiality`` is copied from the
    building involved so that findings are hidden like the building.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=ConflictKind)
    key = models.CharField(pgettext_lazy("conflict finding", "key"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus, default=FindingStatus.OPEN
    )
    parcel = models.ForeignKey(
        "parcels.Parcel",
        verbose_name=_("parcel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
    )
    other_parcel = models.ForeignKey(
        "parcels.Parcel",
        verbose_name=_("other parcel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="title_findings",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.CASCADE,
        related_name="title_findings",
    )
    division = models.ForeignKey(
        "org.AdminDivision", verbose_name=_("division"), on_delete=models.PROTECT
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality,
        default=Confidentiality.INTERNAL,
    )
    geom = models.MultiPolygonField(_("where"), srid=4490, null=True, blank=True)
    measures = models.JSONField(_("measures"), default=dict, blank=True)
    first_run = models.ForeignKey(
        ConflictRun, verbose_name=_("found by run"), on_delete=models.PROTECT, related_name="+"
    )
    closed_run = models.ForeignKey(
        ConflictRun,
        verbose_name=_("closed by run"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("found at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("title conflict")
        verbose_name_plural = _("title conflicts")
        ordering = ["kind", "-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="parcels_finding_kind_key_unique")
        ]
        indexes = [models.Index(fields=["status", "kind"], name="parcels_finding_status_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    def get_absolute_url(self) -> str:
        return reverse("parcels:finding_detail", args=[self.pk])
