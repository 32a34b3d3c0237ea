"""A siting scenario as the pages show it and as files: XLSX and GeoPackage.

The detail page, the compare page and the files read the same figures (:func:`figures`,
:func:`input_rows`, :func:`site_rows`), so they agree. Names come from the registry, where anyone
with edit rights may have typed ``=HYPERLINK(…)``: XLSX text goes through
:func:`portal.exchange.cells.text_cell`, and codes are text cells. The GeoPackage holds the
layer ``sites`` (the open sites, EPSG:4490) and the table ``scenario`` (inputs and results).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import geopandas
import pandas
import pyogrio
import shapely
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.buildings.models import Building
from portal.depots.choices import SiteSource, SitingModel
from portal.depots.models import Depot, ScenarioSite, SitingScenario
from portal.exchange.cells import formatted_cell, header_cell, sheet_title, table_sheet, text_cell

PEOPLE: Final = "#,##0"
PERCENT: Final = "0.0%"
DECIMAL: Final = "#,##0.0"
CRS: Final = "EPSG:4490"
SITE_COLUMNS: Final = (
    "label",
    "source",
    "is_new",
    "people_served",
    "depot_code",
    "building_id",
    "parcel_no",
    "division_code",
)


def with_counts(scenarios: QuerySet[SitingScenario]) -> QuerySet[SitingScenario]:
    """Scenarios with ``new_sites`` and ``kept_sites`` (existing depots kept open), newest
    first (a grouped query ignores the model's default ordering)."""
    counted = scenarios.select_related("region", "unit", "created_by").annotate(
        new_sites=Count("sites", filter=Q(sites__is_new=True)),
        kept_sites=Count("sites", filter=Q(sites__is_new=False)),
    )
    return counted.order_by("-created_at", "-pk")


def _label(name: str) -> str:
    return str(capfirst(SitingScenario._meta.get_field(name).verbose_name))


@dataclass(frozen=True)
class Figures:
    """A finished scenario's results in the units the reader sees (km or minutes, person-km)."""

    scenario: SitingScenario

    @property
    def by_time(self) -> bool:
        return self.scenario.minutes is not None

    @property
    def standard(self) -> str:
        s = self.scenario
        if self.by_time:
            return _("%(minutes)d minutes") % {"minutes": s.minutes}
        return _("%(km)s km") % {"km": f"{float(s.radius_km or 0):g}"}

    @property
    def percent(self) -> float | None:
        share = self.scenario.coverage_share
        return None if share is None else share * 100

    @property
    def mean(self) -> float | None:
        return self.scenario.mean_minutes if self.by_time else self.scenario.mean_km

    @property
    def worst(self) -> float | None:
        return self.scenario.worst_minutes if self.by_time else self.scenario.worst_km

    @property
    def spread_unit(self) -> str:
        return _("min") if self.by_time else _("km")

    @property
    def objective(self) -> float | None:
        """p-median objectives are stored in person-metres and shown in person-km."""
        value = self.scenario.objective
        scale = 1000.0 if self.scenario.model == SitingModel.PMEDIAN else 1.0
        return None if value is None else value / scale

    @property
    def objective_unit(self) -> str:
        if self.scenario.weight_by_hazard and self.scenario.model != SitingModel.LSCP:
            # The solver weighed people by the illustrative hazard zones: so does its objective.
            return {
                SitingModel.MCLP: _("hazard-weighted people covered"),
                SitingModel.PMEDIAN: _("hazard-weighted person-km"),
            }[SitingModel(self.scenario.model)]
        return {
            SitingModel.LSCP: _("new sites"),
            SitingModel.MCLP: _("people covered"),
            SitingModel.PMEDIAN: _("person-km"),
        }[SitingModel(self.scenario.model)]

    @property
    def gap_percent(self) -> float | None:
        gap = self.scenario.gap
        return None if gap is None else gap * 100


def figures(scenario: SitingScenario) -> Figures:
    return Figures(scenario)


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def input_rows(scenario: SitingScenario) -> list[tuple[str, Any]]:
    """What was asked, as (label, value) pairs for the page and the workbook."""
    drawn = [f"{p.x:.6f},{p.y:.6f}" for p in scenario.drawn_sites or []]
    return [
        (_label("name"), scenario.name),
        (_label("region"), str(scenario.region)),
        (_label("model"), str(scenario.get_model_display())),
        (_label("p"), scenario.p if scenario.p is not None else "—"),
        (_("Coverage standard"), figures(scenario).standard),
        (_label("grid_km"), float(scenario.grid_km)),
        (_label("keep_existing"), _yes(scenario.keep_existing)),
        (_label("use_county_seats"), _yes(scenario.use_county_seats)),
        (_label("use_idle_buildings"), _yes(scenario.use_idle_buildings)),
        (_label("use_parcels"), _yes(scenario.use_parcels)),
        (_label("drawn_sites"), "; ".join(drawn) or "—"),
        (_label("use_capacities"), _yes(scenario.use_capacities)),
        (_label("weight_by_hazard"), _yes(scenario.weight_by_hazard)),
        (_label("time_limit_s"), scenario.time_limit_s),
        (_label("unit"), str(scenario.unit)),
        (_label("created_by"), scenario.created_by.get_username() if scenario.created_by else ""),
    ]


def visible_sites(scenario: SitingScenario, reader: Any) -> QuerySet[ScenarioSite]:
    """The scenario's sites ``reader`` may see. A site keeps the name and point of the record it
    comes from, read with the creator's clearance when the scenario ran: an idle building or an
    existing depot the reader may not see now (another unit's, a confidential one, or one since
    deleted) is left out."""
    buildings = Building.objects.visible_to(reader).values("pk")
    depots = Depot.objects.visible_to(reader).values("pk")
    hidden = Q(source=SiteSource.IDLE_BUILDING) & ~Q(building__in=buildings)
    hidden |= Q(source=SiteSource.EXISTING) & ~Q(depot__in=depots)
    return scenario.sites.exclude(hidden)


def site_rows(scenario: SitingScenario, reader: Any) -> QuerySet[ScenarioSite]:
    """The open sites ``reader`` may see (:func:`visible_sites`), new ones first, with the
    records they come from."""
    related = ("depot", "building", "parcel", "division")
    rows = visible_sites(scenario, reader).select_related(*related)
    return rows.order_by("-is_new", "-population_served", "pk")


def site_link(site: ScenarioSite) -> str:
    """The page of the record a site comes from (a building's: the shared office space on offer
    in the public asset warehouse is listed there), or "" for a drawn site."""
    if site.depot_id:
        return reverse("depots:depot_detail", args=[site.depot_id])
    if site.building_id:
        return reverse("buildings:building_detail", args=[site.building_id])
    if site.parcel_id:
        return reverse("parcels:parcel_detail", args=[site.parcel_id])
    if site.division_id and site.division:
        return reverse("org:division_detail", args=[site.division.code])
    return ""


# -- XLSX ---------------------------------------------------------------------------------------


def _number(sheet: Any, value: float | None, number_format: str) -> Any:
    return None if value is None else formatted_cell(sheet, value, number_format)


def _result_rows(sheet: Any, scenario: SitingScenario) -> list[tuple[str, Any]]:
    shown = figures(scenario)
    finished = scenario.finished_at and timezone.localtime(scenario.finished_at)
    spread = shown.spread_unit
    rows = [
        (_label("status"), str(scenario.get_status_display())),
        (_label("solver_status"), scenario.solver_status),
        (f"{_label('objective')} ({shown.objective_unit})", shown.objective),
        (_label("bound"), scenario.bound),
        (_label("gap"), _number(sheet, scenario.gap, "0.00%")),
        (_label("total_population"), _number(sheet, scenario.total_population, PEOPLE)),
        (_label("covered_population"), _number(sheet, scenario.covered_population, PEOPLE)),
        (_("Share covered"), _number(sheet, scenario.coverage_share, PERCENT)),
        (f"{_('Mean to the nearest site')} ({spread})", _number(sheet, shown.mean, DECIMAL)),
        (f"{_('Worst to the nearest site')} ({spread})", _number(sheet, shown.worst, DECIMAL)),
        (_label("candidate_count"), scenario.candidate_count),
        (_label("demand_cells"), scenario.demand_cells),
        (_label("solve_seconds"), _number(sheet, scenario.solve_seconds, DECIMAL)),
        (_("Finished"), finished.strftime("%Y-%m-%d %H:%M") if finished else ""),
        (_("Coordinates"), "CGCS2000 (EPSG:4490)"),
    ]
    if settings.TIANFU["DEMO"]:
        rows.append((_("Note"), _("Everything shown is generated demonstration data.")))
    return rows


def _pairs_sheet(book: Workbook, title: str, rows: list[tuple[str, Any]]) -> Any:
    sheet = book.create_sheet(sheet_title(title))
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 50
    for label, value in rows:
        shown = text_cell(sheet, value, code=False) if isinstance(value, str) else value
        sheet.append([header_cell(sheet, label), shown])
    return sheet


def _sites_sheet(book: Workbook, scenario: SitingScenario, reader: Any) -> None:
    headers = [
        _("Site"),
        _("Source"),
        _("New site"),
        _("Longitude (CGCS2000)"),
        _("Latitude (CGCS2000)"),
        _("People served"),
        _("Depot code"),
        _("Division code"),
    ]
    sheet = table_sheet(book, _("Sites"), headers)
    for site in site_rows(scenario, reader):
        sheet.append(
            [
                text_cell(sheet, site.label, code=False),
                str(site.get_source_display()),
                _yes(site.is_new),
                round(site.geom.x, 6),
                round(site.geom.y, 6),
                formatted_cell(sheet, round(site.population_served), PEOPLE),
                text_cell(sheet, site.depot.code, code=True) if site.depot else None,
                text_cell(sheet, site.division.code, code=True) if site.division else None,
            ]
        )


def write_xlsx(scenario: SitingScenario, out: Path | IO[bytes], reader: Any) -> Path | IO[bytes]:
    """The workbook: inputs, results and the sites ``reader`` may see (write-only mode)."""
    book = Workbook(write_only=True)
    _pairs_sheet(book, _("Inputs"), input_rows(scenario))
    results = book.create_sheet(sheet_title(_("Results")))
    results.column_dimensions["A"].width = 34
    results.column_dimensions["B"].width = 24
    for label, value in _result_rows(results, scenario):
        results.append([header_cell(results, label), value])
    _sites_sheet(book, scenario, reader)
    book.save(out)
    return out


# -- GeoPackage ---------------------------------------------------------------------------------


def _site_record(site: ScenarioSite) -> dict[str, Any]:
    return {
        "label": site.label,
        "source": site.source,
        "is_new": site.is_new,
        "people_served": site.population_served,
        "depot_code": site.depot.code if site.depot else None,
        "building_id": site.building_id,
        "parcel_no": site.parcel.registry_no if site.parcel else None,
        "division_code": site.division.code if site.division else None,
        "geometry": shapely.Point(site.geom.x, site.geom.y),
    }


def _scenario_record(scenario: SitingScenario) -> dict[str, Any]:
    fields = (
        "name",
        "model",
        "p",
        "radius_km",
        "minutes",
        "grid_km",
        "keep_existing",
        "use_county_seats",
        "use_idle_buildings",
        "use_parcels",
        "use_capacities",
        "time_limit_s",
        "solver_status",
        "objective",
        "bound",
        "gap",
        "total_population",
        "covered_population",
        "mean_minutes",
        "worst_minutes",
        "mean_km",
        "worst_km",
        "candidate_count",
        "demand_cells",
        "solve_seconds",
    )
    record = {name: getattr(scenario, name) for name in fields}
    for name in ("radius_km", "grid_km"):  # GeoPackage has no decimal type
        record[name] = None if record[name] is None else float(record[name])
    return {**record, "region_code": scenario.region.code, "status": scenario.status}


def write_gpkg(scenario: SitingScenario, path: Path, reader: Any) -> Path:
    """The ``sites`` layer (the points ``reader`` may see, EPSG:4490) and the ``scenario``
    table; an empty layer is still written, with its columns."""
    sites = [_site_record(site) for site in site_rows(scenario, reader)]
    frame = geopandas.GeoDataFrame(
        sites, columns=[*SITE_COLUMNS, "geometry"], geometry="geometry", crs=CRS
    )
    frame.to_file(path, layer="sites", driver="GPKG", engine="pyogrio", geometry_type="Point")
    table = pandas.DataFrame([_scenario_record(scenario)])
    pyogrio.write_dataframe(table, path, layer="scenario", driver="GPKG")
    return path
