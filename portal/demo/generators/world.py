"""The state shared by the generators: divisions with their seats, and what has been planned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from portal.demo.generators.fixtures import DivisionRow, PlaceRow
from portal.demo.generators.layout import Layout, Placement
from portal.demo.scales import Scale

if TYPE_CHECKING:
    from portal.buildings.models import Building
    from portal.depots.models import Depot
    from portal.org.models import AdminDivision, Unit
    from portal.parcels.models import Parcel


@dataclass
class Place:
    """A division with its boundary and seat (its most populous place, else an inner point)."""

    row: DivisionRow
    seat: tuple[float, float]

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def name(self) -> str:
        return self.row.name


@dataclass(eq=False)
class DemoUnit:
    """A unit to generate: what the model row needs plus where and how it sits."""

    name: str
    short_name: str
    kind: str
    role: str
    level: str
    place: Place
    parent: DemoUnit | None
    credit_code: str = ""
    staff: dict[str, int] = field(default_factory=dict)
    anchor: tuple[float, float] = (0.0, 0.0)
    address: str = ""
    host: DemoUnit | None = None
    site: Site | None = None
    model: Unit | None = None
    buildings: list[Building] = field(default_factory=list)

    @property
    def main_building(self) -> Building | None:
        if self.host is not None:
            return self.host.main_building
        return self.buildings[0] if self.buildings else None

    @property
    def headcount(self) -> int:
        return sum(self.staff.values())


@dataclass(eq=False)
class Site:
    """A unit's compound: building footprints inside one parcel, in lon/lat and local metres."""

    unit: DemoUnit
    centre: tuple[float, float]
    footprints: list[shapely.Polygon]
    parcel: shapely.Polygon
    placement: Placement
    layout: Layout
    county: str
    conflict: str = ""
    parcel_model: Parcel | None = None


class CountyLocator:
    """Which county a lon/lat point falls in."""

    def __init__(self, places: list[Place]) -> None:
        self.codes = [p.code for p in places]
        self.tree = shapely.STRtree([p.row.geom for p in places])

    def locate(self, lon: float, lat: float) -> str | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[int(np.min(hits))] if len(hits) else None


@dataclass
class World:
    """Everything the stages hand to each other within one load."""

    seed: int
    scale: Scale
    places: dict[str, Place]
    divisions: dict[str, AdminDivision] = field(default_factory=dict)
    units: list[DemoUnit] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    depots: list[Depot] = field(default_factory=list)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)  # per kind, of the first run
    offices_admins: dict[str, DemoUnit] = field(default_factory=dict)
    history: Any = None  # the entered pghistory.context, for writes that bypass the ORM
    _locator: CountyLocator | None = None

    @property
    def locator(self) -> CountyLocator:
        if self._locator is None:
            counties = [p for p in self.places.values() if p.row.level == "county"]
            self._locator = CountyLocator(counties)
        return self._locator

    def children(self, code: str) -> list[Place]:
        return [p for p in self.places.values() if p.row.parent_code == code]

    def unit_named(self, name: str) -> DemoUnit | None:
        return next((u for u in self.units if u.name == name), None)


def build_places(rows: list[DivisionRow], places: list[PlaceRow]) -> dict[str, Place]:
    """Give every division a seat: the most populous GeoNames place in it or below it."""
    best: dict[str, PlaceRow] = {}
    for place in places:
        current = best.get(place.county_code)
        if current is None or place.population > current.population:
            best[place.county_code] = place
    parents = {row.code: row.parent_code for row in rows}
    for code in sorted(best):
        parent = parents.get(code)
        while parent is not None:
            if parent not in best or best[code].population > best[parent].population:
                best[parent] = best[code]
            parent = parents.get(parent)
    result = {}
    for row in rows:
        found = best.get(row.code)
        if found is not None:
            seat = (found.lon, found.lat)
        else:
            point = row.geom.representative_point()
            seat = (point.x, point.y)
        result[row.code] = Place(row, seat)
    return result
