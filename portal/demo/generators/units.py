"""Units at real seats: provincial departments, city and county governments and their offices."""

import numpy as np
from django.contrib.gis.geos import Point

from gis.codes import USCC_CHARSET, complete_uscc
from portal.demo.data import units as data
from portal.demo.data.items import ROADS
from portal.demo.generators.world import DemoUnit, Place, World
from portal.demo.scales import covers
from portal.org.models import Unit

# Share of city and county offices and bureaus housed in their government's main building.
CO_LOCATED = 0.35
# Share of county offices administrations that are service centres (public institutions).
SERVICE_CENTRE = 0.4


def short_place(name: str) -> str:
    """阿坝藏族羌族自治州 → 阿坝州; other names are kept."""
    return name[:2] + "州" if name.endswith("自治州") else name


def _provincial(world: World, code: str, rows: tuple[tuple[str, str, str, str], ...]) -> None:
    place = world.places[code]
    government = None
    for name, short, kind, role in rows:
        parent = None if role in {"government", "party"} else government
        unit = DemoUnit(name, short, kind, role, "province", place, parent)
        government = government or unit
        world.units.append(unit)


def _local(
    world: World,
    place: Place,
    names: tuple[str, str],
    parent: DemoUnit,
    offices: tuple[str, str],
    bureaus: list[tuple[str, str]],
) -> DemoUnit:
    """A city or county government, its offices administration and its bureaus."""
    full, short = names
    level = place.row.level
    government = DemoUnit(
        f"{full}人民政府", f"{short}政府", "government_organ", "government", level, place, parent
    )
    world.units.append(government)
    for suffix, kind in [offices, *bureaus]:
        role = "offices_admin" if (suffix, kind) == offices else "bureau"
        unit = DemoUnit(f"{full}{suffix}", f"{short}{suffix}", kind, role, level, place, government)
        world.units.append(unit)
    return government


def _pick(rng: np.random.Generator, options: tuple[tuple[str, str], ...], count: int) -> list:
    return [options[int(i)] for i in sorted(rng.choice(len(options), count, replace=False))]


def _city(world: World, rng: np.random.Generator, city: Place, province: DemoUnit) -> DemoUnit:
    names = (city.name, short_place(city.name))
    offices = ("机关事务管理局", "government_organ")
    return _local(world, city, names, province, offices, _pick(rng, data.CITY_BUREAUS, 2))


def _county_prefix(world: World, county: Place) -> str:
    """Districts carry their city's name (成都市武侯区); counties stand alone (邻水县)."""
    parent = county.row.parent_code or ""
    if county.name.endswith("区") and parent in world.places:
        return world.places[parent].name
    return ""


def _county(world: World, rng: np.random.Generator, county: Place, parent: DemoUnit) -> None:
    names = (_county_prefix(world, county) + county.name, county.name)
    centre = rng.random() < SERVICE_CENTRE
    offices = (
        ("机关事务服务中心", "public_institution")
        if centre
        else ("机关事务管理局", "government_organ")
    )
    bureaus = _pick(rng, data.COUNTY_BUREAUS, int(rng.integers(2, 4)))
    _local(world, county, names, parent, offices, bureaus)


def credit_code(rng: np.random.Generator, unit: DemoUnit, used: set[str]) -> str:
    """A valid GB 32100 code: 11 (organ) or 12 (institution), the division, 9 random chars."""
    prefix = "12" if unit.kind == "public_institution" else "11"
    while True:
        body = "".join(USCC_CHARSET[int(i)] for i in rng.integers(0, 31, 9))
        code = complete_uscc(prefix + unit.place.code + body)
        if code not in used:
            used.add(code)
            return code


def _details(world: World, rng: np.random.Generator) -> None:
    used: set[str] = set()
    for unit in world.units:
        unit.credit_code = credit_code(rng, unit, used)
        ranges = data.STAFFING[(unit.level, unit.role)]
        unit.staff = {rank: int(rng.integers(lo, hi + 1)) for rank, (lo, hi) in ranges.items()}
        road = ROADS[int(rng.integers(len(ROADS)))]
        unit.address = f"{unit.place.name}{road}{int(rng.integers(1, 300))}号"
        shared = unit.level != "province" and unit.role != "government"
        if shared and unit.parent is not None and rng.random() < CO_LOCATED:
            unit.host = unit.parent
            unit.address = unit.parent.address


def plan_units(world: World, rng: np.random.Generator) -> None:
    """Plan every unit of the scale (no database writes); sites are planned next."""
    world.units = []
    _provincial(world, "510000", data.SICHUAN_UNITS)
    _provincial(world, "500000", data.CHONGQING_UNITS)
    sichuan, chongqing = world.units[0], world.unit_named("重庆市人民政府")
    governments = {"500000": chongqing}
    for city in sorted(world.children("510000"), key=lambda p: p.code):
        if covers(world.scale, city.code):
            governments[city.code] = _city(world, rng, city, sichuan)
    counties = sorted(
        (p for p in world.places.values() if p.row.level == "county"), key=lambda p: p.code
    )
    for county in counties:
        parent = governments.get(county.row.parent_code or "")
        if parent is not None and covers(world.scale, county.code):
            _county(world, rng, county, parent)
    _details(world, rng)


def _depth(unit: DemoUnit) -> int:
    return 0 if unit.parent is None else 1 + _depth(unit.parent)


def write_units(world: World) -> int:
    """Insert the planned units, parents before children."""
    for depth in sorted({_depth(u) for u in world.units}):
        tier = [u for u in world.units if _depth(u) == depth]
        models = Unit.objects.bulk_create(_model(world, u) for u in tier)
        for unit, model in zip(tier, models, strict=True):
            unit.model = model
    return len(world.units)


def _model(world: World, unit: DemoUnit) -> Unit:
    return Unit(
        credit_code=unit.credit_code,
        name=unit.name,
        short_name=unit.short_name,
        kind=unit.kind,
        level=unit.level,
        division=world.divisions[unit.place.code],
        parent=unit.parent.model if unit.parent else None,
        address=unit.address,
        location=Point(*unit.anchor, srid=4490),
        staff_by_rank=unit.staff,
        offices_administration=unit.role == "offices_admin",
        synthetic=True,
    )
