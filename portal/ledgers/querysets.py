"""Reads of the ledgers app: a report is scoped by its unit (for a master ledger, the offices
administration that keeps it), like every registry record."""

from portal.org.scoping import ScopedQuerySet


class SpaceReportQuerySet(ScopedQuerySet):
    unit_path = "unit"
