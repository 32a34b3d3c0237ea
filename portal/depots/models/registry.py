from typing import Any

from django.contrib.gis.db import models
from django.core.validators import MinValueValidator, RegexValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.core.models import RegistryModel, source_crs_field
from portal.core.tracking import tracked
from portal.core.validators import validate_geometry
from portal.depots.choices import DepotKind
from portal.depots.querysets import DepotQuerySet, StockItemQuerySet

QUANTITY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


@tracked()
class SupplyCategory(models.Model):
    """A class of emergency supplies (GB/T 38565: 7 digits, 4 levels), kept as editable data."""

    code = models.CharField(
        _("code"),
        max_length=7,
        unique=True,
        validators=[RegexValidator(r"^\d{7}$", _("A supply code has 7 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    needs_check = models.BooleanField(_("to be checked against the official text"), default=True)

    class Meta:
        verbose_name = _("supply category")
        verbose_name_plural = _("supply categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def natural_key(self) -> tuple[str]:
        return (self.code,)


@tracked()
class Depot(RegistryModel):
    """An emergency supply depot, a public asset warehouse (公物仓), or a site that is both."""

    code = models.CharField(_("depot code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=DepotKind)
    managing_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("managing unit"),
        on_delete=models.PROTECT,
        related_name="depots",
    )
    division = models.ForeignKey(
        "org.AdminDivision", verbose_name=_("division"), on_delete=models.PROTECT
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    geom = models.PointField(_("location"), srid=4490, validators=[validate_geometry])
    source_crs = source_crs_field()
    capacity_m3 = models.DecimalField(_("capacity (m³)"), **QUANTITY)

    objects = DepotQuerySet.as_manager()

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def get_absolute_url(self) -> str:
        return reverse("depots:depot_detail", args=[self.pk])


@tracked()
class StockItem(RegistryModel):
    """A batch of supplies held in a depot, with its expiry and the minimum level to keep."""

    depot = models.ForeignKey(
        Depot, verbose_name=_("depot"), on_delete=models.CASCADE, related_name="stock"
    )
    category = models.ForeignKey(
        SupplyCategory, verbose_name=_("supply category"), on_delete=models.PROTECT
    )
    name = models.CharField(_("name"), max_length=200)
    batch_no = models.CharField(_("batch number"), max_length=40, default="", blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=10)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    minimum_level = models.DecimalField(_("minimum level"), default=0, **QUANTITY)
    dual_use = models.BooleanField(
        _("dual use"), default=False, help_text=_("Usable in daily work and in emergencies.")
    )
    unit_volume_m3 = models.DecimalField(
        _("volume per unit (m³)"),
        max_digits=10,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Storage volume one unit takes, for the depot's capacity use."),
    )

    objects = StockItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        ordering = ["depot", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "category", "batch_no"], name="depots_stock_batch_unique"
            ),
            # The last line of defence for concurrent dispatches: stock never goes below zero.
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="depots_stock_quantity_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.depot})"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.depot.code, self.category.code, self.batch_no)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a stored batch in full (an API update, the admin: ``save_record``) writes
        every column but ``quantity`` and ``depot``, then reads them back. The instance was
        loaded before the request's changes, and a movement since (an issue, a dispatch) may
        have changed the quantity: writing the loaded one back would undo it while the log
        keeps it. The stock services change them with the row locked and name them in
        ``update_fields``."""
        if self._state.adding or kwargs.get("update_fields") is not None:
            super().save(*args, **kwargs)
            return
        kept = {"quantity", "depot"}
        fields = [
            f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in kept
        ]
        super().save(*args, **{**kwargs, "update_fields": fields})
        self.refresh_from_db(fields=sorted(kept))
