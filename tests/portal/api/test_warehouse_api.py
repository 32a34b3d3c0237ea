"""The warehouse through the API: listings read by the sharing rule (``Listing.objects.
visible_to``), needs by the requesting unit's scope, nothing written, and lists whose query
count does not grow with the records."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.org.choices import Role
from tests.factories import CategoryFactory, ListingFactory, NeedFactory
from tests.portal.api.cases import ids

pytestmark = pytest.mark.django_db

LISTINGS = "/api/warehouse-listings/"
NEEDS = "/api/warehouse-needs/"


def listing(holder, **fields):
    """A listing of an asset of ``holder``, offered from the holder's location."""
    defaults = {
        "geom": holder.location,
        "division": holder.division,
        "category": CategoryFactory(),
        "condition": "good",
        "original_value": 6000,
        "net_value": 3000,
    }
    return ListingFactory(asset__holder=holder, **(defaults | fields))


def test_anonymous_gets_401(api):
    assert api.get(LISTINGS).status_code == 401
    assert api.get(NEEDS).status_code == 401


def test_a_unit_in_the_sharing_area_reads_only_live_listings_shared_with_it(api, login, units):
    holder = units["jinjiang"]
    shared = listing(holder, share_prefix="5101")
    withdrawn = listing(holder, share_prefix="5101", status="withdrawn")
    elsewhere = listing(holder, share_prefix="5107")  # Mianyang only
    login(Role.UNIT_OFFICER, units["wuhou"])
    response = api.get(LISTINGS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert ids(response) == {shared.pk}
    for hidden in (withdrawn, elsewhere):
        assert api.get(f"{LISTINGS}{hidden.pk}/").status_code == 404
    # A filter narrows what the rule lets through; it never widens it.
    assert ids(api.get(LISTINGS, {"status": "withdrawn"})) == set()


def test_a_listing_feature_carries_what_the_holder_shares(api, login, units):
    holder = units["jinjiang"]
    shared = listing(holder, share_prefix="5101")
    login(Role.UNIT_OFFICER, units["wuhou"])
    feature = api.get(LISTINGS).json()["features"][0]
    properties = feature["properties"]
    assert properties["asset_ledger_code"] == shared.asset.ledger_code
    assert properties["asset_name"] == shared.asset.name
    assert properties["holder"] == holder.credit_code
    assert properties["holder_name"] == holder.name
    assert properties["category"] == shared.category.code
    assert properties["division"] == "510104"
    assert properties["share_prefix"] == "5101"
    assert properties["net_value"] == 3000
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == pytest.approx(
        [holder.location.x, holder.location.y]
    )
    assert api.get(f"{LISTINGS}{shared.pk}/").json() == feature


def test_the_holders_officer_reads_its_own_listings_in_any_status(api, login, units):
    holder = units["jinjiang"]
    own = {
        listing(holder, status=status).pk
        for status in ("published", "reserved", "withdrawn", "transferred", "disposal", "disposed")
    }
    listing(units["fucheng"], share_prefix="5107")  # another city's, not shared here
    login(Role.UNIT_OFFICER, holder)
    assert ids(api.get(LISTINGS)) == own


def test_a_classified_assets_listing_is_never_read_without_clearance(api, login, units):
    secret = listing(units["jinjiang"], asset__confidentiality="secret")
    for unit in (units["wuhou"], units["jinjiang"]):
        login(Role.UNIT_OFFICER, unit)
        assert ids(api.get(LISTINGS)) == set()
        assert api.get(f"{LISTINGS}{secret.pk}/").status_code == 404
    login(Role.UNIT_OFFICER, units["wuhou"], clearance="secret")
    assert ids(api.get(LISTINGS)) == {secret.pk}


def test_sharing_a_listing_does_not_open_the_holders_ledger(api, login, units):
    shared = listing(units["jinjiang"])
    login(Role.UNIT_OFFICER, units["wuhou"])
    assert ids(api.get(LISTINGS)) == {shared.pk}
    assert ids(api.get("/api/assets/")) == set()
    assert api.get(f"/api/assets/{shared.asset_id}/").status_code == 404


def test_needs_are_read_within_the_requesting_units_scope(api, login, units):
    own = NeedFactory(unit=units["jinjiang"], max_distance_m=5000, same_city=True)
    other = NeedFactory(unit=units["fucheng"])
    login(Role.UNIT_OFFICER, units["jinjiang"])
    response = api.get(NEEDS)
    assert ids(response) == {own.pk}
    row = response.json()["results"][0]
    assert row["unit"] == units["jinjiang"].credit_code
    assert row["category"] == own.category.code
    assert row["delivery_building"] == own.delivery_building_id
    assert (row["max_distance_m"], row["same_city"], row["status"]) == (5000, True, "open")
    assert api.get(f"{NEEDS}{other.pk}/").status_code == 404
    login(Role.UNIT_OFFICER, units["wuhou"])  # same city, another unit: not shared
    assert ids(api.get(NEEDS)) == set()
    login(Role.PROVINCE_ADMIN, units["jinjiang"])
    assert ids(api.get(NEEDS)) == {own.pk, other.pk}


@pytest.mark.parametrize("url", [LISTINGS, NEEDS])
def test_the_warehouse_is_not_written_through_the_api(api, login, units, url):
    """405 whoever asks, even a province administrator who may change every unit's records:
    listings and needs change through the warehouse's services."""
    own = listing(units["jinjiang"]) if url == LISTINGS else NeedFactory(unit=units["jinjiang"])
    model = type(own)
    login(Role.PROVINCE_ADMIN, units["jinjiang"])
    detail = f"{url}{own.pk}/"
    assert api.post_json(url, {"status": "withdrawn"}).status_code == 405
    assert api.patch_json(detail, {"status": "withdrawn"}).status_code == 405
    assert api.put_json(detail, {"status": "withdrawn"}).status_code == 405
    assert api.delete(detail).status_code == 405
    assert model.objects.count() == 1
    assert model.objects.get().status in ("published", "open")


def _make(url, unit):
    if url == LISTINGS:
        return listing(unit, share_prefix="51")
    return NeedFactory(unit=unit)


# Session, user, one page query and the session save (three statements), as for every registry
# list; the sharing rule adds the reader's unit and its division (whose code it matches), once.
# A need names its delivery building: one more query for the buildings classified above the
# reader's clearance, whose ids the list answers as null.
PINNED = {LISTINGS: 8, NEEDS: 7}


@pytest.mark.parametrize("url", [LISTINGS, NEEDS])
def test_list_queries_do_not_grow_with_records(
    api, login, units, url, django_assert_max_num_queries
):
    login(Role.PROVINCE_ADMIN, units["jinjiang"])
    _make(url, units["jinjiang"])
    api.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as few:
        api.get(url)
    for unit in units.values():
        _make(url, unit)
        _make(url, unit)
    with django_assert_max_num_queries(PINNED[url]) as many:
        response = api.get(url)
    assert len(ids(response)) == 7
    assert len(many) == len(few)


def test_a_sharing_readers_list_takes_the_same_queries(
    api, login, units, django_assert_max_num_queries
):
    """The sharing rule is one condition of the page query, not a query per listing."""
    listing(units["jinjiang"])
    login(Role.UNIT_OFFICER, units["wuhou"])
    api.get(LISTINGS)
    for unit in units.values():
        listing(unit)
        listing(unit)
    with django_assert_max_num_queries(PINNED[LISTINGS]):
        assert len(ids(api.get(LISTINGS))) == 7
