"""A small market for the matching, need and purchase-gate tests.

The unit in need sits in 锦江区 (510104) with its office building at the district's centre, the
delivery point. Other units offer assets from buildings placed at chosen geodesic distances
and bearings from it: a neighbour in 锦江区, a unit of 武侯区 (510107, the same city, Chengdu)
and one of 涪城区 (510703, Mianyang). Listings are published through the warehouse service, as
officers would publish them. Categories form a small GB/T 14885 tree: 通用设备 > 计算机设备及软件
> 计算机, and 家具用具 beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone
from pyproj import Geod

from portal.assets.matching import MATCH_RELATED
from portal.assets.models import AssetCategory, Listing, Need
from portal.assets.services.demand import post_need
from portal.assets.services.listings import publish_listing
from portal.buildings.models import Building
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import AssetFactory, BuildingFactory, UnitFactory, UserFactory, centre

GEOD = Geod(ellps="WGS84")


def away(point: Point, metres: float, bearing: float = 90.0) -> Point:
    """The point ``metres`` from ``point`` along ``bearing`` (degrees from north) on WGS84."""
    lon, lat, _back = GEOD.fwd(point.x, point.y, bearing, metres)
    return Point(lon, lat, srid=4490)


@dataclass
class Market:
    unit: Unit  # 锦江区, the unit in need
    building: Building  # its office building: the delivery point
    neighbour: Unit  # 锦江区, another unit
    wuhou: Unit  # 武侯区: the same city, another county
    mianyang: Unit  # 涪城区: another city
    computers: AssetCategory  # 计算机
    computing: AssetCategory  # 计算机设备及软件, the parent of 计算机
    general: AssetCategory  # 通用设备, the root of both
    furniture: AssetCategory  # 家具用具, another branch
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, role: str) -> User:
        return self.users[role]

    def site(self, holder: Unit, metres: float, bearing: float = 90.0) -> Building:
        """A building of ``holder`` ``metres`` from the delivery point."""
        return BuildingFactory(managing_unit=holder, geom=away(self.building.geom, metres, bearing))

    def offer(self, site: Building, *, share_prefix: str | None = None, **fields: Any) -> Listing:
        """An asset of the site's unit in the site, published virtually as idle."""
        fields.setdefault("category", self.computers)
        fields.setdefault("original_value", Decimal("6000.00"))
        fields.setdefault("net_value", Decimal("3000.00"))
        fields.setdefault("acquired_on", dt.date(2020, 1, 1))
        asset = AssetFactory(holder=site.managing_unit, building=site, geom=site.geom, **fields)
        return publish_listing(
            asset,
            reason="idle",
            explanation="闲置",
            mode="virtual",
            share_prefix=share_prefix,
            by=self["admin"],
        )

    def need(self, **fields: Any) -> Need:
        """A need of the unit, delivered to its building, posted by its officer."""
        fields.setdefault("category", self.computers)
        fields.setdefault("description", "台式计算机")
        fields.setdefault("quantity", 1)
        fields.setdefault("min_condition", "scrap")
        fields.setdefault("needed_by", timezone.localdate() + dt.timedelta(days=30))
        need = Need(unit=self.unit, delivery_building=self.building, **fields)
        post_need(need, by=self["officer"])
        return Need.objects.select_related(*MATCH_RELATED).get(pk=need.pk)


def categories() -> dict[str, AssetCategory]:
    general = AssetCategory.objects.create(code="2000000", name="通用设备")
    computing = AssetCategory.objects.create(
        code="2010000", name="计算机设备及软件", parent=general
    )
    computers = AssetCategory.objects.create(code="2010100", name="计算机", parent=computing)
    root = AssetCategory.objects.create(code="6000000", name="家具、用具、装具及动植物")
    furniture = AssetCategory.objects.create(code="6010000", name="家具用具", parent=root)
    return {
        "general": general,
        "computing": computing,
        "computers": computers,
        "furniture": furniture,
    }


def market() -> Market:
    unit = UnitFactory(division_code="510104")
    built = Market(
        unit=unit,
        building=BuildingFactory(managing_unit=unit, geom=centre("510104")),
        neighbour=UnitFactory(division_code="510104"),
        wuhou=UnitFactory(division_code="510107"),
        mianyang=UnitFactory(division_code="510703"),
        **categories(),
    )
    built.users = {
        "officer": UserFactory(unit=unit, role=Role.UNIT_OFFICER),
        "viewer": UserFactory(unit=unit, role=Role.VIEWER),
        "auditor": UserFactory(unit=unit, role=Role.AUDITOR),
        "other_officer": UserFactory(unit=built.neighbour, role=Role.UNIT_OFFICER),
        "county_admin": UserFactory(
            unit=UnitFactory(division_code="510104"), role=Role.DIVISION_ADMIN
        ),
        "far_admin": UserFactory(unit=built.mianyang, role=Role.DIVISION_ADMIN),
        "admin": UserFactory(unit=UnitFactory(division_code="510104"), role=Role.PROVINCE_ADMIN),
    }
    return built
