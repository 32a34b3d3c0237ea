"""Running costs (运行成本): what each unit spent per year (and month where known) by category,
on which building, against its budget; the denominators of its indicators; and the statistics
rounds in which the figures are filled, reviewed level by level, cross-checked and published."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.models import RegistryModel
from portal.core.tracking import tracked
from portal.costs.choices import (
    UTILITIES,
    CampaignStatus,
    CostCategory,
    CostSource,
    ReturnAction,
    ReturnStatus,
)
from portal.costs.querysets import (
    CostBasisQuerySet,
    CostBudgetQuerySet,
    CostCampaignQuerySet,
    CostRecordQuerySet,
    CostReturnQuerySet,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}
QUANTITY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}
YEAR = {"validators": [MinValueValidator(2000), MaxValueValidator(2100)]}


class EnergyFactor(models.Model):
    """Standard-coal equivalent of one metered unit of an energy category (kgce per kWh, m³,
    GJ). Seeded from GB/T 2589-2020 and marked for checking: the factors are data, editable
    by the administration, never constants in code. Water is no energy and has no factor."""

    category = models.CharField(
        pgettext_lazy("running cost", "category"), max_length=20, choices=CostCategory, unique=True
    )
    unit = models.CharField(_("metered unit"), max_length=10)
    kgce_per_unit = models.DecimalField(
        _("kgce per unit"), max_digits=10, decimal_places=4, validators=[MinValueValidator(0)]
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    needs_check = models.BooleanField(_("to be checked against the official text"), default=True)

    class Meta:
        verbose_name = _("energy conversion factor")
        verbose_name_plural = _("energy conversion factors")
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.kgce_per_unit} kgce/{self.unit}"


@tracked()
class CostBasis(RegistryModel):
    """The denominators of a unit's indicators in a year: usable office area, staff and
    vehicles, as reported (prefilled from the registry when a round opens)."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="cost_bases"
    )
    year = models.PositiveSmallIntegerField(_("year"), **YEAR)  # type: ignore[arg-type]
    usable_area_m2 = models.DecimalField(
        _("usable office area (m²)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    staff = models.PositiveIntegerField(_("staff"))
    vehicles = models.PositiveIntegerField(_("official vehicles"), default=0)

    objects = CostBasisQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator basis")
        verbose_name_plural = _("indicator bases")
        ordering = ["unit", "year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="costs_basis_unit_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"


@tracked()
class CostBudget(RegistryModel):
    """A unit's budget for one category in one year (the 'budget' of budget vs actual)."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="cost_budgets"
    )
    year = models.PositiveSmallIntegerField(_("year"), **YEAR)  # type: ignore[arg-type]
    category = models.CharField(
        pgettext_lazy("running cost", "category"), max_length=20, choices=CostCategory
    )
    amount_yuan = models.DecimalField(_("budget (yuan)"), **MONEY)  # type: ignore[arg-type]

    objects = CostBudgetQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost budget")
        verbose_name_plural = _("cost budgets")
        ordering = ["unit", "year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "category"], name="costs_budget_unit_year_category_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_category_display()}"


@tracked()
class CostRecord(RegistryModel):
    """What a unit spent in one category, on one building or on the unit as a whole, in a year
    or in one month of it. A (unit, building, year, category) has either one row per month or
    one row for the whole year, never both (the services refuse the mix, so no sum counts a
    month twice)."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="cost_records"
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cost_records",
        help_text=_("Empty for costs of the unit as a whole."),
    )
    year = models.PositiveSmallIntegerField(_("year"), **YEAR)  # type: ignore[arg-type]
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Empty for a figure of the whole year."),
    )
    category = models.CharField(
        pgettext_lazy("running cost", "category"), max_length=20, choices=CostCategory
    )
    amount_yuan = models.DecimalField(_("actual (yuan)"), **MONEY)  # type: ignore[arg-type]
    quantity = models.DecimalField(
        _("quantity"),
        null=True,
        blank=True,
        help_text=_("Metered use of a utility: kWh, m³ or GJ."),
        **QUANTITY,  # type: ignore[arg-type]
    )
    source = models.CharField(
        _("source"), max_length=10, choices=CostSource, default=CostSource.FORM
    )
    cost_return = models.ForeignKey(
        "costs.CostReturn",
        verbose_name=_("statistics return"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )

    objects = CostRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost record")
        verbose_name_plural = _("cost records")
        ordering = ["unit", "year", "month", "category"]
        indexes = [models.Index(fields=["year", "unit"], name="costs_record_year_unit")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "building", "year", "month", "category"],
                nulls_distinct=False,
                name="costs_record_unique",
                violation_error_message=_(
                    "This unit already has a figure for this building, period and category."
                ),
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                name="costs_record_month_range",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(category__in=[c.value for c in UTILITIES]),
                name="costs_record_quantity_of_utilities",
                violation_error_message=_("Only utilities carry a metered quantity."),
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.year}-{self.month:02d}" if self.month else str(self.year)
        return f"{self.unit} {period} {self.get_category_display()}"


@tracked()
class CostCampaign(RegistryModel):
    """A statistics round for one year: the province opens it, every division with units files
    a return, the level above reviews, a second reviewer cross-checks, the province closes and
    publishes it."""

    year = models.PositiveSmallIntegerField(_("year reported"), unique=True, **YEAR)  # type: ignore[arg-type]
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus, default=CampaignStatus.DRAFT
    )
    fill_deadline = models.DateField(_("filling deadline"))
    review_deadline = models.DateField(_("review deadline"))
    instructions = models.TextField(_("instructions"), blank=True)
    opened_by = models.ForeignKey(
        "org.User",
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_at = models.DateTimeField(
        pgettext_lazy("campaign", "published at"), null=True, blank=True
    )

    objects = CostCampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost statistics round")
        verbose_name_plural = _("cost statistics rounds")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_deadline__gte=models.F("fill_deadline")),
                name="costs_campaign_review_after_fill",
                violation_error_message=_("The review deadline cannot come before filling's."),
            )
        ]

    def __str__(self) -> str:
        return self.title


@tracked()
class CostReturn(RegistryModel):
    """One division's return in a round: the figures of the units whose division it is (a
    city's return holds the city-level units, each county files its own)."""

    campaign = models.ForeignKey(
        CostCampaign, verbose_name=_("round"), on_delete=models.CASCADE, related_name="returns"
    )
    division = models.ForeignKey(
        "org.AdminDivision",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="cost_returns",
    )
    status = models.CharField(
        _("status"), max_length=15, choices=ReturnStatus, default=ReturnStatus.NOT_STARTED
    )
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
    cross_checked_by = models.ForeignKey(
        "org.User",
        verbose_name=_("cross-checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cross_checked_at = models.DateTimeField(_("cross-checked at"), null=True, blank=True)

    objects = CostReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("statistics return")
        verbose_name_plural = _("statistics returns")
        ordering = ["campaign", "division__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "division"], name="costs_return_campaign_division_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.division}"


class ReturnStep(models.Model):
    """A step of a return's history: who moved it from which state to which, with a comment."""

    cost_return = models.ForeignKey(
        CostReturn, verbose_name=_("return"), on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField(_("action"), max_length=15, choices=ReturnAction)
    from_status = models.CharField(_("from"), max_length=15, choices=ReturnStatus)
    to_status = models.CharField(_("to"), max_length=15, choices=ReturnStatus)
    by = models.ForeignKey(
        "org.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("return step")
        verbose_name_plural = _("return steps")
        ordering = ["cost_return", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.cost_return} {self.get_action_display()}"
