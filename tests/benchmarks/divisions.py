"""The real division boundaries (fixtures/divisions.gpkg) that the benchmarks build their worlds
on, so every figure is measured against the geometries the portal serves."""

from pathlib import Path

from django.conf import settings

from portal.demo.generators.fixtures import read_divisions
from portal.demo.generators.reference import to_geos
from portal.org.models import AdminDivision


def load_divisions(*prefixes: str) -> dict[str, AdminDivision]:
    """Create the divisions whose codes start with one of ``prefixes`` (all when none), parents
    before children as the file lists them; the created rows by code."""
    created: dict[str, AdminDivision] = {}
    for row in read_divisions(Path(settings.BASE_DIR) / "fixtures" / "divisions.gpkg"):
        if prefixes and not row.code.startswith(prefixes):
            continue
        created[row.code] = AdminDivision.objects.create(
            code=row.code,
            name=row.name,
            level=row.level,
            parent=created.get(row.parent_code or ""),
            geom=to_geos(row.geom),
        )
    return created
