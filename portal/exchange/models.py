from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.exchange.entities import ENTITIES


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to be checked")
    CHECKING = "checking", _("checking")
    CHECKED = "checked", _("checked: ready to import")
    REJECTED = "rejected", _("checked: problems to fix")
    CONFIRMED = "confirmed", _("confirmed: waiting to be written")
    COMMITTING = "committing", _("writing")
    COMMITTED = "committed", _("imported")
    FAILED = "failed", _("failed: nothing was written")


class ImportJob(models.Model):
    """One uploaded file on its way through check → confirm → commit, and what came of it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT
    )
    entity = models.CharField(
        _("record type"),
        max_length=20,
        choices=[(name, e.label) for name, e in ENTITIES.items()],
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    declared_crs = models.CharField(_("declared coordinate system"), max_length=40, blank=True)
    declared_encoding = models.CharField(_("declared encoding"), max_length=20, blank=True)
    layer = models.CharField(_("layer or sheet"), max_length=100, blank=True)
    repair = models.BooleanField(_("repair invalid geometries"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus, default=ImportStatus.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("exchange:import_detail", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.status in {
            ImportStatus.QUEUED,
            ImportStatus.CHECKING,
            ImportStatus.CONFIRMED,
            ImportStatus.COMMITTING,
        }
