from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

from portal.org.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from portal.org.models import AdminDivision


class AdminDivisionQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """Divisions are reference data: everyone signed in reads all of them."""

    def current(self) -> Self:
        return self.filter(valid_to__isnull=True)

    def subtree(self, division: AdminDivision) -> Self:
        """``division`` and every division below it."""
        return self.filter(code__startswith=division.prefix)

    def children_of(self, division: AdminDivision) -> Self:
        """The current divisions directly below ``division``."""
        return self.current().filter(parent=division)


class UnitQuerySet(ScopedQuerySet):
    unit_path = ""

    def in_division(self, division: AdminDivision) -> Self:
        return self.filter(division__code__startswith=division.prefix)
