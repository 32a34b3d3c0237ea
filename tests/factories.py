"""Domain factories: small, valid registry records around Chengdu and Mianyang for tests.

Divisions are squares, so geometry assertions stay readable: Sichuan (51) holds Chengdu (5101,
with 锦江区 510104 and 武侯区 510107) and Mianyang (5107, with 涪城区 510703).
"""

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from gis.codes import complete_uscc
from portal.assets.models import Asset, AssetCategory, Listing, Need
from portal.buildings.models import Building
from portal.core.choices import GovernmentLevel
from portal.depots.models import Depot, StockItem, SupplyCategory
from portal.fleet.models import Vehicle
from portal.org.choices import DivisionLevel, Role, UnitKind
from portal.org.models import AdminDivision, Unit, User
from portal.parcels.models import Parcel

PASSWORD = "Factory-Pass-2026!"
_sequence = itertools.count(1)


def square(lon: float, lat: float, half: float) -> MultiPolygon:
    ring = (
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    )
    return MultiPolygon(Polygon(ring), srid=4490)


DIVISIONS = {
    "510000": ("四川省", DivisionLevel.PROVINCE, None, (104.0, 30.6, 2.0)),
    "510100": ("成都市", DivisionLevel.CITY, "510000", (104.06, 30.66, 0.4)),
    "510104": ("锦江区", DivisionLevel.COUNTY, "510100", (104.08, 30.63, 0.02)),
    "510107": ("武侯区", DivisionLevel.COUNTY, "510100", (104.04, 30.63, 0.02)),
    "510700": ("绵阳市", DivisionLevel.CITY, "510000", (104.7, 31.5, 0.4)),
    "510703": ("涪城区", DivisionLevel.COUNTY, "510700", (104.74, 31.46, 0.02)),
}


def division(code: str) -> AdminDivision:
    """The division with ``code`` from :data:`DIVISIONS`, creating it and its parents once."""
    found = AdminDivision.objects.filter(code=code).first()
    if found:
        return found
    name, level, parent, (lon, lat, half) = DIVISIONS[code]
    return AdminDivision.objects.create(
        code=code,
        name=name,
        level=level,
        parent=division(parent) if parent else None,
        geom=square(lon, lat, half),
    )


def centre(code: str) -> Point:
    _, _, _, (lon, lat, _) = DIVISIONS[code]
    return Point(lon, lat, srid=4490)


def credit_code(division_code: str) -> str:
    return complete_uscc(f"11{division_code}{next(_sequence):09d}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    class Params:
        division_code = "510104"

    credit_code = factory.LazyAttribute(lambda o: credit_code(o.division_code))
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.GOVERNMENT_ORGAN
    level = GovernmentLevel.COUNTY
    division = factory.LazyAttribute(lambda o: division(o.division_code))
    location = factory.LazyAttribute(lambda o: centre(o.division_code))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    unit = factory.SubFactory(UnitFactory)
    role = Role.UNIT_OFFICER
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def persist_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save(update_fields=["password"])


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    name = factory.Sequence(lambda n: f"办公楼{n}")
    managing_unit = factory.SubFactory(UnitFactory)
    division = factory.SelfAttribute("managing_unit.division")
    geom = factory.LazyAttribute(lambda o: o.managing_unit.location)
    usable_area_m2 = Decimal("1200.00")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetCategory
        django_get_or_create = ("code",)

    code = "2010100"
    name = "计算机"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    ledger_code = factory.Sequence(lambda n: f"ZC{n:06d}")
    name = "台式计算机"
    category = factory.SubFactory(CategoryFactory)
    holder = factory.SubFactory(UnitFactory)
    geom = factory.LazyAttribute(lambda o: o.holder.location)
    original_value = Decimal("6000.00")
    net_value = Decimal("3000.00")


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel

    registry_no = factory.Sequence(lambda n: f"ZD-{n:06d}")
    holder = factory.SubFactory(UnitFactory)
    division = factory.SelfAttribute("holder.division")
    right_type = "allocated"
    land_use = "organ"
    geom = factory.LazyAttribute(lambda o: square(o.holder.location.x, o.holder.location.y, 0.0005))


class DepotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Depot

    code = factory.Sequence(lambda n: f"CK{n:04d}")
    name = factory.Sequence(lambda n: f"应急物资储备库{n}")
    kind = "emergency"
    managing_unit = factory.SubFactory(UnitFactory)
    division = factory.SelfAttribute("managing_unit.division")
    geom = factory.LazyAttribute(lambda o: o.managing_unit.location)
    capacity_m3 = Decimal("5000")


class SupplyCategoryFactory(factory.django.DjangoModelFactory):
    """A supply class; the seeded table's row when the code is there (transactional tests
    flush it, so it is made again)."""

    class Meta:
        model = SupplyCategory
        django_get_or_create = ("code",)

    code = "1010102"
    name = "棉帐篷"


class StockItemFactory(factory.django.DjangoModelFactory):
    """A batch of 100 tents written directly, without the receipt the stock service would log
    (tests of reads, scope and alerts; tests of the log use the service)."""

    class Meta:
        model = StockItem

    depot = factory.SubFactory(DepotFactory)
    category = factory.SubFactory(SupplyCategoryFactory)
    name = "棉帐篷"
    batch_no = factory.Sequence(lambda n: f"B{n:04d}")
    quantity = Decimal("100")
    unit_of_measure = "顶"
    unit_volume_m3 = Decimal("0.25")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    plate = factory.Sequence(lambda n: f"川A{n:05d}")
    vehicle_type = "sedan"
    seats = 5
    energy = "fuel"
    holder = factory.SubFactory(UnitFactory)


class ListingFactory(factory.django.DjangoModelFactory):
    """A virtual listing of an idle asset, published now and shared across Sichuan."""

    class Meta:
        model = Listing

    asset = factory.SubFactory(AssetFactory, status="idle")
    holder = factory.SelfAttribute("asset.holder")
    reason = "idle"
    explanation = "闲置"
    mode = "virtual"
    share_prefix = "51"
    published_at = factory.LazyFunction(timezone.now)
    screening_ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=21))


class NeedFactory(factory.django.DjangoModelFactory):
    """A need for one asset of the default category, delivered to a building of the unit."""

    class Meta:
        model = Need

    unit = factory.SubFactory(UnitFactory)
    category = factory.SubFactory(CategoryFactory)
    description = "台式计算机"
    quantity = 1
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    delivery_building = factory.SubFactory(
        BuildingFactory, managing_unit=factory.SelfAttribute("..unit")
    )
