"""Building ↔ parcel links derived from the geometry, and officers' decisions kept."""

from __future__ import annotations

import pytest

from portal.buildings.models import Building
from portal.core.history import load_events
from portal.parcels.choices import LinkStatus
from portal.parcels.links import derive_building_parcels
from portal.parcels.models import BuildingParcel
from tests.factories import UnitFactory
from tests.portal.titles.conflict_data import building, parcel, rect

pytestmark = pytest.mark.django_db


def shares(house) -> dict[int, float]:
    links = BuildingParcel.objects.filter(building=house)
    return dict(links.values_list("parcel_id", "share_on_parcel"))


@pytest.fixture
def unit():
    return UnitFactory(division_code="510104")


def test_a_footprint_across_two_parcels_is_shared_by_area(unit):
    west, east = parcel(unit, x=0, y=0), parcel(unit, x=50, y=0)
    parcel(unit, x=0, y=100)  # far away: no link
    house = building(unit, x=45, y=10, w=20)  # 5 m on the west parcel, 15 m on the east
    assert derive_building_parcels() == 2
    found = shares(house)
    assert set(found) == {west.pk, east.pk}
    assert found[west.pk] == pytest.approx(0.25, abs=0.002)
    assert found[east.pk] == pytest.approx(0.75, abs=0.002)
    assert set(BuildingParcel.objects.values_list("status", flat=True)) == {LinkStatus.DERIVED}


def test_a_location_inside_a_parcel_stands_wholly_on_it(unit):
    land = parcel(unit, x=0, y=0)
    house = building(unit, x=20, y=20, w=0)
    derive_building_parcels()
    assert shares(house) == {land.pk: 1.0}


def test_deriving_again_writes_nothing(unit):
    parcel(unit, x=0, y=0)
    building(unit, x=45, y=10)
    derive_building_parcels()
    events = len(load_events(BuildingParcel))
    assert derive_building_parcels() == 0
    assert len(load_events(BuildingParcel)) == events


def test_moved_building_drops_derived_links_and_keeps_decisions(unit):
    first, second, third = (parcel(unit, x=x, y=0) for x in (0, 100, 200))
    house = building(unit, x=10, y=10, w=200)  # meets all three
    derive_building_parcels()
    BuildingParcel.objects.filter(parcel=second).update(status=LinkStatus.CONFIRMED)
    BuildingParcel.objects.filter(parcel=third).update(status=LinkStatus.REJECTED)
    Building.objects.filter(pk=house.pk).update(footprint=rect(500, 500, 10, 10))
    derive_building_parcels()
    links = {link.parcel_id: link for link in BuildingParcel.objects.filter(building=house)}
    assert first.pk not in links
    assert (links[second.pk].status, links[second.pk].share_on_parcel) == ("confirmed", 0)
    assert (links[third.pk].status, links[third.pk].share_on_parcel) == ("rejected", 0)


def test_only_the_given_buildings_are_derived(unit):
    parcel(unit, x=0, y=0)
    chosen = building(unit, x=10, y=10)
    other = building(unit, x=30, y=30)
    assert derive_building_parcels(buildings=Building.objects.filter(pk=chosen.pk)) == 1
    assert shares(other) == {}
    assert derive_building_parcels(buildings=Building.objects.none()) == 0
