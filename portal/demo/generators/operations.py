"""The fleet stage: pools, tariffs and rules, ~90 days of bookings and trips, live positions.

It runs after the accounts stage: the demo accounts request, sign, dispatch and complete.
"""

import numpy as np

from portal.demo.generators import pools, positions, trips
from portal.demo.generators.bookings import plan_bookings
from portal.demo.generators.world import World


def write_operations(world: World, rng: np.random.Generator) -> int:
    """Write the pools and the fleet's recent life; return the rows written."""
    demo_pools, people = pools.write_pools(world)
    planned = plan_bookings(world, demo_pools, world.scale.bookings_per_day, rng)
    dispatchers = {pool.model.pk: trips.dispatcher(pool) for pool in demo_pools}
    trips.settle_statuses(planned, dispatchers, rng)
    written = trips.write_history(planned, people, world, rng)
    tariffs = sum(len(pool.tariffs) for pool in demo_pools)
    return (
        len(demo_pools) + tariffs + written + positions.write_positions(planned, rng, world.history)
    )
