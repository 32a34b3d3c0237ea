"""How much demo data to generate, and the seeded random streams that generate it."""

import zlib
from dataclasses import dataclass, replace

import numpy as np

DEFAULT_SEED = 20260101


@dataclass(frozen=True)
class Scale:
    """Sizes of one demo load.

    ``regions`` limits the cities and counties that get units (division-code prefixes); provincial
    units (Sichuan and the Chongqing municipality) are always generated. ``single_transaction``
    makes the whole load one transaction; otherwise each stage commits on its own.
    """

    name: str
    assets: int
    depots: int
    vehicles: int
    conflicts: int
    regions: tuple[str, ...] | None = None
    single_transaction: bool = True
    chunk_rows: int = 50_000
    # Vehicle bookings a working day across the pools (a weekend day has a fifth of them).
    bookings_per_day: int = 30


SCALES = {
    "small": Scale("small", assets=20_000, depots=200, vehicles=2_000, conflicts=30),
    "full": Scale(
        "full",
        assets=1_000_000,
        depots=200,
        vehicles=2_000,
        conflicts=30,
        single_transaction=False,
    ),
    # For tests only: Chengdu, Suining, Guang'an and two Chongqing districts.
    "tiny": Scale(
        "tiny",
        assets=1_500,
        depots=12,
        vehicles=60,
        conflicts=3,
        regions=("5101", "5109", "5116", "500112", "500152"),
        chunk_rows=1_000,
        bookings_per_day=5,
    ),
}
PUBLIC_SCALES = ("small", "full")


def get_scale(name: str, *, assets: int | None = None) -> Scale:
    """The named scale, optionally with another asset count (benchmarks, tests)."""
    scale = SCALES[name]
    return scale if assets is None else replace(scale, assets=assets)


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    """An independent random stream per stage, so one stage's size never shifts another's."""
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def covers(scale: Scale, code: str) -> bool:
    """Whether the division ``code`` gets generated units at this scale."""
    return scale.regions is None or any(code.startswith(p) for p in scale.regions)
