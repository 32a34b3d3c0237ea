"""Coverage analyses: who lives within reach of a region's emergency depots, by radius and time.

:func:`start_analysis` records an analysis for the user's unit and queues it; the job row is
written in the same transaction as the record (procrastinate's queue lives in PostgreSQL, as
imports do it), so a record exists exactly when its job does. :func:`run_analysis` is what the
worker runs:

1. the emergency depots (kind "emergency" or "both") the analysis' author may see, inside the
   region or near enough to serve it (within the radius, or within the farthest a trip of the
   minutes can go, of its boundary): a depot across a border still serves the people beside it;
2. on the 1 km population and travel-cost surfaces, each depot's radius and travel-time areas
   and the people of the region in them; the region's and each county's people, those covered
   (the union of the areas, never a sum), the uncovered and the gap map
   (:mod:`portal.depots.services.coverage_grid`);
3. supplies per covered person by supply class (first and second level of GB/T 38565, per unit
   of measure): the stock of the depots that reach anyone in the region, per 1,000 people
   covered by travel time.

Progress goes out on the ``progress`` database alias (a connection of its own, committed at
once) so the page sees it move; the results are written in one transaction at the end, so a
failure leaves the analysis ``failed`` with its message and no result rows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gis import surfaces as grids
from portal.core.exceptions import PortalError
from portal.core.services import writing
from portal.depots import sql
from portal.depots.choices import DepotKind, RunStatus
from portal.depots.exceptions import AnalysisInputError, DepotForbiddenError
from portal.depots.models import (
    CountyCoverage,
    CoverageAnalysis,
    Depot,
    DepotCoverage,
    StockItem,
    SupplyCategory,
)
from portal.depots.services.coverage_grid import Coverage, Site, Surfaces, compute, reach_m
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision
from portal.org.scoping import Reach, edit_scope

if TYPE_CHECKING:
    from portal.org.models import User

log = logging.getLogger(__name__)

EMERGENCY_KINDS: Final = (DepotKind.EMERGENCY, DepotKind.BOTH)
RADIUS_MAX_KM: Final = Decimal(500)
# Progress is written at most this often: the page polls every 2 s, and a write per depot or
# county would be hundreds of round trips for a province.
PROGRESS_INTERVAL_S: Final = 0.5
# Supply classes summed: the first level (1 digit of 7) and the second (3 digits).
CLASS_LEVELS: Final = ((1, 1), (2, 3))
STAGES: Final = {
    "reading": gettext_lazy("Reading the region, its counties and depots"),
    "depots": gettext_lazy("Service areas: depot %(done)d of %(total)d"),
    "counties": gettext_lazy("Counties: %(done)d of %(total)d"),
    "saving": gettext_lazy("Saving the results"),
    "done": gettext_lazy("Done"),
}

ProgressFn = Callable[[float, str, int, int], None]


# What the record says when something broke inside a run; the log has the traceback.
INTERNAL_FAILURE: Final = gettext_lazy(
    "The analysis stopped on an internal error; nothing was saved."
)


# -- starting -----------------------------------------------------------------------------------


def regions_for(user: User) -> QuerySet[AdminDivision]:
    """The divisions ``user`` may analyse: all for the province, else the unit's own subtree."""
    current = AdminDivision.objects.current()
    scope = edit_scope(user)
    if scope.reach is Reach.ALL:
        return current
    unit = getattr(user, "unit", None)
    if scope.reach is Reach.NONE or unit is None:
        return current.none()
    return current.filter(code__startswith=unit.division.prefix)


def may_start(user: User) -> bool:
    return getattr(user, "unit", None) is not None and edit_scope(user).reach is not Reach.NONE


def _validated(analysis: CoverageAnalysis) -> CoverageAnalysis:
    try:
        analysis.full_clean()
    except ValidationError as exc:
        detail = "; ".join(" ".join(messages) for messages in exc.message_dict.values())
        raise AnalysisInputError(detail) from None
    if analysis.radius_km > RADIUS_MAX_KM:
        raise AnalysisInputError(_("The radius may be at most %(km)s km.") % {"km": RADIUS_MAX_KM})
    return analysis


def start_analysis(
    *, name: str, region: AdminDivision, radius_km: Decimal, minutes: int, by: User
) -> CoverageAnalysis:
    """Record an analysis of ``region`` for ``by``'s unit and queue it for the worker."""
    if not may_start(by):
        raise DepotForbiddenError(_("Only officers of a unit may run coverage analyses."))
    if not regions_for(by).filter(pk=region.pk).exists():
        raise DepotForbiddenError(_("This region lies outside the divisions you may analyse."))
    analysis = _validated(
        CoverageAnalysis(
            name=name.strip(),
            unit=by.unit,
            region=region,
            radius_km=Decimal(radius_km),
            minutes=minutes,
            created_by=by,
        )
    )
    with writing(by):
        analysis.save()
        from portal.depots.tasks import run_coverage

        run_coverage.defer(analysis_id=analysis.pk)
    return analysis


# -- running ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_surfaces() -> Surfaces:
    """The fixture surfaces, read once per worker process (≈ 20 MB)."""
    return Surfaces(grids.population(), grids.travel_cost())


def _claim(analysis_id: int) -> CoverageAnalysis | None:
    """Mark a queued analysis running; None if it is not queued (a job run twice)."""
    claimed = CoverageAnalysis.objects.filter(pk=analysis_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        progress=0,
        progress_message=str(STAGES["reading"]),
        error="",
    )
    if not claimed:
        log.warning("coverage analysis %s is not queued; not run", analysis_id)
        return None
    related = CoverageAnalysis.objects.select_related("region", "created_by")
    return related.get(pk=analysis_id)


def _reporter(analysis_id: int) -> ProgressFn:
    last = [0.0]

    def report(fraction: float, stage: str, done: int = 0, total: int = 0) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_INTERVAL_S:
            return
        last[0] = now
        message = str(STAGES[stage]) % {"done": done, "total": total}
        CoverageAnalysis.objects.using("progress").filter(pk=analysis_id).update(
            progress=round(min(max(fraction, 0.0), 1.0), 4), progress_message=message[:200]
        )

    return report


def run_analysis(analysis_id: int, *, surfaces: Surfaces | None = None) -> None:
    """Run a queued analysis (the worker's job); ``surfaces`` default to the fixtures."""
    analysis = _claim(analysis_id)
    if analysis is None:
        return
    try:
        _save(analysis, _compute(analysis, surfaces, _reporter(analysis_id)))
    except Exception as exc:
        log.exception("coverage analysis %s failed", analysis_id)
        _fail(analysis_id, exc)
        raise


def _fail(analysis_id: int, exc: Exception) -> None:
    """Mark the run failed. An app error's message is for its reader; anything else may quote
    SQL or paths, so the record says only that it broke and the log (written by the caller)
    holds the details."""
    message = exc.user_message if isinstance(exc, PortalError) else str(INTERNAL_FAILURE)
    CoverageAnalysis.objects.filter(pk=analysis_id).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now(), progress_message=""
    )


def _shape(geometry: GEOSGeometry) -> Any:
    return shapely.from_wkb(bytes(geometry.wkb))


def _counties(region: AdminDivision) -> list[tuple[int, Any]]:
    """The region's counties as (id, lon/lat shape); a county region is its own only county."""
    if region.level == DivisionLevel.COUNTY:
        return [(region.pk, _shape(region.geom))]
    rows = (
        AdminDivision.objects.current()
        .subtree(region)
        .filter(level=DivisionLevel.COUNTY)
        .order_by("code")
        .values_list("pk", "geom")
    )
    return [(pk, _shape(geom)) for pk, geom in rows] or [(region.pk, _shape(region.geom))]


def _sites(analysis: CoverageAnalysis, margin_m: float) -> list[Site]:
    """The emergency depots the author may see that can serve the region."""
    author = analysis.created_by
    if author is None:
        raise AnalysisInputError(_("The account that started this analysis no longer exists."))
    visible = Depot.objects.visible_to(author).filter(kind__in=EMERGENCY_KINDS)
    ids = list(visible.values_list("pk", flat=True))
    rows = sql.depots_within(ids, analysis.region_id, margin_m)
    return [Site(pk, lon, lat) for pk, lon, lat in rows]


def _compute(
    analysis: CoverageAnalysis, surfaces: Surfaces | None, progress: ProgressFn
) -> Coverage:
    grids_used = surfaces or load_surfaces()
    radius_m = float(analysis.radius_km) * 1000.0
    margin_m = max(radius_m, reach_m(grids_used.cost, analysis.minutes))
    sites = _sites(analysis, margin_m)
    progress(0.05, "reading")
    coverage = compute(
        grids_used,
        _shape(analysis.region.geom),
        _counties(analysis.region),
        sites,
        radius_m=radius_m,
        minutes=float(analysis.minutes),
        progress=progress,
    )
    if coverage.population <= 0:
        raise AnalysisInputError(_("The population surface holds nobody in this region."))
    progress(0.97, "saving")
    return coverage


# -- saving -------------------------------------------------------------------------------------


def _geos(shape: Any) -> GEOSGeometry | None:
    if shape is None:
        return None
    multi = shapely.multipolygons(shapely.get_parts(shape))
    return GEOSGeometry(memoryview(shapely.to_wkb(multi)), srid=4490)


def _depot_rows(analysis: CoverageAnalysis, coverage: Coverage) -> list[DepotCoverage]:
    return [
        DepotCoverage(
            analysis=analysis,
            depot_id=site.key,
            radius_area=_geos(site.radius_area),
            time_area=_geos(site.time_area),
            population_radius=site.population_radius,
            population_time=site.population_time,
        )
        for site in coverage.sites
    ]


def _county_rows(analysis: CoverageAnalysis, coverage: Coverage) -> list[CountyCoverage]:
    return [
        CountyCoverage(
            analysis=analysis,
            division_id=zone.key,
            population=zone.population,
            covered_radius=zone.covered_radius,
            covered_time=zone.covered_time,
            gap=_geos(zone.gap),
        )
        for zone in coverage.zones
    ]


def _save(analysis: CoverageAnalysis, coverage: Coverage) -> None:
    """Every result row and figure in one transaction, the status last."""
    reaching = [site.key for site in coverage.sites if site.population_time > 0]
    with writing(analysis.created_by, coverage_analysis=analysis.pk):
        DepotCoverage.objects.bulk_create(_depot_rows(analysis, coverage))
        CountyCoverage.objects.bulk_create(_county_rows(analysis, coverage))
        CoverageAnalysis.objects.filter(pk=analysis.pk).update(
            total_population=coverage.population,
            covered_radius=coverage.covered_radius,
            covered_time=coverage.covered_time,
            supplies=supplies_per_covered(reaching, coverage.covered_time),
            status=RunStatus.DONE,
            progress=1.0,
            progress_message=str(STAGES["done"]),
            finished_at=timezone.now(),
        )


def supplies_per_covered(depot_ids: list[int], covered: float) -> list[dict[str, Any]]:
    """Stock of ``depot_ids`` by supply class and unit of measure, per 1,000 people covered.

    One row per first- and second-level class and unit of measure (a class holds tents and
    quilts, which only add up within one unit), ordered by code so each first-level row heads
    its second-level rows.
    """
    # What could be handed out today, as reserves and dispatch count it: unexpired, not empty.
    stock = StockItem.objects.usable().filter(depot_id__in=depot_ids, quantity__gt=0)
    rows = []
    for level, digits in CLASS_LEVELS:
        sums = (
            stock.annotate(prefix=Substr("category__code", 1, digits))
            .values("prefix", "unit_of_measure")
            .annotate(quantity=Sum("quantity"))
        )
        for row in sums:
            code = row["prefix"].ljust(7, "0")
            rows.append(_supply_row(code, level, row["unit_of_measure"], row["quantity"], covered))
    classes = SupplyCategory.objects.filter(code__in={r["code"] for r in rows})
    names = dict(classes.values_list("code", "name"))
    for row in rows:
        row["name"] = names.get(row["code"], "")
    return sorted(rows, key=lambda r: (r["code"], r["unit"]))


def _supply_row(
    code: str, level: int, unit: str, quantity: Decimal, covered: float
) -> dict[str, Any]:
    held = float(quantity)
    per_1000 = round(held / covered * 1000, 4) if covered > 0 else None
    return {
        "code": code,
        "level": level,
        "unit": unit,
        "quantity": held,
        "covered": round(covered, 1),
        "per_1000": per_1000,
    }
