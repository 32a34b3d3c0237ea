"""What units need, and the "check the warehouse before buying" gate in front of a purchase."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import ConditionGrade, NeedStatus, ReviewDecision
from portal.assets.querysets import NeedChildQuerySet, NeedQuerySet
from portal.core.models import RegistryModel
from portal.core.tracking import tracked


@tracked()
class Need(RegistryModel):
    """A unit's need for assets of a category, delivered to one of its buildings.

    The filters (distance, same city or county, subcategories) are the need's own, so a match
    list is the same whoever looks at it and a review of it can be checked by the purchase gate.
    """

    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("requesting unit"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    category = models.ForeignKey(
        "assets.AssetCategory", verbose_name=_("category"), on_delete=models.PROTECT
    )
    include_subcategories = models.BooleanField(_("include subcategories"), default=True)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    min_condition = models.CharField(
        _("minimum condition"), max_length=8, choices=ConditionGrade, default=ConditionGrade.FAIR
    )
    needed_by = models.DateField(_("needed by"))
    delivery_building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("delivery building"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    max_distance_m = models.PositiveIntegerField(_("maximum distance (m)"), null=True, blank=True)
    same_city = models.BooleanField(_("same city only"), default=False)
    same_county = models.BooleanField(_("same county only"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=NeedStatus, default=NeedStatus.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("assets:need_detail", args=[self.pk])


@tracked()
class MatchReview(models.Model):
    """A requesting unit's decision on one candidate of its need: requested or declined."""

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="reviews"
    )
    listing = models.ForeignKey(
        "assets.Listing", verbose_name=_("listing"), on_delete=models.CASCADE, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision)
    reason = models.TextField(_("reason"), blank=True)
    # Distance when reviewed: the list moves as listings come and go; this is what was seen.
    distance_m = models.FloatField(_("distance (m)"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)

    objects = NeedChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("match review")
        verbose_name_plural = _("match reviews")
        ordering = ["need", "distance_m"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "listing"], name="assets_matchreview_need_listing_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(decision=ReviewDecision.DECLINED, reason=""),
                name="assets_matchreview_decline_has_reason",
                violation_error_message=_("Say why the candidate is declined."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} → {self.listing}: {self.get_decision_display()}"


@tracked()
class PurchaseRequest(models.Model):
    """A purchase submitted once the warehouse was checked for the need (the gate)."""

    need = models.OneToOneField(
        Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="purchase"
    )
    justification = models.TextField(_("justification"))
    estimated_value = models.DecimalField(
        _("estimated value (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    # How many candidates the gate saw reviewed, for the record.
    candidates_reviewed = models.PositiveIntegerField(_("candidates reviewed"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = NeedChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase request")
        verbose_name_plural = _("purchase requests")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return str(self.need)
