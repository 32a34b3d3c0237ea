"""Spatial lookups GeoDjango lacks for geographic SRIDs, registered on every geometry field."""

from typing import Any

from django.contrib.gis.db.models.fields import BaseSpatialField
from django.db.models import Lookup


@BaseSpatialField.register_lookup
class DWithinMetres(Lookup):  # type: ignore[type-arg]
    """``geom__dwithin_m=(point, metres)``: within a distance in metres on the ellipsoid.

    GeoDjango's ``dwithin`` only takes degrees on a geographic SRID such as 4490; this casts both
    sides to geography, which a GiST index on ``(geom::geography)`` serves.
    """

    lookup_name = "dwithin_m"

    def get_prep_lookup(self) -> Any:
        return self.rhs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        point, metres = self.rhs
        sql = f"ST_DWithin(({lhs})::geography, ST_GeomFromEWKB(%s)::geography, %s)"
        return sql, [*lhs_params, bytes(point.ewkb), float(metres)]
