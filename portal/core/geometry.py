"""GEOS ↔ shapely glue for the checks in :mod:`gis.geometry`."""

import shapely
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import models

from gis.errors import GeometryError
from gis.geometry import repair_polygonal


def polygon_fields(model: type[models.Model]) -> list[str]:
    """Names of the model's MultiPolygon fields (the ones a repair applies to)."""
    return [f.name for f in model._meta.concrete_fields if isinstance(f, MultiPolygonField)]


def repaired(geom: GEOSGeometry) -> GEOSGeometry:
    """A valid MultiPolygon made from ``geom``; unchanged when it is already valid."""
    if geom.valid:
        return geom
    try:
        fixed = repair_polygonal(shapely.from_wkb(bytes(geom.wkb)))
    except GeometryError as exc:
        raise ValidationError(exc.user_message, code="unrepairable") from None
    return GEOSGeometry(memoryview(shapely.to_wkb(fixed)), srid=geom.srid)


def repair_geometries(obj: models.Model) -> None:
    """Repair every invalid MultiPolygon of ``obj`` in place."""
    for name in polygon_fields(type(obj)):
        value = getattr(obj, name)
        if value is not None:
            setattr(obj, name, repaired(value))
