"""Mapbox Vector Tiles of the map's layers: a layer's queryset turned into one PostGIS query.

A tile of a registry layer starts from ``Model.objects.visible_to(user)`` (scoping and
clearance), applies the layer's FilterSet to the request's query string, keeps what overlaps the
tile (``&&`` on the stored EPSG:4490 geometry, so its GiST index serves it) and is compiled to SQL
that :mod:`portal.maps.sql` wraps in ``ST_AsMVT``. What a tile holds depends on the zoom:

* below ``layer.aggregate_below_zoom``, one point per grid cell of 64 px (4 × 4 cells per tile),
  at the cell's centre, carrying ``count``, ``count_<value>`` per value of the layer's
  ``style_by`` field, and the sum of each numeric property (an asset cell: its net value);
* from that zoom on, polygon layers carry every record with its properties and its id as the
  feature id; point layers too, except that a grid cell of 32 px holding more than
  :data:`CELL_CAP` points becomes one cell feature as above. Assets stand within metres of their
  building, so a unit's thousands would otherwise fill a tile at any zoom: this cap bounds a tile
  to 8 × 8 × 64 records (about 250 KB) whatever the data.

A feature with a ``count`` property is a cell, one with an id is a record. An empty tile is an
empty 200 response, which every MVT client reads as a tile without features.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from django.contrib.gis.db.models.functions import Centroid
from django.contrib.gis.geos import Polygon
from django.db.models import DecimalField, F, FloatField, GeneratedField, QuerySet
from django.db.models.fields import Field, IntegerField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.http import parse_etags, urlencode
from django.utils.translation import gettext_lazy as _
from pghistory.core import event_models

from portal.core.exceptions import PortalError
from portal.maps import sql
from portal.maps.functions import RawGeometry
from portal.maps.layers import LAYERS, Layer
from portal.org.choices import DivisionLevel
from portal.org.models import AdminDivision, Unit
from portal.org.scoping import cleared_levels, read_scope

MAX_ZOOM = 20
EXTENT = 4096  # tile coordinates per side
BUFFER = 64  # tile coordinates drawn beyond each edge, so symbols are not cut at tile seams
CELLS_AGGREGATED = 4  # per tile side below the layer's aggregation zoom: 64 px on a 256 px tile
CELLS_RECORDS = 8  # per tile side from that zoom on, for the cap on records per cell
CELL_CAP = 64
COUNTIES_FROM_ZOOM = 7
# Part of every ETag: raise it when what a tile holds changes, so browsers drop cached tiles.
FORMAT_VERSION = "1"


class TileError(PortalError):
    http_status = 400
    default_message = _("This tile cannot be built.")


class UnknownLayerError(PortalError):
    http_status = 404
    default_message = _("There is no such map layer.")


class FilterError(TileError):
    """The layer's FilterSet refused the query string; ``errors`` says which parameter and why."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        summary = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        super().__init__(_("Invalid filter: %(errors)s") % {"errors": summary})


@dataclass(frozen=True)
class Tile:
    """An XYZ tile of the Web Mercator grid (EPSG:3857), y counted from the north."""

    z: int
    x: int
    y: int

    @classmethod
    def parse(cls, z: str, x: str, y: str) -> Tile:
        """The tile named by the URL's parts, or TileError saying what is wrong with them."""
        if not all(part.isdecimal() for part in (z, x, y)):
            raise TileError(
                _("z, x and y must be whole numbers, got %(tile)s.") % {"tile": f"{z}/{x}/{y}"}
            )
        return cls.checked(int(z), int(x), int(y))

    @classmethod
    def checked(cls, z: int, x: int, y: int) -> Tile:
        if not 0 <= z <= MAX_ZOOM:
            raise TileError(_("The zoom must lie in 0..%(max)d.") % {"max": MAX_ZOOM})
        last = 2**z - 1
        if not (0 <= x <= last and 0 <= y <= last):
            raise TileError(
                _("At zoom %(z)d, x and y must lie in 0..%(last)d.") % {"z": z, "last": last}
            )
        return cls(z, x, y)

    @property
    def size_m(self) -> float:
        return 2 * sql.HALF_WORLD_M / (1 << self.z)

    def lonlat_box(self, margin: float = 0.0) -> Polygon:
        """The tile widened by ``margin`` tile widths, cut at the world's edge, in EPSG:4490.

        Computed here rather than with ``ST_Transform`` in SQL, which wraps a widened tile's
        longitudes past ±180° to the other side of the world. EPSG:3857 and EPSG:4490 share
        their longitudes and latitudes, so these are exactly the transformed corners.
        """
        half, pad = sql.HALF_WORLD_M, margin * self.size_m
        west = max(-half, -half + self.x * self.size_m - pad)
        east = min(half, -half + (self.x + 1) * self.size_m + pad)
        north = min(half, half - self.y * self.size_m + pad)
        south = max(-half, half - (self.y + 1) * self.size_m - pad)
        box = Polygon.from_bbox((_lon(west), _lat(south), _lon(east), _lat(north)))
        box.srid = 4490
        return box

    def params(self) -> dict[str, Any]:
        return {"z": self.z, "x": self.x, "y": self.y, "extent": EXTENT, "buffer": BUFFER}


def _lon(x: float) -> float:
    return math.degrees(x / sql.EARTH_RADIUS_M)


def _lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y / sql.EARTH_RADIUS_M)) - math.pi / 2)


class TileSource(Protocol):
    """What the tile and TileJSON views need from a layer."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def aggregate_below_zoom(self) -> int | None: ...

    def check(self, request: HttpRequest) -> None: ...

    def statement(self, request: HttpRequest, tile: Tile) -> sql.Statement: ...

    @property
    def tables(self) -> list[str]: ...

    def vector_layers(self) -> list[dict[str, Any]]: ...


def _number(field: Field) -> bool:
    base = field.output_field if isinstance(field, GeneratedField) else field
    return isinstance(base, DecimalField | FloatField | IntegerField)


def _history_tables(*models: type[Any]) -> list[str]:
    """Event tables whose latest id changes whenever one of ``models`` does."""
    return sorted({e._meta.db_table for m in models for e in event_models(tracks_model=m)})


@dataclass(frozen=True)
class RegistryTiles:
    """Tiles of a layer of the registry (:data:`portal.maps.layers.LAYERS`)."""

    layer: Layer

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def label(self) -> str:
        return str(self.layer.label)

    @property
    def aggregate_below_zoom(self) -> int | None:
        return self.layer.aggregate_below_zoom

    def queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """What the user may see, filtered by the query string (FilterError if it is invalid)."""
        visible = self.layer.records(request.user)
        if not self.layer.filterset.base_filters.keys() & request.GET.keys():
            # Nothing to check or apply: spare building the FilterSet and its form (~3 ms of a
            # tile's ~5 ms in Python), which every unfiltered map view would pay per tile.
            return visible
        filterset = self.layer.filterset(request.GET, queryset=visible, request=request)
        if not filterset.is_valid():
            raise FilterError({name: list(msgs) for name, msgs in filterset.errors.items()})
        return filterset.qs

    def check(self, request: HttpRequest) -> None:
        self.queryset(request)

    def statement(self, request: HttpRequest, tile: Tile) -> sql.Statement:
        qs = self.queryset(request)
        if tile.z < self.layer.aggregate_below_zoom:
            source = self._source(qs, tile, margin=0.0, records=False)
            built = sql.cells_tile(source, self.columns, tile.size_m / CELLS_AGGREGATED)
        elif self.layer.kind == "point":
            source = self._source(qs, tile, margin=1 / CELLS_RECORDS, records=True)
            cell_m = tile.size_m / CELLS_RECORDS
            built = sql.capped_tile(source, self.columns, cell_m, CELL_CAP)
        else:
            source = self._source(qs, tile, margin=BUFFER / EXTENT, records=True)
            built = sql.shapes_tile(source, self.columns)
        return sql.Statement(built.sql, {**built.params, **tile.params(), "layer": self.name})

    def _source(
        self, qs: QuerySet[Any], tile: Tile, *, margin: float, records: bool
    ) -> sql.Statement:
        geometry = self.layer.geometry
        point = self.layer.kind == "point" or records
        columns: dict[str, Any] = {
            "tile_geom": RawGeometry(F(geometry) if point else Centroid(geometry))
        }
        # Always carry the pk: filters that add DISTINCT would otherwise merge records sharing
        # a location, value and status, and undercount the cells.
        columns["tile_id"] = F("pk")
        for i, name in enumerate(self.layer.properties):
            if records or i in self.columns.sums:
                columns[sql.alias(i)] = self._property(name)
        if self.columns.styles:
            columns["tile_style"] = F(self.layer.style_by)
        overlapping = qs.order_by().filter(**{f"{geometry}__bboverlaps": tile.lonlat_box(margin)})
        return sql.named(*overlapping.values(**columns).query.sql_with_params())

    def _field(self, name: str) -> Field:
        return self.layer.model._meta.get_field(name)

    def _property(self, name: str) -> Any:
        # ST_AsMVT writes numeric (decimal) values as strings; a double stays a number.
        field = self._field(name)
        return Cast(name, FloatField()) if isinstance(field, DecimalField) else F(name)

    @cached_property
    def columns(self) -> sql.Columns:
        fields = [self._field(name) for name in self.layer.properties]
        sums = tuple(i for i, field in enumerate(fields) if _number(field))
        style = self._field(self.layer.style_by) if self.layer.style_by else None
        styles = tuple(str(value) for value, _label in (style.choices or ())) if style else ()
        return sql.Columns(self.layer.properties, sums, styles)

    @cached_property
    def tables(self) -> list[str]:
        # A tile changes with its records, the records its geometry comes from (a vehicle's
        # building), the units that scoping reads and what the layer's reader depends on.
        models: list[type[Any]] = [self.layer.model, Unit, *self.layer.depends_on]
        target = self.layer.model
        for part in self.layer.geometry.split("__")[:-1]:
            target = target._meta.get_field(part).related_model
            models.append(target)
        return _history_tables(*models)

    def vector_layers(self) -> list[dict[str, Any]]:
        fields = {name: str(self._field(name).verbose_name) for name in self.layer.properties}
        for i in self.columns.sums:
            name = self.layer.properties[i]
            fields[name] = str(_("%(field)s (the sum, in a cell)") % {"field": fields[name]})
        fields["count"] = str(_("records in the cell (cell features only)"))
        style = self._field(self.layer.style_by) if self.layer.style_by else None
        labels = dict(style.choices or ()) if style else {}
        for value in self.columns.styles:
            label = labels[value]
            fields[f"count_{value}"] = str(_("records in the cell: %(label)s") % {"label": label})
        return [_vector_layer(self.name, str(self.layer.label), fields)]


def _vector_layer(name: str, description: str, fields: dict[str, str]) -> dict[str, Any]:
    return {
        "id": name,
        "description": description,
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "fields": fields,
    }


class DivisionTiles:
    """The offline basemap: current division boundaries and a label point for each.

    Provinces and cities at every zoom, counties from :data:`COUNTIES_FROM_ZOOM`; boundaries are
    simplified to one tile coordinate. Divisions are reference data: every signed-in user reads
    all of them and the query string is ignored.
    """

    name = "divisions"
    labels = "division_labels"
    aggregate_below_zoom = None
    columns = sql.Columns(("code", "name", "level"))

    @property
    def label(self) -> str:
        return str(_("administrative divisions"))

    def check(self, request: HttpRequest) -> None:
        return None

    def statement(self, request: HttpRequest, tile: Tile) -> sql.Statement:
        levels = [DivisionLevel.PROVINCE, DivisionLevel.CITY]
        if tile.z >= COUNTIES_FROM_ZOOM:
            levels.append(DivisionLevel.COUNTY)
        qs = AdminDivision.objects.current().filter(
            level__in=levels, geom__bboverlaps=tile.lonlat_box(BUFFER / EXTENT)
        )
        columns = {sql.alias(i): F(name) for i, name in enumerate(self.columns.properties)}
        rows = qs.order_by().values(tile_id=F("pk"), tile_geom=RawGeometry(F("geom")), **columns)
        source = sql.named(*rows.query.sql_with_params())
        boundaries = sql.shapes_tile(source, self.columns, tolerance_m=tile.size_m / EXTENT)
        built = sql.joined(boundaries, sql.labels_tile(source, self.columns))
        names = {"layer": self.name, "labels": self.labels}
        return sql.Statement(built.sql, {**built.params, **tile.params(), **names})

    @property
    def tables(self) -> list[str]:
        return _history_tables(AdminDivision)

    def vector_layers(self) -> list[dict[str, Any]]:
        fields = {
            "code": str(_("division code")),
            "name": str(_("name")),
            "level": str(_("level")),
        }
        return [
            _vector_layer(self.name, str(_("administrative division boundaries")), fields),
            _vector_layer(self.labels, str(_("administrative division labels")), fields),
        ]


SOURCES: dict[str, TileSource] = {
    **{name: RegistryTiles(layer) for name, layer in LAYERS.items()},
    DivisionTiles.name: DivisionTiles(),
}


def tile_source(name: str) -> TileSource:
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownLayerError(
            _("There is no map layer %(name)r; the layers are: %(names)s.")
            % {"name": name, "names": ", ".join(SOURCES)}
        ) from None


def etag_key(source: TileSource, tile: Tile, request: HttpRequest) -> str:
    """What a tile's content depends on besides the data: layer, tile, user's reach, query."""
    user = request.user
    parts = (
        FORMAT_VERSION,
        source.name,
        f"{tile.z}/{tile.x}/{tile.y}",
        repr(read_scope(user)),
        ",".join(cleared_levels(user)),
        urlencode(sorted(request.GET.lists()), doseq=True),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def known_etags(request: HttpRequest) -> list[str]:
    """The bare ETags of ``If-None-Match`` (weak or strong: a tile is compared weakly)."""
    tags = parse_etags(request.headers.get("If-None-Match", ""))
    return [tag.removeprefix("W/").strip('"') for tag in tags if tag != "*"]


def render(source: TileSource, tile: Tile, request: HttpRequest) -> tuple[str, bytes | None]:
    """The tile's ETag, and its bytes unless the client's ``If-None-Match`` already has them."""
    statement = sql.versioned(
        source.statement(request, tile),
        etag_key(source, tile, request),
        source.tables,
        known_etags(request),
    )
    return sql.fetch_versioned(statement)
