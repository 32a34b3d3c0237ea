"""Siting scenarios: where new emergency depots would serve the most people.

:mod:`.candidates` reads the candidate sites from the registry, :mod:`.instance` builds the
demand grid and coverage, solves with HiGHS (:mod:`gis.siting`) and measures the solution
without storing anything, and :mod:`.runs` stores scenarios and runs them in the background
(``depots.run_scenario`` calls :func:`run_scenario`). The page, the job and ``manage.py
site_depots`` all go through these functions.
"""

from portal.depots.services.siting.candidates import (
    Candidate,
    county_seats,
    drawn,
    existing_depots,
    gather_candidates,
    idle_buildings,
    parcels,
)
from portal.depots.services.siting.instance import (
    Outcome,
    Report,
    Surfaces,
    compute,
    nearest_by_distance,
    nearest_by_time,
    silent,
)
from portal.depots.services.siting.runs import (
    Recorder,
    apply_results,
    create_scenario,
    drawn_points,
    open_sites,
    prepare_scenario,
    run_scenario,
)

__all__ = [
    "Candidate",
    "Outcome",
    "Recorder",
    "Report",
    "Surfaces",
    "apply_results",
    "compute",
    "county_seats",
    "create_scenario",
    "drawn",
    "drawn_points",
    "existing_depots",
    "gather_candidates",
    "idle_buildings",
    "nearest_by_distance",
    "nearest_by_time",
    "open_sites",
    "parcels",
    "prepare_scenario",
    "run_scenario",
    "silent",
]
