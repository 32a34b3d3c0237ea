from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CostCategory(models.TextChoices):
    """Running-cost categories of the cost statistics survey (运行成本统计)."""

    ELECTRICITY = "electricity", _("electricity")
    WATER = "water", _("water")
    GAS = "gas", _("gas")
    HEATING = "heating", _("heating")
    PROPERTY = "property", _("property services")
    REPAIRS = "repairs", _("repairs and maintenance")
    RENT = "rent", pgettext_lazy("running cost", "rent")
    VEHICLES = "vehicles", _("official vehicles")
    CONFERENCES = "conferences", _("conferences")
    TRAINING = "training", _("training")
    OTHER = "other", pgettext_lazy("running cost", "other")


# Utilities carry a metered quantity besides the amount, in these units.
UTILITIES: Final = (
    CostCategory.ELECTRICITY,
    CostCategory.WATER,
    CostCategory.GAS,
    CostCategory.HEATING,
)
QUANTITY_UNITS: Final = {
    CostCategory.ELECTRICITY: "kWh",
    CostCategory.WATER: "m³",
    CostCategory.GAS: "m³",
    CostCategory.HEATING: "GJ",
}


class CostSource(models.TextChoices):
    """Where a cost record came from."""

    FORM = "form", _("entered on the web form")
    TEMPLATE = "template", _("uploaded in the XLSX template")
    FLEET = "fleet", _("taken from the fleet's trips")


class CampaignStatus(models.TextChoices):
    """A statistics round (统计调查): prepared, open for filling and review, closed, published."""

    DRAFT = "draft", pgettext_lazy("campaign", "draft")
    OPEN = "open", pgettext_lazy("campaign", "open")
    CLOSED = "closed", pgettext_lazy("campaign", "closed")
    PUBLISHED = "published", pgettext_lazy("campaign", "published")


class ReturnStatus(models.TextChoices):
    """One division's return in a round: filled by the division, reviewed by the level above,
    cross-checked by a second reviewer."""

    NOT_STARTED = "not_started", pgettext_lazy("return", "not started")
    FILLING = "filling", pgettext_lazy("return", "being filled")
    SUBMITTED = "submitted", pgettext_lazy("return", "submitted for review")
    RETURNED = "returned", pgettext_lazy("return", "returned with comments")
    REVIEWED = "reviewed", pgettext_lazy("return", "reviewed, awaiting cross-check")
    CROSS_CHECKED = "cross_checked", pgettext_lazy("return", "cross-checked")


# Figures of a return may change only in these states.
EDITABLE_RETURN_STATUSES: Final = (
    ReturnStatus.NOT_STARTED,
    ReturnStatus.FILLING,
    ReturnStatus.RETURNED,
)


class ReturnAction(models.TextChoices):
    """What happened to a return (its history)."""

    STARTED = "started", pgettext_lazy("return action", "started filling")
    SUBMITTED = "submitted", pgettext_lazy("return action", "submitted")
    RETURNED = "returned", pgettext_lazy("return action", "returned with comments")
    REVIEWED = "reviewed", pgettext_lazy("return action", "reviewed")
    CROSS_CHECKED = "cross_checked", pgettext_lazy("return action", "cross-checked")
    REOPENED = "reopened", pgettext_lazy("return action", "reopened")
