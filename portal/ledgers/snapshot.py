"""What a report freezes: its lines, their totals and the changes during the year. Reads only.

A **sub-ledger** (分台账) has one line per building the unit occupies, with the figures of
:func:`portal.buildings.space.occupancy_space` (area allocated, staff, allowance, per person,
excess, over-standard flag) and the building's title status (its title case, or ``"none"``).
Its ``changes`` are the history events of the unit's occupancies and of those buildings between
1 January of the year and the snapshot date (Asia/Shanghai). A foreign key is reported by the
name of what it points at (a building's managing unit, an occupancy moved to another building),
frozen with the snapshot; choices and staff by rank keep their raw value, labelled when shown in
the reader's language. Each change names the buildings it concerns (``building_ids``), so that a
reader without clearance for one of them sees neither its name nor its values.

A **master ledger** (总台账) has one line per unit whose division is exactly the
administration's division (as a cost return holds them: the counties keep their own), each
taken from that unit's ACCEPTED sub-ledger of the year; a unit without one is a line marked
missing, counted as zero.

Figures are stored as JSON: decimals as strings with two places (``"126.00"``), staff as
integers, choices as their values (labels are looked up when shown, in the reader's language).
Totals are the sums of the lines, computed here once so that every page and file shows the
same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.db.models import QuerySet
from pghistory.core import event_models
from pghistory.models import Events

from portal.buildings.models import Building, Occupancy
from portal.buildings.space import occupancy_space
from portal.core.choices import Confidentiality
from portal.core.history import SHANGHAI, FieldChange, HistoryEntry, to_entries
from portal.ledgers.choices import LedgerKind, LedgerStatus
from portal.ledgers.models import SpaceReport
from portal.org.models import AdminDivision, Unit

NO_CASE: Final = "none"
# Columns of the history worth reporting upward; identity, geometry and bookkeeping are not.
OCCUPANCY_FIELDS: Final = ("unit_id", "building_id", "usable_area_m2", "staff_by_rank", "since")
BUILDING_FIELDS: Final = (
    "name",
    "address",
    "division_id",
    "managing_unit_id",
    "usable_area_m2",
    "gross_area_m2",
    "use_type",
    "confidentiality",
)
# Foreign keys, reported by the name of what they point at (a raw id says nothing upward).
NAMED: Final[Mapping[str, type[Any]]] = {
    "unit_id": Unit,
    "building_id": Building,
    "division_id": AdminDivision,
    "managing_unit_id": Unit,
}
COLUMNS: Final[Mapping[type[Any], tuple[str, ...]]] = {
    Building: ("name", "confidentiality"),
    Unit: ("name",),
    AdminDivision: ("name",),
}
# Kept raw and labelled when shown, in the reader's language rather than the taker's.
RAW: Final = frozenset({"use_type", "confidentiality", "staff_by_rank"})
# Area figures summed over the lines of either kind of report.
SUMS: Final = ("area_m2", "allowance_m2", "excess_m2")
ZERO: Final = Decimal("0.00")


def money(value: Decimal | None) -> str | None:
    """A JSON-safe decimal with two places, rounded half up (None stays None)."""
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def dec(value: str | None) -> Decimal:
    return ZERO if value in (None, "") else Decimal(value)


def year_window(year: int, as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From 1 January 00:00 to the end of the snapshot date, Asia/Shanghai."""
    start = dt.datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return start, end


# -- sub-ledger ---------------------------------------------------------------------------------


def sub_rows_by_unit(units: QuerySet[Unit]) -> dict[int, list[dict[str, Any]]]:
    """Unit id → its sub-ledger lines (see :func:`sub_rows`), for many units in one statement;
    a unit occupying nothing is absent."""
    occupancies = occupancy_space(Occupancy.objects.filter(unit__in=units)).select_related(
        "building__division", "building__title_case"
    )
    ordered = occupancies.order_by("unit", "building__division__code", "building__name", "pk")
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for occupancy in ordered:
        lines[occupancy.unit_id].append(_sub_row(occupancy))
    return dict(lines)


def sub_rows(unit: Unit) -> list[dict[str, Any]]:
    """One line per building ``unit`` occupies, ordered by division and building name."""
    return sub_rows_by_unit(Unit.objects.filter(pk=unit.pk)).get(unit.pk, [])


def _sub_row(occupancy: Any) -> dict[str, Any]:
    building = occupancy.building
    case = getattr(building, "title_case", None)
    return {
        "building_id": building.pk,
        "building": building.name,
        "address": building.address,
        "division_code": building.division.code,
        "division": building.division.name,
        "confidentiality": building.confidentiality,
        "title_status": case.status if case is not None else NO_CASE,
        "area_m2": money(occupancy.occupied_m2),
        "staff": occupancy.staff_total,
        "allowance_m2": money(occupancy.allowance_m2),
        "per_person_m2": money(occupancy.per_person_m2),
        "excess_m2": money(occupancy.excess_m2),
        "over_standard": occupancy.over_standard,
    }


def sub_totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    totals: dict[str, Any] = {
        name: money(sum((dec(row[name]) for row in rows), ZERO)) for name in SUMS
    }
    totals["lines"] = len(rows)
    totals["staff"] = sum(row["staff"] for row in rows)
    totals["over_standard_lines"] = sum(1 for row in rows if row["over_standard"])
    return totals


def sub_changes(unit: Unit, building_ids: Iterable[int], year: int, as_of: dt.date) -> list[Any]:
    """The year's events of the unit's occupancies (ended ones too) and of its buildings."""
    window = year_window(year, as_of)
    occupancy_events = event_models(tracks_model=Occupancy)[0].objects.filter(unit_id=unit.pk)
    where = dict(occupancy_events.values_list("pgh_obj_id", "building_id"))
    occupancies = [Occupancy(pk=pk) for pk in where]
    buildings = [Building(pk=pk) for pk in set(building_ids)]
    found = [
        *_changes(Occupancy, occupancies, window, OCCUPANCY_FIELDS),
        *_changes(Building, buildings, window, BUILDING_FIELDS),
    ]
    for change in found:
        key = int(change["object_id"])
        building = where.get(key) if change["object"] == "occupancy" else key
        moved = [v for name, *values in change["fields"] if name == "building_id" for v in values]
        change["building_id"] = building
        change["building_ids"] = sorted({pk for pk in (building, *moved) if pk is not None})
    _name_references(found)
    return sorted(found, key=lambda change: (change["at"], change["event_id"]))


def _name_references(changes: list[dict[str, Any]]) -> None:
    """Replace the ids of foreign keys by names, one query per model; the building each change
    concerns is named beside it, with the building's level of classification."""
    wanted: dict[type[Any], set[int]] = defaultdict(set)
    for change in changes:
        wanted[Building].update(change["building_ids"])
        for name, *values in change["fields"]:
            if name in NAMED:
                wanted[NAMED[name]].update(v for v in values if v is not None)
    names = {
        model: {obj.pk: obj for obj in model.objects.filter(pk__in=ids).only(*COLUMNS[model])}
        for model, ids in wanted.items()
    }
    buildings = names.get(Building, {})
    for change in changes:
        building = buildings.get(change["building_id"])
        change["building"] = building.name if building is not None else ""
        levels = [buildings[pk].confidentiality for pk in change["building_ids"] if pk in buildings]
        change["confidentiality"] = max(levels, key=Confidentiality.rank, default="")
        for field in change["fields"]:
            if field[0] in NAMED:
                known = names[NAMED[field[0]]]
                field[1:] = [_name(known, value) for value in field[1:]]


def _name(known: Mapping[int, Any], pk: int | None) -> str:
    if pk is None:
        return ""
    obj = known.get(pk)
    return obj.name if obj is not None else f"#{pk}"


def _changes(
    model: type[Any],
    objects: list[Any],
    window: tuple[dt.datetime, dt.datetime],
    fields: tuple[str, ...],
) -> list[dict[str, Any]]:
    if not objects:
        return []
    events = Events.objects.across(*event_models(tracks_model=model)).tracks(objects)
    events = events.filter(pgh_created_at__gte=window[0], pgh_created_at__lt=window[1])
    entries = to_entries(events.order_by("pgh_created_at", "pgh_id"))
    changes = (_change(model._meta.model_name, entry, fields) for entry in entries)
    return [change for change in changes if change["fields"]]


def _values(change: FieldChange) -> list[Any]:
    """Ids (named later) and raw choices as they are; everything else as the history shows it."""
    if change.name in NAMED or change.name in RAW:
        return [change.before, change.after]
    return [change.before_text, change.after_text]


def _change(kind: str, entry: HistoryEntry, fields: tuple[str, ...]) -> dict[str, Any]:
    """An event as JSON: the reported columns only."""
    kept = [[change.name, *_values(change)] for change in entry.changes if change.name in fields]
    return {
        "event_id": entry.event_id,
        "at": entry.time.isoformat(timespec="seconds"),
        "object": kind,
        "object_id": entry.object_id,
        "action": entry.action,
        "user": entry.username,
        "fields": kept,
    }


# -- master ledger ------------------------------------------------------------------------------


def master_rows(division: AdminDivision, year: int) -> list[dict[str, Any]]:
    """One line per unit of ``division`` (exactly), from its accepted sub-ledger or missing."""
    units = Unit.objects.filter(division=division).order_by("name", "pk")
    accepted = SpaceReport.objects.filter(
        year=year, kind=LedgerKind.SUB, status=LedgerStatus.ACCEPTED, unit__in=units
    )
    by_unit = {report.unit_id: report for report in accepted}
    return [_master_row(unit, by_unit.get(unit.pk)) for unit in units]


def _master_row(unit: Unit, report: Any) -> dict[str, Any]:
    totals: Mapping[str, Any] = report.totals if report is not None else {}
    return {
        "unit_id": unit.pk,
        "unit": unit.name,
        "credit_code": unit.credit_code,
        "report_id": report.pk if report is not None else None,
        "missing": report is None,
        "lines": totals.get("lines", 0),
        "staff": totals.get("staff", 0),
        "area_m2": money(dec(totals.get("area_m2"))),
        "allowance_m2": money(dec(totals.get("allowance_m2"))),
        "excess_m2": money(dec(totals.get("excess_m2"))),
        "over_standard_lines": totals.get("over_standard_lines", 0),
    }


def master_totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    totals: dict[str, Any] = {
        name: money(sum((dec(row[name]) for row in rows), ZERO)) for name in SUMS
    }
    for name in ("lines", "staff", "over_standard_lines"):
        totals[name] = sum(row[name] for row in rows)
    totals["units"] = len(rows)
    totals["missing"] = sum(1 for row in rows if row["missing"])
    return totals


def take(kind: str, unit: Unit, division: AdminDivision, year: int, as_of: dt.date) -> Any:
    """``(rows, totals, changes)`` of a report of ``kind`` as of ``as_of``."""
    if kind == LedgerKind.MASTER:
        rows = master_rows(division, year)
        return rows, master_totals(rows), []
    rows = sub_rows(unit)
    changes = sub_changes(unit, [row["building_id"] for row in rows], year, as_of)
    return rows, sub_totals(rows), changes
