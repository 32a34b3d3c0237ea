"""A coverage analysis' results as the page shows them and as files: XLSX and GeoPackage.

The page and the files read the same rows (:func:`county_rows`, :func:`depot_rows`,
:func:`summary`), so they hold the same figures. Names come from the registry, where anyone
with edit rights may have typed ``=HYPERLINK(…)``: XLSX text goes through
:func:`portal.exchange.cells.text_cell`, and codes are text cells. The GeoPackage holds three
layers in EPSG:4490: ``service_areas`` (a depot's area by radius and by travel time, one row
each), ``gaps`` (each county's uncovered populated cells) and ``depots``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import geopandas
import shapely
from django.conf import settings
from django.db.models import Case, F, FloatField, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.depots.models import CountyCoverage, CoverageAnalysis, Depot, DepotCoverage
from portal.exchange.cells import formatted_cell, header_cell, sheet_title, table_sheet, text_cell

PEOPLE: Final = "#,##0"
PERCENT: Final = "0.0%"
QUANTITY: Final = "#,##0.00"
RATE: Final = "#,##0.000"
CRS: Final = "EPSG:4490"
# How the county table may be ordered: the query value, and the ORM ordering it stands for.
COUNTY_ORDERS: Final = {
    "uncovered": ("-uncovered_people", "division__code"),
    "population": ("-population", "division__code"),
    "share": ("share_time", "division__code"),
    "code": ("division__code",),
}


def share(part: float | None, whole: float | None) -> float | None:
    """``part / whole``, None when there is no whole."""
    if part is None or not whole:
        return None
    return part / whole


def _ratio(part: str, scale: float = 1.0) -> Case:
    return Case(
        When(population__gt=0, then=F(part) * Value(scale) / F("population")),
        default=None,
        output_field=FloatField(),
    )


def county_rows(analysis: CoverageAnalysis, order: str = "uncovered") -> QuerySet[CountyCoverage]:
    """The analysis' counties, most uncovered first (or by ``order``, a key of
    :data:`COUNTY_ORDERS`), with ``uncovered_people``, ``share_time`` (0–1) and the percentages
    ``percent_time`` and ``percent_radius``."""
    rows = analysis.county_rows.select_related("division").annotate(
        uncovered_people=Greatest(F("population") - F("covered_time"), Value(0.0)),
        share_time=_ratio("covered_time"),
        percent_time=_ratio("covered_time", 100.0),
        percent_radius=_ratio("covered_radius", 100.0),
    )
    return rows.order_by(*COUNTY_ORDERS.get(order, COUNTY_ORDERS["uncovered"]))


def depot_rows(analysis: CoverageAnalysis, reader: Any) -> QuerySet[DepotCoverage]:
    """The analysis' depots ``reader`` may see. The run picked depots in its author's scope, so a
    reader of the analysis may not see them all (another unit's, a confidential one)."""
    visible = analysis.depot_rows.filter(depot__in=Depot.objects.visible_to(reader).values("pk"))
    return visible.select_related("depot").order_by("-population_time", "depot__code")


@dataclass(frozen=True)
class Summary:
    population: float
    covered_radius: float
    covered_time: float
    depots: int
    depots_reaching: int

    @property
    def uncovered(self) -> float:
        return max(self.population - self.covered_time, 0.0)

    @property
    def share_radius(self) -> float | None:
        return share(self.covered_radius, self.population)

    @property
    def share_time(self) -> float | None:
        return share(self.covered_time, self.population)

    @property
    def percent_radius(self) -> float | None:
        ratio = self.share_radius
        return None if ratio is None else ratio * 100

    @property
    def percent_time(self) -> float | None:
        ratio = self.share_time
        return None if ratio is None else ratio * 100


def summary(analysis: CoverageAnalysis) -> Summary:
    rows = analysis.depot_rows
    return Summary(
        population=analysis.total_population or 0.0,
        covered_radius=analysis.covered_radius or 0.0,
        covered_time=analysis.covered_time or 0.0,
        depots=rows.count(),
        depots_reaching=rows.filter(population_time__gt=0).count(),
    )


# -- XLSX ---------------------------------------------------------------------------------------


def _people(sheet: Any, value: float | None) -> Any:
    return None if value is None else formatted_cell(sheet, round(value), PEOPLE)


def _percent(sheet: Any, value: float | None) -> Any:
    return None if value is None else formatted_cell(sheet, value, PERCENT)


def _summary_rows(sheet: Any, analysis: CoverageAnalysis) -> list[tuple[str, Any]]:
    figures = summary(analysis)
    finished = analysis.finished_at and timezone.localtime(analysis.finished_at)
    rows = [
        (_("Analysis"), text_cell(sheet, analysis.name, code=False)),
        (_("Region"), text_cell(sheet, str(analysis.region), code=False)),
        (_("Radius (km)"), float(analysis.radius_km)),
        (_("Travel time (minutes)"), analysis.minutes),
        (_("Population"), _people(sheet, figures.population)),
        (_("Covered by radius"), _people(sheet, figures.covered_radius)),
        (_("Share covered by radius"), _percent(sheet, figures.share_radius)),
        (_("Covered by travel time"), _people(sheet, figures.covered_time)),
        (_("Share covered by travel time"), _percent(sheet, figures.share_time)),
        (_("Uncovered (by travel time)"), _people(sheet, figures.uncovered)),
        (_("Depots considered"), figures.depots),
        (_("Depots reaching anyone"), figures.depots_reaching),
        (_("Finished"), finished.strftime("%Y-%m-%d %H:%M") if finished else ""),
        (_("Coordinates"), "CGCS2000 (EPSG:4490)"),
    ]
    if settings.TIANFU["DEMO"]:
        rows.append((_("Note"), _("Everything shown is generated demonstration data.")))
    return rows


def _summary_sheet(book: Workbook, analysis: CoverageAnalysis) -> None:
    sheet = book.create_sheet(sheet_title(_("Summary")))
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 40
    for label, value in _summary_rows(sheet, analysis):
        sheet.append([header_cell(sheet, label), value])


def _counties_sheet(book: Workbook, analysis: CoverageAnalysis) -> None:
    headers = [
        _("Division code"),
        _("County"),
        _("Population"),
        _("Covered by radius"),
        _("Share covered by radius"),
        _("Covered by travel time"),
        _("Share covered by travel time"),
        _("Uncovered (by travel time)"),
    ]
    sheet = table_sheet(book, _("Counties"), headers)
    for row in county_rows(analysis):
        sheet.append(
            [
                text_cell(sheet, row.division.code, code=True),
                text_cell(sheet, row.division.name, code=False),
                _people(sheet, row.population),
                _people(sheet, row.covered_radius),
                _percent(sheet, share(row.covered_radius, row.population)),
                _people(sheet, row.covered_time),
                _percent(sheet, row.share_time),
                _people(sheet, row.uncovered_people),
            ]
        )


def _depots_sheet(book: Workbook, analysis: CoverageAnalysis, reader: Any) -> None:
    headers = [
        _("Depot code"),
        _("Depot"),
        _("Kind"),
        _("Longitude (CGCS2000)"),
        _("Latitude (CGCS2000)"),
        _("People within the radius"),
        _("People within the travel time"),
    ]
    sheet = table_sheet(book, _("Depots"), headers)
    for row in depot_rows(analysis, reader):
        depot = row.depot
        sheet.append(
            [
                text_cell(sheet, depot.code, code=True),
                text_cell(sheet, depot.name, code=False),
                str(depot.get_kind_display()),
                round(depot.geom.x, 6),
                round(depot.geom.y, 6),
                _people(sheet, row.population_radius),
                _people(sheet, row.population_time),
            ]
        )


def _supplies_sheet(book: Workbook, analysis: CoverageAnalysis) -> None:
    headers = [
        _("Class code"),
        _("Level"),
        _("Supply class"),
        _("Unit of measure"),
        _("Quantity held"),
        _("People covered by travel time"),
        _("Quantity per 1,000 people covered"),
    ]
    sheet = table_sheet(book, _("Supplies"), headers)
    for row in analysis.supplies:
        sheet.append(
            [
                text_cell(sheet, row["code"], code=True),
                row["level"],
                text_cell(sheet, row.get("name", ""), code=False),
                text_cell(sheet, row["unit"], code=False),
                formatted_cell(sheet, row["quantity"], QUANTITY),
                _people(sheet, row["covered"]),
                None if row["per_1000"] is None else formatted_cell(sheet, row["per_1000"], RATE),
            ]
        )


def write_xlsx(analysis: CoverageAnalysis, out: Path | IO[bytes], reader: Any) -> Path | IO[bytes]:
    """The workbook: summary, counties, the depots ``reader`` may see and supplies sheets
    (write-only mode)."""
    book = Workbook(write_only=True)
    _summary_sheet(book, analysis)
    _counties_sheet(book, analysis)
    _depots_sheet(book, analysis, reader)
    _supplies_sheet(book, analysis)
    book.save(out)
    return out


# -- GeoPackage ---------------------------------------------------------------------------------


def _shape(geometry: Any) -> Any:
    return None if geometry is None else shapely.from_wkb(bytes(geometry.wkb))


def _area_records(analysis: CoverageAnalysis, reader: Any) -> list[dict[str, Any]]:
    records = []
    for row in depot_rows(analysis, reader):
        areas = [("radius", float(analysis.radius_km), row.population_radius, row.radius_area)]
        if row.time_area is not None:
            areas.append(("minutes", float(analysis.minutes), row.population_time, row.time_area))
        records += [
            {
                "depot_code": row.depot.code,
                "depot": row.depot.name,
                "measure": measure,
                "limit": limit,
                "people": people,
                "geometry": _shape(area),
            }
            for measure, limit, people, area in areas
        ]
    return records


def _gap_records(analysis: CoverageAnalysis) -> list[dict[str, Any]]:
    return [
        {
            "code": row.division.code,
            "county": row.division.name,
            "population": row.population,
            "covered_radius": row.covered_radius,
            "covered_time": row.covered_time,
            "uncovered": row.uncovered_people,
            "geometry": _shape(row.gap),
        }
        for row in county_rows(analysis, "code")
        if row.gap is not None
    ]


def _depot_records(analysis: CoverageAnalysis, reader: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": row.depot.code,
            "name": row.depot.name,
            "kind": row.depot.kind,
            "people_radius": row.population_radius,
            "people_time": row.population_time,
            "geometry": shapely.Point(row.depot.geom.x, row.depot.geom.y),
        }
        for row in depot_rows(analysis, reader)
    ]


def _layer(
    path: Path, name: str, kind: str, columns: list[str], records: list[dict[str, Any]]
) -> None:
    frame = geopandas.GeoDataFrame(
        records, columns=[*columns, "geometry"], geometry="geometry", crs=CRS
    )
    frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio", geometry_type=kind)


def write_gpkg(analysis: CoverageAnalysis, path: Path, reader: Any) -> Path:
    """Write the three layers (the depots' ones: those ``reader`` may see); an empty layer is
    still written, with its columns."""
    area_columns = ["depot_code", "depot", "measure", "limit", "people"]
    gap_columns = ["code", "county", "population", "covered_radius", "covered_time", "uncovered"]
    depot_columns = ["code", "name", "kind", "people_radius", "people_time"]
    _layer(path, "service_areas", "MultiPolygon", area_columns, _area_records(analysis, reader))
    _layer(path, "gaps", "MultiPolygon", gap_columns, _gap_records(analysis))
    _layer(path, "depots", "Point", depot_columns, _depot_records(analysis, reader))
    return path
