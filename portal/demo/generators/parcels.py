"""Parcels around the compounds, with title statuses, codes and deliberate conflicts.

Conflict parcels carry a marker in their registry number (``ZD-<county>-<seq>-<marker>``) so that
tests and the conflict finder can be checked against them:

* ``OVL`` overlaps a neighbouring parcel by 3–8 m;
* ``OUT`` leaves one or two of its buildings outside;
* ``DUP`` repeats another parcel's certificate number;
* ``AREA`` has a certificate area 12–35% off its geodesic area.
"""

from dataclasses import dataclass

import numpy as np
import shapely

from gis.codes import parse_real_estate_unit_code
from gis.geodesy import geodesic_area_m2
from portal.demo.generators.buildings import decimal
from portal.demo.generators.reference import to_geos
from portal.demo.generators.world import DemoUnit, Site, World
from portal.parcels.models import Parcel

MARKERS = {
    "overlap": "OVL",
    "outside": "OUT",
    "duplicate_certificate": "DUP",
    "area_mismatch": "AREA",
}
TITLE_STATUSES = ("registered", "in_progress", "unregistered", "filed", "disputed")
TITLE_SHARES = (0.45, 0.20, 0.15, 0.12, 0.08)
RIGHT_TYPES = ("allocated", "granted", "leased")
RIGHT_SHARES = (0.85, 0.10, 0.05)


@dataclass
class Counter:
    """Per-county sequence numbers of parcels."""

    values: dict[str, int]

    def next(self, county: str, rng: np.random.Generator) -> int:
        value = self.values.get(county, int(rng.integers(100, 600))) + 1
        self.values[county] = value
        return value


def offices_admins(world: World) -> dict[str, DemoUnit]:
    """The offices administration of each division, to which titles are registered (DOMAIN §4)."""
    return {u.place.code: u for u in world.units if u.role == "offices_admin"}


def unit_code(county: str, seq: int, rng: np.random.Generator) -> str:
    """A GB/T 37346 code: state ownership, construction land surface right, building 1 unit 1."""
    zone, subzone = int(rng.integers(1, 31)), int(rng.integers(1, 41))
    code = f"{county}{zone:03d}{subzone:03d}GB{seq:05d}F00010001"
    parse_real_estate_unit_code(code, county)
    return code


def certificate(world: World, county: str, rng: np.random.Generator) -> str:
    province = "渝" if county.startswith("50") else "川"
    year = int(rng.integers(2016, 2025))
    number = int(rng.integers(1_000_000, 10_000_000))
    return f"{province}（{year}）{world.places[county].name}不动产权第{number:07d}号"


def _parcel(world: World, site: Site, seq: int, status: str, rng: np.random.Generator) -> Parcel:
    coded = status == "registered" or (status == "in_progress" and rng.random() < 0.5)
    area = geodesic_area_m2(site.parcel)
    registered = status == "registered"
    holder = site.unit
    if registered:
        holder = world.offices_admins.get(site.unit.place.code, site.unit)
    institution = site.unit.kind == "public_institution"
    return Parcel(
        registry_no=f"ZD-{site.county}-{seq:04d}",
        real_estate_unit_code=unit_code(site.county, seq, rng) if coded else None,
        certificate_no=certificate(world, site.county, rng) if registered else "",
        holder=holder.model,
        division=world.divisions[site.county],
        right_type=str(rng.choice(RIGHT_TYPES, p=RIGHT_SHARES)),
        land_use="public_service" if institution else "organ",
        certificate_area_m2=decimal(area * rng.uniform(0.99, 1.01)) if registered else None,
        geom=to_geos(shapely.MultiPolygon([site.parcel])),
        area_m2=area,
        title_status=status,
        synthetic=True,
    )


def _mark(world: World, parcel: Parcel, kind: str) -> None:
    parcel.registry_no = f"{parcel.registry_no}-{MARKERS[kind]}"
    world.conflicts.setdefault(kind, []).append(parcel.registry_no)


def _certificate_conflicts(world: World, parcels: list[Parcel], rng: np.random.Generator) -> None:
    flagged = tuple(MARKERS.values())
    clean = [
        p for p in parcels if p.title_status == "registered" and not p.registry_no.endswith(flagged)
    ]
    order = [clean[int(i)] for i in rng.permutation(len(clean))]
    count = min(world.scale.conflicts, len(order) // 3)
    for index in range(count):
        source, copy = order[2 * index], order[2 * index + 1]
        copy.certificate_no = source.certificate_no
        _mark(world, copy, "duplicate_certificate")
    for parcel in order[2 * count : 3 * count]:
        sign = 1 if rng.random() < 0.5 else -1
        parcel.certificate_area_m2 = decimal(parcel.area_m2 * (1 + sign * rng.uniform(0.12, 0.35)))
        _mark(world, parcel, "area_mismatch")


def write_parcels(world: World, rng: np.random.Generator) -> int:
    """One parcel per compound; registered titles are held by the offices administration."""
    world.conflicts = {kind: [] for kind in MARKERS}
    world.offices_admins = offices_admins(world)
    counter, parcels = Counter({}), []
    for site in world.sites:
        status = str(rng.choice(TITLE_STATUSES, p=TITLE_SHARES))
        parcel = _parcel(world, site, counter.next(site.county, rng), status, rng)
        if site.conflict:
            _mark(world, parcel, site.conflict)
        site.parcel_model = parcel
        parcels.append(parcel)
    _certificate_conflicts(world, parcels, rng)
    Parcel.objects.bulk_create(parcels)
    return len(parcels)
