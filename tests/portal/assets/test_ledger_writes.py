"""The ledger's generic write (``save_asset``, behind the admin and the REST API) leaves alone
what the warehouse and transfers hold: while an asset is offered or being transferred, its
holder, status, confidentiality and category do not change; other fields still do."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from portal.assets.choices import AssetStatus
from portal.assets.exceptions import AssetEngagedError
from portal.assets.models import Asset
from portal.assets.services import save_asset
from portal.assets.services.batches import add_to_batch, create_batch, remove_from_batch
from portal.assets.services.listings import withdraw_listing
from portal.core.services import OutOfScopeError
from tests.factories import CategoryFactory
from tests.portal.assets.transfer_data import asset, listing, world

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def w(db):
    return world()


def changes(w):
    return {
        "holder": w.far,
        "status": AssetStatus.IN_USE,
        "confidentiality": "public",
        "category": CategoryFactory(code="7010100"),
    }


def stored(item: Asset) -> tuple:
    row = Asset.objects.get(pk=item.pk)
    return (row.holder_id, row.status, row.confidentiality, row.category_id, row.name)


@pytest.mark.parametrize("field", ["holder", "status", "confidentiality", "category"])
def test_a_listed_asset_keeps_what_the_warehouse_relies_on(w, field):
    offer = listing(w.holder)
    item = Asset.objects.get(pk=offer.asset_id)
    before = stored(item)
    setattr(item, field, changes(w)[field])
    with pytest.raises(AssetEngagedError, match=f"Asset {item.ledger_code} is offered") as refused:
        save_asset(item, by=w["province_admin"])
    assert refused.value.http_status == 409
    assert "until the listing is withdrawn" in refused.value.user_message
    assert stored(item) == before


def test_an_asset_in_a_transfer_batch_keeps_its_holder_until_taken_out(w):
    batch = create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"])
    item = asset(w.holder)
    add_to_batch(batch, [item], by=w["holder_officer"])
    item.holder = w.far
    with pytest.raises(AssetEngagedError, match="is being transferred to another unit"):
        save_asset(item, by=w["province_admin"])
    assert Asset.objects.get(pk=item.pk).holder == w.holder
    remove_from_batch(batch, item, by=w["holder_officer"])
    save_asset(item, by=w["province_admin"])
    assert Asset.objects.get(pk=item.pk).holder == w.far


def test_other_fields_change_and_a_withdrawn_listing_frees_the_asset(w):
    offer = listing(w.holder)
    item = Asset.objects.get(pk=offer.asset_id)
    item.name = "改名后的电脑"
    save_asset(item, by=w["holder_officer"])
    assert stored(item)[-1] == "改名后的电脑"
    withdraw_listing(offer, by=w["holder_officer"])
    item.refresh_from_db()  # the withdrawal saved the asset: a stale copy would be refused
    item.status = AssetStatus.IN_USE
    save_asset(item, by=w["holder_officer"])
    assert Asset.objects.get(pk=item.pk).status == AssetStatus.IN_USE


def test_out_of_scope_the_refusal_tells_nothing_about_the_asset(w):
    offer = listing(w.holder)
    item = Asset.objects.get(pk=offer.asset_id)
    item.status = AssetStatus.IN_USE
    with pytest.raises(OutOfScopeError):
        save_asset(item, by=w["far_officer"])


def test_the_admin_form_shows_the_refusal(w):
    offer = listing(w.holder)
    item = Asset.objects.get(pk=offer.asset_id)
    admin = site._registry[Asset]
    request = RequestFactory().post("/")
    request.user = w["province_admin"]
    form_class = admin.get_form(request, item, change=True)
    data = {
        name: value
        for name, value in form_class(instance=item).initial.items()
        if value is not None
    }
    data["status"] = AssetStatus.IN_USE
    form = form_class(data, instance=item)
    assert not form.is_valid()
    assert "until the listing is withdrawn" in " ".join(form.non_field_errors())
