"""Crafted office space for the space-standard tests, with figures worked out by hand.

Two editions of the standard: "1999" (every limit 6 m²) and "2014" (the real limits used here).
锦江区 (510104) holds a county bureau whose building has three floors; 武侯区 (510107) holds a
county unit managing a second building; the province and Chengdu each have an occupant unit.

    building B1 (managed by the bureau, 锦江区)
      bureau     county    section_chief 2, staff 10      126.00 m²  allowance 126   at the limit
      province   province  division_chief 1, staff 3       44.99 m²  allowance  45   0.01 under
    building B2 (managed by the 武侯区 unit)
      bureau     county    staff 2                          30.00 m²  allowance  18   12 over
      city       city      bureau_chief 1, division_chief 1  66.01 m² allowance  66   0.01 over
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portal.buildings.models import Building, Floor, Occupancy, Room, SpaceStandard
from portal.core.choices import GovernmentLevel
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import BuildingFactory, UnitFactory, UserFactory

STANDARD_2014 = (
    ("province", "division_chief", "正处级", 18),
    ("province", "staff", "处级以下", 9),
    ("city", "bureau_chief", "正职", 42),
    ("city", "division_chief", "正局（处）级", 24),
    ("city", "staff", "局（处）级以下", 9),
    ("county", "division_chief", "正职", 30),
    ("county", "section_chief", "正科级", 18),
    ("county", "staff", "科级以下", 9),
)


def load_standard() -> None:
    """Both editions; 1999 gives every listed rank 6 m², so its figures are easy to tell apart."""
    SpaceStandard.objects.bulk_create(
        SpaceStandard(
            edition=edition,
            government_level=level,
            rank=rank,
            post=post,
            area_m2=Decimal(area if edition == "2014" else 6),
        )
        for edition in ("1999", "2014")
        for level, rank, post, area in STANDARD_2014
    )


def occupy(unit: Unit, building: Building, area: str, **staff: object) -> Occupancy:
    return Occupancy.objects.create(
        unit=unit, building=building, usable_area_m2=Decimal(area), staff_by_rank=staff
    )


@dataclass
class Offices:
    bureau: Unit  # county level, 锦江区
    wuhou: Unit  # county level, 武侯区, manages B2
    province: Unit
    city: Unit
    b1: Building
    b2: Building
    occupancies: dict[str, Occupancy] = field(default_factory=dict)
    floors: dict[int, Floor] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def offices() -> Offices:
    load_standard()
    county = GovernmentLevel.COUNTY
    bureau = UnitFactory(name="锦江区测试局", level=county)
    wuhou = UnitFactory(name="武侯区测试局", level=county, division_code="510107")
    province = UnitFactory(name="省测试厅", level=GovernmentLevel.PROVINCE, division_code="510000")
    city = UnitFactory(name="市测试局", level=GovernmentLevel.CITY, division_code="510100")
    data = Offices(
        bureau=bureau,
        wuhou=wuhou,
        province=province,
        city=city,
        b1=BuildingFactory(name="一号楼", managing_unit=bureau),
        b2=BuildingFactory(name="二号楼", managing_unit=wuhou),
    )
    data.occupancies = {
        "bureau_b1": occupy(bureau, data.b1, "126.00", section_chief=2, staff=10),
        "province_b1": occupy(province, data.b1, "44.99", division_chief=1, staff=3),
        "bureau_b2": occupy(bureau, data.b2, "30.00", staff=2),
        "city_b2": occupy(city, data.b2, "66.01", bureau_chief=1, division_chief=1),
    }
    _rooms(data)
    data.users = {
        "officer": UserFactory(unit=bureau, role=Role.UNIT_OFFICER),
        "wuhou_officer": UserFactory(unit=wuhou, role=Role.UNIT_OFFICER),
        "province_admin": UserFactory(unit=province, role=Role.PROVINCE_ADMIN),
    }
    return data


def _rooms(data: Offices) -> None:
    """B1: floor 1 half occupied, floor 2 all vacant, floor 3 without rooms recorded."""
    for number in (1, 2, 3):
        data.floors[number] = Floor.objects.create(building=data.b1, number=number)
    for number, floor, area, unit in (
        ("101", 1, "40.00", data.bureau),
        ("102", 1, "20.50", None),
        ("201", 2, "30.00", None),
        ("202", 2, "25.25", None),
    ):
        data.rooms[number] = Room.objects.create(
            floor=data.floors[floor], number=number, usable_area_m2=Decimal(area), unit=unit
        )
