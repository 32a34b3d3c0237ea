"""Official vehicles with valid Sichuan and Chongqing plates, based at their holders' buildings,
and the drivers their holders employ."""

from collections import Counter

import numpy as np

from portal.demo.data import fleet as data
from portal.demo.data import items
from portal.demo.generators.world import DemoUnit, World
from portal.fleet.choices import LicenceClass
from portal.fleet.models import Driver, Vehicle

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
    low, high = data.NEV_RANGE_KM[kind]
    range_km = int(rng.integers(low, high + 1)) // 10 * 10 if nev else None
    return Vehicle(
        plate=number,
        vehicle_type=kind,
        seats=int(rng.choice(seats)),
        energy="nev" if nev else "fuel",
        range_km=range_km,
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
    return len(vehicles) + write_drivers(vehicles, rng)


def driver_name(rng: np.random.Generator) -> str:
    surname = data.SURNAMES[int(rng.integers(len(data.SURNAMES)))]
    given = [data.GIVEN[int(i)] for i in rng.integers(0, len(data.GIVEN), int(rng.integers(1, 3)))]
    return surname + "".join(given)


def _licences(types: Counter[str], count: int, rng: np.random.Generator) -> list[str]:
    """Enough A1 and B1 drivers for the unit's buses and minibuses, the others mostly C1."""
    needed = [LicenceClass.A1] * min(types["bus"], count)
    needed += [LicenceClass.B1] * min(types["minibus"], count - len(needed))
    rest = count - len(needed)
    extra = [
        LicenceClass.B1 if rng.random() < data.EXTRA_B1 else LicenceClass.C1 for _ in range(rest)
    ]
    return [str(c) for c in needed + extra]


def write_drivers(vehicles: list[Vehicle], rng: np.random.Generator) -> int:
    """Each holder employs about one driver per vehicle, licensed for its buses and minibuses."""
    fleets: dict[int, Counter[str]] = {}
    holders = {}
    for vehicle in vehicles:
        fleets.setdefault(vehicle.holder.pk, Counter())[vehicle.vehicle_type] += 1
        holders[vehicle.holder.pk] = vehicle.holder
    drivers = []
    for pk in sorted(fleets):
        types = fleets[pk]
        count = max(1, round(sum(types.values()) * data.DRIVERS_PER_VEHICLE))
        for licence in _licences(types, count, rng):
            prefix = data.PHONE_PREFIXES[int(rng.integers(len(data.PHONE_PREFIXES)))]
            drivers.append(
                Driver(
                    name=driver_name(rng),
                    unit=holders[pk],
                    licence_class=licence,
                    phone=prefix + "".join(str(d) for d in rng.integers(0, 10, 8)),
                    active=rng.random() >= data.INACTIVE_DRIVERS,
                    synthetic=True,
                )
            )
    Driver.objects.bulk_create(drivers)
    return len(drivers)
