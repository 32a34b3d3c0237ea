"""The title model in LADM terms: parties are units, rights sit on spatial units (parcels and
buildings), certificates and source documents are the evidence behind them."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.core.models import RegistryModel
from portal.core.tracking import tracked
from portal.core.validators import validate_real_estate_unit_code
from portal.parcels.choices import CertificateKind, DocumentKind, LinkStatus, RightKind
from portal.parcels.querysets import (
    BuildingParcelQuerySet,
    CaseChildQuerySet,
    CertificateQuerySet,
    RightQuerySet,
)

AREA = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}
ONE_OF_PARCEL_OR_BUILDING = Q(parcel__isnull=False) | Q(building__isnull=False)


@tracked()
class Certificate(RegistryModel):
    """A title certificate (or filing record) issued for a parcel, a building or both.

    Numbers are not unique here on purpose: the conflict register reports duplicates, and a
    register that refused them could not show them.
    """

    kind = models.CharField(
        _("kind"), max_length=12, choices=CertificateKind, default=CertificateKind.REAL_ESTATE
    )
    number = models.CharField(_("certificate number"), max_length=60, db_index=True)
    real_estate_unit_code = models.CharField(
        _("real-estate unit code"),
        max_length=28,
        blank=True,
        validators=[validate_real_estate_unit_code],
    )
    holder = models.ForeignKey(
        "org.Unit",
        verbose_name=_("registered to"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    parcel = models.ForeignKey(
        "parcels.Parcel",
        verbose_name=_("parcel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    issuing_authority = models.CharField(_("issuing authority"), max_length=200, blank=True)
    certificate_area_m2 = models.DecimalField(
        _("area on the certificate (m²)"), null=True, blank=True, **AREA
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=ONE_OF_PARCEL_OR_BUILDING, name="parcels_certificate_has_object"
            )
        ]

    def __str__(self) -> str:
        return self.number


@tracked()
class Right(RegistryModel):
    """A unit's right on a parcel or on a building, with its share and term."""

    kind = models.CharField(_("kind"), max_length=20, choices=RightKind)
    holder = models.ForeignKey(
        "org.Unit", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="rights"
    )
    parcel = models.ForeignKey(
        "parcels.Parcel",
        verbose_name=_("parcel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rights",
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rights",
    )
    share = models.DecimalField(
        _("share"),
        max_digits=5,
        decimal_places=4,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("The holder's share of the right, from 0 to 1 (1 is sole)."),
    )
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rights",
    )
    note = models.TextField(_("note"), blank=True)

    objects = RightQuerySet.as_manager()

    class Meta:
        verbose_name = _("right")
        verbose_name_plural = _("rights")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(parcel__isnull=True) ^ Q(building__isnull=True)),
                name="parcels_right_one_object",
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0, share__lte=1), name="parcels_right_share_range"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="parcels_right_term_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.holder}"


@tracked()
class BuildingParcel(models.Model):
    """A building standing on a parcel: derived from the geometry, confirmed by an officer.

    ``share_on_parcel`` is the part of the footprint (its location, lacking one) on the parcel.
    A re-derivation refreshes derived links and leaves confirmed and rejected ones as decided.
    """

    # No index of its own: the unique (building, parcel) index serves lookups by building.
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="parcel_links",
        db_index=False,
    )
    parcel = models.ForeignKey(
        "parcels.Parcel",
        verbose_name=_("parcel"),
        on_delete=models.CASCADE,
        related_name="building_links",
    )
    share_on_parcel = models.FloatField(_("share of the footprint on the parcel"))
    status = models.CharField(
        _("status"), max_length=10, choices=LinkStatus, default=LinkStatus.DERIVED
    )
    derived_at = models.DateTimeField(_("derived at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = BuildingParcelQuerySet.as_manager()

    class Meta:
        verbose_name = _("building on parcel")
        verbose_name_plural = _("buildings on parcels")
        ordering = ["building", "-share_on_parcel"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "parcel"], name="parcels_buildingparcel_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.building} / {self.parcel}"


def document_path(document: "SourceDocument", filename: str) -> str:
    """Stored under the case, with the upload's own name kept only as the download name."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"title-documents/{document.case_id}/{document.sha256[:16]}.{suffix}"


@tracked()
class SourceDocument(models.Model):
    """A scan or PDF behind a case: certificate, allocation decision, contract, survey…

    Files live in Django storage under ``MEDIA_ROOT`` and are only served through a view that
    checks the reader's scope; the type is checked from the file's first bytes, not its name.
    """

    case = models.ForeignKey(
        "parcels.TitleCase",
        verbose_name=_("title case"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind)
    title = models.CharField(_("title"), max_length=200)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=60)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")
        ordering = ["case", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "sha256"], name="parcels_sourcedocument_case_file_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title
