"""The contract between file readers and the import engine.

A reader turns one uploaded file into a :class:`Source`: its headers as the file spells them,
how its text was decoded, what coordinate system its coordinates are in, and the rows in
batches. Readers never convert coordinates or judge values: the engine does that, so every
format is validated by the same code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from portal.exchange.problems import Problem

if TYPE_CHECKING:
    import pyproj
    from shapely.geometry.base import BaseGeometry


class Format(StrEnum):
    GPKG = "gpkg", _("GeoPackage")
    SHP = "shp", _("Shapefile (zipped)")
    GEOJSON = "geojson", _("GeoJSON")
    KML = "kml", _("KML")
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel workbook")

    def __new__(cls, value: str, label: object) -> Format:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label  # type: ignore[attr-defined]
        return member


@dataclass(frozen=True)
class ReadOptions:
    """What the user declared. ``crs`` is e.g. ``"EPSG:4523"``, ``"4326"``, ``"GCJ-02"``."""

    crs: str | None = None
    encoding: str | None = None
    layer: str | None = None


@dataclass
class Batch:
    """Consecutive rows. ``rows`` are the numbers the user sees (spreadsheet line or feature no.).

    ``records`` map the file's own header text to the raw value read (str, int, float, bool,
    date/datetime or None). ``geoms`` are shapely geometries in the *source* CRS, ``None`` per
    row without geometry; the whole list is ``None`` when the file has no geometry at all.
    ``problems`` are per-row findings of the reader itself (bad WKT, unreadable coordinates).
    """

    rows: list[int]
    records: list[dict[str, Any]]
    geoms: list[BaseGeometry | None] | None = None
    problems: list[Problem] = field(default_factory=list)


class Source(ABC):
    """An opened file, ready to be previewed and read in batches."""

    format: Format
    headers: list[str]
    # The codec used and where it came from: "cpg", "ldid", "sniffed", "declared", "format".
    encoding: str | None = None
    encoding_source: str = ""
    # The CRS the coordinates are in: a pyproj CRS, "GCJ-02"/"BD-09" when declared, or None
    # when the file carries no geometry. ``crs_source`` is "file", "declared" or "assumed".
    crs: pyproj.CRS | str | None = None
    crs_source: str = ""
    feature_count: int | None = None
    # File-level warnings found while opening (e.g. the CRS was assumed, a sheet was skipped).
    notes: list[Problem]

    @abstractmethod
    def batches(self, size: int) -> Iterator[Batch]:
        """Yield the rows in order, ``size`` at a time, reading no more than that into memory."""

    def preview(self, rows: int = 5) -> list[dict[str, Any]]:
        """The first ``rows`` records decoded, for the user to check before anything is written."""
        for batch in self.batches(rows):
            return batch.records[:rows]
        return []

    # Optional hook, not abstract: most readers hold nothing beyond the open file.
    def close(self) -> None:  # noqa: B027
        """Release temporary files (an extracted zip)."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
