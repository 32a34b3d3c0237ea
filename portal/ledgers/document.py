"""A report laid out for reading: the tables the page, the workbook and the PDF all show.

One layout, three renderings, so a file holds what the page shows. Each :class:`Table` has its
headers, its rows of cells (text, int or Decimal) and, where it sums, a totals row that is the
sum of its rows (taken from the snapshot's totals, which :mod:`portal.ledgers.snapshot` computed
as those sums). A building classified above the reader's clearance keeps its figures (the totals
must still add up) but not its name, its address, nor the names and addresses in its changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal.buildings.models import Building, Occupancy
from portal.core.choices import Rank
from portal.core.history import ACTIONS
from portal.ledgers.choices import LedgerKind
from portal.ledgers.diff import Difference, difference
from portal.ledgers.snapshot import NO_CASE, dec
from portal.org.scoping import cleared_levels
from portal.parcels.choices import CaseStatus

if TYPE_CHECKING:
    from portal.ledgers.models import SpaceReport
    from portal.org.models import User

FIELD_LABELS: Final = {
    "lines": gettext_lazy("Lines"),
    "units": gettext_lazy("Units"),
    "missing": gettext_lazy("Units without an accepted sub-ledger"),
    "area_m2": gettext_lazy("Usable area allocated (m²)"),
    "staff": gettext_lazy("Staff"),
    "allowance_m2": gettext_lazy("Allowance (m²)"),
    "excess_m2": gettext_lazy("Excess (m²)"),
    "over_standard": gettext_lazy("Over standard"),
    "over_standard_lines": gettext_lazy("Lines over standard"),
    "title_status": gettext_lazy("Title status"),
}
# Columns whose values would name or place a classified building.
WITHHELD: Final = frozenset({"name", "address", "building_id"})


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str = ""  # said with the table on the page, in the PDF and in the workbook

    @property
    def display_rows(self) -> list[list[tuple[Any, bool]]]:
        """Rows as (value, numeric) pairs, for templates that right-align the numbers."""
        return [_pairs(row) for row in self.rows]

    @property
    def display_total(self) -> list[tuple[Any, bool]] | None:
        return None if self.total is None else _pairs(self.total)


def _pairs(row: list[Any]) -> list[tuple[Any, bool]]:
    return [(value, isinstance(value, (int, Decimal))) for value in row]


@dataclass(frozen=True)
class Document:
    title: str
    meta: list[tuple[str, Any]]
    tables: list[Table]
    difference: Difference


def label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def value_text(name: str, value: Any) -> Any:
    """A snapshot value as shown: labels for choices and flags, numbers as numbers."""
    if name == "title_status":
        return _("no title case") if value == NO_CASE else str(CaseStatus(value).label)
    if name == "missing":
        return _("missing") if value else _("accepted")
    if name == "over_standard":
        return {True: _("yes"), False: _("no")}.get(value, "—")
    if name.endswith("_m2"):
        return None if value is None else dec(value)
    return value


class Masker:
    """What is withheld of buildings classified above the reader's clearance. A building's level
    is the higher of the one frozen in the snapshot and its level now: a building classified
    after the snapshot was taken is withheld too."""

    def __init__(self, user: User, reports: Iterable[SpaceReport]) -> None:
        self.levels = set(cleared_levels(user)) | {""}
        ids: set[int] = set()
        for report in reports:
            ids.update(line["building_id"] for line in report.rows if "building_id" in line)
            ids.update(pk for change in report.changes for pk in change.get("building_ids", ()))
        current = Building.objects.filter(pk__in=ids).values_list("pk", "confidentiality")
        self.hidden_ids = {pk for pk, level in current if level not in self.levels}

    def hidden(self, line: Mapping[str, Any]) -> bool:
        if line.get("confidentiality", "") not in self.levels:
            return True
        concerned = line.get("building_ids", [line.get("building_id")])
        return any(pk in self.hidden_ids for pk in concerned)

    def name(self, line: Mapping[str, Any]) -> str:
        return _("classified building") if self.hidden(line) else line["building"]

    def address(self, line: Mapping[str, Any]) -> str:
        return "" if self.hidden(line) else line["address"]


def _sub_lines(report: SpaceReport, mask: Masker) -> Table:
    headers = [_("Building"), _("Address"), _("Division"), label("title_status")]
    headers += [label("area_m2"), label("staff"), label("allowance_m2")]
    headers += [_("Per person (m²)"), label("excess_m2"), label("over_standard")]
    rows = [
        [
            mask.name(line),
            mask.address(line),
            line["division"],
            value_text("title_status", line["title_status"]),
            dec(line["area_m2"]),
            line["staff"],
            dec(line["allowance_m2"]),
            value_text("per_m2", line["per_person_m2"]),
            dec(line["excess_m2"]),
            value_text("over_standard", line["over_standard"]),
        ]
        for line in report.rows
    ]
    t = report.totals
    total = [_("Total"), "", "", "", dec(t["area_m2"]), t["staff"], dec(t["allowance_m2"])]
    total += ["", dec(t["excess_m2"]), t["over_standard_lines"]]
    return Table("lines", _("Buildings"), headers, rows, total)


def _master_lines(report: SpaceReport) -> Table:
    headers = [_("Unit"), _("Unified social credit code"), _("Sub-ledger"), _("Buildings")]
    headers += [label("area_m2"), label("staff"), label("allowance_m2"), label("excess_m2")]
    headers += [label("over_standard_lines")]
    rows = [
        [
            line["unit"],
            line["credit_code"],
            value_text("missing", line["missing"]),
            line["lines"],
            dec(line["area_m2"]),
            line["staff"],
            dec(line["allowance_m2"]),
            dec(line["excess_m2"]),
            line["over_standard_lines"],
        ]
        for line in report.rows
    ]
    t = report.totals
    total = [_("Total"), "", t["missing"], t["lines"], dec(t["area_m2"]), t["staff"]]
    total += [dec(t["allowance_m2"]), dec(t["excess_m2"]), t["over_standard_lines"]]
    return Table("lines", _("Units"), headers, rows, total)


def _over_standard(report: SpaceReport, mask: Masker) -> Table:
    if report.kind == LedgerKind.MASTER:
        lines = [line for line in report.rows if line["over_standard_lines"]]
        names = [line["unit"] for line in lines]
    else:
        lines = [line for line in report.rows if line["over_standard"]]
        names = [mask.name(line) for line in lines]
    headers = [_("Building") if report.kind == LedgerKind.SUB else _("Unit")]
    headers += [label("area_m2"), label("allowance_m2"), label("excess_m2")]
    rows = [
        [name, dec(line["area_m2"]), dec(line["allowance_m2"]), dec(line["excess_m2"])]
        for name, line in zip(names, lines, strict=True)
    ]
    sums = [sum((row[i] for row in rows), Decimal("0.00")) for i in (1, 2, 3)]
    return Table("over_standard", _("Over standard"), headers, rows, [_("Total"), *sums])


def _field(kind: str, column: str) -> Any:
    model = Occupancy if kind == "occupancy" else Building
    return next((f for f in model._meta.concrete_fields if f.column == column), None)


def _field_label(kind: str, column: str) -> str:
    field = _field(kind, column)
    return column if field is None else str(field.verbose_name)


def _rank(key: str) -> str:
    return str(Rank(key).label) if key in Rank.values else key


def change_text(kind: str, column: str, value: Any) -> Any:
    """A value of a change as shown: choices and ranks labelled in the reader's language."""
    if value in (None, ""):
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{_rank(key)} {count}" for key, count in value.items())
    field = _field(kind, column)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value


def _change_rows(change: Mapping[str, Any], mask: Masker) -> list[list[Any]]:
    """One row per field of ``change``; a classified building's name and address withheld."""
    hidden = mask.hidden(change)
    objects = {"occupancy": _("occupancy"), "building": _("building")}
    head = [
        change["at"].replace("T", " ")[:16],
        objects.get(change["object"], change["object"]),
        str(ACTIONS.get(change["action"], change["action"])),
        _("classified building") if hidden else change["building"],
    ]
    rows = []
    for column, before, after in change["fields"]:
        values = [change_text(change["object"], column, v) for v in (before, after)]
        if hidden and column in WITHHELD:
            values = [_("withheld") if v else "" for v in values]
        rows.append([*head, _field_label(change["object"], column), *values, change["user"]])
    return rows


def _changes(report: SpaceReport, mask: Masker) -> Table:
    headers = [_("Time"), pgettext("history", "Record"), _("Action"), _("Building"), _("Field")]
    headers += [_("Before"), _("After"), _("By")]
    rows = [row for change in report.changes for row in _change_rows(change, mask)]
    return Table("changes", _("Changes during the year"), headers, rows)


def _difference_tables(report: SpaceReport, diff: Difference, mask: Masker) -> list[Table]:
    def name(line: Mapping[str, Any]) -> str:
        return line["unit"] if report.kind == LedgerKind.MASTER else mask.name(line)

    headers = [_("Difference"), _("Line"), _("Field"), _("Last year"), _("This year")]
    rows = [[_("added"), name(line), "", "", ""] for line in diff.added]
    rows += [[_("removed"), name(line), "", "", ""] for line in diff.removed]
    rows += [
        [
            _("changed"),
            name(change.line),
            label(field),
            value_text(field, before),
            value_text(field, after),
        ]
        for change in diff.changed
        for field, before, after in change.fields
    ]
    delta_headers = [_("Figure"), _("Last year"), _("This year"), _("Change")]
    deltas = [[label(d.name), d.before, d.after, d.delta] for d in diff.totals]
    note = "" if diff.previous else _("No accepted report of last year to compare with.")
    return [
        Table("difference", _("Difference vs last year"), headers, rows, note=note),
        Table("totals_delta", _("Totals against last year"), delta_headers, deltas, note=note),
    ]


def _summary(report: SpaceReport) -> Table:
    names = ("units", "missing") if report.kind == LedgerKind.MASTER else ("lines",)
    names += ("area_m2", "staff", "allowance_m2", "excess_m2", "over_standard_lines")
    totals = report.totals
    rows = [
        [label(name), dec(totals.get(name)) if name.endswith("_m2") else totals.get(name, 0)]
        for name in names
    ]
    return Table("summary", pgettext("ledger sheet", "Summary"), [_("Figure"), _("Value")], rows)


def build_document(report: SpaceReport, user: User) -> Document:
    """The report as ``user`` may read it, with its difference against last year."""
    diff = difference(report)
    mask = Masker(user, [report] if diff.previous is None else [report, diff.previous])
    lines = _master_lines(report) if report.kind == LedgerKind.MASTER else _sub_lines(report, mask)
    previous = diff.previous
    meta = [
        (_("Report"), report.get_kind_display()),
        (_("Unit"), report.unit.name),
        (_("Division"), str(report.division)),
        (_("Year"), report.year),
        (_("Snapshot date"), date_format(report.as_of, "Y-m-d")),
        (_("Status"), report.get_status_display()),
        (
            _("Last year's accepted report"),
            date_format(previous.as_of, "Y-m-d") if previous else _("none accepted"),
        ),
    ]
    tables = [_summary(report), lines, _over_standard(report, mask)]
    tables += [_changes(report, mask), *_difference_tables(report, diff, mask)]
    title = _("Annual office-space report %(year)d: %(unit)s") % {
        "year": report.year,
        "unit": report.unit.name,
    }
    return Document(title, meta, tables, diff)
