"""The tolerances of the conflict detectors: defaults from the settings, overridable per run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Tolerances:
    """What counts as a conflict; each run records the values it used.

    ``min_overlap_m2``: smaller overlaps of two parcels are survey noise. ``sliver_width_m``: an
    overlap whose area divided by its perimeter is below this (a strip thinner than about twice
    the value) is a digitising sliver along a shared boundary. ``building_outside_pct``: the
    share of a footprint that may lie off its parcel. ``area_tolerance_pct``: the allowed
    difference between a certificate's area and the geodesic area of the parcel.
    """

    min_overlap_m2: float = 1.0
    sliver_width_m: float = 0.5
    building_outside_pct: float = 2.0
    area_tolerance_pct: float = 5.0

    def __post_init__(self) -> None:
        for name, value in self.as_dict().items():
            if not value >= 0:  # also refuses NaN
                raise ValueError(f"tolerance {name} must be a number at least 0, got {value!r}")

    @classmethod
    def from_settings(cls, **overrides: float | None) -> Tolerances:
        """The configured tolerances, with any ``overrides`` that are not None."""
        configured = cls(**settings.TIANFU_CONFLICT_TOLERANCES)
        given = {name: value for name, value in overrides.items() if value is not None}
        return dataclasses.replace(configured, **given)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
