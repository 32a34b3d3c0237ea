"""Writes classified rows a batch at a time, inside the import's single transaction.

New records go in through ``COPY ... FROM STDIN``: PostgreSQL fires the pghistory row triggers
and the foreign-key checks for COPY as it does for INSERT, so every record still gets its
history event, while the rows skip the ORM's per-object SQL compilation. A batch's COPY runs on
a worker thread and PostgreSQL's work on it overlaps the engine's reading and checking of the
next batch (the server works on another core). The engine calls :meth:`Writer.wait` before it
looks anything up, so every lookup sees every earlier batch, as with synchronous writes.
Changed records go through the ORM's ``bulk_update``.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.contrib.gis.db.models import GeometryField
from django.db import models, transaction
from django.utils import timezone
from pghistory import config as pghistory_config
from psycopg import sql
from shapely.geometry.base import BaseGeometry

from portal.exchange.entities import Entity
from portal.exchange.rows import object_array, to_geos

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from portal.exchange.resolve import Decision

# Rows per UPDATE statement: large enough to amortise the round trip, small enough that the
# statement's parameters stay well below PostgreSQL's 65,535 limit for wide rows.
STATEMENT_ROWS = 500
# Fields whose get_db_prep_save returns the Python values the import produces (str, int,
# Decimal, date, bool, None) unchanged: COPY passes them to psycopg directly.
_PLAIN_FIELDS: frozenset[type[models.Field[Any, Any]]] = frozenset(
    {
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.SmallIntegerField,
        models.BigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.DecimalField,
        models.DateField,
        models.BooleanField,
        models.ForeignKey,
    }
)
_HISTORY_CONTEXT = (
    "SELECT set_config('pghistory.context_id', %s, true), "
    "set_config('pghistory.context_metadata', %s, true)"
)


@dataclass(frozen=True)
class _Target:
    """A column the COPY fills, and how its value is found (as ``bulk_create`` finds it)."""

    field: models.Field[Any, Any]
    name: str  # the attribute name: ``holder_id`` for a foreign key
    geometry: bool
    now: bool  # auto_now / auto_now_add: Django's pre_save sets the time of writing
    plain: bool  # the value goes to psycopg as it is (see _PLAIN_FIELDS)


def _targets(model: type[models.Model]) -> list[_Target] | None:
    """The columns COPY writes, or None when only the ORM can write the model faithfully."""
    targets = []
    for f in model._meta.concrete_fields:
        if f.generated or f is model._meta.pk:
            continue
        if f.has_db_default() and not f.has_default():
            return None  # the database default needs INSERT's DEFAULT keyword
        now = bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        plain = type(f) in _PLAIN_FIELDS
        targets.append(_Target(f, f.attname, isinstance(f, GeometryField), now, plain))
    return targets


class Writer:
    def __init__(
        self, entity: Entity, *, history: Any = None, by: Any = None, job_id: int | None = None
    ) -> None:
        self.entity = entity
        self.model: type[models.Model] = entity.model
        self.history = history  # the entered pghistory.context, recorded by COPY's triggers
        self.by, self.job_id = by, job_id  # for the entity's write hook
        self.connection: BaseDatabaseWrapper = transaction.get_connection()
        self.targets = _targets(self.model)
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="import-copy")
        self._copying: concurrent.futures.Future[None] | None = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self.wait()
            elif self._copying is not None:  # let it end; the rollback will undo it
                concurrent.futures.wait([self._copying])
        finally:
            self._pool.shutdown()

    def immediate_constraints(self) -> None:
        """Check foreign keys per statement: deferred checks plus the history trigger's own
        inserts make a large load quadratic (measured with the demo loader)."""
        with self.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def wait(self) -> None:
        """Return once the batch being copied is written; raise what stopped it."""
        if self._copying is not None:
            copying, self._copying = self._copying, None
            copying.result()

    def write(self, decisions: list[Decision]) -> None:
        self.wait()
        new = [d.attrs for d in decisions if d.action == "create"]
        if new and self.targets is not None:
            self._copying = self._pool.submit(self._copy, new)
        elif new:
            objects = [self.model(**self._geos(attrs)) for attrs in new]
            self.model._base_manager.bulk_create(objects, batch_size=STATEMENT_ROWS)
        changed = [d for d in decisions if d.action == "update"]
        hook = self.entity.on_write
        if hook is not None and (new or changed):
            self.wait()
            hook(new, [(d.pk, d.attrs) for d in changed], self.by, self.job_id)
        if changed:
            self.wait()
            self._update(changed)

    # -- COPY (on the worker thread) --------------------------------------------------------

    def _copy(self, batch: list[dict[str, Any]]) -> None:
        wrapper = self.connection
        with wrapper.wrap_database_errors, wrapper.connection.cursor() as cursor:
            if self.history is not None:
                metadata = json.dumps(self.history.metadata, cls=pghistory_config.json_encoder())
                cursor.execute(_HISTORY_CONTEXT, [str(self.history.id), metadata])
            with cursor.copy(self._statement()) as copy:
                for values in self._rows(batch):
                    copy.write_row(values)

    def _statement(self) -> sql.Composed:
        columns = [sql.Identifier(t.field.column) for t in self.targets or ()]
        return sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.model._meta.db_table), sql.SQL(", ").join(columns)
        )

    def _rows(self, batch: list[dict[str, Any]]) -> Iterator[list[Any]]:
        targets = self.targets or []
        ewkb = {t.name: self._ewkb(t, batch) for t in targets if t.geometry}
        for i, attrs in enumerate(batch):
            yield [ewkb[t.name][i] if t.geometry else self._value(t, attrs) for t in targets]

    def _value(self, target: _Target, attrs: dict[str, Any]) -> Any:
        if target.now:
            value = timezone.now()
        elif target.name in attrs:
            value = attrs[target.name]
        else:
            value = target.field.get_default()
        return value if target.plain else target.field.get_db_prep_save(value, self.connection)

    @staticmethod
    def _ewkb(target: _Target, batch: list[dict[str, Any]]) -> np.ndarray:
        """Hex EWKB of one geometry column for the whole batch (None stays NULL)."""
        default = target.field.get_default()
        geoms = object_array([attrs.get(target.name, default) for attrs in batch])
        srid = target.field.srid  # type: ignore[attr-defined]
        return shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)

    # -- the ORM ------------------------------------------------------------------------------

    @staticmethod
    def _geos(attrs: dict[str, Any]) -> dict[str, Any]:
        return {k: to_geos(v) if isinstance(v, BaseGeometry) else v for k, v in attrs.items()}

    def _update(self, decisions: list[Decision]) -> None:
        """Update only the columns that changed, grouped so each statement sets the same ones."""
        groups: dict[frozenset[str], list[models.Model]] = {}
        now = timezone.now()
        for decision in decisions:
            obj = self.model(pk=decision.pk, **self._geos(decision.attrs))
            obj.updated_at = now  # type: ignore[attr-defined]
            groups.setdefault(frozenset(decision.attrs), []).append(obj)
        manager = self.model._base_manager
        for names, objects in groups.items():
            manager.bulk_update(objects, [*sorted(names), "updated_at"], batch_size=STATEMENT_ROWS)

    def set_parents(self, pairs: list[tuple[tuple[str, ...] | None, tuple[str, ...]]]) -> None:
        """Link units to parents created later in the same file (by credit code)."""
        self.wait()
        if not pairs:
            return
        codes = {code for child, parent in pairs for code in (*(child or ()), *parent)}
        ids = dict(
            self.model._base_manager.filter(credit_code__in=codes).values_list("credit_code", "pk")
        )
        for child, parent in pairs:
            if child is not None:
                self.model._base_manager.filter(pk=ids[child[0]]).update(parent_id=ids[parent[0]])
