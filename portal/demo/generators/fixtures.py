"""Reading the real reference fixtures: division boundaries and GeoNames populated places."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import shapely
from django.utils.translation import gettext as _

from portal.demo.exceptions import DemoDataError

DIVISION_COLUMNS = ("code", "name", "name_pinyin", "pinyin_initials", "level", "parent_code")
PLACE_COLUMNS = ("name", "lon", "lat", "population", "county_code")


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    name_pinyin: str
    pinyin_initials: str
    level: str
    parent_code: str | None
    geom: shapely.MultiPolygon


@dataclass(frozen=True)
class PlaceRow:
    name: str
    lon: float
    lat: float
    population: int
    county_code: str


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DemoDataError(_("Missing demo fixture %(path)s.") % {"path": path})
    return path


def _missing(found: Iterable[object], wanted: tuple[str, ...], path: Path) -> None:
    present = {str(name) for name in found}
    absent = [name for name in wanted if name not in present]
    if absent:
        raise DemoDataError(
            _("%(path)s lacks the columns %(columns)s.")
            % {"path": path, "columns": ", ".join(absent)}
        )


def _text(value: object) -> str:
    """A string cell; empty for NULL, which GeoPackage readers give as None or NaN."""
    return value if isinstance(value, str) else ""


def _multipolygon(geom: shapely.Geometry, code: str, path: Path) -> shapely.MultiPolygon:
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    if geom.geom_type != "MultiPolygon" or not geom.is_valid or geom.is_empty:
        raise DemoDataError(
            _("%(path)s: the boundary of %(code)s is not a valid multipolygon.")
            % {"path": path, "code": code}
        )
    return geom


def read_divisions(path: Path) -> list[DivisionRow]:
    """Divisions of the GeoPackage layer ``divisions``, province first, then cities, counties."""
    frame = pyogrio.read_dataframe(_require(path), layer="divisions")
    _missing(frame.columns, DIVISION_COLUMNS, path)
    rows = [
        DivisionRow(
            code=str(rec.code),
            name=str(rec.name),
            name_pinyin=_text(rec.name_pinyin),
            pinyin_initials=_text(rec.pinyin_initials),
            level=str(rec.level),
            parent_code=_text(rec.parent_code) or None,
            geom=_multipolygon(rec.geometry, str(rec.code), path),
        )
        for rec in frame.itertuples(index=False)
    ]
    order = {"province": 0, "city": 1, "county": 2}
    return sorted(rows, key=lambda row: (order.get(row.level, 3), row.code))


def read_places(path: Path) -> list[PlaceRow]:
    """GeoNames places with the county that contains them."""
    with _require(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        _missing(reader.fieldnames or (), PLACE_COLUMNS, path)
        return [
            PlaceRow(
                name=row.get("name_zh") or row["name"],
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                population=int(float(row["population"] or 0)),
                county_code=row["county_code"],
            )
            for row in reader
            if row["county_code"]
        ]
