"""Columns of an exchange file and how a raw cell becomes a model value.

A :class:`Column` is declared against a model field, so its label, choices, length and
validators come from the model and cannot drift from it. ``key`` is the column name in GIS
exports (ASCII, at most 10 characters so Shapefile keeps it); ``path`` is the ORM path of
the value, which export reads and import compares with what is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.exchange.problems import Problem

_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TRUE = {"1", "true", "yes", "y", "是", "有", "t"}
_FALSE = {"0", "false", "no", "n", "否", "无", "f"}
# Excel stores numbers as binary doubles: beyond 15 significant digits a code is already lost.
_EXACT_DIGITS = 15


class CellError(Exception):
    """A cell that cannot become a value; carries the lazy message and its parameters."""

    def __init__(self, code: str, message: str | Promise, **params: Any) -> None:
        self.code, self.message, self.params = code, message, params
        super().__init__(code)


@dataclass(frozen=True)
class Ref:
    """A foreign key written in files by the natural key of the row it points to.

    ``lookups`` are the target model's natural-key paths, one per column of ``columns``
    (the keys of sibling columns). ``default_from`` names, per lookup, a column of the same
    row used when the cell is empty (an asset's building is the holder's unless said).
    """

    model: type[models.Model]
    lookups: tuple[str, ...]
    columns: tuple[str, ...]
    default_from: tuple[str | None, ...] = ()
    current_only: bool = False  # admin divisions: only the code currently in force


@dataclass(frozen=True)
class Column:
    """One column: ``key`` in files, ``field`` on the model, ``path`` for export/compare."""

    key: str
    field: str
    path: str = ""
    label: str | Promise | None = None
    code: bool = False  # identifiers: kept as text, never read from a rounded number
    ref: Ref | None = None
    required: bool | None = None  # None: as the model field says
    aliases: tuple[str, ...] = field(default=())

    def model_field(self, model: type[models.Model]) -> models.Field[Any, Any]:
        return model._meta.get_field(self.field)  # type: ignore[return-value]

    def value_path(self) -> str:
        return self.path or self.field

    def title(self, model: type[models.Model], language: str) -> str:
        """The column's header in ``language``: the label, or the field's verbose name."""
        with translation.override(language):
            return str(self.label or self.model_field(model).verbose_name)

    def is_required(self, model: type[models.Model]) -> bool:
        if self.required is not None:
            return self.required
        mf = self.model_field(model)
        return not (mf.null or mf.blank or mf.has_default())


def _text(value: Any, *, code: bool) -> str:
    if isinstance(value, bool):
        raise CellError("type", _("Expected text, found a true/false value."))
    if isinstance(value, float):
        if code and (not value.is_integer() or abs(value) >= 10**_EXACT_DIGITS):
            raise CellError(
                "number_code",
                _(
                    "The code was stored as a number (%(value)s) and may have lost digits; "
                    "format the column as text and type the code again."
                ),
                value=repr(value),
            )
        value = int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("type", _("Expected a number, found a true/false value."))
    if isinstance(value, float) and not math.isfinite(value):
        raise CellError("type", _("Expected a number, found %(value)s."), value=value)
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CellError("type", _("Expected a number, found “%(value)s”."), value=value) from None


def _integer(value: Any) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise CellError("type", _("Expected a whole number, found %(value)s."), value=value)
    return int(number)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_TEXT.match(str(value).strip())
    try:
        if match is None:
            raise ValueError(value)
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(
            "type", _("Expected a date such as 2024-03-01, found “%(value)s”."), value=value
        ) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise CellError("type", _("Expected yes/no (是/否), found “%(value)s”."), value=value)


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(str(value))
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise CellError(
            "type",
            _('Expected a JSON object such as {"staff": 3}, found “%(value)s”.'),
            value=value,
        )
    return parsed


def choice_lookup(mf: models.Field[Any, Any]) -> dict[str, str]:
    """Accepted spellings of each choice: its value and its label in Chinese and English."""
    spellings: dict[str, str] = {}
    for value, label in mf.choices or ():
        spellings[str(value).lower()] = str(value)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                spellings[str(label).strip().lower()] = str(value)
    return spellings


def _choice(value: Any, choices: dict[str, str]) -> str:
    text = str(value).strip().lower()
    if text in choices:
        return choices[text]
    raise CellError(
        "choice", _("“%(value)s” is not one of the allowed values."), value=str(value).strip()
    )


def convert(mf: models.Field[Any, Any], value: Any, *, code: bool, choices: dict[str, str]) -> Any:
    """Turn a non-empty cell into the Python value of ``mf``, raising :class:`CellError`."""
    if choices:
        return _choice(value, choices)
    kind = mf.get_internal_type()
    if kind in ("DecimalField", "FloatField"):
        return _decimal(value)
    if kind in ("PositiveSmallIntegerField", "PositiveIntegerField", "IntegerField"):
        return _integer(value)
    if kind == "SmallIntegerField":
        return _integer(value)
    if kind == "DateField":
        return _date(value)
    if kind == "BooleanField":
        return _boolean(value)
    if kind == "JSONField":
        return _json_object(value)
    return _text(value, code=code)


def check(mf: models.Field[Any, Any], value: Any) -> None:
    """Run the model field's own limits (length, digits, validators) on a converted value."""
    try:
        if isinstance(mf, models.DecimalField | models.CharField) or mf.validators:
            mf.run_validators(value)
        if isinstance(mf, models.DecimalField):
            mf.to_python(value)
    except ValidationError as exc:
        first = exc.error_list[0]
        raise CellError(first.code or "invalid", first.message, **(first.params or {})) from None


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def problem(error: CellError, *, row: int, column: str) -> Problem:
    return Problem(error.code, error.message, error.params, row=row, column=column)
