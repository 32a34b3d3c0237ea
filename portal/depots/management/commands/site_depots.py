"""``manage.py site_depots --model lscp|mclp|pmedian …``: a siting scenario from the command line.

It runs synchronously with the service code the background job runs
(:mod:`portal.depots.services.siting`). Without ``--save`` it computes and prints, storing
nothing; with ``--save --user USERNAME`` it stores the scenario (inputs, results, sites) as that
user's unit, as the page would, and prints the stored result.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gis.errors import GisError
from portal.core.exceptions import PortalError
from portal.depots.choices import RunStatus, SitingModel
from portal.depots.forms.scenarios import parse_sites
from portal.depots.models import ScenarioSite, SitingScenario
from portal.depots.services import siting
from portal.exchange.cli import acting_user
from portal.org.models import AdminDivision


class Command(BaseCommand):
    help = (
        "Choose emergency depot sites with the LSCP, MCLP or p-median on the population surface, "
        "with existing depots fixed, and print the solver status, objective, gap, coverage and "
        "the sites chosen. Without --user the candidates are read with full rights (whoever "
        "can run manage.py can read the database anyway); name a user to read what they may "
        "read. --save stores the scenario and needs --user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", required=True, choices=SitingModel.values)
        parser.add_argument("--p", type=int, help="number of new sites (not for lscp)")
        standard = parser.add_mutually_exclusive_group(required=True)
        standard.add_argument("--radius-km", type=float, help="coverage radius (geodesic)")
        standard.add_argument("--minutes", type=int, help="coverage travel time over the terrain")
        parser.add_argument("--grid-km", type=int, default=5, help="demand grid (default: 5)")
        parser.add_argument("--region", default="510000", help="division code (default: 510000)")
        parser.add_argument("--time-limit", type=int, default=120, help="seconds (default: 120)")
        flags = {"default": True, "action": argparse.BooleanOptionalAction}
        parser.add_argument("--keep-existing", help="fix existing depots (default)", **flags)
        parser.add_argument("--county-seats", help="county seats as candidates (default)", **flags)
        parser.add_argument("--idle-buildings", help="idle buildings as candidates", **flags)
        parser.add_argument("--parcels", action="store_true", help="parcels as candidates")
        parser.add_argument("--capacities", action="store_true", help="respect capacities")
        parser.add_argument(
            "--hazard-weights",
            action="store_true",
            help="weigh people by the ILLUSTRATIVE seismic hazard zones (mclp, pmedian)",
        )
        parser.add_argument(
            "--site", action="append", default=[], metavar="LON,LAT", help="a drawn site"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text", dest="fmt")
        parser.add_argument("--save", action="store_true", help="store the scenario")
        parser.add_argument("--user", help="whose scope to read (and who saves)")
        parser.add_argument("--name", help="the stored scenario's name")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = acting_user(opts["user"], required=opts["save"])
        inputs = self._inputs(opts)
        report = self._progress if opts["verbosity"] >= 2 else siting.silent
        started = time.perf_counter()
        try:
            if opts["save"]:
                scenario, sites = self._saved(inputs, user)
            else:
                scenario, sites = self._computed(inputs, user, report)
        except (PortalError, GisError) as exc:
            raise CommandError(str(exc.user_message)) from None
        shown = summary(scenario, sites, time.perf_counter() - started)
        if opts["fmt"] == "json":
            self.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(text_lines(shown)))

    def _inputs(self, opts: dict[str, Any]) -> dict[str, Any]:
        region = AdminDivision.objects.current().filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"--region {opts['region']}: no current division has this code.")
        if opts["model"] != SitingModel.LSCP and not opts["p"]:
            raise CommandError(f"--model {opts['model']} needs --p N (the number of new sites).")
        try:
            sites = parse_sites("\n".join(opts["site"]))
        except ValidationError as exc:
            raise CommandError(f"--site: {' '.join(exc.messages)}") from None
        standard = f"{opts['radius_km']:g} km" if opts["radius_km"] else f"{opts['minutes']} min"
        return {
            "name": opts["name"] or f"site_depots {opts['model']} {standard}",
            "region": region,
            "model": opts["model"],
            "p": opts["p"],
            "radius_km": opts["radius_km"],
            "minutes": opts["minutes"],
            "grid_km": opts["grid_km"],
            "keep_existing": opts["keep_existing"],
            "use_county_seats": opts["county_seats"],
            "use_idle_buildings": opts["idle_buildings"],
            "use_parcels": opts["parcels"],
            "drawn_sites": sites,
            "use_capacities": opts["capacities"],
            "weight_by_hazard": opts["hazard_weights"],
            "time_limit_s": opts["time_limit"],
        }

    def _progress(self, fraction: float, message: str) -> None:
        self.stderr.write(f"{fraction:6.1%} {message}")

    def _computed(
        self, inputs: dict[str, Any], user: Any, report: siting.Report
    ) -> tuple[SitingScenario, list[ScenarioSite]]:
        scenario = siting.prepare_scenario(**inputs, by=user)
        outcome = siting.compute(scenario, reader=user, report=report)
        siting.apply_results(scenario, outcome)
        scenario.status = RunStatus.DONE
        return scenario, siting.open_sites(scenario, outcome)

    def _saved(
        self, inputs: dict[str, Any], user: Any
    ) -> tuple[SitingScenario, list[ScenarioSite]]:
        scenario = siting.create_scenario(**inputs, by=user, queue=False)
        siting.run_scenario(scenario.pk)
        scenario.refresh_from_db()
        if scenario.status != RunStatus.DONE:
            raise CommandError(f"Scenario {scenario.pk} failed: {scenario.error}")
        return scenario, list(scenario.sites.select_related("depot", "division"))


def summary(scenario: SitingScenario, sites: list[ScenarioSite], seconds: float) -> dict[str, Any]:
    """Inputs, results and sites as one JSON-ready document."""
    by_time = scenario.minutes is not None
    share = scenario.coverage_share
    return {
        "scenario": scenario.pk,
        "inputs": {
            "region": scenario.region.code,
            "region_name": scenario.region.name,
            "model": scenario.model,
            "p": scenario.p,
            "radius_km": None if by_time else float(scenario.radius_km or 0),
            "minutes": scenario.minutes,
            "grid_km": float(scenario.grid_km),
            "keep_existing": scenario.keep_existing,
            "county_seats": scenario.use_county_seats,
            "idle_buildings": scenario.use_idle_buildings,
            "parcels": scenario.use_parcels,
            "capacities": scenario.use_capacities,
            "hazard_weights": scenario.weight_by_hazard,
            "drawn_sites": [list(p.coords) for p in scenario.drawn_sites or []],
            "time_limit_s": scenario.time_limit_s,
        },
        "results": {
            "solver_status": scenario.solver_status,
            "objective": scenario.objective,
            "bound": scenario.bound,
            "gap": scenario.gap,
            "total_population": scenario.total_population,
            "covered_population": scenario.covered_population,
            "coverage_percent": None if share is None else round(share * 100, 4),
            "mean": scenario.mean_minutes if by_time else scenario.mean_km,
            "worst": scenario.worst_minutes if by_time else scenario.worst_km,
            "unit": "minutes" if by_time else "km",
            "candidates": scenario.candidate_count,
            "demand_cells": scenario.demand_cells,
            "new_sites": sum(site.is_new for site in sites),
            "existing_kept": sum(not site.is_new for site in sites),
            "solve_seconds": scenario.solve_seconds,
            "seconds": round(seconds, 3),
        },
        "sites": [_site(site) for site in sorted(sites, key=_new_and_largest_first)],
    }


def _new_and_largest_first(site: ScenarioSite) -> tuple[bool, float]:
    return (not site.is_new, -site.population_served)


def _site(site: ScenarioSite) -> dict[str, Any]:
    return {
        "label": site.label,
        "source": site.source,
        "new": site.is_new,
        "lon": round(site.geom.x, 6),
        "lat": round(site.geom.y, 6),
        "people_served": round(site.population_served),
        "depot_id": site.depot_id,
        "building_id": site.building_id,
        "parcel_id": site.parcel_id,
        "division_id": site.division_id,
    }


def _number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def text_lines(shown: dict[str, Any]) -> list[str]:
    inputs, results = shown["inputs"], shown["results"]
    r = {key: _number(results[key], 1) for key in ("objective", "bound", "solve_seconds")}
    standard = f"{inputs['minutes']} min" if inputs["minutes"] else f"{inputs['radius_km']:g} km"
    gap = "—" if results["gap"] is None else f"{results['gap']:.4%}"
    unit = results["unit"]
    people = (_number(results["covered_population"]), _number(results["total_population"]))
    weighted = " (hazard-weighted, illustrative zones)" if inputs["hazard_weights"] else ""
    lines = [
        f"Model: {inputs['model']}, p = {inputs['p'] if inputs['p'] is not None else '—'}, "
        f"within {standard}, {inputs['grid_km']:g} km grid, "
        f"{inputs['region_name']} ({inputs['region']})",
        f"Instance: {results['demand_cells']:,} demand cells, {results['candidates']:,} candidates",
        f"Solver: {results['solver_status']}, objective {r['objective']}{weighted}, "
        f"bound {r['bound']}, gap {gap}, {r['solve_seconds']} s",
        f"Coverage: {_number(results['coverage_percent'], 2)}% ({people[0]} of {people[1]} people)",
        f"Nearest open site: mean {_number(results['mean'], 1)} {unit}, "
        f"worst {_number(results['worst'], 1)} {unit}",
        f"Sites: {results['new_sites']} new, {results['existing_kept']} existing kept",
    ]
    for site in shown["sites"]:
        status = "new" if site["new"] else "kept"
        lines.append(
            f"  {status:<5}{site['source']:<15}{site['lon']:>12.6f}{site['lat']:>11.6f}"
            f"{site['people_served']:>14,}  {site['label']}"
        )
    saved = f"saved as scenario {shown['scenario']}" if shown["scenario"] else "not saved"
    lines.append(f"Run time: {results['seconds']:.1f} s, {saved}")
    return lines
