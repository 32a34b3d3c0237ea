"""What an import found wrong, said in Chinese and English, with the row and field it concerns.

A :class:`Problem` keeps its message as a lazy translatable template plus parameters, so the
report can be rendered in both languages whatever language the request (or worker) runs in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

LANGUAGES = ("zh-hans", "en")


class Severity(StrEnum):
    ERROR = "error"  # the row (or, without a row, the file) is rejected
    WARNING = "warning"  # accepted, but the user should know (repaired, flattened, ignored)


def render(text: str | Promise, params: Mapping[str, Any], language: str) -> str:
    """``text % params`` translated into ``language``; lazy parameters are translated too."""
    with translation.override(language):
        values = {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}
        return str(text) % values if values else str(text)


@dataclass(frozen=True)
class Problem:
    """One finding. ``row`` is the row number the user sees in the file (None: the whole file).

    ``field`` is the column as the file names it (or the entity's column key when the column
    is missing); ``code`` is a stable machine-readable reason such as ``"required"``.
    """

    code: str
    message: str | Promise
    params: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str = ""
    severity: Severity = Severity.ERROR

    def text(self, language: str) -> str:
        return render(self.message, self.params, language)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON for the stored report, the API and ``import_data --format json``."""
        return {
            "row": self.row,
            "field": self.column,
            "code": self.code,
            "severity": str(self.severity),
            "message_zh": self.text("zh-hans"),
            "message_en": self.text("en"),
        }


class ProblemError(Exception):
    """Raised when a problem stops the whole file (unreadable, refused CRS, missing column)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.text("en"))
