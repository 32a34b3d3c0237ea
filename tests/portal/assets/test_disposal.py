"""Centralised disposal: the screening-period move, and disposal batches from creation through
the approval chain to completion with proceeds — who may, in which state, and that a refusal
writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from portal.assets.choices import AssetStatus, BatchStatus, CustodyEvent, ListingStatus
from portal.assets.exceptions import (
    ApprovalForbiddenError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import (
    ApprovalRule,
    Asset,
    AssetCategory,
    CustodyEntry,
    DisposalBatch,
    DisposalItem,
    Listing,
)
from portal.assets.services.disposal import (
    complete_disposal_batch,
    create_disposal_batch,
    move_to_disposal,
    proceeds_total,
    sign_disposal_batch,
    submit_disposal_batch,
)
from portal.assets.services.listings import withdraw_listing
from tests.portal.assets.listing_data import Warehouse, warehouse

pytestmark = pytest.mark.usefixtures("english")
TODAY = timezone.localdate()


@pytest.fixture
def wh(db) -> Warehouse:
    return warehouse()


def ending(listing: Listing, day: dt.date) -> Listing:
    Listing.objects.filter(pk=listing.pk).update(screening_ends_on=day)
    listing.refresh_from_db()
    return listing


def in_disposal(wh: Warehouse, count: int = 2, **terms: object) -> list[Listing]:
    """``count`` listings of the unit whose screening period is over, moved to disposal."""
    listings = [ending(wh.publish(**terms), TODAY - dt.timedelta(days=1)) for _ in range(count)]
    move_to_disposal(TODAY)
    return [Listing.objects.get(pk=listing.pk) for listing in listings]


def batch_of(
    wh: Warehouse, listings: list[Listing], method: str = "auction", user: str = "offices_officer"
) -> DisposalBatch:
    return create_disposal_batch(method, wh.offices, listings, by=wh[user])


def approved(wh: Warehouse, listings: list[Listing], method: str = "auction") -> DisposalBatch:
    batch = submit_disposal_batch(batch_of(wh, listings, method), by=wh["offices_officer"])
    sign_disposal_batch(batch, "approved", by=wh["offices_officer"])
    return batch


# -- the screening period ---------------------------------------------------------------------


def test_listings_whose_screening_ended_before_the_day_move_once(wh):
    ended = ending(wh.publish(), TODAY - dt.timedelta(days=1))
    last_day = ending(wh.publish(), TODAY)
    reserved = ending(wh.publish(), TODAY - dt.timedelta(days=30))
    Listing.objects.filter(pk=reserved.pk).update(status=ListingStatus.RESERVED)
    withdrawn = ending(
        withdraw_listing(wh.publish(), by=wh["officer"]), TODAY - dt.timedelta(days=3)
    )

    assert move_to_disposal(TODAY) == 1
    statuses = dict(Listing.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: ListingStatus.DISPOSAL,
        last_day.pk: ListingStatus.PUBLISHED,  # its last day is not over
        reserved.pk: ListingStatus.RESERVED,  # claimed: it stays
        withdrawn.pk: ListingStatus.WITHDRAWN,
    }
    assert move_to_disposal(TODAY) == 0  # a second run moves nothing
    assert move_to_disposal(TODAY + dt.timedelta(days=1)) == 1  # the next day, the last-day one


def test_the_move_is_recorded_in_the_history_as_the_screening(wh):
    listing = ending(wh.publish(), TODAY - dt.timedelta(days=1))
    move_to_disposal(TODAY)
    events = apps.get_model("assets", "ListingEvent").objects.filter(pgh_obj_id=listing.pk)
    moved = events.filter(status=ListingStatus.DISPOSAL).get()
    assert moved.pgh_context.metadata["url"] == "screen_listings"
    assert moved.pgh_context.metadata["screening_date"] == TODAY.isoformat()


def test_the_screening_period_follows_the_setting(wh, settings):
    settings.TIANFU_SCREENING_DAYS = 3
    listing = wh.publish()
    today = timezone.localdate()
    assert move_to_disposal(today + dt.timedelta(days=3)) == 0
    assert move_to_disposal(today + dt.timedelta(days=4)) == 1
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DISPOSAL


# -- creating a batch -------------------------------------------------------------------------


def test_an_offices_administration_groups_listings_in_disposal(wh):
    listings = in_disposal(wh)
    batch = batch_of(wh, listings, method="scrap")
    assert (batch.status, batch.method, batch.unit, batch.chain) == (
        "draft",
        "scrap",
        wh.offices,
        [],
    )
    assert re.fullmatch(rf"CZ{timezone.localdate().year}-{wh.offices.pk:05d}-0001", batch.code)
    assert batch.created_by == wh["offices_officer"]
    items = batch.items.order_by("listing_id")
    assert [(i.listing_id, i.asset_id) for i in items] == [(x.pk, x.asset_id) for x in listings]
    second = batch_of(wh, in_disposal(wh, 1), user="offices_admin")
    assert second.code.endswith("-0002")


def test_a_province_administrator_may_run_a_batch(wh):
    assert batch_of(wh, in_disposal(wh, 1), user="province_admin").status == BatchStatus.DRAFT


@pytest.mark.parametrize(
    "role", ["officer", "county_admin", "viewer", "auditor", "far_offices_officer"]
)
def test_only_an_offices_administration_in_scope_creates_a_batch(wh, role):
    listings = in_disposal(wh, 1)
    with pytest.raises(WarehouseForbiddenError) as refused:
        batch_of(wh, listings, user=role)
    assert refused.value.http_status == 403
    assert not DisposalBatch.objects.exists()


def test_the_responsible_unit_must_be_an_offices_administration(wh):
    with pytest.raises(WarehouseInputError, match=r"Responsible unit: .* is not an offices"):
        create_disposal_batch("auction", wh.unit, in_disposal(wh, 1), by=wh["province_admin"])
    assert not DisposalBatch.objects.exists()


def test_a_listing_outside_the_administration_s_division_is_refused_by_ledger_code(wh):
    listing = in_disposal(wh, 1)[0]
    asset = Asset.objects.get(pk=listing.asset_id)
    with pytest.raises(WarehouseForbiddenError, match=rf"Asset {asset.ledger_code}: Holder: "):
        create_disposal_batch("auction", wh.far_offices, [listing], by=wh["province_admin"])
    assert not DisposalBatch.objects.exists()


def test_only_listings_in_disposal_join_a_batch_all_or_none(wh):
    ready = in_disposal(wh, 1)[0]
    published = wh.publish()
    code = published.asset.ledger_code
    with pytest.raises(
        WarehouseStateError, match=rf"Asset {code}: Status: the listing is “published”"
    ):
        batch_of(wh, [ready, published])
    assert not DisposalBatch.objects.exists()
    assert not DisposalItem.objects.exists()


def test_a_listing_joins_one_batch(wh):
    listing = in_disposal(wh, 1)[0]
    first = batch_of(wh, [listing])
    with pytest.raises(WarehouseStateError, match=f"already in disposal batch {first.code}"):
        batch_of(wh, [listing])
    assert DisposalBatch.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "listings", "says"),
    [("sale", 1, "Method: choose"), ("auction", 0, "Select at least one")],
)
def test_a_batch_needs_a_method_and_listings(wh, method, listings, says):
    with pytest.raises(WarehouseInputError, match=says):
        batch_of(wh, in_disposal(wh, listings) if listings else [], method=method)
    assert not DisposalBatch.objects.exists()


# -- submission and approval ------------------------------------------------------------------


def test_submission_takes_the_disposal_chain_and_the_administration_approves(wh):
    batch = batch_of(wh, in_disposal(wh))
    submitted = submit_disposal_batch(batch, by=wh["offices_officer"])
    assert (submitted.status, submitted.chain) == (BatchStatus.SUBMITTED, ["administration"])
    assert submitted.submitted_at is not None
    with pytest.raises(WarehouseStateError, match="cannot be submitted"):
        submit_disposal_batch(batch, by=wh["offices_officer"])
    approval = sign_disposal_batch(batch, "approved", by=wh["offices_officer"], note="同意")
    assert (approval.position, approval.step, approval.note) == (1, "administration", "同意")
    assert batch.status == BatchStatus.APPROVED


def test_a_rule_for_one_item_s_category_adds_its_steps_to_the_batch(wh):
    furniture = AssetCategory.objects.create(code="6010000", name="家具")
    plain, special = (
        in_disposal(wh, 1)[0],
        in_disposal(wh, 1, asset=wh.asset(category=furniture))[0],
    )
    ApprovalRule.objects.create(
        subject="disposal", category=furniture, steps=["administration", "holder_unit"]
    )
    batch = submit_disposal_batch(batch_of(wh, [plain, special]), by=wh["offices_officer"])
    assert batch.chain == ["holder_unit", "administration"]


def test_without_a_rule_a_batch_is_not_submitted(wh):
    batch = batch_of(wh, in_disposal(wh, 1))
    ApprovalRule.objects.filter(subject="disposal").update(active=False)
    with pytest.raises(WarehouseStateError, match="No active approval rule"):
        submit_disposal_batch(batch, by=wh["offices_officer"])
    batch.refresh_from_db()
    assert (batch.status, batch.chain) == (BatchStatus.DRAFT, [])


@pytest.mark.parametrize("role", ["officer", "county_admin", "far_offices_officer", "auditor"])
def test_only_the_administration_signs_a_disposal(wh, role):
    batch = submit_disposal_batch(batch_of(wh, in_disposal(wh, 1)), by=wh["offices_officer"])
    with pytest.raises(ApprovalForbiddenError, match="is not yours to sign"):
        sign_disposal_batch(batch, "approved", by=wh[role])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED
    assert not batch.approvals.exists()


def test_a_rejected_batch_frees_its_listings_for_another(wh):
    listings = in_disposal(wh)
    batch = submit_disposal_batch(batch_of(wh, listings), by=wh["offices_officer"])
    sign_disposal_batch(batch, "rejected", by=wh["province_admin"], note="评估价过低")
    assert batch.status == BatchStatus.REJECTED
    assert not batch.items.exists()
    assert set(Listing.objects.values_list("status", flat=True)) == {ListingStatus.DISPOSAL}
    assert batch_of(wh, listings).items.count() == 2


# -- completion -------------------------------------------------------------------------------


def test_completion_records_proceeds_and_disposes_of_the_assets(wh):
    virtual = in_disposal(wh, 1)[0]
    stocked = in_disposal(wh, 1, mode="physical", depot=wh.depot, receipt_no="RK-1")[0]
    batch = approved(wh, [virtual, stocked])
    items = {item.listing_id: item for item in batch.items.all()}
    done = complete_disposal_batch(
        batch,
        {items[virtual.pk].pk: Decimal("1200.50"), items[stocked.pk].pk: "300"},
        counterparties={items[virtual.pk].pk: " 某回收公司 "},
        by=wh["offices_admin"],
    )
    assert done.status == BatchStatus.COMPLETED
    assert done.completed_at is not None
    stored = {i.listing_id: (i.proceeds, i.counterparty) for i in done.items.all()}
    assert stored == {
        virtual.pk: (Decimal("1200.50"), "某回收公司"),
        stocked.pk: (Decimal("300.00"), ""),
    }
    for listing in Listing.objects.filter(pk__in=[virtual.pk, stocked.pk]):
        assert listing.status == ListingStatus.DISPOSED
        assert listing.closed_at is not None
        assert listing.asset.status == AssetStatus.DISPOSED
    entries = CustodyEntry.objects.filter(event=CustodyEvent.DISPOSAL)
    assert {(e.asset_id, e.depot_id, e.disposal_item_id) for e in entries} == {
        (virtual.asset_id, None, items[virtual.pk].pk),
        (stocked.asset_id, wh.depot.pk, items[stocked.pk].pk),
    }
    assert {(e.from_unit, e.document_no, e.by) for e in entries} == {
        (wh.unit, batch.code, wh["offices_admin"])
    }
    assert proceeds_total(DisposalBatch.objects.all()) == Decimal("1500.50")


def test_only_completed_batches_count_towards_proceeds(wh):
    batch = approved(wh, in_disposal(wh, 1))
    assert proceeds_total(DisposalBatch.objects.all()) == Decimal("0.00")
    complete_disposal_batch(batch, {batch.items.get().pk: Decimal("80")}, by=wh["offices_officer"])
    assert proceeds_total(DisposalBatch.objects.filter(pk=batch.pk)) == Decimal("80.00")
    assert proceeds_total(DisposalBatch.objects.exclude(pk=batch.pk)) == Decimal("0.00")


def assert_not_completed(batch: DisposalBatch, status: str = BatchStatus.APPROVED) -> None:
    batch.refresh_from_db()
    assert batch.status == status
    assert batch.completed_at is None
    assert set(batch.items.values_list("proceeds", flat=True)) == {None}
    assert set(
        Listing.objects.filter(disposal_item__batch=batch).values_list("status", flat=True)
    ) == {ListingStatus.DISPOSAL}
    assert not Asset.objects.filter(status=AssetStatus.DISPOSED).exists()
    assert not CustodyEntry.objects.filter(event=CustodyEvent.DISPOSAL).exists()


@pytest.mark.parametrize(
    ("amounts", "says"),
    [
        (lambda a, b: {a: Decimal("10")}, "Proceeds: record what it fetched"),
        (lambda a, b: {a: Decimal("10"), b: Decimal("-1")}, "is not an amount of yuan and fen"),
        (lambda a, b: {a: Decimal("10"), b: Decimal("0.001")}, "is not an amount of yuan and fen"),
        (lambda a, b: {a: Decimal("10"), b: "ten"}, "“ten” is not an amount"),
        (lambda a, b: {a: 1, b: 2, b + 1000: 3}, "Proceeds: item .* is not in this batch"),
    ],
)
def test_every_item_needs_its_proceeds_or_nothing_is_completed(wh, amounts, says):
    batch = approved(wh, in_disposal(wh))
    first, second = batch.items.order_by("pk").values_list("pk", flat=True)
    with pytest.raises(WarehouseInputError, match=says) as refused:
        complete_disposal_batch(batch, amounts(first, second), by=wh["offices_officer"])
    if "Proceeds: item" not in says:  # a refusal about an item names its asset
        code = DisposalItem.objects.get(pk=second).asset.ledger_code
        assert refused.value.user_message.startswith(f"Asset {code}: ")
    assert_not_completed(batch)


def test_a_donation_fetches_nothing(wh):
    batch = approved(wh, in_disposal(wh, 1), method="donation")
    item = batch.items.get()
    with pytest.raises(WarehouseInputError, match="a donation fetches nothing"):
        complete_disposal_batch(batch, {item.pk: Decimal("5")}, by=wh["offices_officer"])
    assert_not_completed(batch)
    complete_disposal_batch(
        batch,
        {item.pk: Decimal("0")},
        counterparties={item.pk: "希望小学"},
        by=wh["offices_officer"],
    )
    assert DisposalItem.objects.get(pk=item.pk).counterparty == "希望小学"


def test_only_an_approved_batch_is_completed(wh):
    batch = submit_disposal_batch(batch_of(wh, in_disposal(wh, 1)), by=wh["offices_officer"])
    with pytest.raises(WarehouseStateError, match="cannot be completed"):
        complete_disposal_batch(
            batch, {batch.items.get().pk: Decimal("1")}, by=wh["offices_officer"]
        )
    assert_not_completed(batch, BatchStatus.SUBMITTED)


@pytest.mark.parametrize("role", ["officer", "county_admin", "far_offices_officer", "viewer"])
def test_only_the_administration_completes_a_batch(wh, role):
    batch = approved(wh, in_disposal(wh, 1))
    with pytest.raises(WarehouseForbiddenError):
        complete_disposal_batch(batch, {batch.items.get().pk: Decimal("1")}, by=wh[role])
    assert_not_completed(batch)


def test_a_batch_is_completed_once(wh):
    batch = approved(wh, in_disposal(wh, 1))
    proceeds = {batch.items.get().pk: Decimal("1")}
    complete_disposal_batch(batch, proceeds, by=wh["offices_officer"])
    with pytest.raises(WarehouseStateError, match="“completed” cannot be completed"):
        complete_disposal_batch(batch, proceeds, by=wh["offices_officer"])
    assert CustodyEntry.objects.filter(event=CustodyEvent.DISPOSAL).count() == 1
