"""State assets, generated in chunks of columns and written with COPY (bounded memory)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import connection
from django.utils import timezone

from portal.assets.models import Asset, AssetCategory
from portal.demo.data.items import ASSET_KINDS, ASSET_STATUSES
from portal.demo.generators.copying import NULL, copy_rows, ewkb_points
from portal.demo.generators.world import World

COLUMNS = (
    "synthetic",
    "created_at",
    "updated_at",
    "ledger_code",
    "name",
    "model_spec",
    "quantity",
    "unit_of_measure",
    "holder_id",
    "category_id",
    "building_id",
    "geom",
    "status",
    "acquired_on",
    "original_value",
    "net_value",
    "condition",
    "confidentiality",
)
FIRST_DAY, LAST_DAY = date(2005, 1, 1), date(2025, 12, 31)
SPAN_DAYS = (LAST_DAY - FIRST_DAY).days
DAYS = [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(SPAN_DAYS + 1)]
YEARS = np.array([int(day[:4]) for day in DAYS])
JITTER_M = 15.0
CONFIDENTIALITY = (("internal", 0.88), ("public", 0.10), ("secret", 0.02))
Progress = Callable[[int], None]


@dataclass
class Holders:
    """Per holding unit: its weight and the ids and points of its main and second building."""

    ids: np.ndarray
    weights: np.ndarray
    building: np.ndarray  # (units, 2) ids, main then second
    lon: np.ndarray  # (units, 2)
    lat: np.ndarray  # (units, 2)


def holders(world: World) -> Holders:
    """Every unit with a building may hold assets, weighted by its headcount."""
    ids, rows, weights = [], [], []
    for unit in world.units:
        own = [b for b in unit.buildings if b.pk] or [unit.main_building]
        if own[0] is None or unit.model is None:
            continue
        pair = (own[0], own[1] if len(own) > 1 else own[0])
        rows.append([(b.pk, b.geom.x, b.geom.y) for b in pair if b is not None])
        ids.append(unit.model.pk)
        weights.append(unit.headcount * (1.5 if unit.role == "offices_admin" else 1))
    table = np.array(rows, dtype=np.float64)
    share = np.array(weights, dtype=np.float64)
    return Holders(
        ids=np.array(ids, dtype=np.int64),
        weights=share / share.sum(),
        building=table[:, :, 0].astype(np.int64),
        lon=table[:, :, 1],
        lat=table[:, :, 2],
    )


def _kind_table(key: str) -> np.ndarray:
    return np.array([getattr(kind, key) for kind in ASSET_KINDS])


def _draw(rng: np.random.Generator, size: int, owners: Holders) -> dict[str, np.ndarray]:
    weights = _kind_table("weight")
    kind = rng.choice(len(ASSET_KINDS), size, p=weights / weights.sum())
    statuses = np.array([share for _s, share in ASSET_STATUSES])
    return {
        "kind": kind,
        "holder": rng.choice(len(owners.ids), size, p=owners.weights),
        "status": rng.choice(len(ASSET_STATUSES), size, p=statuses / statuses.sum()),
        "day": rng.integers(0, SPAN_DAYS + 1, size),
        "pick": rng.random((size, 3)),
    }


def _values(rng: np.random.Generator, draw: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Quantity, original and net value in cents: straight-line, net never above original."""
    kind = draw["kind"]
    low = np.array([k.value_yuan[0] for k in ASSET_KINDS])[kind]
    high = np.array([k.value_yuan[1] for k in ASSET_KINDS])[kind]
    q_low = np.array([k.quantity[0] for k in ASSET_KINDS])[kind]
    q_high = np.array([k.quantity[1] for k in ASSET_KINDS])[kind]
    quantity = q_low + np.floor(rng.random(len(kind)) * (q_high - q_low + 1)).astype(np.int64)
    each = np.exp(rng.uniform(np.log(low), np.log(high)))
    original = np.round(each * quantity * 100).astype(np.int64)
    life = _kind_table("life_years")[kind]
    age = (SPAN_DAYS - draw["day"]) / 365.25
    remaining = np.where(life > 0, np.clip(1 - age / np.maximum(life, 1), 0, 1), 1.0)
    net = np.floor(original * remaining).astype(np.int64)
    return quantity, original, np.minimum(net, original)


def _ledger(counters: np.ndarray, holder: np.ndarray, day: np.ndarray) -> list[str]:
    """Ledger codes ZC-<year>-<n>, n counting each holder's assets across chunks."""
    order = np.argsort(holder, kind="stable")
    ranked = holder[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ranked)) + 1]
    rank = np.arange(len(ranked)) - np.repeat(starts, np.diff(np.r_[starts, len(ranked)]))
    seq = np.empty_like(holder)
    seq[order] = counters[ranked] + rank + 1
    counters += np.bincount(holder, minlength=len(counters))
    years = YEARS[day].tolist()
    return [f"ZC-{y}-{s:07d}" for y, s in zip(years, seq.tolist(), strict=True)]


def _conditions(draw: dict[str, np.ndarray]) -> np.ndarray:
    age = (SPAN_DAYS - draw["day"]) / 365.25
    condition = np.where(age < 4, "good", np.where(age < 10, "fair", "poor")).astype(object)
    status = np.array([s for s, _share in ASSET_STATUSES])[draw["status"]]
    condition[status == "repairable"] = "poor"
    condition[status == "disposed"] = "scrap"
    return condition


def _location(
    rng: np.random.Generator, owners: Holders, draw: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The holder's main building (85%) or its second one, a few metres off its point."""
    column = (draw["pick"][:, 0] > 0.85).astype(np.int64)
    holder = draw["holder"]
    lat = owners.lat[holder, column]
    distance = JITTER_M * np.sqrt(rng.random(len(holder)))
    angle = rng.uniform(0, 2 * np.pi, len(holder))
    lon = owners.lon[holder, column] + distance * np.cos(angle) / (
        111_320 * np.cos(np.radians(lat))
    )
    lat = lat + distance * np.sin(angle) / 110_574
    return owners.building[holder, column], lon, lat


def _texts(values: np.ndarray, table: list[str]) -> list[str]:
    return [table[i] for i in values.tolist()]


def _cents(values: np.ndarray) -> list[str]:
    return [f"{v // 100}.{v % 100:02d}" for v in values.tolist()]


def _labels(draw: dict[str, np.ndarray], key: str, pick: int) -> list[str]:
    """A name or specification of each asset's kind."""
    options = [getattr(kind, key) for kind in ASSET_KINDS]
    flat = [text for group in options for text in group]
    offsets = np.cumsum([0, *(len(group) for group in options)])[:-1]
    sizes = np.array([len(group) for group in options])
    kind = draw["kind"]
    index = offsets[kind] + np.floor(draw["pick"][:, pick] * sizes[kind]).astype(np.int64)
    return _texts(index, flat)


def _chunk(
    rng: np.random.Generator,
    owners: Holders,
    counters: np.ndarray,
    categories: list[str],
    size: int,
    now: str,
) -> list[list[str]]:
    """One chunk of asset rows as text columns in the order of :data:`COLUMNS`."""
    draw = _draw(rng, size, owners)
    quantity, original, net = _values(rng, draw)
    building, lon, lat = _location(rng, owners, draw)
    levels = [c for c, _share in CONFIDENTIALITY]
    shares = [share for _c, share in CONFIDENTIALITY]
    kind = draw["kind"]
    return [
        ["t"] * size,
        [now] * size,
        [now] * size,
        _ledger(counters, draw["holder"], draw["day"]),
        _labels(draw, "names", 1),
        _labels(draw, "specs", 2),
        [str(q) for q in quantity.tolist()],
        _texts(kind, [k.unit_of_measure for k in ASSET_KINDS]),
        [str(i) for i in owners.ids[draw["holder"]].tolist()],
        _texts(kind, categories),
        [str(b) if b > 0 else NULL for b in building.tolist()],
        ewkb_points(lon, lat),
        _texts(draw["status"], [s for s, _share in ASSET_STATUSES]),
        _texts(draw["day"], DAYS),
        _cents(original),
        _cents(net),
        list(_conditions(draw)),
        _texts(rng.choice(len(levels), size, p=shares), levels),
    ]


def asset_chunks(world: World, rng: np.random.Generator) -> Iterator[list[list[str]]]:
    """``world.scale.assets`` asset rows as text columns, ``chunk_rows`` rows at a time."""
    owners = holders(world)
    ids = dict(AssetCategory.objects.values_list("code", "pk"))
    categories = [str(ids[kind.category]) for kind in ASSET_KINDS]
    counters = np.zeros(len(owners.ids), dtype=np.int64)
    now = timezone.now().isoformat()
    done, total = 0, world.scale.assets
    while done < total:
        size = min(world.scale.chunk_rows, total - done)
        yield _chunk(rng, owners, counters, categories, size, now)
        done += size


def write_assets(world: World, rng: np.random.Generator, progress: Progress | None = None) -> int:
    """COPY the asset chunks into the registry (insert events included), then ANALYZE."""
    done = 0
    for columns in asset_chunks(world, rng):
        done += copy_rows(Asset._meta.db_table, COLUMNS, columns, history=world.history)
        if progress is not None:
            progress(done)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Asset._meta.db_table}")
    return done
