"""Batch-wise lookups: references by natural key, duplicates, stored records, scope.

The :class:`Classifier` decides for each converted row whether it creates, updates, leaves
unchanged or is rejected, and why. It reads the database a batch at a time and keeps only
hashes of the keys it has seen, so a million-row file does not hold a million key tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.exchange.columns import Ref
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
        self.seen: dict[int, int] = {}
        self.accepted: set[int] = set()  # key hashes of rows not rejected
        self.pending: list[tuple[Decision, tuple[str, ...]]] = []
        self.scope = edit_scope(by)
        path = unit_path_of(self.model)
        self.owner = path.split("__")[0] if path else ""
        self.levels = set(cleared_levels(by)) if _has_field(self.model, "confidentiality") else None
        self._allowed: set[int] | None = None

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
        key = tuple(row.texts.get(k, "") for k in self.entity.key)
        return key if all(key) else None

    def _duplicates(self, rows: list[Row]) -> None:
        for row in rows:
            key = self.key_of(row)
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

    def _existing(self, rows: list[Row]) -> dict[tuple[str, ...], dict[str, Any]]:
        keys = {k for k in map(self.key_of, rows) if k is not None}
        if not keys:
            return {}
        paths = [self.entity.column(k).value_path() for k in self.entity.key]
        filters = {f"{p}__in": {k[i] for k in keys} for i, p in enumerate(paths)}
        stored = {}
        for record in self.model._base_manager.filter(**filters).values("pk", *self._read_paths()):
            key = tuple("" if record[p] is None else str(record[p]) for p in paths)
            if key in keys:
                stored[key] = record
        return stored

    def _read_paths(self) -> list[str]:
        paths = {c.value_path() for c in self.entity.columns}
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
        self._duplicates(rows)
        stored = self._existing(rows)
        decisions = []
        for row in rows:
            key = self.key_of(row)
            decisions.append(self._decide(row, stored.get(key) if key else None))
        return decisions

    def _decide(self, row: Row, stored: dict[str, Any] | None) -> Decision:
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
        self._defer_parent(decision)
        self.accepted.add(hash(self.key_of(row)))
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
                if (row.refs[column.field] or (None,) * len(paths)) != old:
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
        level = row.values.get("confidentiality", None if stored else self._default_level())
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
        for column in self.entity.columns:
            if column.ref is None or column.ref.model is not self.model:
                continue
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


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def _is_ref_part(entity: Entity, key: str) -> bool:
    return any(c.ref is not None and key in c.ref.columns for c in entity.columns)


def _same_geometry(new: GEOSGeometry | None, old: GEOSGeometry | None) -> bool:
    if new is None or old is None:
        return new is None and old is None
    return bool(new.equals_exact(old, _GEOMETRY_TOLERANCE))
