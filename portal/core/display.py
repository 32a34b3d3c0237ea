"""Registry values as people read them: verbose labels, choice labels, grouped numbers, links.

Detail pages, related-object tables and exports name a value by a field path such as
``holder__division`` and get the label of the last field and the value's display text, so every
page shows the same field the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

from portal.core.choices import Rank

EMPTY = "—"
# A record above the viewer's clearance, reached through a visible one (an asset's building).
WITHHELD: Any = object()


@dataclass(frozen=True)
class Cell:
    """One displayed value: its text, a link when it names a record with a page, its kind."""

    text: str
    url: str = ""
    number: bool = False
    flag: bool = False


@dataclass(frozen=True)
class Column:
    """A value to show, by field path; ``label`` names annotations and overrides verbose names.

    A ``flag`` column holds a boolean annotation shown as a badge reading ``label`` when true.
    """

    path: str
    label: str | Promise = ""
    flag: bool = False


def field_at(model: type[models.Model], path: str) -> Any:
    """The model field at the end of ``path`` (``holder__division``), or None for annotations."""
    field: Any = None
    current: Any = model
    for part in path.split("__"):
        if current is None:  # the path runs on past a field that is not a relation
            return None
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        current = field.related_model
    return field


def label_of(model: type[models.Model], path: str) -> str:
    field = field_at(model, path)
    return str(capfirst(field.verbose_name)) if field is not None else path


def value_at(obj: Any, path: str, cleared: Collection[str] | None = None) -> Any:
    """The value at ``path``; :data:`WITHHELD` past a record classified above ``cleared``."""
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
        if cleared is not None and getattr(value, "confidentiality", None) not in (None, *cleared):
            return WITHHELD
    return value


def cell(obj: models.Model, column: Column, cleared: Collection[str] | None = None) -> Cell:
    """The display cell of ``column`` for ``obj``, withholding records above ``cleared``."""
    value = value_at(obj, column.path, cleared)
    if value is WITHHELD:
        return Cell(gettext("withheld (classified)"))
    if column.flag:
        return Cell(str(column.label) if value else "", flag=bool(value))
    field = field_at(type(obj), column.path)
    if field is not None and field.choices and value is not None:
        return Cell(str(dict(field.flatchoices).get(value, value)))
    if isinstance(value, models.Model):
        url = value.get_absolute_url() if hasattr(value, "get_absolute_url") else ""
        return Cell(str(value), url=url)
    return Cell(text(value), number=isinstance(value, int | float | Decimal))


def text(value: Any) -> str:
    """A plain value as text in the active language."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, Decimal | float):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, dict):
        return _mapping(value)
    return str(value)


def _mapping(value: dict[str, Any]) -> str:
    """Staff by rank and similar JSON: rank keys read as their labels."""
    if not value:
        return EMPTY
    ranks = dict(Rank.choices)
    return "; ".join(f"{ranks.get(key, key)}: {count}" for key, count in value.items())


def attributes(
    obj: models.Model, paths: tuple[str, ...], cleared: Collection[str] | None = None
) -> list[tuple[str, Cell]]:
    """(label, cell) for each field path, for a detail page's attribute list."""
    model = type(obj)
    return [(label_of(model, path), cell(obj, Column(path), cleared)) for path in paths]


def headers(model: type[models.Model], columns: tuple[Column, ...]) -> list[str]:
    return [str(column.label) or label_of(model, column.path) for column in columns]


def rows(
    items: list[Any], columns: tuple[Column, ...], cleared: Collection[str] | None = None
) -> list[tuple[str, list[Cell]]]:
    """(link, cells) for each record of a related-objects table."""
    return [(_url(item), [cell(item, column, cleared) for column in columns]) for item in items]


def _url(item: Any) -> str:
    return item.get_absolute_url() if hasattr(item, "get_absolute_url") else ""
