"""Siting scenarios stored and run in the background.

:func:`create_scenario` checks the inputs and the creator's scope, saves the scenario and queues
its run (``depots.run_scenario``) in the same transaction, so the job exists exactly when the
scenario does. :func:`run_scenario` is the job: it computes the solution with
:func:`~portal.depots.services.siting.instance.compute` (the same code ``manage.py site_depots``
runs without storing) and saves every result in one transaction; a failure marks the scenario
failed with a message and saves no result at all. Progress goes on the ``progress`` connection
in short transactions of its own, so the page sees it while the run works.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from django.contrib.gis.geos import MultiPoint, Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis.errors import GisError
from portal.core.exceptions import PortalError
from portal.core.services import writing
from portal.depots.choices import RunStatus, SiteSource, SitingModel
from portal.depots.exceptions import AnalysisInputError, DepotForbiddenError
from portal.depots.models import ScenarioSite, SitingScenario
from portal.depots.services.coverage import may_start, regions_for
from portal.depots.services.siting.candidates import Candidate, gather_candidates
from portal.depots.services.siting.instance import Outcome, Surfaces, compute

if TYPE_CHECKING:
    from portal.org.models import AdminDivision, User

log = logging.getLogger(__name__)

PROGRESS_EVERY_S: Final = 0.5
MESSAGE_CHARS: Final = 200


def _check_region(region: AdminDivision, by: User) -> None:
    """The region must be one ``by`` may analyse (a unit's officer: its unit's division)."""
    if not regions_for(by).filter(pk=region.pk).exists():
        raise DepotForbiddenError(_("The region lies outside the divisions you may plan for."))


def _check_inputs(scenario: SitingScenario) -> None:
    if (scenario.radius_km is None) == (scenario.minutes is None):
        raise AnalysisInputError(_("Give either a radius in km or a travel time in minutes."))
    if scenario.model != SitingModel.LSCP and not scenario.p:
        raise AnalysisInputError(_("Give the number of new sites (p) for this model."))
    if scenario.model == SitingModel.LSCP and scenario.use_capacities:
        raise AnalysisInputError(_("Capacities apply to the MCLP and the p-median only."))
    if scenario.weight_by_hazard and scenario.use_capacities:
        # Capacities count people while hazard-weighted demand counts weighted people: the
        # solver could not tell how many people a site's capacity holds.
        raise AnalysisInputError(_("Hazard weights and capacities cannot be combined."))
    if scenario.grid_km != int(scenario.grid_km):
        raise AnalysisInputError(_("The demand grid must be a whole number of kilometres."))
    sources = (scenario.use_county_seats, scenario.use_idle_buildings, scenario.use_parcels)
    if not (any(sources) or scenario.drawn_sites):
        raise AnalysisInputError(_("Choose at least one kind of candidate site, or draw some."))
    outside = [
        f"{point.x:.6f},{point.y:.6f}"
        for point in scenario.drawn_sites or []
        if not scenario.region.geom.covers(point)
    ]
    if outside:
        message = _("These drawn sites lie outside the region: %(sites)s.")
        raise AnalysisInputError(message % {"sites": "; ".join(outside)})


class TooFewCandidatesError(AnalysisInputError):
    """``p`` asks for more new sites than there are free candidates; names the form field."""

    field: Final = "p"


def _check_candidates(scenario: SitingScenario, by: User) -> None:
    """``p`` must not exceed the free (not fixed) candidates ``by`` may see in the region: the
    solver would find no solution, after a wait in the queue."""
    if scenario.model == SitingModel.LSCP or not scenario.p:
        return
    candidates, fixed = gather_candidates(scenario, by)
    free = len(candidates) - fixed
    if scenario.p > free:
        message = _(
            "Number of new sites (p): %(p)d asked, but the region has only %(free)d candidate "
            "sites besides the existing depots. Lower p or add candidates."
        )
        raise TooFewCandidatesError(message % {"p": scenario.p, "free": free})


def _cleaned(scenario: SitingScenario, exclude: Sequence[str]) -> None:
    try:
        scenario.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        messages = [f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items()]
        raise AnalysisInputError("; ".join(messages)) from None


def drawn_points(sites: Sequence[tuple[float, float]]) -> MultiPoint | None:
    """``[(lon, lat), …]`` in CGCS2000 as the scenario's multipoint, None when there are none."""
    if not sites:
        return None
    return MultiPoint([Point(lon, lat, srid=4490) for lon, lat in sites], srid=4490)


def prepare_scenario(*, region: AdminDivision, by: User, **inputs: Any) -> SitingScenario:
    """An unsaved scenario with checked inputs (the command runs one without storing it)."""
    sites = inputs.pop("drawn_sites", ())
    if inputs.get("model") == SitingModel.LSCP:
        inputs["p"] = None  # the LSCP finds the number of sites itself
    scenario = SitingScenario(region=region, drawn_sites=drawn_points(sites), **inputs)
    _check_region(region, by)
    _check_inputs(scenario)
    _cleaned(scenario, exclude=("unit", "created_by"))
    _check_candidates(scenario, by)
    return scenario


def create_scenario(
    *,
    name: str,
    region: AdminDivision,
    model: str,
    p: int | None = None,
    radius_km: float | None = None,
    minutes: int | None = None,
    grid_km: float = 5,
    keep_existing: bool = True,
    use_county_seats: bool = True,
    use_idle_buildings: bool = True,
    use_parcels: bool = False,
    drawn_sites: Sequence[tuple[float, float]] = (),
    use_capacities: bool = False,
    weight_by_hazard: bool = False,
    time_limit_s: int = 120,
    by: User,
    queue: bool = True,
) -> SitingScenario:
    """Save a scenario of ``by``'s unit and (unless ``queue`` is false) queue its run."""
    if not may_start(by):
        raise DepotForbiddenError(_("Your role may not run siting scenarios."))
    scenario = prepare_scenario(
        region=region,
        by=by,
        name=name,
        model=model,
        p=p,
        radius_km=radius_km,
        minutes=minutes,
        grid_km=grid_km,
        keep_existing=keep_existing,
        use_county_seats=use_county_seats,
        use_idle_buildings=use_idle_buildings,
        use_parcels=use_parcels,
        drawn_sites=drawn_sites,
        use_capacities=use_capacities,
        weight_by_hazard=weight_by_hazard,
        time_limit_s=time_limit_s,
    )
    scenario.unit, scenario.created_by = by.unit, by
    with writing(by):
        scenario.save()
        if queue:
            from portal.depots.tasks import run_scenario as job

            job.defer(scenario_id=scenario.pk)
    return scenario


# -- running a stored scenario -------------------------------------------------------------------


class Recorder:
    """Writes a run's progress on the ``progress`` connection (its own short transactions),
    at most every :data:`PROGRESS_EVERY_S` unless the stage changes."""

    def __init__(self, scenario_id: int) -> None:
        self.scenario_id = scenario_id
        self.last = 0.0
        self.message = ""

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if message == self.message and now - self.last < PROGRESS_EVERY_S:
            return
        self.last, self.message = now, message
        SitingScenario.objects.using("progress").filter(pk=self.scenario_id).update(
            progress=min(max(fraction, 0.0), 1.0), progress_message=message[:MESSAGE_CHARS]
        )


def _claim(scenario_id: int) -> SitingScenario | None:
    """Mark a queued scenario running; None when it is not queued (run already, or deleted)."""
    claimed = SitingScenario.objects.filter(pk=scenario_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), progress=0, error=""
    )
    if not claimed:
        log.warning("siting scenario %s is not queued: not run", scenario_id)
        return None
    return SitingScenario.objects.select_related("region", "created_by__unit").get(pk=scenario_id)


def _optional(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _site(scenario: SitingScenario, candidate: Candidate, served: float) -> ScenarioSite:
    return ScenarioSite(
        scenario=scenario,
        source=candidate.source,
        is_new=candidate.source != SiteSource.EXISTING,
        label=candidate.label[:200],
        geom=candidate.point,
        depot_id=candidate.depot_id,
        building_id=candidate.building_id,
        parcel_id=candidate.parcel_id,
        division_id=candidate.division_id,
        population_served=served,
    )


def apply_results(scenario: SitingScenario, outcome: Outcome) -> list[str]:
    """Set the outcome's figures on ``scenario`` (not saved); returns the fields set."""
    solution = outcome.solution
    by_time = scenario.minutes is not None
    fields = {
        "candidate_count": len(outcome.candidates),
        "demand_cells": outcome.demand_cells,
        "solver_status": solution.status,
        "objective": _optional(solution.objective),
        "bound": _optional(solution.bound),
        "gap": _optional(solution.gap),
        "total_population": outcome.total,
        "covered_population": outcome.covered,
        "mean_minutes": outcome.mean if by_time else None,
        "worst_minutes": outcome.worst if by_time else None,
        "mean_km": None if by_time else outcome.mean,
        "worst_km": None if by_time else outcome.worst,
        "solve_seconds": solution.seconds_solve,
    }
    for name, value in fields.items():
        setattr(scenario, name, value)
    return list(fields)


def open_sites(scenario: SitingScenario, outcome: Outcome) -> list[ScenarioSite]:
    """The outcome's open sites as (unsaved) rows of ``scenario``."""
    return [_site(scenario, candidate, served) for candidate, served in outcome.sites]


def _store(scenario: SitingScenario, outcome: Outcome) -> None:
    """Every result in one transaction: the figures, the status and the open sites."""
    with writing(scenario.created_by):
        fields = apply_results(scenario, outcome)
        scenario.status, scenario.progress, scenario.progress_message = RunStatus.DONE, 1.0, ""
        scenario.finished_at = timezone.now()
        extra = ["status", "progress", "progress_message", "finished_at"]
        scenario.save(update_fields=fields + extra)
        ScenarioSite.objects.filter(scenario=scenario).delete()
        ScenarioSite.objects.bulk_create(open_sites(scenario, outcome))


def _fail(scenario_id: int, message: str) -> None:
    with transaction.atomic():
        SitingScenario.objects.filter(pk=scenario_id).update(
            status=RunStatus.FAILED, error=message, progress_message="", finished_at=timezone.now()
        )


def run_scenario(scenario_id: int, *, sources: Surfaces | None = None) -> None:
    """Run a queued scenario (the background job): solve, then store all results or none."""
    scenario = _claim(scenario_id)
    if scenario is None:
        return
    try:
        if scenario.created_by is None:
            raise AnalysisInputError(_("The person who created the scenario no longer exists."))
        outcome = compute(
            scenario, reader=scenario.created_by, sources=sources, report=Recorder(scenario.pk)
        )
        _store(scenario, outcome)
    except PortalError as exc:
        _fail(scenario_id, exc.user_message)
    except GisError as exc:
        _fail(scenario_id, _(exc.user_message))
    except Exception:
        log.exception("siting scenario %s crashed", scenario_id)
        _fail(scenario_id, _("The run stopped on an internal error; no result was saved."))
        raise
