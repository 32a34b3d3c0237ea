"""The annual report in the upward report format: a workbook and an A4 landscape PDF, both
laid out from :func:`portal.ledgers.document.build_document`."""

from __future__ import annotations

from portal.ledgers.models import SpaceReport


def file_stem(report: SpaceReport) -> str:
    """``office-space-2025-sub-<unit id>``: ASCII, so every browser keeps the name."""
    return f"office-space-{report.year}-{report.kind}-{report.unit_id}"
