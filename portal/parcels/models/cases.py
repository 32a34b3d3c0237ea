"""Title cases: one per office building, moved through the registration campaign's states."""

from django.conf import settings
from django.contrib.gis.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.tracking import tracked
from portal.parcels.choices import CaseStatus, ReconciliationKind, ReconciliationResult
from portal.parcels.querysets import CaseChildQuerySet, TitleCaseQuerySet


@tracked()
class TitleCase(models.Model):
    """The unified title registration of one building (and the parcel it stands on).

    Its status only changes through ``portal.parcels.workflow``, which checks the transition and
    the user's role; the history trigger records every change with the acting user.
    """

    building = models.OneToOneField(
        "buildings.Building",
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="title_case",
    )
    parcel = models.ForeignKey(
        "parcels.Parcel",
        verbose_name=_("parcel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="title_cases",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CaseStatus,
        default=CaseStatus.NOT_STARTED,
        db_index=True,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="title_cases",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    registered_to = models.ForeignKey(
        "org.Unit",
        verbose_name=_("registered to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_title_cases",
    )
    certificate = models.ForeignKey(
        "parcels.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="title_cases",
    )
    filing_reference = models.CharField(_("filing reference"), max_length=60, blank=True)
    exemption_reason = models.TextField(_("reason for exemption"), blank=True)
    approval_no = models.CharField(_("approval number"), max_length=60, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TitleCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("title case")
        verbose_name_plural = _("title cases")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return str(self.building)

    def get_absolute_url(self) -> str:
        return reverse("parcels:case_detail", args=[self.pk])


@tracked()
class CaseComment(models.Model):
    """A note on a case; a transition's own remark is kept here with the transition named."""

    case = models.ForeignKey(
        TitleCase, verbose_name=_("title case"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    from_status = models.CharField(_("from"), max_length=12, choices=CaseStatus, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=CaseStatus, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("case comment")
        verbose_name_plural = _("case comments")
        ordering = ["case", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


@tracked()
class Reconciliation(models.Model):
    """One of the three inventory checks of a case, with its result and evidence."""

    case = models.ForeignKey(
        TitleCase,
        verbose_name=_("title case"),
        on_delete=models.CASCADE,
        related_name="reconciliations",
    )
    kind = models.CharField(_("check"), max_length=20, choices=ReconciliationKind)
    result = models.CharField(_("result"), max_length=12, choices=ReconciliationResult)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ManyToManyField(
        "parcels.SourceDocument",
        verbose_name=_("evidence"),
        related_name="reconciliations",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["case", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], name="parcels_reconciliation_case_kind_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_kind_display()}"
