"""Office buildings on the planned compounds, and the units that occupy them."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import numpy as np
import shapely
from django.contrib.gis.geos import Point

from gis.geodesy import geodesic_area_m2
from portal.buildings.models import Building, Occupancy
from portal.demo.data.codes import SPACE_STANDARDS
from portal.demo.generators.reference import to_geos
from portal.demo.generators.world import DemoUnit, Site, World

STANDARD_M2 = {(level, rank): area for level, rank, _post, area in SPACE_STANDARDS}
# Usable area per person is about 1.6 times the office room: service and auxiliary rooms.
ROOMS_FACTOR = 1.6
# A unit within the standard is allotted up to this share of its staff's office-room limits
# times its demand factor (0.85–1.2): most stay under the limit, a few just over it.
WITHIN_STANDARD = 0.85
USABLE_SHARE = (0.55, 0.68)
SIDE_USES = ("office", "service", "auxiliary", "equipment")


def decimal(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


# Per unit: the usable area it takes, and the office-room area of it allotted to it (m²).
Needs = dict[DemoUnit, tuple[float, float]]


def demand_m2(unit: DemoUnit, rng: np.random.Generator) -> tuple[float, float]:
    """Usable area a unit takes (its building is sized for it: office, service and auxiliary
    rooms), and the office-room area allotted to it, which the space standard limits: within the
    standard for most units, well over it for one in ten."""
    office = sum(STANDARD_M2.get((unit.level, r), 9) * n for r, n in unit.staff.items())
    over = rng.random() < 0.1
    factor = float(rng.uniform(1.4, 2.0) if over else rng.uniform(0.85, 1.2))
    allotted = office * (factor if over else factor * WITHIN_STANDARD)
    return office * ROOMS_FACTOR * factor, allotted


def _name(site: Site, index: int) -> str:
    if len(site.footprints) == 1:
        return f"{site.unit.name}办公楼"
    return f"{site.unit.name}{index + 1}号楼"


def _confidentiality(unit: DemoUnit, rng: np.random.Generator) -> str:
    if unit.kind == "party_organ" and rng.random() < 0.3:
        return "secret"
    return "public" if rng.random() < 0.15 else "internal"


def _building(
    world: World, rng: np.random.Generator, site: Site, index: int, need_m2: float | None
) -> Building:
    footprint = site.footprints[index]
    area = geodesic_area_m2(footprint)
    share = float(rng.uniform(*USABLE_SHARE))
    if need_m2 is None:
        floors = int(rng.integers(2, 7))
    else:
        floors = int(np.clip(np.ceil(need_m2 / (share * area * 0.97)), 2, 24))
    below = int(rng.choice([0, 1, 2], p=[0.4, 0.45, 0.15]))
    gross = area * (floors * float(rng.uniform(0.95, 1.0)) + below * 0.9)
    centre = footprint.centroid
    return Building(
        name=_name(site, index),
        address=site.unit.address,
        division=world.divisions[site.county],
        managing_unit=site.unit.model,
        geom=Point(centre.x, centre.y, srid=4490),
        footprint=to_geos(shapely.MultiPolygon([footprint])),
        floors_above=floors,
        floors_below=below,
        gross_area_m2=decimal(gross),
        usable_area_m2=decimal(gross * share),
        year_built=int(rng.integers(1985, 2023)),
        use_type="office" if index == 0 else str(rng.choice(SIDE_USES, p=[0.4, 0.3, 0.2, 0.1])),
        confidentiality=_confidentiality(site.unit, rng),
        synthetic=True,
    )


def _occupancies(
    rng: np.random.Generator, building: Building, needs: Needs, main: bool
) -> list[Occupancy]:
    usable = float(building.usable_area_m2 or 0)
    total = sum(need for need, _allotted in needs.values()) or 1.0
    since = date(max(building.year_built or 2000, 2000), int(rng.integers(1, 13)), 1)
    if not main:
        (unit,) = needs
        return [
            Occupancy(
                unit=unit.model,
                building=building,
                since=since,
                synthetic=True,
                usable_area_m2=decimal(usable * float(rng.uniform(0.8, 1.0))),
            )
        ]
    return [
        Occupancy(
            unit=unit.model,
            building=building,
            staff_by_rank=unit.staff,
            since=since,
            usable_area_m2=decimal(min(usable * need / total, allotted)),
            synthetic=True,
        )
        for unit, (need, allotted) in needs.items()
    ]


def write_buildings(world: World, rng: np.random.Generator) -> int:
    """Buildings of every compound; the main one is sized for its occupants' staff."""
    guests: dict[int, list[DemoUnit]] = defaultdict(list)
    for unit in world.units:
        if unit.host is not None:
            guests[id(unit.host)].append(unit)
    planned: list[tuple[Building, Needs, bool]] = []
    for site in world.sites:
        needs = {u: demand_m2(u, rng) for u in [site.unit, *guests[id(site.unit)]]}
        for index in range(len(site.footprints)):
            main = index == 0
            need = sum(area for area, _allotted in needs.values())
            building = _building(world, rng, site, index, need if main else None)
            planned.append((building, needs if main else {site.unit: (0.0, 0.0)}, main))
            site.unit.buildings.append(building)
    Building.objects.bulk_create(b for b, _needs, _main in planned)
    occupancies = [o for b, needs, main in planned for o in _occupancies(rng, b, needs, main)]
    Occupancy.objects.bulk_create(occupancies)
    return len(planned) + len(occupancies)
