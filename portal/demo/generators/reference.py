"""Real reference data: divisions, cooperation regions and code tables (never synthetic).

Each table is filled only where rows are missing, so edits made in the portal survive a reload.
"""

from typing import Any

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

from portal.assets.models import AssetCategory
from portal.buildings.models import SpaceStandard
from portal.demo.data import codes
from portal.demo.exceptions import DemoDataError
from portal.demo.generators.world import World
from portal.org.models import AdminDivision, CooperationRegion


def to_geos(geom: shapely.Geometry) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4490)


def load_divisions(world: World) -> int:
    """Insert the fixture's divisions that are missing, parents before children."""
    existing = {d.code: d for d in AdminDivision.objects.current()}
    created = 0
    for level in ("province", "city", "county"):
        rows = [
            p.row for p in world.places.values() if p.row.level == level and p.code not in existing
        ]
        new = AdminDivision.objects.bulk_create(
            AdminDivision(
                code=row.code,
                name=row.name,
                name_pinyin=row.name_pinyin,
                pinyin_initials=row.pinyin_initials,
                level=row.level,
                parent=existing.get(row.parent_code or ""),
                geom=to_geos(row.geom),
            )
            for row in rows
        )
        existing.update((d.code, d) for d in new)
        created += len(new)
    world.divisions = existing
    return created


def load_regions(world: World) -> int:
    """The Sichuan–Chongqing cooperation regions, their extent the union of their members."""
    created = 0
    for name, kind, members, description in codes.COOPERATION_REGIONS:
        absent = [code for code in members if code not in world.divisions]
        if absent:
            raise DemoDataError(
                _("The divisions %(codes)s of %(region)s are not in the fixture.")
                % {"codes": ", ".join(absent), "region": name}
            )
        if CooperationRegion.objects.filter(name=name).exists():
            continue
        union = shapely.union_all([world.places[code].row.geom for code in members])
        if union.geom_type == "Polygon":
            union = shapely.MultiPolygon([union])
        region = CooperationRegion.objects.create(
            name=name, kind=kind, description=description, geom=to_geos(union)
        )
        region.members.set([world.divisions[code] for code in members])
        created += 1
    return created


def _load_tree(model: Any, rows: tuple[tuple[str, str, str | None], ...], **extra: object) -> int:
    """Insert missing (code, name, parent code) rows of a code table, parents first."""
    known = {c.code: c for c in model.objects.all()}
    created = 0
    for code, name, parent in rows:
        if code not in known:
            known[code] = model.objects.create(
                code=code, name=name, parent=known.get(parent or ""), needs_check=True, **extra
            )
            created += 1
    return created


def load_code_tables() -> int:
    """Asset classes and the office-space standard, marked to be checked. The supply classes
    are not here: migration ``depots.0006`` seeds them for every installation."""
    created = _load_tree(AssetCategory, codes.ASSET_CATEGORIES, edition=codes.ASSET_EDITION)
    known = set(
        SpaceStandard.objects.filter(edition=codes.SPACE_STANDARD_EDITION).values_list(
            "government_level", "rank"
        )
    )
    new = SpaceStandard.objects.bulk_create(
        SpaceStandard(
            edition=codes.SPACE_STANDARD_EDITION,
            government_level=level,
            rank=rank,
            post=post,
            area_m2=area,
            needs_check=True,
            source=codes.SPACE_STANDARD_SOURCE,
        )
        for level, rank, post, area in codes.SPACE_STANDARDS
        if (level, rank) not in known
    )
    return created + len(new)
