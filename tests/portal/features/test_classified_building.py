"""An asset stands where its building stands: one in a building classified above the reader's
clearance is hidden like the building, in every channel, whatever the asset's own level; and a
related key naming such a building (a need's delivery building) is answered as null."""

import pytest

from portal.assets.models import Asset, Listing
from tests.factories import AssetFactory, ListingFactory, NeedFactory


@pytest.fixture
def hidden_asset(world):
    """An internal asset in the secret building, offered in the warehouse from there."""
    secret = world["buildings"]["secret"]
    asset = AssetFactory(
        holder=world["units"]["jinjiang"], building=secret, geom=secret.geom, status="idle"
    )
    ListingFactory(
        asset=asset,
        geom=secret.geom,
        division=asset.holder.division,
        category=asset.category,
        condition="good",
        original_value=6000,
        net_value=3000,
        acquired_on=asset.acquired_on,
    )
    return asset


def test_querysets_hide_an_asset_and_its_listing_in_a_classified_building(
    hidden_asset, province, cleared
):
    assert not Asset.objects.visible_to(province).filter(pk=hidden_asset.pk).exists()
    assert not Asset.objects.editable_by(province).filter(pk=hidden_asset.pk).exists()
    assert not Listing.objects.visible_to(province).filter(asset=hidden_asset).exists()
    assert Asset.objects.visible_to(cleared).filter(pk=hidden_asset.pk).exists()
    assert Listing.objects.visible_to(cleared).filter(asset=hidden_asset).exists()


@pytest.mark.parametrize("url", ["/api/assets/", "/ogc/collections/assets/items"])
def test_lists_leave_the_asset_out_for_a_reader_not_cleared(ogc, hidden_asset, province, url):
    ogc.force_login(province)
    response = ogc.get(url, {"limit": 1000})
    assert response.status_code == 200
    ids = [feature["id"] for feature in response.json()["features"]]
    assert ids
    assert hidden_asset.pk not in ids
    assert f'"building": {hidden_asset.building_id}' not in response.content.decode()


def test_the_cleared_reader_sees_the_asset_and_its_building(ogc, hidden_asset, cleared):
    ogc.force_login(cleared)
    feature = ogc.item("assets", hidden_asset.pk).json()
    assert feature["properties"]["building"] == hidden_asset.building_id


@pytest.mark.parametrize("detail", [False, True])
def test_a_needs_classified_delivery_building_is_answered_as_null(
    ogc, world, province, cleared, detail
):
    secret = world["buildings"]["secret"]
    need = NeedFactory(unit=world["units"]["jinjiang"], delivery_building=secret)
    url = f"/api/warehouse-needs/{need.pk}/" if detail else "/api/warehouse-needs/"
    answers = {}
    for user in (province, cleared):
        ogc.force_login(user)
        body = ogc.get(url).json()
        row = body if detail else next(r for r in body["results"] if r["id"] == need.pk)
        answers[user.clearance] = row["delivery_building"]
    assert answers == {province.clearance: None, cleared.clearance: secret.pk}
