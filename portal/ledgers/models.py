"""The annual office-space report (办公用房年度报告): each unit's sub-ledger (分台账) and each
offices administration's master ledger (总台账), frozen as a snapshot of the registry and
reviewed level by level before it goes up."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.models import RegistryModel
from portal.core.tracking import tracked
from portal.ledgers.choices import LedgerAction, LedgerKind, LedgerStatus
from portal.ledgers.querysets import SpaceReportQuerySet


@tracked()
class SpaceReport(RegistryModel):
    """One year's report of a unit (sub-ledger) or of an offices administration for its
    division (master ledger). ``rows``, ``totals`` and ``changes`` are the snapshot, frozen
    when taken so that later edits of the registry do not alter a submitted report; see
    :mod:`portal.ledgers.snapshot` for their shape."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="space_reports",
        help_text=_("The unit of a sub-ledger; the offices administration of a master ledger."),
    )
    division = models.ForeignKey(
        "org.AdminDivision",
        verbose_name=_("division covered"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LedgerStatus, default=LedgerStatus.DRAFT
    )
    as_of = models.DateField(_("snapshot date"))
    rows = models.JSONField(_("ledger lines"), default=list)
    totals = models.JSONField(_("totals"), default=dict)
    changes = models.JSONField(_("changes during the year"), default=list)
    taken_by = models.ForeignKey(
        "org.User", verbose_name=_("taken by"), on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(_("taken at"))
    submitted_by = models.ForeignKey(
        "org.User",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "org.User",
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = SpaceReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("office-space report")
        verbose_name_plural = _("office-space reports")
        ordering = ["-year", "kind", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind", "unit"], name="ledgers_report_year_kind_unit_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_kind_display()}"


class LedgerStep(models.Model):
    """A step of a report's history: who did what, from which state to which, with a comment."""

    report = models.ForeignKey(
        SpaceReport,
        verbose_name=pgettext_lazy("ledger", "report"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    action = models.CharField(_("action"), max_length=10, choices=LedgerAction)
    from_status = models.CharField(_("from"), max_length=10, choices=LedgerStatus, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=LedgerStatus)
    by = models.ForeignKey(
        "org.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("report step")
        verbose_name_plural = _("report steps")
        ordering = ["report", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.get_action_display()}"
