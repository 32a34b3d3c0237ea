"""ORM expressions for querysets that end up as the inner query of hand-written tile SQL."""

from typing import Any

from django.contrib.gis.db.models import GeometryField
from django.db.models import Func


class RawGeometryField(GeometryField):
    """A geometry selected as it is stored.

    GeoDjango selects geometries as ``geom::bytea`` for Python to parse; SQL that wraps the query
    (``ST_AsMVTGeom``, ``ST_X``) needs the geometry itself. A queryset selecting this field is
    only meant to be compiled, never evaluated.
    """

    def select_format(self, compiler: Any, sql: str, params: Any) -> tuple[str, Any]:
        return sql, params


class RawGeometry(Func):
    """Select a geometry expression (a field, ``Centroid(...)``) without the bytea cast."""

    template = "%(expressions)s"
    output_field = RawGeometryField()
