"""A unit's monthly statement as files: an XLSX workbook and a printable A4 PDF.

Both writers take a :class:`portal.fleet.services.settlement.Statement` built for the
requesting user, so a file holds exactly what the statement page shows. Labels are translated
at call time, in the language of the request.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.fleet.services.settlement import Statement


def statement_title() -> str:
    return _("Official vehicle settlement statement")


def partial_note() -> str:
    """What a partial statement (:attr:`Statement.partial`) says above its figures."""
    return _("Trips of pools you manage only: the unit's other trips are not listed.")


def line_headers() -> list[str]:
    """The columns of a statement line, after its side (payable or receivable)."""
    return [
        _("Trip end"),
        _("Booking"),
        _("Counterparty"),
        _("Vehicle"),
        _("Region class"),
        _("Distance (km)"),
        _("Billed hours"),
        _("Yuan per km"),
        _("Yuan per hour"),
        _("Tolls and parking"),
        _("Amount (yuan)"),
    ]


def file_stem(statement: Statement) -> str:
    """``vehicle-statement-2026-09-<credit code>``: what was asked, in the file name."""
    return f"vehicle-statement-{statement.month}-{statement.unit.credit_code}"
