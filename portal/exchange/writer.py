"""Writes classified rows a batch at a time, inside the import's single transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, models
from django.utils import timezone

from portal.exchange.entities import Entity

if TYPE_CHECKING:
    from portal.exchange.resolve import Decision

# Rows per INSERT/UPDATE statement: large enough to amortise the round trip, small enough that
# the statement's parameters stay well below PostgreSQL's 65,535 limit for wide rows.
STATEMENT_ROWS = 500


class Writer:
    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self.model: type[models.Model] = entity.model

    @staticmethod
    def immediate_constraints() -> None:
        """Check foreign keys per statement: deferred checks plus the history trigger's own
        inserts make a large load quadratic (measured with the demo loader)."""
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def write(self, decisions: list[Decision]) -> None:
        new = [self.model(**d.attrs) for d in decisions if d.action == "create"]
        if new:
            self.model._base_manager.bulk_create(new, batch_size=STATEMENT_ROWS)
        self._update([d for d in decisions if d.action == "update"])

    def _update(self, decisions: list[Decision]) -> None:
        """Update only the columns that changed, grouped so each statement sets the same ones."""
        groups: dict[frozenset[str], list[models.Model]] = {}
        now = timezone.now()
        for decision in decisions:
            obj = self.model(pk=decision.pk, **decision.attrs)
            obj.updated_at = now  # type: ignore[attr-defined]
            groups.setdefault(frozenset(decision.attrs), []).append(obj)
        manager = self.model._base_manager
        for names, objects in groups.items():
            manager.bulk_update(objects, [*sorted(names), "updated_at"], batch_size=STATEMENT_ROWS)

    def set_parents(self, pairs: list[tuple[tuple[str, ...] | None, tuple[str, ...]]]) -> None:
        """Link units to parents created later in the same file (by credit code)."""
        if not pairs:
            return
        codes = {code for child, parent in pairs for code in (*(child or ()), *parent)}
        ids = dict(
            self.model._base_manager.filter(credit_code__in=codes).values_list("credit_code", "pk")
        )
        for child, parent in pairs:
            if child is not None:
                self.model._base_manager.filter(pk=ids[child[0]]).update(parent_id=ids[parent[0]])
