"""Centralised disposal: listings unclaimed after the screening period, grouped into batches."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import BatchStatus, DisposalMethod
from portal.assets.models.transfers import chain_field
from portal.assets.querysets import DisposalBatchQuerySet, DisposalItemQuerySet
from portal.core.models import RegistryModel
from portal.core.tracking import tracked


@tracked()
class DisposalBatch(RegistryModel):
    """Assets disposed of together by one method, under one approval, by a responsible unit."""

    code = models.CharField(_("batch number"), max_length=30, unique=True)
    method = models.CharField(_("method"), max_length=10, choices=DisposalMethod)
    # Usually the offices administration that runs the disposal platform for its division.
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
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

    objects = DisposalBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("disposal batch")
        verbose_name_plural = _("disposal batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("assets:disposal_detail", args=[self.pk])


@tracked()
class DisposalItem(models.Model):
    """One listing in a disposal batch, with what it fetched (auction, paid transfer)."""

    batch = models.ForeignKey(
        DisposalBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="items"
    )
    listing = models.OneToOneField(
        "assets.Listing",
        verbose_name=_("listing"),
        on_delete=models.PROTECT,
        related_name="disposal_item",
    )
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="+"
    )
    proceeds = models.DecimalField(
        _("proceeds (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    counterparty = models.CharField(_("buyer or recipient"), max_length=200, blank=True)

    objects = DisposalItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("disposal item")
        verbose_name_plural = _("disposal items")
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return str(self.asset)
