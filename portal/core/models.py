from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryModel(models.Model):
    """Fields every registry record carries: when it was written and whether it is demo data."""

    synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        help_text=_("Generated demonstration data, not a real record."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def source_crs_field() -> models.CharField:  # type: ignore[type-arg]
    """The coordinate system a record's geometry was supplied in, as imports record it.

    The geometry itself is stored in CGCS2000; this keeps where it came from (``GCJ-02``,
    ``EPSG:4544``…). The database default lets bulk loaders that name their columns leave it out.
    """
    return models.CharField(
        _("source coordinate system"),
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text=_("The system the geometry was supplied in, e.g. GCJ-02 or EPSG:4523."),
    )
