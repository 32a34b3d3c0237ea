"""Factories and small worlds shared by the fleet tests.

:func:`real_divisions` loads the project's real boundaries (fixtures/divisions.gpkg) for the
named divisions, their parents and the cooperation regions built from them, so classification
tests run on the same polygons the portal uses; the plain factories use the square test
divisions of :mod:`tests.factories`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from pathlib import Path

import factory
import shapely
from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone

from portal.demo.data.codes import COOPERATION_REGIONS
from portal.demo.generators.fixtures import DivisionRow, read_divisions
from portal.demo.generators.reference import to_geos
from portal.fleet.models import Driver, Tariff, Vehicle, VehiclePool
from portal.org.models import AdminDivision, CooperationRegion
from tests.factories import UnitFactory


@cache
def _rows() -> dict[str, DivisionRow]:
    rows = read_divisions(Path(settings.BASE_DIR) / "fixtures" / "divisions.gpkg")
    return {row.code: row for row in rows}


def real_division(code: str) -> AdminDivision:
    """The division ``code`` with its real boundary, creating it and its parents once."""
    found = AdminDivision.objects.filter(code=code).first()
    if found:
        return found
    row = _rows()[code]
    parent = real_division(row.parent_code) if row.parent_code else None
    return AdminDivision.objects.create(
        code=row.code, name=row.name, level=row.level, parent=parent, geom=to_geos(row.geom)
    )


def real_divisions(*codes: str, regions: bool = True) -> dict[str, AdminDivision]:
    """Load ``codes`` (and, with ``regions``, every cooperation region's members and the
    regions themselves, their extent the union of their members as the demo builds it)."""
    loaded = {code: real_division(code) for code in codes}
    if regions:
        for name, kind, members, description in COOPERATION_REGIONS:
            divisions = [real_division(code) for code in members]
            if CooperationRegion.objects.filter(name=name).exists():
                continue
            union = shapely.union_all([_rows()[code].geom for code in members])
            if union.geom_type == "Polygon":
                union = shapely.MultiPolygon([union])
            region = CooperationRegion.objects.create(
                name=name, kind=kind, description=description, geom=to_geos(union)
            )
            region.members.set(divisions)
    return loaded


def point(lon: float, lat: float) -> Point:
    return Point(lon, lat, srid=4490)


def at(days: int = 1, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware instant ``days`` from today at ``hour``:``minute`` local time."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class DriverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Driver

    name = factory.Sequence(lambda n: f"驾驶员{n}")
    unit = factory.SubFactory(UnitFactory)
    licence_class = "C1"


class PoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VehiclePool
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"公务用车平台{n}")
    operator = factory.SubFactory(UnitFactory)

    @factory.post_generation
    def members(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.members.set(extracted)  # type: ignore[arg-type]

    @factory.post_generation
    def managers(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.managers.set(extracted)  # type: ignore[arg-type]


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    pool = factory.SubFactory(PoolFactory)
    vehicle_type = "sedan"
    region_class = ""
    per_km = Decimal("2.50")
    per_hour = Decimal("30.00")
    valid_from = dt.date(2020, 1, 1)


def nev(holder: object, plate: str, range_km: int = 400, **fields: object) -> Vehicle:
    """A new-energy vehicle (8-character plate) with its range."""
    return Vehicle.objects.create(
        plate=plate,
        vehicle_type=fields.pop("vehicle_type", "sedan"),
        seats=fields.pop("seats", 5),
        energy="nev",
        range_km=range_km,
        holder=holder,
        **fields,
    )
