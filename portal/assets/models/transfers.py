"""Reservations, approval chains, handovers and the custody log of transferred assets.

A reservation is the transfer of one asset to a receiving unit: from a warehouse listing, or
as an item of a bulk transfer batch. The database keeps an asset from being reserved twice
(one active reservation per asset) or handed over twice (one handover per listing); services
take row locks so that the loser of a race gets a clear refusal rather than an error.
"""

import pgtrigger
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import (
    ApprovalDecision,
    ApprovalStep,
    ApprovalSubject,
    BatchStatus,
    CustodyEvent,
    ReservationStatus,
)
from portal.assets.querysets import (
    ApprovalQuerySet,
    CustodyQuerySet,
    ReservationQuerySet,
    TransferBatchQuerySet,
)
from portal.core.models import RegistryModel
from portal.core.tracking import tracked

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}
ACTIVE_RESERVATION_STATUSES = (ReservationStatus.PENDING, ReservationStatus.APPROVED)


def chain_field() -> ArrayField:  # type: ignore[type-arg]
    """The approval steps, in order, fixed when a transfer or batch is submitted."""
    return ArrayField(
        models.CharField(max_length=16, choices=ApprovalStep), verbose_name=_("approval chain")
    )


@tracked()
class ApprovalRule(models.Model):
    """Which approvals a transfer or disposal needs, by category and value (editable data).

    For an asset, the active rules of the subject whose category is the asset's or one of its
    ancestors (or none) and whose ``min_value`` the value reaches apply; the most specific
    category wins, then the highest ``min_value``.
    """

    subject = models.CharField(_("applies to"), max_length=10, choices=ApprovalSubject)
    category = models.ForeignKey(
        "assets.AssetCategory",
        verbose_name=_("category and its subclasses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    min_value = models.DecimalField(_("from value (yuan)"), default=0, **MONEY)
    steps = chain_field()
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        ordering = ["subject", "category", "min_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "category", "min_value"],
                condition=Q(active=True),
                nulls_distinct=False,
                name="assets_approvalrule_one_active_per_threshold",
            ),
            models.CheckConstraint(
                condition=Q(steps__len__gt=0), name="assets_approvalrule_has_steps"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} ≥ {self.min_value}"

    def clean(self) -> None:
        """A disposal has no receiving unit, and its giving unit is the batch's responsible
        unit (the offices administration itself): a holder's or receiver's step would be
        signed by the administration on the holders' behalf, so only its own step applies."""
        super().clean()
        if self.subject != ApprovalSubject.DISPOSAL:
            return
        unit_steps = {ApprovalStep.HOLDER_UNIT, ApprovalStep.RECEIVING_UNIT}
        wrong = [str(ApprovalStep(step).label) for step in self.steps or () if step in unit_steps]
        if wrong:
            raise ValidationError(
                {
                    "steps": _(
                        "A disposal is approved by the offices administration only: remove "
                        "the steps %(steps)s."
                    )
                    % {"steps": ", ".join(wrong)}
                }
            )


@tracked()
class TransferBatch(RegistryModel):
    """Many assets moved from one holder to another under one approval (bulk transfer)."""

    from_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("from unit"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("to unit"), on_delete=models.PROTECT, related_name="+"
    )
    delivery_building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("delivery building"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus, default=BatchStatus.DRAFT
    )
    chain = chain_field()
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = TransferBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer batch")
        verbose_name_plural = _("transfer batches")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_unit=models.F("to_unit")),
                name="assets_transferbatch_two_units",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.from_unit} → {self.to_unit}"

    def get_absolute_url(self) -> str:
        return reverse("assets:batch_detail", args=[self.pk])


@tracked()
class Reservation(RegistryModel):
    """One asset on its way to a receiving unit: reserved, approved step by step, handed over."""

    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    listing = models.ForeignKey(
        "assets.Listing",
        verbose_name=_("listing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    batch = models.ForeignKey(
        TransferBatch,
        verbose_name=_("transfer batch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="items",
    )
    need = models.ForeignKey(
        "assets.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reservations",
    )
    # The holder when reserved: the giving side of the transfer.
    from_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("from unit"), on_delete=models.PROTECT, related_name="+"
    )
    receiving_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("receiving unit"), on_delete=models.PROTECT, related_name="+"
    )
    delivery_building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("delivery building"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Net value when reserved: what the chain was chosen by, and what the reports count.
    value = models.DecimalField(_("value (yuan)"), **MONEY)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReservationStatus,
        default=ReservationStatus.PENDING,
        db_index=True,
    )
    chain = chain_field()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(status__in=ACTIVE_RESERVATION_STATUSES),
                name="assets_reservation_one_active_per_asset",
                violation_error_message=_("This asset is already reserved."),
            ),
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(status=ReservationStatus.HANDED_OVER),
                name="assets_reservation_one_handover_per_listing",
                violation_error_message=_("This listing was already handed over."),
            ),
            models.CheckConstraint(
                condition=Q(listing__isnull=False) | Q(batch__isnull=False),
                name="assets_reservation_listing_or_batch",
            ),
            models.CheckConstraint(
                condition=~Q(from_unit=models.F("receiving_unit")),
                name="assets_reservation_two_units",
                violation_error_message=_("An asset cannot be transferred to its own holder."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} → {self.receiving_unit}"

    def get_absolute_url(self) -> str:
        return reverse("assets:reservation_detail", args=[self.pk])


@tracked()
class Approval(models.Model):
    """One signed step of a chain: of a reservation, a transfer batch or a disposal batch."""

    reservation = models.ForeignKey(
        Reservation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    transfer_batch = models.ForeignKey(
        TransferBatch,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    disposal_batch = models.ForeignKey(
        "assets.DisposalBatch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    position = models.PositiveSmallIntegerField(_("step number"))
    step = models.CharField(_("step"), max_length=16, choices=ApprovalStep)
    decision = models.CharField(_("decision"), max_length=10, choices=ApprovalDecision)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    reservation__isnull=False,
                    transfer_batch__isnull=True,
                    disposal_batch__isnull=True,
                )
                | models.Q(
                    reservation__isnull=True,
                    transfer_batch__isnull=False,
                    disposal_batch__isnull=True,
                )
                | models.Q(
                    reservation__isnull=True,
                    transfer_batch__isnull=True,
                    disposal_batch__isnull=False,
                ),
                name="assets_approval_one_subject",
            ),
            models.UniqueConstraint(
                fields=["reservation", "position"], name="assets_approval_reservation_step"
            ),
            models.UniqueConstraint(
                fields=["transfer_batch", "position"], name="assets_approval_transfer_step"
            ),
            models.UniqueConstraint(
                fields=["disposal_batch", "position"], name="assets_approval_disposal_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_step_display()}: {self.get_decision_display()}"


class CustodyEntry(models.Model):
    """Append-only log of where an asset went: stock-in, stock-out, handover, disposal."""

    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="custody"
    )
    event = models.CharField(_("event"), max_length=10, choices=CustodyEvent)
    from_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("from unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("to unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    depot = models.ForeignKey(
        "depots.Depot",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disposal_item = models.ForeignKey(
        "assets.DisposalItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_no = models.CharField(_("receipt or document number"), max_length=40, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = CustodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("custody entry")
        verbose_name_plural = _("custody log")
        ordering = ["asset", "at", "pk"]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.asset}: {self.get_event_display()}"
