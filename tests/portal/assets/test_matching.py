"""Matching a need against the warehouse: the shortlist of the nearest and its ranking on
crafted data where the order is known, each filter in and out at its edge, the scoping (nothing
unshared, withdrawn, reserved, classified or the unit's own ever appears) and distances in
metres."""

import datetime as dt
import math
from decimal import Decimal

import pytest

from portal.assets.matching import BAND_M, candidate_for, match_candidates
from portal.assets.models import Asset
from portal.assets.services.listings import withdraw_listing
from portal.assets.services.transfers import reserve_listing
from tests.portal.assets.matching_data import market

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return market()


def ids(candidates):
    return [c.listing_id for c in candidates]


def test_ranking_by_band_then_condition_value_and_age(m):
    # Band 0 (under a kilometre): two sites. Band 1: one. Band 5: one.
    near = m.site(m.neighbour, 300)
    next_door = m.site(m.wuhou, 750, bearing=200)
    band1 = m.site(m.neighbour, 1400, bearing=10)
    far = m.site(m.wuhou, 5300, bearing=300)
    poor = m.offer(near, condition="poor")
    fair = m.offer(near, condition="fair")
    half = m.offer(next_door, condition="good", net_value=Decimal("3000.00"))
    old = m.offer(next_door, condition="good", net_value=Decimal("4800.00"))
    new = m.offer(
        next_door, condition="good", net_value=Decimal("4800.00"), acquired_on=dt.date(2023, 5, 1)
    )
    band1_good = m.offer(band1, condition="good")
    far_good = m.offer(far, condition="good", net_value=Decimal("6000.00"))
    need = m.need()
    found = match_candidates(need)
    # In band 0 the good ones come first, the higher remaining value first, then the newer;
    # the nearer but worse items follow; further bands after, whatever their condition.
    assert ids(found) == [
        new.pk,
        old.pk,
        half.pk,
        fair.pk,
        poor.pk,
        band1_good.pk,
        far_good.pk,
    ]
    assert [c.band for c in found] == [0, 0, 0, 0, 0, 1, 5]


def test_distances_are_geodesic_metres(m):
    listing = m.offer(m.site(m.neighbour, 2300, bearing=45))
    (found,) = match_candidates(m.need())
    # The sphere of PostGIS's KNN is within 0.5 % of the ellipsoid, never degrees.
    assert found.listing_id == listing.pk
    assert found.distance_m == pytest.approx(2300, rel=0.005)
    assert found.band == 2300 // BAND_M == 2


def test_unknown_value_and_age_rank_last_within_their_grade(m):
    site = m.site(m.neighbour, 50)
    nothing = m.offer(site, original_value=Decimal("0.00"), net_value=Decimal("0.00"))
    undated = m.offer(site, acquired_on=None)
    dated = m.offer(site)
    assert ids(match_candidates(m.need())) == [dated.pk, undated.pk, nothing.pk]


def test_the_shortlist_is_the_nearest_ranked(m):
    # The two nearest are poor; a good one lies further in the same band: the shortlist of
    # two is the nearest two, and the good one heads the longer list, ranked anew.
    site = m.site(m.neighbour, 100)
    first, second = m.offer(site, condition="poor"), m.offer(site, condition="poor")
    good = m.offer(m.site(m.wuhou, 800), condition="good")
    need = m.need()
    assert set(ids(match_candidates(need, limit=2))) == {first.pk, second.pk}
    assert ids(match_candidates(need, limit=3)) == [good.pk, *sorted([first.pk, second.pk])]


@pytest.mark.parametrize("limit", [1, 3, 7])
def test_a_shorter_list_is_the_nearest_part_of_a_longer_one(m, limit):
    sites = [m.site(m.neighbour, 300 + 700 * n, bearing=37 * n) for n in range(6)]
    for n, site in enumerate(sites):
        m.offer(site, condition=("good", "fair", "poor")[n % 3])
        m.offer(
            site, condition=("poor", "good", "fair")[n % 3], acquired_on=dt.date(2024, 1, n + 1)
        )
    need = m.need()
    everything = match_candidates(need, limit=100)
    assert len(everything) == 12
    nearest = sorted(everything, key=lambda c: (c.distance_m, c.listing_id))[:limit]
    shortlist = match_candidates(need, limit=limit)
    assert {c.distance_m for c in shortlist} == {c.distance_m for c in nearest}
    assert shortlist == sorted(shortlist, key=lambda c: c.rank_key())


def test_limit_defaults_to_the_setting(m, settings):
    site = m.site(m.neighbour, 100)
    for _ in range(4):
        m.offer(site)
    settings.TIANFU_MATCH_LIMIT = 3
    assert len(match_candidates(m.need())) == 3


# -- filters ----------------------------------------------------------------------------------


def test_category_subtree(m):
    site = m.site(m.neighbour, 100)
    computer = m.offer(site, category=m.computers)
    computing = m.offer(site, category=m.computing)
    chair = m.offer(site, category=m.furniture)
    whole = m.need(category=m.computing)
    assert set(ids(match_candidates(whole))) == {computer.pk, computing.pk}
    only = m.need(category=m.computing, include_subcategories=False)
    assert ids(match_candidates(only)) == [computing.pk]
    assert chair.pk not in ids(match_candidates(m.need(category=m.general)))
    assert set(ids(match_candidates(m.need(category=m.general)))) == {computer.pk, computing.pk}


@pytest.mark.parametrize(
    ("minimum", "admitted"),
    [
        ("good", {"good"}),
        ("fair", {"good", "fair"}),
        ("poor", {"good", "fair", "poor"}),
        ("scrap", {"good", "fair", "poor", "scrap"}),
    ],
)
def test_minimum_condition(m, minimum, admitted):
    site = m.site(m.neighbour, 100)
    for grade in ("good", "fair", "poor", "scrap"):
        m.offer(site, condition=grade)
    found = match_candidates(m.need(min_condition=minimum))
    assert {c.condition for c in found} == admitted


def test_maximum_distance_at_the_edge(m):
    listing = m.offer(m.site(m.neighbour, 1500, bearing=120))
    (found,) = match_candidates(m.need())
    distance = found.distance_m
    assert not distance.is_integer()
    inside = m.need(max_distance_m=math.ceil(distance))
    outside = m.need(max_distance_m=math.floor(distance))
    assert ids(match_candidates(inside)) == [listing.pk]
    assert match_candidates(outside) == []
    assert candidate_for(outside, listing) is None


def test_same_city_and_same_county(m):
    neighbour = m.offer(m.site(m.neighbour, 2900))
    wuhou = m.offer(m.site(m.wuhou, 1600))
    mianyang = m.offer(m.site(m.mianyang, 300))
    assert set(ids(match_candidates(m.need()))) == {neighbour.pk, wuhou.pk, mianyang.pk}
    assert ids(match_candidates(m.need(same_city=True))) == [wuhou.pk, neighbour.pk]
    assert ids(match_candidates(m.need(same_county=True))) == [neighbour.pk]
    assert ids(match_candidates(m.need(same_city=True, same_county=True))) == [neighbour.pk]
    # An area need reads its categories apart: the class still takes its subcategories.
    chair = m.offer(m.site(m.wuhou, 1700), category=m.furniture)
    assert ids(match_candidates(m.need(category=m.general, same_city=True))) == [
        wuhou.pk,
        neighbour.pk,
    ]
    only = m.need(category=m.furniture, include_subcategories=False, same_city=True)
    assert ids(match_candidates(only)) == [chair.pk]


# -- scoping ----------------------------------------------------------------------------------


def test_only_listings_shared_with_the_unit(m):
    site = m.site(m.wuhou, 100)
    province = m.offer(site, share_prefix="51")
    city = m.offer(site, share_prefix="5101")
    county = m.offer(site, share_prefix="510104")
    m.offer(site, share_prefix="510107")  # 武侯区 only
    m.offer(site, share_prefix="5107")  # Mianyang only
    assert set(ids(match_candidates(m.need()))) == {province.pk, city.pk, county.pk}


def test_never_the_units_own_listings(m):
    own_site = m.site(m.unit, 10)
    m.offer(own_site)
    other = m.offer(m.site(m.neighbour, 500))
    assert ids(match_candidates(m.need())) == [other.pk]


def test_never_withdrawn_or_reserved_listings(m):
    site = m.site(m.neighbour, 100)
    withdrawn, reserved, live = m.offer(site), m.offer(site), m.offer(site)
    withdraw_listing(withdrawn, by=m["admin"])
    wuhou_building = m.site(m.wuhou, 5000)
    reserve_listing(
        reserved, by=m["admin"], receiving_unit=m.wuhou, delivery_building=wuhou_building
    )
    need = m.need()
    assert ids(match_candidates(need)) == [live.pk]
    assert candidate_for(need, withdrawn) is None
    assert candidate_for(need, reserved) is None


def test_never_classified_assets(m):
    site = m.site(m.neighbour, 100)
    secret, confidential, public = m.offer(site), m.offer(site), m.offer(site)
    # Published while internal, classified since: the listing stays, matching hides it.
    Asset.objects.filter(pk=secret.asset_id).update(confidentiality="secret")
    Asset.objects.filter(pk=confidential.asset_id).update(confidentiality="confidential")
    Asset.objects.filter(pk=public.asset_id).update(confidentiality="public")
    need = m.need()
    assert ids(match_candidates(need)) == [public.pk]
    assert candidate_for(need, secret) is None


def test_candidate_for_one_listing_wherever_it_ranks(m):
    site = m.site(m.neighbour, 100)
    for _ in range(3):
        m.offer(site, condition="good")
    last = m.offer(m.site(m.wuhou, 2000), condition="good")
    need = m.need()
    assert last.pk not in ids(match_candidates(need, limit=2))
    found = candidate_for(need, last)
    assert found is not None
    assert found.listing_id == last.pk
    assert found.distance_m == pytest.approx(2000, rel=0.005)
