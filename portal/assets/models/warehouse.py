"""The public asset warehouse (公物仓): assets offered to other units, and vacant office space.

A listing keeps the account of an offered asset ("虚拟仓管账"); a physical listing also records
the stock-in of the goods to a warehouse depot ("实体仓储货") with its receipt. Listings are read
by every unit within their sharing area; the rest of the holder's ledger stays private.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Func, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.assets.choices import (
    ConditionGrade,
    ListingMode,
    ListingReason,
    ListingStatus,
    SpaceListingStatus,
)
from portal.assets.models.ledger import MONEY
from portal.assets.querysets import ListingChildQuerySet, ListingQuerySet, SpaceListingQuerySet
from portal.core.models import RegistryModel
from portal.core.tracking import tracked

# Statuses in which a listing still holds its asset: one such listing per asset at most.
LIVE_LISTING_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.RESERVED, ListingStatus.DISPOSAL)


def photo_path(photo: "ListingPhoto", filename: str) -> str:
    """Stored under the listing, named by content hash: the user's file name is never a path."""
    return f"warehouse/{photo.listing_id}/{photo.sha256}{photo.extension}"


@tracked()
class Listing(RegistryModel):
    """An asset offered in the warehouse: why, how (virtual or physical), and until when."""

    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="listings"
    )
    # The holder when listed: the listing is the holder's record (its scope), even after a
    # handover changes the asset's holder.
    holder = models.ForeignKey(
        "org.Unit", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="listings"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=ListingReason)
    explanation = models.TextField(_("explanation"))
    mode = models.CharField(_("mode"), max_length=10, choices=ListingMode)
    depot = models.ForeignKey(
        "depots.Depot",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="listings",
    )
    receipt_no = models.CharField(_("stock-in receipt number"), max_length=40, blank=True)
    # Where the item is offered from (the warehouse for a physical listing, else the asset's
    # building or location) and what it is, copied from the asset when published or edited so
    # that matching filters and ranks one indexed table.
    geom = models.PointField(_("offered from"), srid=4490)
    division = models.ForeignKey(
        "org.AdminDivision", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "assets.AssetCategory",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    condition = models.CharField(_("condition"), max_length=8, choices=ConditionGrade)
    # 平急两用: a dual-use item stocked in a warehouse counts as an emergency reserve of a class.
    reserve_category = models.ForeignKey(
        "depots.SupplyCategory",
        verbose_name=_("dual use: emergency reserve of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Serves in peacetime, responds in disasters: counts as this supply class."),
    )
    original_value = models.DecimalField(_("original value (yuan)"), **MONEY)
    net_value = models.DecimalField(_("net value (yuan)"), **MONEY)
    acquired_on = models.DateField(_("acquired on"), null=True, blank=True)
    stocked_in_at = models.DateTimeField(_("stocked in at"), null=True, blank=True)
    # Units whose division code starts with this prefix see the listing ("51": all Sichuan).
    share_prefix = models.CharField(_("shared within division code prefix"), max_length=6)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ListingStatus,
        default=ListingStatus.PUBLISHED,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    screening_ends_on = models.DateField(_("screening period ends on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("warehouse listing")
        verbose_name_plural = _("warehouse listings")
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(status__in=LIVE_LISTING_STATUSES),
                name="assets_listing_one_live_per_asset",
                violation_error_message=_("This asset is already in the warehouse."),
            ),
            models.CheckConstraint(
                condition=Q(mode=ListingMode.VIRTUAL, depot__isnull=True)
                | Q(mode=ListingMode.PHYSICAL, depot__isnull=False),
                name="assets_listing_depot_iff_physical",
                violation_error_message=_(
                    "A physical listing names its warehouse; a virtual one none."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "screening_ends_on"]),
            # Matching walks published listings nearest first by geodesic distance (KNN,
            # ``<->`` on geography): portal/assets/sql.py names this expression and status.
            GistIndex(
                Func("geom", template="(%(expressions)s::geography)"),
                condition=Q(status=ListingStatus.PUBLISHED),
                name="assets_listing_live_geog",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} ({self.get_reason_display()})"

    def get_absolute_url(self) -> str:
        return reverse("assets:listing_detail", args=[self.pk])


@tracked()
class ListingPhoto(models.Model):
    """A photo of a listed asset: JPEG or PNG, type read from the file's first bytes."""

    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to=photo_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ListingChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing photo")
        verbose_name_plural = _("listing photos")
        ordering = ["listing", "uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "sha256"], name="assets_listingphoto_listing_file_unique"
            )
        ]

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png"}.get(self.content_type, "")

    def __str__(self) -> str:
        return self.original_name


@tracked()
class SpaceListing(RegistryModel):
    """Vacant office space offered to other units: a whole floor, or one room."""

    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="space_listings",
    )
    floor = models.ForeignKey(
        "buildings.Floor",
        verbose_name=_("floor"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="space_listings",
    )
    room = models.ForeignKey(
        "buildings.Room",
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="space_listings",
    )
    usable_area_m2 = models.DecimalField(_("usable area (m²)"), max_digits=12, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    share_prefix = models.CharField(_("shared within division code prefix"), max_length=6)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SpaceListingStatus,
        default=SpaceListingStatus.PUBLISHED,
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SpaceListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("shareable office space")
        verbose_name_plural = _("shareable office space")
        ordering = ["building", "floor", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["floor"],
                condition=Q(status=SpaceListingStatus.PUBLISHED, room__isnull=True),
                name="assets_spacelisting_one_live_per_floor",
            ),
            models.UniqueConstraint(
                fields=["room"],
                condition=Q(status=SpaceListingStatus.PUBLISHED),
                name="assets_spacelisting_one_live_per_room",
            ),
        ]

    def __str__(self) -> str:
        return str(self.room or self.floor or self.building)
