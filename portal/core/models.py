from datetime import datetime
from typing import Any, Self

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

    # ``updated_at`` as it was when this instance was read or last saved: the version the write
    # service compares with the stored row, so that a save of a record someone changed since is
    # refused instead of silently writing the old values back (a lost update).
    _loaded_updated_at: datetime | None = None

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or "updated_at" in fields:
            self._loaded_updated_at = self.updated_at

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Self:
        instance = super().from_db(db, field_names, values)
        instance._loaded_updated_at = instance.__dict__.get("updated_at")
        return instance

    def refresh_from_db(
        self, using: str | None = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        super().refresh_from_db(using, fields, from_queryset)
        if fields is None or "updated_at" in fields:
            self._loaded_updated_at = self.updated_at


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
