"""Batch-wise lookups: references by natural key, duplicates, stored records, scope.

The :class:`Classifier` decides for each converted row whether it creates, updates, leaves
unchanged or is rejected, and why. It reads the database a batch at a time and keeps only
hashes of the keys it has seen, so a million-row file does not hold a million key tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from portal.exchange.columns import Column, Ref
from portal.exchange.entities import Entity
from portal.exchange.problems import Problem
from portal.exchange.rows import Row
from portal.org.models import Unit
from portal.org.scoping import Reach, cleared_levels, edit_scope, unit_path_of

if TYPE_CHECKING:
    from portal.exchange.writer import Writer
    from portal.org.models import User

# Coordinates read back from a file written by our own export differ by float noise at most.
_GEOMETRY_TOLERANCE = 1e-9


@dataclass
class Decision:
    row: Row
    action: str  # "create", "update", "unchanged" or "reject"
    pk: int | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


class RefCache:
    """Natural key → primary key for referenced models, filled a batch at a time."""

    def __init__(self) -> None:
        self.known: dict[
            tuple[type[models.Model], tuple[str, ...]], dict[tuple[str, ...], int]
        ] = {}

    def lookup(
        self, ref: Ref, keys: set[tuple[str, ...]], *, cache_misses: bool
    ) -> dict[tuple[str, ...], int]:
        known = self.known.setdefault((ref.model, ref.lookups), {})
        missing = {k for k in keys if k not in known}
        if missing:
            found = self._query(ref, missing)
            known.update(found)
            if cache_misses:
                known.update({k: 0 for k in missing - found.keys()})
        return {k: known[k] for k in keys if known.get(k)}

    @staticmethod
    def _query(ref: Ref, keys: set[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
        filters = {f"{lk}__in": {k[i] for k in keys} for i, lk in enumerate(ref.lookups)}
        queryset = ref.model._base_manager.filter(**filters)
        if ref.current_only:
            queryset = queryset.filter(valid_to__isnull=True)
        found = {}
        for pk, *parts in queryset.values_list("pk", *ref.lookups):
            key = tuple(str(p) for p in parts)
            if key in keys:
                found[key] = pk
        return found


class Classifier:
    def __init__(
        self, entity: Entity, *, by: User, headers: dict[str, str], crs_label: str
    ) -> None:
        self.entity = entity
        self.crs_label = crs_label
        self.model = entity.model
        self.by = by
        self.headers = headers
        self.refs = RefCache()
        self.key_required = [entity.column(k).is_required(self.model) for k in entity.key]
        self.seen: dict[int, int] = {}
        self.accepted: set[int] = set()  # key hashes of rows not rejected
        self.pending: list[tuple[Decision, tuple[str, ...]]] = []
        self.scope = edit_scope(by)
        path = unit_path_of(self.model)
        self.owner = path.split("__")[0] if path else ""
        self.levels = set(cleared_levels(by)) if _has_field(self.model, "confidentiality") else None
        self._allowed: set[int] | None = None
        self._visible: dict[str, dict[int, bool]] = {}
        self._level = self._default_level()
        self._self_refs = [c for c in entity.columns if c.ref and c.ref.model is self.model]

    def header(self, key: str) -> str:
        return self.headers.get(key, key)

    # -- references -------------------------------------------------------------------------

    def _resolve(self, rows: list[Row]) -> None:
        for column in self.entity.columns:
            if column.ref is None:
                continue
            own = column.ref.model is self.model
            keys = {r.refs[column.field] for r in rows if r.refs.get(column.field)}
            found = self.refs.lookup(column.ref, keys, cache_misses=not own)  # type: ignore[arg-type]
            for row in (r for r in rows if column.field in r.refs):
                key = row.refs[column.field]
                row.ids[column.field] = found.get(key) if key else None
                if key and key not in found and not own:
                    row.problems.append(self._unknown(row, column.ref, key))

    def _unknown(self, row: Row, ref: Ref, key: tuple[str, ...]) -> Problem:
        return Problem(
            "unknown_ref",
            _("No %(what)s “%(key)s” is in the registry."),
            {"what": ref.model._meta.verbose_name, "key": " / ".join(key)},
            row=row.number,
            column=self.header(ref.columns[-1]),
        )

    # -- keys ---------------------------------------------------------------------------------

    def key_of(self, row: Row) -> tuple[str, ...] | None:
        """The row's natural key; None while a required part is missing (already reported).

        Optional parts may be empty: a stock batch without a batch number is keyed by "".
        """
        key = tuple(row.texts.get(k, "") for k in self.entity.key)
        return key if all(p or not r for p, r in zip(key, self.key_required, strict=True)) else None

    def _duplicates(self, rows: list[Row], keys: list[tuple[str, ...] | None]) -> None:
        for row, key in zip(rows, keys, strict=True):
            if key is None:
                continue
            first = self.seen.setdefault(hash(key), row.number)
            if first != row.number:
                row.problems.append(
                    Problem(
                        "duplicate",
                        _("The same record (%(key)s) is already in row %(first)s of this file."),
                        {"key": " / ".join(key), "first": first},
                        row=row.number,
                        column=self.header(self.entity.key[-1]),
                    )
                )

    def _existing(
        self, rows: list[Row], row_keys: list[tuple[str, ...] | None]
    ) -> dict[tuple[str, ...], dict[str, Any]]:
        keys = {k for k in row_keys if k is not None}
        if not keys:
            return {}
        paths = [self.entity.column(k).value_path() for k in self.entity.key]
        queryset = self.model._base_manager.filter(self._candidates(rows, row_keys, paths))
        stored = {}
        for record in queryset.order_by().values("pk", *self._read_paths()):
            key = tuple("" if record[p] is None else str(record[p]) for p in paths)
            if key in keys:
                stored[key] = record
        return stored

    def _candidates(
        self, rows: list[Row], keys: list[tuple[str, ...] | None], paths: list[str]
    ) -> Q | _KeysIn:
        """Stored records that may have one of ``keys``, in a filter an index can serve.

        The keys go to PostgreSQL as arrays, one probe of the natural key's unique index each,
        and a key led by a unit's credit code is looked up by the unit id it resolved to: the
        old ``credit_code IN (...) AND name IN (...)`` scanned every record of those units, so
        a file of n rows read n²/batch records.
        """
        lead = self.entity.column(self.entity.key[0])
        by_id = lead.ref is not None and lead.ref.columns == (lead.key,)
        columns = [f"{lead.field}_id" if by_id else paths[0], *paths[1:]]
        if not all(_is_text(self.model, path) for path in columns[int(by_id) :]):
            return Q(**{f"{p}__in": {k[i] for k in keys if k} for i, p in enumerate(paths)})
        tuples: set[tuple[Any, ...]] = set()
        for row, key in zip(rows, keys, strict=True):
            owner = row.ids.get(lead.field) if by_id else None
            if key is not None and (owner or not by_id):
                tuples.add((owner, *key[1:]) if by_id else key)
        arrays = [list(values) for values in zip(*tuples, strict=True)] or [[] for _ in columns]
        kinds = ["bigint" if by_id and i == 0 else "text" for i in range(len(columns))]
        return _KeysIn(columns, list(zip(kinds, arrays, strict=True)))

    def _read_paths(self) -> list[str]:
        paths = {c.value_path() for c in self.entity.columns}
        paths |= {f"{c.field}_id" for c in self.entity.columns if c.ref is not None}
        if self.entity.geometry is not None:
            paths |= {
                self.entity.geometry.field,
                self.entity.geometry.footprint or self.entity.geometry.field,
            }
        if self.owner:
            paths.add(f"{self.owner}_id")
        if self.levels is not None:
            paths.add("confidentiality")
        return sorted(paths)

    # -- decisions ----------------------------------------------------------------------------

    def classify(self, rows: list[Row]) -> list[Decision]:
        self._resolve(rows)
        keys = [self.key_of(row) for row in rows]
        self._duplicates(rows, keys)
        stored = self._existing(rows, keys)
        return [
            self._decide(row, key, stored.get(key) if key else None)
            for row, key in zip(rows, keys, strict=True)
        ]

    def _decide(
        self, row: Row, key: tuple[str, ...] | None, stored: dict[str, Any] | None
    ) -> Decision:
        if row.ok:
            self._check_scope(row, stored)
        if not row.ok:
            return Decision(row, "reject")
        attrs = self._attrs(row)
        decision = Decision(row, "create", attrs=attrs)
        if stored is not None:
            changed = self._changed(row, stored)
            kept = {name: value for name, value in attrs.items() if name in changed}
            decision = Decision(row, "update" if changed else "unchanged", stored["pk"], kept)
        if self._self_refs:
            self._defer_parent(decision)
        self.accepted.add(hash(key))
        return decision

    def _attrs(self, row: Row) -> dict[str, Any]:
        attrs = dict(row.values)
        attrs.update({f"{name}_id": pk for name, pk in row.ids.items()})
        attrs.update(row.geoms)
        if row.geoms:
            attrs["source_crs"] = self.crs_label
        return attrs

    def _changed(self, row: Row, stored: dict[str, Any]) -> set[str]:
        """The model attributes whose stored value differs from the row's."""
        changed = set()
        for column in self.entity.columns:
            if column.ref is not None and column.field in row.refs:
                paths = [self.entity.column(k).value_path() for k in column.ref.columns]
                old = tuple(None if stored[p] is None else str(stored[p]) for p in paths)
                new = row.refs[column.field]
                if (new or (None,) * len(paths)) != old and not self._hidden_kept(
                    column, new, stored
                ):
                    changed.add(f"{column.field}_id")
            elif (
                column.field in row.values
                and not _is_ref_part(self.entity, column.key)
                and row.values[column.field] != stored[column.value_path()]
            ):
                changed.add(column.field)
        for name, geom in row.geoms.items():
            if not _same_geometry(geom, stored.get(name)):
                changed |= {name, "source_crs"}
        return changed

    def _hidden_kept(
        self, column: Column, new: tuple[str, ...] | None, stored: dict[str, Any]
    ) -> bool:
        """An empty reference cell keeps a link the user cannot see: exports write such links
        empty, and re-importing one's own export must not cut an asset from its building."""
        target = stored[f"{column.field}_id"]
        if new is not None or target is None or column.ref is None:
            return False
        cache = self._visible.setdefault(column.field, {})
        if target not in cache:
            manager = column.ref.model._default_manager
            visible = getattr(manager, "visible_to", None)
            cache[target] = visible is None or visible(self.by).filter(pk=target).exists()
        return not cache[target]

    # -- scope ----------------------------------------------------------------------------------

    def _allowed_owners(self) -> set[int]:
        if self._allowed is None:
            target = self.model._meta.get_field(self.owner).related_model if self.owner else Unit
            manager = target._default_manager  # type: ignore[union-attr]
            self._allowed = set(manager.editable_by(self.by).values_list("pk", flat=True))
        return self._allowed

    def _check_scope(self, row: Row, stored: dict[str, Any] | None) -> None:
        if stored is not None and not self._may_touch(stored):
            row.problems.append(
                self._scope_problem(
                    row, _("A record with this key exists, but you may not change it.")
                )
            )
            return
        if not self._may_own(row):
            row.problems.append(
                self._scope_problem(row, _("You may not record data for this unit."))
            )
        level = row.values.get("confidentiality", None if stored else self._level)
        if self.levels is not None and level is not None and level not in self.levels:
            row.problems.append(
                self._scope_problem(row, _("The classification is above your clearance."))
            )

    def _default_level(self) -> str | None:
        if self.levels is None:
            return None
        return str(self.model._meta.get_field("confidentiality").get_default())

    def _may_touch(self, stored: dict[str, Any]) -> bool:
        owner_id = stored[f"{self.owner}_id"] if self.owner else stored["pk"]
        cleared = self.levels is None or stored["confidentiality"] in self.levels
        return cleared and owner_id in self._allowed_owners()

    def _may_own(self, row: Row) -> bool:
        if self.owner:
            return row.ids.get(self.owner) in self._allowed_owners()
        scope = self.scope  # a unit row owns itself: judged by its division
        division = row.texts.get("division", "")
        if scope.reach is Reach.ALL:
            return True
        return scope.reach is Reach.DIVISION and division.startswith(scope.prefix)

    def _scope_problem(self, row: Row, message: Any) -> Problem:
        return Problem("scope", message, row=row.number, column=self.header(self.entity.key[0]))

    # -- self references (a unit's parent listed later in the same file) ----------------------

    def _defer_parent(self, decision: Decision) -> None:
        for column in self._self_refs:
            key = decision.row.refs.get(column.field)
            if key and decision.row.ids.get(column.field) is None:
                decision.attrs.pop(f"{column.field}_id", None)
                self.pending.append((decision, key))

    def finish(self, writer: Writer | None) -> list[Decision]:
        """Settle deferred parents; return decisions turned into rejections at the end."""
        late = [d for d, key in self.pending if hash(key) not in self.accepted]
        for decision in late:
            column = next(c for c in self.entity.columns if c.ref and c.ref.model is self.model)
            key = decision.row.refs[column.field]
            decision.row.problems.append(self._unknown(decision.row, column.ref, key))  # type: ignore[arg-type, arg-type]
        if writer is not None and not late:
            writer.set_parents([(self.key_of(d.row), key) for d, key in self.pending])
        return late


class _KeysIn(Func):
    """``(c1, c2, …) IN (SELECT * FROM unnest(%s::t1[], %s::t2[], …))``: key tuples as arrays."""

    output_field = models.BooleanField()

    def __init__(self, columns: list[str], arrays: list[tuple[str, list[Any]]]) -> None:
        super().__init__(*(F(column) for column in columns))
        self.arrays = arrays  # (SQL type, values) per column

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        compiled = [compiler.compile(e) for e in self.get_source_expressions()]
        columns = ", ".join(sql for sql, _ in compiled)
        unnest = ", ".join(f"%s::{kind}[]" for kind, _ in self.arrays)
        params = [p for _, ps in compiled for p in ps] + [values for _, values in self.arrays]
        return f"({columns}) IN (SELECT * FROM unnest({unnest}))", params


def _is_text(model: type[models.Model], path: str) -> bool:
    """Whether the ORM path ends at a text column (compared with the key's text as it is)."""
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model  # type: ignore[assignment]
    return isinstance(model._meta.get_field(last), models.CharField | models.TextField)


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def _is_ref_part(entity: Entity, key: str) -> bool:
    return any(c.ref is not None and key in c.ref.columns for c in entity.columns)


def _same_geometry(new: BaseGeometry | None, old: GEOSGeometry | None) -> bool:
    """Equal vertex for vertex, whatever the ring orientation or starting vertex: Shapefiles
    store outer rings clockwise, GeoPackages as written."""
    if new is None or old is None:
        return new is None and old is None
    stored = shapely.normalize(shapely.from_wkb(bytes(old.wkb)))
    return bool(shapely.equals_exact(shapely.normalize(new), stored, _GEOMETRY_TOLERANCE))
