from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("in use")
    IDLE = "idle", _("idle")
    OVER_STANDARD = "over_standard", _("over standard")
    LOW_EFFICIENCY = "low_efficiency", _("low efficiency")
    REPAIRABLE = "repairable", _("repairable")
    IN_WAREHOUSE = "in_warehouse", _("in the public asset warehouse")
    RESERVED = "reserved", _("reserved")
    TRANSFERRED = "transferred", _("transferred")
    DISPOSED = "disposed", _("disposed")


class ConditionGrade(models.TextChoices):
    GOOD = "good", _("good")
    FAIR = "fair", _("fair")
    POOR = "poor", _("poor")
    SCRAP = "scrap", _("to be scrapped")


class ListingReason(models.TextChoices):
    """Why an asset is offered to other units (the plan's four kinds of shareable asset)."""

    IDLE = "idle", _("idle")
    OVER_STANDARD = "over_standard", _("over standard")
    LOW_EFFICIENCY = "low_efficiency", _("low efficiency")
    REPAIRABLE = "repairable", _("repairable")


class ListingMode(models.TextChoices):
    """实体仓储货、虚拟仓管账: the goods stay with the holder, or are stocked in a warehouse."""

    VIRTUAL = "virtual", _("virtual (stays with its holder)")
    PHYSICAL = "physical", _("physical (stocked in a warehouse)")


class ListingStatus(models.TextChoices):
    PUBLISHED = "published", _("published")
    RESERVED = "reserved", _("reserved")
    TRANSFERRED = "transferred", _("transferred")
    WITHDRAWN = "withdrawn", _("withdrawn")
    DISPOSAL = "disposal", _("moved to disposal")
    DISPOSED = "disposed", _("disposed")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("open")
    FULFILLED = "fulfilled", _("fulfilled from the warehouse")
    PURCHASE = "purchase", _("purchase requested")
    CANCELLED = "cancelled", _("cancelled")


class ReviewDecision(models.TextChoices):
    REQUESTED = "requested", _("requested")
    DECLINED = "declined", _("declined")


class ReservationStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    HANDED_OVER = "handed_over", _("handed over")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


class ApprovalStep(models.TextChoices):
    """Who signs a step of an approval chain."""

    HOLDER_UNIT = "holder_unit", _("holder unit")
    RECEIVING_UNIT = "receiving_unit", _("receiving unit")
    ADMINISTRATION = "administration", _("offices administration")


class ApprovalSubject(models.TextChoices):
    """What an approval rule governs."""

    TRANSFER = "transfer", _("transfer")
    DISPOSAL = "disposal", _("disposal")


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting approval")
    APPROVED = "approved", _("approved")
    COMPLETED = "completed", _("completed")
    REJECTED = "rejected", _("rejected")


class CustodyEvent(models.TextChoices):
    STOCK_IN = "stock_in", _("stocked in a warehouse")
    STOCK_OUT = "stock_out", _("taken out of a warehouse")
    HANDOVER = "handover", _("handed over to a new holder")
    DISPOSAL = "disposal", _("disposed of")


class DisposalMethod(models.TextChoices):
    AUCTION = "auction", _("auction")
    TRANSFER = "transfer", _("paid transfer")
    DONATION = "donation", _("donation")
    SCRAP = "scrap", _("scrap")


class SpaceListingStatus(models.TextChoices):
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")
    ALLOCATED = "allocated", _("allocated")
