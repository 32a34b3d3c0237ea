"""The dashboard's figures, aggregated by the ORM over what the user may see.

Every figure starts from ``visible_to(user)``: a county officer's dashboard counts the county's
records, a province administrator's the whole province. Idle assets are those idle, over the
standard or used inefficiently (闲置、超标准配置、低效运转), as a share of the assets still on
the ledger (transferred and disposed ones have left it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Left
from django.utils.translation import gettext as _

from portal.assets.choices import AssetStatus
from portal.assets.models import Asset, AssetCategory
from portal.maps import stats_sql
from portal.maps.styles import PALETTE, VALUE_COLOURS
from portal.parcels.choices import TitleStatus
from portal.parcels.models import Parcel

IDLE: Final = (AssetStatus.IDLE, AssetStatus.OVER_STANDARD, AssetStatus.LOW_EFFICIENCY)
OFF_LEDGER: Final = (AssetStatus.TRANSFERRED, AssetStatus.DISPOSED)
# Title statuses the campaign counts as settled: registered, or filed where registration is
# impossible.
SETTLED: Final = (TitleStatus.REGISTERED, TitleStatus.FILED)
ZERO: Final = Decimal("0")


@dataclass(frozen=True)
class Group:
    """One bar or slice: its key, label, colour, count and summed quantity (yuan, m²)."""

    key: str
    label: str
    colour: str
    count: int
    total: Decimal | float = ZERO


@dataclass(frozen=True)
class Share:
    """A part of a whole, as counts and values."""

    count: int
    of_count: int
    value: Decimal
    of_value: Decimal

    @property
    def count_rate(self) -> float | None:
        return self.count / self.of_count if self.of_count else None

    @property
    def value_rate(self) -> float | None:
        return float(self.value / self.of_value) if self.of_value else None

    @property
    def count_percent(self) -> float | None:
        rate = self.count_rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def value_percent(self) -> float | None:
        rate = self.value_rate
        return None if rate is None else round(rate * 100, 1)


@dataclass
class Dashboard:
    level: str
    count: int
    value: Decimal
    by_status: list[Group]
    by_category: list[Group]
    idle: Share
    title: list[Group]
    titled: Share  # parcels registered or filed: what the title campaign has settled
    regions: dict[str, Any]  # GeoJSON FeatureCollection with count and value per region
    unplaced: Group | None = None  # held by units above the chosen level (province bodies)
    chart_data: dict[str, Any] = field(default_factory=dict)

    @property
    def region_rows(self) -> list[dict[str, Any]]:
        """The regions holding any asset, largest value first, for the table under the map."""
        rows = [f["properties"] for f in self.regions["features"] if f["properties"]["count"]]
        return sorted(rows, key=lambda row: (-row["value"], row["code"]))


def _grouped(queryset: QuerySet[Any], key: str, total: str) -> list[tuple[Any, int, Any]]:
    rows = queryset.order_by().values_list(key).annotate(n=Count("pk"), total=Sum(total))
    return [(k, n, t or ZERO) for k, n, t in rows]


def by_status(assets: QuerySet[Asset]) -> list[Group]:
    """Every status in the order of the choices, with zeros, coloured as on the map."""
    found = {key: (n, total) for key, n, total in _grouped(assets, "status", "net_value")}
    colours = VALUE_COLOURS["assets"]
    return [
        Group(value, str(label), colours.get(value, "#607d8b"), *found.get(value, (0, ZERO)))
        for value, label in AssetStatus.choices
    ]


def by_category(assets: QuerySet[Asset]) -> list[Group]:
    """Assets by top-level class of GB/T 14885: the first digit of the category code, named by
    the class coded that digit and six zeros (2000000 通用设备)."""
    rows = _grouped(assets.annotate(top=Left("category__code", 1)), "top", "net_value")
    classes = AssetCategory.objects.filter(code__in=[f"{row[0]}000000" for row in rows])
    names = {code[:1]: name for code, name in classes.values_list("code", "name")}
    rows.sort(key=lambda row: row[0])
    return [
        Group(top, names.get(top) or _("class %s") % f"{top}000000", _colour(index), n, total)
        for index, (top, n, total) in enumerate(rows)
    ]


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def idle_share(statuses: list[Group]) -> Share:
    ledger = [g for g in statuses if g.key not in OFF_LEDGER]
    idle = [g for g in ledger if g.key in IDLE]
    return Share(
        sum(g.count for g in idle),
        sum(g.count for g in ledger),
        sum((Decimal(g.total) for g in idle), ZERO),
        sum((Decimal(g.total) for g in ledger), ZERO),
    )


def title_progress(parcels: QuerySet[Parcel]) -> list[Group]:
    """Parcels by title status with their geodesic area (m²), in the campaign's order."""
    found = {key: (n, total) for key, n, total in _grouped(parcels, "title_status", "area_m2")}
    colours = VALUE_COLOURS["parcels"]
    return [
        Group(value, str(label), colours.get(value, "#607d8b"), *found.get(value, (0, 0.0)))
        for value, label in TitleStatus.choices
    ]


def titled_share(groups: list[Group]) -> Share:
    settled = [g for g in groups if g.key in SETTLED]
    return Share(
        sum(g.count for g in settled),
        sum(g.count for g in groups),
        sum((Decimal(str(g.total)) for g in settled), ZERO),
        sum((Decimal(str(g.total)) for g in groups), ZERO),
    )


def regions(assets: QuerySet[Asset], level: str) -> dict[str, Any]:
    """The choropleth: assets counted and valued by the division of their holder."""
    rows = _grouped(assets, "holder__division__code", "net_value")
    stats = {code: {"count": n, "value": total} for code, n, total in rows}
    return json.loads(stats_sql.choropleth_geojson(level, stats))  # type: ignore[no-any-return]


def dashboard(user: Any, level: str) -> Dashboard:
    assets = Asset.objects.visible_to(user)
    statuses = by_status(assets)
    titles = title_progress(Parcel.objects.visible_to(user))
    collection = regions(assets, level)
    result = Dashboard(
        level=level,
        count=sum(g.count for g in statuses),
        value=sum((Decimal(g.total) for g in statuses), ZERO),
        by_status=statuses,
        by_category=by_category(assets),
        idle=idle_share(statuses),
        title=titles,
        titled=titled_share(titles),
        regions=collection,
    )
    result.unplaced = _unplaced(result)
    result.chart_data = chart_data(result)
    return result


def _unplaced(result: Dashboard) -> Group | None:
    properties = [f["properties"] for f in result.regions["features"]]
    count = result.count - sum(p["count"] for p in properties)
    value = result.value - sum((Decimal(str(p["value"])) for p in properties), ZERO)
    return Group("", "", "", count, value) if count else None


def _series(groups: list[Group]) -> list[dict[str, Any]]:
    return [
        {
            "key": g.key,
            "label": g.label,
            "colour": g.colour,
            "count": g.count,
            "total": float(g.total),
        }
        for g in groups
    ]


def chart_data(result: Dashboard) -> dict[str, Any]:
    """What the charts draw, for ``json_script``."""
    return {
        "regions": result.regions,
        "status": _series(result.by_status),
        "category": _series(result.by_category),
        "title": _series(result.title),
    }
