import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.depots.choices import MovementKind
from portal.depots.models.registry import QUANTITY, Depot, StockItem
from portal.depots.querysets import StockMovementQuerySet


class StockMovement(models.Model):
    """Append-only record of one change to a batch's quantity, with the document behind it.

    ``change`` is signed (receipts positive, issues, dispatches and write-offs negative) and
    ``balance`` is the batch's quantity after it, so the log alone reconstructs the stock.
    """

    stock_item = models.ForeignKey(
        StockItem, verbose_name=_("stock batch"), on_delete=models.PROTECT, related_name="movements"
    )
    depot = models.ForeignKey(
        Depot, verbose_name=_("depot"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind)
    change = models.DecimalField(_("change"), max_digits=14, decimal_places=2)
    balance = models.DecimalField(_("balance after"), **QUANTITY)
    document_no = models.CharField(_("document number"), max_length=40)
    document = models.FileField(
        _("scanned document"), upload_to="depots/movements/%Y/%m/", blank=True
    )
    counterparty = models.CharField(
        _("supplier or recipient"), max_length=200, blank=True, default=""
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True, default="")
    dispatch = models.ForeignKey(
        "depots.Dispatch",
        verbose_name=_("dispatch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    occurred_on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(change=0), name="depots_movement_change_nonzero"
            ),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="depots_movement_balance_nonnegative"
            ),
        ]
        indexes = [models.Index(fields=["depot", "-at"], name="depots_movement_depot_at")]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.document_no}: {self.get_kind_display()} {self.change}"
