"""The registry types that can be imported and exported, declared once for both directions.

Each :class:`Entity` names its model, its columns (see :mod:`portal.exchange.columns`), the
columns forming its natural key (the upsert key) and where its geometry goes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.assets.models import Asset, AssetCategory
from portal.buildings.models import Building, Occupancy
from portal.depots.models import Depot, StockItem, SupplyCategory
from portal.depots.services.stock_import import log_import
from portal.exchange.columns import CellError, Column, Ref
from portal.fleet.models import Vehicle
from portal.org.models import AdminDivision, Unit
from portal.parcels.models import Parcel

# A row check sees the converted values by model field name and raises CellError for a column.
RowCheck = Callable[[dict[str, Any]], tuple[str, CellError] | None]
# What a commit records besides the rows, in its transaction: called with a batch's new records
# (once written) and its changes as (id, changed values) (before they are written), the user and
# the import job's id.
WriteHook = Callable[
    [list[dict[str, Any]], list[tuple[int, dict[str, Any]]], Any, int | None], None
]


@dataclass(frozen=True)
class GeometrySpec:
    """Where a file's geometry goes. Buildings take a point or a footprint polygon."""

    field: str
    kind: Literal["point", "polygon"]
    required: bool
    footprint: str | None = None  # polygons go here; the point is then derived from them


@dataclass(frozen=True)
class Entity:
    name: str
    label: str | Promise
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    geometry: GeometrySpec | None = None
    checks: tuple[RowCheck, ...] = ()
    # Geometry read from a text column (a building's footprint as WKT beside its point): an
    # import-only column, since exports write it through their geometry layout.
    wkt_columns: tuple[Column, ...] = ()
    on_write: WriteHook | None = None

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def label_zh(self) -> str:
        from django.utils import translation

        with translation.override("zh-hans"):
            return str(self.label)


def _unit(key: str, field: str, label: str | Promise, **kw: Any) -> Column:
    """A column naming a unit by its unified social credit code."""
    return Column(
        key,
        field,
        path=f"{field}__credit_code",
        label=label,
        code=True,
        ref=Ref(Unit, ("credit_code",), (key,)),
        **kw,
    )


def _by_code(
    key: str,
    field: str,
    model: type[models.Model],
    label: str | Promise,
    *,
    current_only: bool = False,
) -> Column:
    """A reference written as the target's ``code`` (categories, depots, divisions)."""
    return Column(
        key,
        field,
        path=f"{field}__code",
        label=label,
        code=True,
        ref=Ref(model, ("code",), (key,), current_only=current_only),
    )


def _division() -> Column:
    return _by_code("division", "division", AdminDivision, _("division code"), current_only=True)


def _building(
    field: str,
    keys: tuple[str, str],
    labels: tuple[str | Promise, str | Promise],
    default_unit: str | None,
) -> list[Column]:
    """A building named by its managing unit's credit code and its name (its natural key)."""
    unit_key, name_key = keys
    ref = Ref(
        Building,
        ("managing_unit__credit_code", "name"),
        keys,
        default_from=(default_unit, None),
    )
    return [
        Column(
            unit_key,
            field,
            path=f"{field}__managing_unit__credit_code",
            label=labels[0],
            code=True,
            required=False,
        ),
        Column(name_key, field, path=f"{field}__name", label=labels[1], ref=ref),
    ]


def _net_not_above_original(values: dict[str, Any]) -> tuple[str, CellError] | None:
    net, original = values.get("net_value"), values.get("original_value")
    if isinstance(net, Decimal) and isinstance(original, Decimal) and net > original:
        return "net_value", CellError("net_value", _("The net value is above the original value."))
    return None


def _one_base(values: dict[str, Any]) -> tuple[str, CellError] | None:
    if values.get("base_building") and values.get("base_depot"):
        return "base_depot", CellError(
            "one_base", _("A vehicle is based at a building or a depot, not both.")
        )
    return None


_BUILDING_LABELS = (_("building's managing unit (credit code)"), _("building name"))
_SECRECY = Column("secrecy", "confidentiality")
_STAFF = Column("staff", "staff_by_rank")

UNITS = Entity(
    "units",
    _("units"),
    Unit,
    (
        Column("uscc", "credit_code", code=True),
        Column("name", "name"),
        Column("short_name", "short_name"),
        Column("kind", "kind"),
        Column("level", "level"),
        _division(),
        _unit("parent", "parent", _("parent unit (credit code)"), required=False),
        Column("offices", "offices_administration"),
        Column("address", "address"),
        _STAFF,
    ),
    key=("uscc",),
    geometry=GeometrySpec("location", "point", required=False),
)

BUILDINGS = Entity(
    "buildings",
    _("office buildings"),
    Building,
    (
        _unit("unit", "managing_unit", _("managing unit (credit code)")),
        Column("name", "name"),
        Column("address", "address"),
        _division(),
        Column("floors_up", "floors_above"),
        Column("floors_dn", "floors_below"),
        Column("gross_m2", "gross_area_m2"),
        Column("usable_m2", "usable_area_m2"),
        Column("year_built", "year_built"),
        Column("use_type", "use_type"),
        _SECRECY,
    ),
    key=("unit", "name"),
    geometry=GeometrySpec("geom", "point", required=True, footprint="footprint"),
    wkt_columns=(Column("footprint", "footprint", aliases=("footprint_wkt",)),),
)

OCCUPANCIES = Entity(
    "occupancies",
    _("occupancies"),
    Occupancy,
    (
        _unit("unit", "unit", _("occupying unit (credit code)")),
        *_building("building", ("bldg_unit", "building"), _BUILDING_LABELS, default_unit=None),
        Column("usable_m2", "usable_area_m2"),
        _STAFF,
        Column("since", "since"),
    ),
    key=("unit", "bldg_unit", "building"),
)

PARCELS = Entity(
    "parcels",
    _("parcels"),
    Parcel,
    (
        Column("reg_no", "registry_no", code=True),
        Column("reuc", "real_estate_unit_code", code=True),
        Column("cert_no", "certificate_no", code=True),
        _unit("holder", "holder", pgettext_lazy("parcel", "holder (credit code)")),
        _division(),
        Column("right_type", "right_type"),
        Column("land_use", "land_use"),
        Column("cert_m2", "certificate_area_m2"),
        Column("title", "title_status"),
    ),
    key=("reg_no",),
    geometry=GeometrySpec("geom", "polygon", required=True),
)

ASSETS = Entity(
    "assets",
    _("assets"),
    Asset,
    (
        _unit("holder", "holder", _("holder (credit code)")),
        Column("ledger", "ledger_code", code=True),
        Column("name", "name"),
        _by_code("category", "category", AssetCategory, _("category code")),
        Column("spec", "model_spec"),
        Column("quantity", "quantity"),
        Column("uom", "unit_of_measure"),
        *_building("building", ("bldg_unit", "building"), _BUILDING_LABELS, default_unit="holder"),
        Column("status", "status"),
        Column("acquired", "acquired_on"),
        Column("orig_value", "original_value"),
        Column("net_value", "net_value"),
        Column("condition", "condition"),
        _SECRECY,
    ),
    key=("holder", "ledger"),
    geometry=GeometrySpec("geom", "point", required=False),
    checks=(_net_not_above_original,),
)

DEPOTS = Entity(
    "depots",
    _("depots"),
    Depot,
    (
        Column("code", "code", code=True),
        Column("name", "name"),
        Column("kind", "kind"),
        _unit("unit", "managing_unit", _("managing unit (credit code)")),
        _division(),
        Column("address", "address"),
        Column("cap_m3", "capacity_m3"),
    ),
    key=("code",),
    geometry=GeometrySpec("geom", "point", required=True),
)

STOCK = Entity(
    "stock",
    _("depot stock"),
    StockItem,
    (
        _by_code("depot", "depot", Depot, _("depot code")),
        _by_code("category", "category", SupplyCategory, _("supply category code")),
        Column("batch_no", "batch_no", code=True),
        Column("name", "name"),
        Column("quantity", "quantity"),
        Column("uom", "unit_of_measure"),
        Column("expires", "expires_on"),
        Column("min_level", "minimum_level"),
        Column("dual_use", "dual_use"),
    ),
    key=("depot", "category", "batch_no"),
    on_write=log_import,  # the stock log must rebuild every batch's quantity
)

VEHICLES = Entity(
    "vehicles",
    _("vehicles"),
    Vehicle,
    (
        Column("plate", "plate", code=True),
        Column("type", "vehicle_type"),
        Column("seats", "seats"),
        Column("energy", "energy"),
        _unit("holder", "holder", _("holder (credit code)")),
        *_building(
            "base_building",
            ("base_unit", "base_bldg"),
            (_("base building's managing unit (credit code)"), _("base building name")),
            default_unit="holder",
        ),
        _by_code("base_depot", "base_depot", Depot, _("base depot code")),
        Column("status", "status"),
        Column("odometer", "odometer_km"),
    ),
    key=("plate",),
    checks=(_one_base,),
)

ENTITIES: dict[str, Entity] = {
    e.name: e for e in (UNITS, BUILDINGS, OCCUPANCIES, PARCELS, ASSETS, DEPOTS, STOCK, VEHICLES)
}


def get_entity(name: str) -> Entity:
    try:
        return ENTITIES[name]
    except KeyError:
        from portal.exchange.problems import Problem, ProblemError

        raise ProblemError(
            Problem(
                "entity",
                _("Unknown record type “%(name)s”; choose one of: %(names)s."),
                {"name": name, "names": ", ".join(ENTITIES)},
            )
        ) from None
