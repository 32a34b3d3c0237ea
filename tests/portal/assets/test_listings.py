"""Warehouse listings: publish (virtual, physical), edit, withdraw and bulk publish — what each
copies and writes, who may, and that a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.gis.geos import Point
from django.utils import timezone

from portal.assets.choices import AssetStatus, CustodyEvent, ListingStatus
from portal.assets.exceptions import (
    AlreadyListedError,
    AlreadyReservedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.forms.warehouse import listable_assets
from portal.assets.models import Asset, CustodyEntry, Listing
from portal.assets.services import listings as listings_services
from portal.assets.services.batches import add_to_batch, create_batch, remove_from_batch
from portal.assets.services.listings import (
    bulk_publish,
    edit_listing,
    withdraw_listing,
)
from tests.factories import BuildingFactory, DepotFactory
from tests.portal.assets.listing_data import Warehouse, warehouse

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def wh(db) -> Warehouse:
    return warehouse()


def physical(wh: Warehouse, asset: Asset | None = None, **terms: object) -> Listing:
    terms = {"mode": "physical", "depot": wh.depot, "receipt_no": "RK-2026-001", **terms}
    return wh.publish(asset, **terms)


def nothing_written(asset: Asset, status: str = AssetStatus.IN_USE) -> None:
    assert not Listing.objects.filter(asset=asset).exists()
    assert not CustodyEntry.objects.filter(asset=asset).exists()
    asset.refresh_from_db()
    assert asset.status == status


# -- publish ----------------------------------------------------------------------------------


def test_a_virtual_listing_copies_the_asset_and_stays_with_the_holder(wh, settings):
    settings.TIANFU_SCREENING_DAYS = 5
    asset = wh.asset(condition="fair", acquired_on=dt.date(2019, 3, 1))
    listing = wh.publish(asset, explanation="  搬迁后闲置  ")
    assert listing.status == ListingStatus.PUBLISHED
    assert (listing.holder, listing.published_by) == (wh.unit, wh["officer"])
    assert listing.explanation == "搬迁后闲置"
    assert listing.geom.equals(wh.building.geom)
    assert listing.division == wh.building.division
    assert (listing.category_id, listing.condition) == (asset.category_id, "fair")
    assert (listing.original_value, listing.net_value) == (Decimal("6000.00"), Decimal("3000.00"))
    assert listing.acquired_on == dt.date(2019, 3, 1)
    assert listing.share_prefix == "51"  # the holder's province
    assert listing.screening_ends_on == timezone.localdate() + dt.timedelta(days=5)
    assert listing.depot is None
    assert listing.stocked_in_at is None
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IDLE
    assert not CustodyEntry.objects.exists()


def test_the_reason_becomes_the_asset_status_and_the_share_prefix_is_kept(wh):
    listing = wh.publish(reason="over_standard", share_prefix="5101")
    assert listing.share_prefix == "5101"
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.OVER_STANDARD


def test_without_a_building_the_asset_s_own_point_and_the_holder_s_division(wh):
    asset = wh.asset(building=None, geom=Point(104.081, 30.631, srid=4490))
    listing = wh.publish(asset)
    assert listing.geom.equals(asset.geom)
    assert listing.division == wh.unit.division


def test_an_asset_with_no_location_is_refused(wh):
    asset = wh.asset(building=None, geom=None)
    with pytest.raises(WarehouseInputError, match=rf"Location: asset {asset.ledger_code} has"):
        wh.publish(asset)
    nothing_written(asset)


def test_a_physical_listing_is_stocked_in_with_its_receipt(wh):
    asset = wh.asset()
    listing = physical(wh, asset)
    assert listing.depot == wh.depot
    assert listing.receipt_no == "RK-2026-001"
    assert listing.geom.equals(wh.depot.geom)
    assert listing.division == wh.depot.division
    assert listing.stocked_in_at is not None
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_WAREHOUSE
    entry = CustodyEntry.objects.get(asset=asset)
    assert entry.event == CustodyEvent.STOCK_IN
    assert (entry.from_unit, entry.to_unit, entry.depot) == (wh.unit, None, wh.depot)
    assert (entry.document_no, entry.by) == ("RK-2026-001", wh["officer"])


def test_a_depot_that_is_both_takes_stock(wh):
    both = DepotFactory(kind="both", managing_unit=wh.offices)
    assert physical(wh, depot=both).depot == both


@pytest.mark.parametrize(
    ("terms", "says"),
    [
        ({"depot": None}, "Warehouse: name the warehouse"),
        ({"receipt_no": "  "}, "Stock-in receipt number:"),
        ({"receipt_no": "R" * 41}, "Stock-in receipt number: at most 40"),
        ({"depot": "emergency"}, "Warehouse: “成都市应急物资库” is an emergency supply depot"),
    ],
)
def test_a_physical_listing_needs_a_warehouse_and_a_receipt(wh, terms, says):
    asset = wh.asset()
    if terms.get("depot") == "emergency":
        terms["depot"] = wh.emergency
    with pytest.raises(WarehouseInputError, match=says):
        physical(wh, asset, **terms)
    nothing_written(asset)


@pytest.mark.parametrize(
    ("terms", "says"),
    [
        ({"reason": "broken"}, "Reason: choose"),
        ({"explanation": "   "}, "Explanation:"),
        ({"mode": "teleport"}, "Mode: choose"),
        ({"share_prefix": "5"}, "Shared within:"),
        ({"share_prefix": "51ab"}, "Shared within:"),
        ({"depot": "warehouse"}, "Warehouse: a virtual listing"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(wh, terms, says):
    asset = wh.asset()
    if terms.get("depot") == "warehouse":
        terms["depot"] = wh.depot
    with pytest.raises(WarehouseInputError, match=says) as refused:
        wh.publish(asset, **terms)
    assert refused.value.http_status == 400
    nothing_written(asset)


def test_a_classified_asset_cannot_be_shared(wh):
    officer = wh["officer"]
    officer.clearance = "secret"
    officer.save()
    asset = wh.asset(confidentiality="secret")
    with pytest.raises(WarehouseInputError, match="Confidentiality: a secret asset cannot"):
        wh.publish(asset, by=officer)
    nothing_written(asset)


@pytest.mark.parametrize("status", ["in_warehouse", "reserved", "transferred", "disposed"])
def test_only_an_asset_in_use_or_marked_can_be_listed(wh, status):
    asset = wh.asset(status=status)
    with pytest.raises(WarehouseStateError, match="Status: an asset that is") as refused:
        wh.publish(asset)
    assert refused.value.http_status == 409
    nothing_written(asset, status)


@pytest.mark.parametrize("status", ["idle", "low_efficiency", "repairable"])
def test_an_asset_already_marked_can_be_listed(wh, status):
    assert wh.publish(wh.asset(status=status)).status == ListingStatus.PUBLISHED


def test_an_asset_is_listed_once(wh):
    listing = wh.publish()
    with pytest.raises(AlreadyListedError):
        wh.publish(listing.asset)
    assert Listing.objects.count() == 1
    withdraw_listing(listing, by=wh["officer"])
    assert wh.publish(listing.asset).pk != listing.pk  # withdrawn: it may be offered again


def test_an_asset_in_a_transfer_batch_is_not_offered(wh):
    """On its way to another unit, an asset is neither offered nor proposed for offering."""
    building = BuildingFactory(managing_unit=wh.other_unit)
    batch = create_batch(wh.unit, wh.other_unit, building, by=wh["officer"])
    asset, other = wh.asset(), wh.asset()
    add_to_batch(batch, [asset], by=wh["officer"])
    with pytest.raises(AlreadyReservedError, match=f"Asset {asset.ledger_code} is being") as no:
        wh.publish(asset)
    assert f"transfer batch #{batch.pk}" in no.value.user_message
    nothing_written(asset)
    with pytest.raises(AlreadyReservedError, match=f"Asset {asset.ledger_code}: "):
        bulk_publish(
            [other, asset], reason="idle", explanation="闲置", mode="virtual", by=wh["officer"]
        )
    nothing_written(other)
    assert set(listable_assets(wh["officer"])) == {other}
    remove_from_batch(batch, asset, by=wh["officer"])
    assert set(listable_assets(wh["officer"])) == {asset, other}
    assert wh.publish(asset).status == ListingStatus.PUBLISHED


def test_two_publications_racing_past_the_check_meet_the_constraint(wh, monkeypatch):
    """The database's one-live-listing constraint is the last guard: the loser of a race that
    passed the look-up is refused like a second publication, and its asset is left alone."""
    listing = physical(wh)
    monkeypatch.setattr(listings_services, "_refuse_listed", lambda asset: None)
    Asset.objects.filter(pk=listing.asset_id).update(status=AssetStatus.IDLE)
    with pytest.raises(AlreadyListedError, match="already in the warehouse"):
        physical(wh, Asset.objects.get(pk=listing.asset_id))
    assert Listing.objects.count() == 1
    assert CustodyEntry.objects.count() == 1
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.IDLE


@pytest.mark.parametrize("role", ["viewer", "auditor", "other_officer"])
def test_only_editors_of_the_holder_publish(wh, role):
    asset = wh.asset()
    with pytest.raises(WarehouseForbiddenError) as refused:
        wh.publish(asset, by=wh[role])
    assert refused.value.http_status == 403
    nothing_written(asset)


@pytest.mark.parametrize("role", ["county_admin", "province_admin"])
def test_administrators_whose_scope_covers_the_holder_publish(wh, role):
    assert wh.publish(by=wh[role]).published_by == wh[role]


def test_history_records_the_publisher(wh):
    listing = wh.publish()
    event = apps.get_model("assets", "ListingEvent").objects.get(pgh_obj_id=listing.pk)
    assert event.pgh_context.metadata["user"] == wh["officer"].pk


# -- edit -------------------------------------------------------------------------------------


def test_edit_changes_the_terms_and_copies_the_asset_again(wh):
    listing = wh.publish()
    Asset.objects.filter(pk=listing.asset_id).update(condition="poor", net_value=Decimal("900"))
    edited = edit_listing(
        listing, reason="repairable", explanation="屏幕损坏", share_prefix="5101", by=wh["officer"]
    )
    assert (edited.reason, edited.explanation, edited.share_prefix) == (
        "repairable",
        "屏幕损坏",
        "5101",
    )
    assert (edited.condition, edited.net_value) == ("poor", Decimal("900.00"))
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.REPAIRABLE


def test_editing_a_physical_listing_keeps_it_in_the_warehouse(wh):
    listing = physical(wh)
    edited = edit_listing(listing, reason="low_efficiency", by=wh["officer"])
    assert edited.geom.equals(wh.depot.geom)
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.IN_WAREHOUSE


def test_an_asset_classified_since_publication_blocks_an_edit(wh):
    listing = wh.publish()
    Asset.objects.filter(pk=listing.asset_id).update(confidentiality="secret")
    admin = wh["province_admin"]
    admin.clearance = "confidential"
    admin.save()
    with pytest.raises(WarehouseInputError, match="Confidentiality:"):
        edit_listing(listing, explanation="新说明", by=admin)
    listing.refresh_from_db()
    assert listing.explanation == "闲置一年以上"


@pytest.mark.parametrize("status", ["reserved", "withdrawn", "disposal"])
def test_only_a_published_listing_is_edited(wh, status):
    listing = wh.publish()
    Listing.objects.filter(pk=listing.pk).update(status=status)
    with pytest.raises(WarehouseStateError, match="cannot be edited"):
        edit_listing(listing, explanation="新说明", by=wh["officer"])
    listing.refresh_from_db()
    assert listing.explanation == "闲置一年以上"


def test_edit_refuses_others_and_bad_terms(wh):
    listing = wh.publish()
    with pytest.raises(WarehouseForbiddenError):
        edit_listing(listing, explanation="新说明", by=wh["other_officer"])
    with pytest.raises(WarehouseInputError, match="Explanation:"):
        edit_listing(listing, explanation=" ", by=wh["officer"])
    with pytest.raises(WarehouseInputError, match="Shared within:"):
        edit_listing(listing, share_prefix="x", by=wh["officer"])
    listing.refresh_from_db()
    assert (listing.explanation, listing.share_prefix) == ("闲置一年以上", "51")


# -- withdraw ---------------------------------------------------------------------------------


def test_withdrawing_a_virtual_listing_keeps_the_asset_marked_with_its_reason(wh):
    listing = withdraw_listing(wh.publish(), by=wh["officer"])
    assert listing.status == ListingStatus.WITHDRAWN
    assert listing.closed_at is not None
    # Still idle, just no longer offered: the reason it was listed under is its status.
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.IDLE
    assert not CustodyEntry.objects.exists()


def test_withdrawing_keeps_a_mark_the_asset_had_before_listing(wh):
    asset = wh.asset(status=AssetStatus.OVER_STANDARD)
    listing = wh.publish(asset, reason="over_standard")
    withdraw_listing(listing, by=wh["officer"])
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.OVER_STANDARD


def test_withdrawing_a_physical_listing_takes_it_out_of_the_warehouse(wh):
    listing = withdraw_listing(physical(wh), by=wh["county_admin"], document_no=" CK-7 ")
    events = CustodyEntry.objects.filter(asset_id=listing.asset_id).order_by("pk")
    assert [e.event for e in events] == [CustodyEvent.STOCK_IN, CustodyEvent.STOCK_OUT]
    out = events.last()
    assert (out.from_unit, out.to_unit, out.depot) == (wh.unit, None, wh.depot)
    assert out.document_no == "CK-7"
    assert out.by == wh["county_admin"]
    # Out of the warehouse, back with its holder, still idle (the listing's reason).
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.IDLE


def test_a_stock_out_document_number_fits_the_log(wh):
    listing = physical(wh)
    with pytest.raises(WarehouseInputError, match="Stock-out document number: at most 40"):
        withdraw_listing(listing, by=wh["officer"], document_no="C" * 41)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert CustodyEntry.objects.count() == 1


@pytest.mark.parametrize("status", ["reserved", "withdrawn", "transferred", "disposal"])
def test_only_a_published_listing_is_withdrawn(wh, status):
    listing = physical(wh)
    Listing.objects.filter(pk=listing.pk).update(status=status)
    with pytest.raises(WarehouseStateError, match="cannot be withdrawn"):
        withdraw_listing(listing, by=wh["officer"])
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.IN_WAREHOUSE
    assert CustodyEntry.objects.count() == 1  # the stock-in only


@pytest.mark.parametrize("role", ["viewer", "other_officer", "auditor"])
def test_only_editors_withdraw(wh, role):
    listing = wh.publish()
    with pytest.raises(WarehouseForbiddenError):
        withdraw_listing(listing, by=wh[role])
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


# -- bulk publish -----------------------------------------------------------------------------


def test_bulk_publish_lists_every_asset_with_one_receipt(wh):
    assets = [wh.asset() for _ in range(3)]
    listings = bulk_publish(
        assets,
        reason="idle",
        explanation="机构改革后闲置",
        mode="physical",
        depot=wh.depot,
        receipt_no="RK-9",
        by=wh["officer"],
    )
    assert sorted(x.asset_id for x in listings) == sorted(a.pk for a in assets)
    assert set(
        Asset.objects.filter(pk__in=[a.pk for a in assets]).values_list("status", flat=True)
    ) == {AssetStatus.IN_WAREHOUSE}
    entries = CustodyEntry.objects.filter(event=CustodyEvent.STOCK_IN)
    assert sorted(entries.values_list("asset_id", flat=True)) == sorted(a.pk for a in assets)
    assert set(entries.values_list("document_no", flat=True)) == {"RK-9"}


def test_bulk_publish_is_all_or_nothing_and_names_the_asset(wh):
    fine, taken = wh.asset(), wh.asset()
    wh.publish(taken)
    with pytest.raises(AlreadyListedError, match=rf"Asset {taken.ledger_code}: .*already"):
        bulk_publish(
            [fine, taken],
            reason="idle",
            explanation="闲置",
            mode="physical",
            depot=wh.depot,
            receipt_no="RK-10",
            by=wh["officer"],
        )
    nothing_written(fine)
    assert Listing.objects.count() == 1


def test_bulk_publish_refuses_an_asset_out_of_scope_by_its_ledger_code(wh):
    mine = wh.asset()
    theirs = wh.asset(holder=wh.other_unit, building=None)
    with pytest.raises(WarehouseForbiddenError, match=rf"Asset {theirs.ledger_code}:"):
        bulk_publish(
            [mine, theirs], reason="idle", explanation="闲置", mode="virtual", by=wh["officer"]
        )
    nothing_written(mine)
    nothing_written(theirs)


def test_bulk_publish_needs_a_selection(wh):
    with pytest.raises(WarehouseInputError, match="Select at least one asset"):
        bulk_publish([], reason="idle", explanation="闲置", mode="virtual", by=wh["officer"])
