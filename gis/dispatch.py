"""Ranking of dispatch candidates: pure arithmetic on what the database measured.

The database finds the vehicles that may serve a trip (free, big enough, allowed energy, a
new-energy vehicle with range enough) and measures for each the road distance to the trip's
origin and the hours it was booked lately. This module turns those figures into comparable scores
and an order, and pairs each vehicle with a driver; it knows nothing of Django.

Each component lies in [0, 1], higher is better:

- distance: ``1 - km / max_km`` over the candidates (the farthest scores 0, a vehicle already at
  the origin 1); relative to the farthest rather than min–max, so that two vehicles 20 and 21 km
  away stay nearly equal instead of 1 and 0.
- fit: ``seats_needed / seats`` (a five-seat car for four passengers beats a bus), halved when the
  requester preferred another vehicle type.
- balance: ``1 - hours / max_hours`` (the least used vehicle scores 1).

The score is the weighted sum divided by the sum of the weights. Ties are broken by the nearer
vehicle, then the less used one, then the smaller id, so the order is total and repeatable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["DriverPick", "Scores", "Weights", "pair_drivers", "score_candidates"]

# Scores are rounded before ordering so that float noise never decides between equal candidates.
_SCORE_DECIMALS = 9
MISMATCHED_TYPE_FACTOR = 0.5


@dataclass(frozen=True)
class Weights:
    """Relative weights of the three components (any non-negative numbers, not all zero)."""

    distance: float
    fit: float
    balance: float

    def __post_init__(self) -> None:
        parts = (self.distance, self.fit, self.balance)
        if min(parts) < 0 or sum(parts) <= 0:
            raise ValueError(f"dispatch weights must be non-negative, not all zero: {parts}")


@dataclass(frozen=True)
class Scores:
    """Per-candidate components and total, in input order, and the ranking.

    Attributes
    ----------
    distance, fit, balance, total : ndarray of float64
        Components and weighted total, each in [0, 1], aligned with the input.
    order : ndarray of intp
        Input indices, best candidate first.
    """

    distance: NDArray[np.float64]
    fit: NDArray[np.float64]
    balance: NDArray[np.float64]
    total: NDArray[np.float64]
    order: NDArray[np.intp]


def _relative_to_max(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """``1 - v / max(v)``; all ones when every value is zero (nothing to tell apart)."""
    top = float(values.max()) if values.size else 0.0
    if top <= 0:
        return np.ones_like(values)
    return np.asarray(1.0 - values / top, dtype=np.float64)


def score_candidates(
    ids: ArrayLike,
    road_km: ArrayLike,
    seats: ArrayLike,
    seats_needed: int,
    type_matches: ArrayLike,
    booked_hours: ArrayLike,
    weights: Weights,
) -> Scores:
    """Score and rank candidate vehicles for one trip.

    Parameters
    ----------
    ids : array_like of int
        Vehicle ids, the last tie-breaker.
    road_km : array_like of float
        Road kilometres from where each vehicle stands to the trip's origin (non-negative).
    seats : array_like of int
        Seats of each vehicle, each at least ``seats_needed``.
    seats_needed : int
        Seats the trip needs (at least 1).
    type_matches : array_like of bool
        Whether each vehicle is of the preferred type (all True when none was preferred).
    booked_hours : array_like of float
        Hours each vehicle was booked in the balance window (non-negative).
    weights : Weights
        Relative weights of distance, fit and balance.

    Returns
    -------
    Scores
        Components, totals and the order, best first.
    """
    km = np.asarray(road_km, dtype=np.float64)
    hours = np.asarray(booked_hours, dtype=np.float64)
    seat_counts = np.asarray(seats, dtype=np.float64)
    keys = np.asarray(ids, dtype=np.int64)
    if seats_needed < 1 or np.any(seat_counts < seats_needed):
        raise ValueError("every candidate must have at least the seats needed, which is >= 1")
    if np.any(km < 0) or np.any(hours < 0):
        raise ValueError("distances and hours cannot be negative")
    distance = _relative_to_max(km)
    balance = _relative_to_max(hours)
    factor = np.where(np.asarray(type_matches, dtype=bool), 1.0, MISMATCHED_TYPE_FACTOR)
    fit = np.asarray(seats_needed / seat_counts * factor, dtype=np.float64)
    weighted = weights.distance * distance + weights.fit * fit + weights.balance * balance
    total = np.round(weighted / (weights.distance + weights.fit + weights.balance), _SCORE_DECIMALS)
    order = np.lexsort((keys, hours, km, -total)).astype(np.intp)
    return Scores(distance=distance, fit=fit, balance=balance, total=total, order=order)


@dataclass(frozen=True)
class DriverPick:
    """A free driver as the pairing sees him.

    Attributes
    ----------
    id : int
    unit_id : int
        The driver's employing unit.
    licence_rank : int
        Rank of his licence class (higher drives more types).
    booked_hours : float
        Hours he was booked in the balance window.
    """

    id: int
    unit_id: int
    licence_rank: int
    booked_hours: float


def pair_drivers(
    vehicles: Sequence[tuple[int, int]], drivers: Sequence[DriverPick]
) -> list[DriverPick | None]:
    """The best free driver for each vehicle, chosen independently for each.

    A driver qualifies when his licence rank reaches the vehicle's required rank. Among those,
    a driver of the vehicle's holder comes first (he knows the car and the unit pays no one),
    then the least booked, then the smaller id.

    Parameters
    ----------
    vehicles : sequence of (holder unit id, required licence rank)
    drivers : sequence of DriverPick

    Returns
    -------
    list of DriverPick or None
        Aligned with ``vehicles``; None when no free driver may drive that vehicle.
    """
    ordered = sorted(drivers, key=lambda d: (d.booked_hours, d.id))
    # Grouped by unit once, so that finding a holder's own driver reads only that unit's.
    by_unit: dict[int, list[DriverPick]] = {}
    for driver in ordered:
        by_unit.setdefault(driver.unit_id, []).append(driver)
    best_any: dict[int, DriverPick | None] = {}
    best_own: dict[tuple[int, int], DriverPick | None] = {}
    picks: list[DriverPick | None] = []
    for holder, required in vehicles:
        if required not in best_any:
            best_any[required] = _first_licensed(ordered, required)
        if (holder, required) not in best_own:
            best_own[holder, required] = _first_licensed(by_unit.get(holder, []), required)
        picks.append(best_own[holder, required] or best_any[required])
    return picks


def _first_licensed(drivers: Sequence[DriverPick], required: int) -> DriverPick | None:
    """The first of ``drivers`` whose licence rank reaches ``required``."""
    return next((d for d in drivers if d.licence_rank >= required), None)
