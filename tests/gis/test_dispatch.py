"""The dispatch ranking on crafted numbers: components, weights, ties and driver pairing."""

import numpy as np
import pytest

from gis.dispatch import DriverPick, Weights, pair_drivers, score_candidates

EVEN = Weights(distance=1, fit=1, balance=1)


def rank(**overrides: object) -> list[int]:
    args: dict[str, object] = {
        "ids": [1, 2, 3],
        "road_km": [10.0, 10.0, 10.0],
        "seats": [5, 5, 5],
        "seats_needed": 4,
        "type_matches": [True, True, True],
        "booked_hours": [0.0, 0.0, 0.0],
        "weights": EVEN,
    }
    args.update(overrides)
    scores = score_candidates(**args)  # type: ignore[arg-type]
    return [int(args["ids"][i]) for i in scores.order]  # type: ignore[index]


def test_components_on_crafted_numbers() -> None:
    scores = score_candidates(
        ids=[1, 2],
        road_km=[0.0, 40.0],
        seats=[5, 8],
        seats_needed=4,
        type_matches=[True, False],
        booked_hours=[30.0, 10.0],
        weights=Weights(distance=0.5, fit=0.2, balance=0.3),
    )
    np.testing.assert_allclose(scores.distance, [1.0, 0.0])
    np.testing.assert_allclose(scores.fit, [0.8, 0.25])
    np.testing.assert_allclose(scores.balance, [0.0, 2 / 3])
    np.testing.assert_allclose(scores.total, [0.5 + 0.16, 0.05 + 0.2])
    assert scores.order.tolist() == [0, 1]


def test_nearer_vehicle_first() -> None:
    assert rank(road_km=[30.0, 5.0, 12.0]) == [2, 3, 1]


def test_balance_breaks_equal_distance_and_fit() -> None:
    assert rank(booked_hours=[20.0, 5.0, 12.0]) == [2, 3, 1]


def test_seat_fit_prefers_the_right_size() -> None:
    assert rank(seats=[45, 5, 7]) == [2, 3, 1]


def test_preferred_type_counts() -> None:
    assert rank(type_matches=[False, True, False]) == [2, 1, 3]


def test_weights_decide_between_distance_and_balance() -> None:
    near_busy = {"road_km": [1.0, 50.0], "booked_hours": [100.0, 0.0], "ids": [1, 2]}
    near_busy |= {"seats": [5, 5], "type_matches": [True, True]}
    assert rank(**near_busy, weights=Weights(distance=1, fit=0, balance=0.1)) == [1, 2]
    assert rank(**near_busy, weights=Weights(distance=0.1, fit=0, balance=1)) == [2, 1]


def test_full_ties_fall_back_to_distance_hours_then_id() -> None:
    # Only distance weighs: equal km, so fewer hours first, then the smaller id.
    only_distance = Weights(distance=1, fit=0, balance=0)
    assert rank(ids=[7, 3, 5], booked_hours=[1.0, 2.0, 1.0], weights=only_distance) == [5, 7, 3]


def test_all_zero_distances_and_hours_score_full() -> None:
    scores = score_candidates([1], [0.0], [5], 5, [True], [0.0], EVEN)
    assert scores.total.tolist() == [1.0]


def test_empty_candidates() -> None:
    scores = score_candidates([], [], [], 1, [], [], EVEN)
    assert scores.order.size == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"seats": [3, 5, 5]},
        {"seats_needed": 0},
        {"road_km": [-1.0, 0.0, 0.0]},
        {"booked_hours": [0.0, -2.0, 0.0]},
    ],
)
def test_refuses_impossible_input(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"seats|negative"):
        rank(**bad)


def test_weights_must_be_usable() -> None:
    with pytest.raises(ValueError, match="not all zero"):
        Weights(distance=0, fit=0, balance=0)
    with pytest.raises(ValueError, match="non-negative"):
        Weights(distance=-1, fit=1, balance=1)


def test_driver_of_the_holder_first_then_least_used() -> None:
    drivers = [
        DriverPick(id=1, unit_id=10, licence_rank=1, booked_hours=0.0),
        DriverPick(id=2, unit_id=20, licence_rank=1, booked_hours=9.0),
        DriverPick(id=3, unit_id=20, licence_rank=1, booked_hours=3.0),
    ]
    picks = pair_drivers([(20, 1), (30, 1)], drivers)
    assert [p.id if p else None for p in picks] == [3, 1]


def test_driver_licence_must_cover_the_vehicle() -> None:
    drivers = [
        DriverPick(id=1, unit_id=10, licence_rank=1, booked_hours=0.0),
        DriverPick(id=2, unit_id=20, licence_rank=3, booked_hours=50.0),
    ]
    picks = pair_drivers([(10, 3), (10, 2), (10, 1)], drivers)
    assert [p.id if p else None for p in picks] == [2, 2, 1]
    assert pair_drivers([(10, 3)], drivers[:1]) == [None]


def test_driver_of_another_unit_when_the_holder_has_none_licensed() -> None:
    drivers = [
        DriverPick(id=1, unit_id=10, licence_rank=1, booked_hours=0.0),
        DriverPick(id=2, unit_id=20, licence_rank=3, booked_hours=8.0),
        DriverPick(id=3, unit_id=30, licence_rank=3, booked_hours=2.0),
    ]
    picks = pair_drivers([(10, 3), (10, 1), (20, 3), (40, 2)], drivers)
    assert [p.id if p else None for p in picks] == [3, 1, 2, 3]
