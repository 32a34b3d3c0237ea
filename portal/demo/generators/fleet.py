"""Official vehicles with valid Sichuan and Chongqing plates, based at their holders' buildings."""

import numpy as np

from portal.demo.data import items
from portal.demo.generators.world import DemoUnit, World
from portal.fleet.models import Vehicle

DIGITS = "0123456789"
DEPOT_BASED = 0.15


def plate_letter(world: World, unit: DemoUnit, rng: np.random.Generator) -> str:
    """The city letter of the plate: 川A Chengdu ... 川Z Meishan; Chongqing by district."""
    code = unit.place.code
    if code.startswith("50"):
        fixed = items.CHONGQING_PLATE_LETTERS.get(code)
        return fixed or items.CHONGQING_DEFAULT_LETTERS[int(rng.integers(3))]
    city = code if unit.level != "county" else world.places[code].row.parent_code or ""
    return items.SICHUAN_PLATE_LETTERS.get(city, "A")


def plate(world: World, unit: DemoUnit, nev: bool, rng: np.random.Generator) -> str:
    """川A12345 or 川AD12345 (new energy, 8 characters); some fuel plates carry a letter."""
    province = "渝" if unit.place.code.startswith("50") else "川"
    serial = [DIGITS[int(i)] for i in rng.integers(0, 10, 5)]
    if nev:
        serial.insert(0, "DF"[int(rng.random() < 0.3)])
    elif rng.random() < 0.3:
        serial[int(rng.integers(0, 2))] = items.PLATE_LETTERS[int(rng.integers(24))]
    return province + plate_letter(world, unit, rng) + "".join(serial)


def _holders(world: World) -> tuple[list[DemoUnit], np.ndarray]:
    units = [u for u in world.units if u.model is not None]
    weights = np.array(
        [(1 + u.headcount / 30) * (3 if u.role == "offices_admin" else 1) for u in units]
    )
    return units, weights / weights.sum()


def _vehicle(
    world: World, rng: np.random.Generator, unit: DemoUnit, used: set[str], depots: dict[int, list]
) -> Vehicle:
    kind, _share, seats, nev_share = items.VEHICLE_TYPES[
        int(rng.choice(len(items.VEHICLE_TYPES), p=[t[1] for t in items.VEHICLE_TYPES]))
    ]
    nev = rng.random() < nev_share
    number = plate(world, unit, nev, rng)
    while number in used:
        number = plate(world, unit, nev, rng)
    used.add(number)
    statuses = items.VEHICLE_STATUSES
    own_depots = depots.get(id(unit), [])
    depot = own_depots[0] if own_depots and rng.random() < DEPOT_BASED else None
    return Vehicle(
        plate=number,
        vehicle_type=kind,
        seats=int(rng.choice(seats)),
        energy="nev" if nev else "fuel",
        holder=unit.model,
        base_building=None if depot else unit.main_building,
        base_depot=depot,
        status=str(rng.choice([s for s, _p in statuses], p=[p for _s, p in statuses])),
        odometer_km=int(rng.integers(5_000, 350_000)),
        synthetic=True,
    )


def write_vehicles(world: World, rng: np.random.Generator) -> int:
    units, weights = _holders(world)
    depots: dict[int, list] = {}
    by_model = {u.model.pk: u for u in units if u.model is not None}
    for depot in world.depots:
        depots.setdefault(id(by_model[depot.managing_unit_id]), []).append(depot)
    used: set[str] = set()
    drawn = rng.choice(len(units), world.scale.vehicles, p=weights)
    vehicles = [_vehicle(world, rng, units[int(i)], used, depots) for i in drawn]
    Vehicle.objects.bulk_create(vehicles)
    return len(vehicles)
