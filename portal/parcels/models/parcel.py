from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gis.codes import parse_real_estate_unit_code
from gis.errors import CodeError
from portal.core.models import RegistryModel, source_crs_field
from portal.core.tracking import tracked
from portal.core.validators import validate_geometry, validate_real_estate_unit_code
from portal.parcels.choices import LandUse, RightType, TitleStatus
from portal.parcels.querysets import ParcelQuerySet


@tracked()
class Parcel(RegistryModel):
    """A land parcel (宗地) and the ownership boundary a unit holds or claims on it.

    The real-estate unit code may be empty for title filing, where registration is impossible.
    ``area_m2`` is the geodesic area of ``geom`` on the CGCS2000 ellipsoid, a generated column.
    """

    registry_no = models.CharField(_("registry number"), max_length=30, unique=True)
    real_estate_unit_code = models.CharField(
        _("real-estate unit code"),
        max_length=28,
        null=True,
        blank=True,
        validators=[validate_real_estate_unit_code],
    )
    certificate_no = models.CharField(_("certificate number"), max_length=60, blank=True)
    holder = models.ForeignKey(
        "org.Unit",
        verbose_name=pgettext_lazy("parcel", "holder"),
        on_delete=models.PROTECT,
        related_name="parcels",
    )
    division = models.ForeignKey(
        "org.AdminDivision", verbose_name=_("division"), on_delete=models.PROTECT
    )
    right_type = models.CharField(_("right type"), max_length=12, choices=RightType)
    land_use = models.CharField(_("land use"), max_length=16, choices=LandUse)
    certificate_area_m2 = models.DecimalField(
        _("area on the certificate (m²)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    geom = models.MultiPolygonField(_("boundary"), srid=4490, validators=[validate_geometry])
    # Derived in the database so no write path (admin, import, bulk COPY) can leave it stale.
    area_m2 = models.GeneratedField(
        verbose_name=_("geodesic area (m²)"),
        expression=models.Func(
            "geom", function="ST_Area", template="%(function)s(%(expressions)s::geography)"
        ),
        output_field=models.FloatField(),
        db_persist=True,
    )
    source_crs = source_crs_field()
    title_status = models.CharField(
        _("title status"), max_length=12, choices=TitleStatus, default=TitleStatus.UNREGISTERED
    )

    objects = ParcelQuerySet.as_manager()

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["registry_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["real_estate_unit_code"],
                condition=Q(real_estate_unit_code__isnull=False),
                name="parcels_parcel_unit_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.registry_no

    def natural_key(self) -> tuple[str]:
        return (self.registry_no,)

    def get_absolute_url(self) -> str:
        return reverse("parcels:parcel_detail", args=[self.pk])

    def clean(self) -> None:
        """Cross-check the code's county against the parcel's division."""
        if self.real_estate_unit_code and self.division_id:
            try:
                parse_real_estate_unit_code(self.real_estate_unit_code, self.division.code)
            except CodeError as exc:
                raise ValidationError({"real_estate_unit_code": exc.user_message}) from None
