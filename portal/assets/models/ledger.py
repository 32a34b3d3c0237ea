from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import AssetStatus, ConditionGrade
from portal.assets.querysets import AssetQuerySet
from portal.core.choices import Confidentiality
from portal.core.models import RegistryModel, source_crs_field
from portal.core.tracking import tracked
from portal.core.validators import validate_geometry

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


@tracked()
class AssetCategory(models.Model):
    """A class of the state-asset classification (GB/T 14885), kept as editable data."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    edition = models.CharField(_("edition"), max_length=30, default="GB/T 14885-2010")
    needs_check = models.BooleanField(_("to be checked against the official text"), default=True)

    class Meta:
        verbose_name = _("asset category")
        verbose_name_plural = _("asset categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def natural_key(self) -> tuple[str]:
        return (self.code,)


@tracked()
class Asset(RegistryModel):
    """A state asset on a unit's ledger: what it is, where it is, its status and value."""

    ledger_code = models.CharField(_("ledger code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        AssetCategory, verbose_name=_("category"), on_delete=models.PROTECT
    )
    model_spec = models.CharField(_("model / specification"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    unit_of_measure = models.CharField(_("unit of measure"), max_length=10, default="台")
    holder = models.ForeignKey(
        "org.Unit", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="assets"
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
    )
    geom = models.PointField(
        _("location"),
        srid=4490,
        null=True,
        blank=True,
        validators=[validate_geometry],
        help_text=_("Taken from the building when left empty."),
    )
    source_crs = source_crs_field()
    status = models.CharField(
        _("status"), max_length=16, choices=AssetStatus, default=AssetStatus.IN_USE, db_index=True
    )
    acquired_on = models.DateField(_("acquired on"), null=True, blank=True)
    original_value = models.DecimalField(_("original value (yuan)"), **MONEY)
    net_value = models.DecimalField(_("net value (yuan)"), **MONEY)
    condition = models.CharField(
        _("condition"), max_length=8, choices=ConditionGrade, default=ConditionGrade.GOOD
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality,
        default=Confidentiality.INTERNAL,
    )

    objects = AssetQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["holder", "ledger_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "ledger_code"], name="assets_asset_holder_ledger_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(net_value__lte=models.F("original_value")),
                name="assets_asset_net_not_above_original",
                violation_error_message=_("The net value cannot exceed the original value."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_code} {self.name}"

    def natural_key(self) -> tuple[str, str]:
        return (self.holder.credit_code, self.ledger_code)

    def get_absolute_url(self) -> str:
        return reverse("assets:asset_detail", args=[self.pk])
