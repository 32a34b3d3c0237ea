"""Bulk transfer between two holders: a draft batch of the giver's available assets, submitted
under one chain chosen by the batch's total value, approved once, completed in one transaction
(every asset moved, one custody entry each) or refused wholesale naming the unavailable asset."""

from decimal import Decimal

import pytest
from django.apps import apps

from portal.assets.choices import (
    AssetStatus,
    BatchStatus,
    CustodyEvent,
    ReservationStatus,
)
from portal.assets.exceptions import (
    AlreadyListedError,
    AlreadyReservedError,
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import (
    Approval,
    ApprovalRule,
    Asset,
    CustodyEntry,
    Reservation,
    TransferBatch,
)
from portal.assets.services.approvals import next_step, sign
from portal.assets.services.batches import (
    add_to_batch,
    batch_chain,
    complete_batch,
    create_batch,
    remove_from_batch,
    submit_batch,
)
from portal.assets.services.transfers import reserve_listing
from tests.factories import AssetFactory, CategoryFactory
from tests.portal.assets.transfer_data import asset, listing, world

pytestmark = pytest.mark.usefixtures("english")

TWO = ["holder_unit", "receiving_unit"]
THREE = ["holder_unit", "receiving_unit", "administration"]


@pytest.fixture
def w(db):
    return world()


def holder_assets(w, count=3, value="30000.00"):
    return [
        asset(w.holder, original_value=Decimal(value), net_value=Decimal(value))
        for _ in range(count)
    ]


@pytest.fixture
def draft(w):
    return create_batch(w.holder, w.receiver, w.building, by=w["holder_officer"], note=" 调剂 ")


def filled(w, draft, assets):
    add_to_batch(draft, assets, by=w["holder_officer"])
    return draft


def approved(w, batch):
    submit_batch(batch, by=w["holder_officer"])
    batch.refresh_from_db()
    signers = {
        "holder_unit": w["holder_officer"],
        "receiving_unit": w["receiver_officer"],
        "administration": w["offices_admin"],
    }
    while (awaited := next_step(batch)) is not None:
        sign(batch, "approved", by=signers[awaited[1]])
        batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED
    return batch


# -- creating and filling ------------------------------------------------------------------------


def test_create_a_draft_batch(w, draft):
    assert (draft.from_unit, draft.to_unit, draft.delivery_building) == (
        w.holder,
        w.receiver,
        w.building,
    )
    assert (draft.status, draft.chain, draft.note) == (BatchStatus.DRAFT, [], "调剂")
    assert draft.created_by == w["holder_officer"]


@pytest.mark.parametrize(
    ("user", "to", "building", "error", "message"),
    [
        ("receiver_officer", "receiver", "building", WarehouseForbiddenError, "may not transfer"),
        ("viewer", "receiver", "building", WarehouseForbiddenError, "may not transfer"),
        ("holder_officer", "holder", "building", WarehouseInputError, "other than the holder"),
        ("holder_officer", "receiver", "other_building", WarehouseInputError, "neither managed"),
    ],
)
def test_create_refusals(w, user, to, building, error, message):
    with pytest.raises(error, match=message):
        create_batch(w.holder, getattr(w, to), getattr(w, building), by=w[user])
    assert not TransferBatch.objects.exists()


def test_add_assets_as_pending_items(w, draft):
    assets = holder_assets(w, 2)
    items = add_to_batch(draft, assets, by=w["holder_officer"])
    assert sorted(item.asset_id for item in items) == sorted(a.pk for a in assets)
    for item in draft.items.all():
        assert (item.status, item.value, item.listing) == (
            ReservationStatus.PENDING,
            Decimal("30000.00"),
            None,
        )
        assert (item.from_unit, item.receiving_unit) == (w.holder, w.receiver)
    # The assets stay in use with their holder until the batch is completed.
    assert set(Asset.objects.filter(pk__in=[a.pk for a in assets]).values_list("status")) == {
        (AssetStatus.IN_USE,)
    }


def test_an_item_of_a_batch_cannot_be_reserved_elsewhere(w, draft):
    item = asset(w.holder)
    filled(w, draft, [item])
    offer = listing(w.holder, item=item)
    with pytest.raises(AlreadyReservedError, match="is already reserved"):
        reserve_listing(offer, by=w["other_officer"], delivery_building=w.other_building)
    assert draft.items.count() == 1


def unavailable(w, why):
    """An asset of the holder that may not join a batch, and the error it gives."""
    if why == "other holder":
        return AssetFactory(holder=w.other_receiver), WarehouseInputError, "is not on the ledger"
    if why == "listed":
        return listing(w.holder).asset, AlreadyListedError, "is offered in the warehouse"
    if why == "disposed":
        return asset(w.holder, status=AssetStatus.DISPOSED), WarehouseStateError, "is disposed"
    if why == "classified":
        secret = asset(w.holder, confidentiality="secret")
        return secret, WarehouseInputError, "is secret: a classified asset cannot be transferred"
    other = create_batch(w.holder, w.other_receiver, w.other_building, by=w["holder_officer"])
    taken = asset(w.holder)
    add_to_batch(other, [taken], by=w["holder_officer"])
    return taken, AlreadyReservedError, "is already reserved"


@pytest.mark.parametrize(
    "why", ["other holder", "listed", "disposed", "classified", "in another batch"]
)
def test_adding_is_all_or_nothing_and_names_the_asset(w, draft, why):
    bad, error, message = unavailable(w, why)
    good = holder_assets(w, 2)
    with pytest.raises(error, match=f"Asset {bad.ledger_code} {message}"):
        add_to_batch(draft, [*good, bad], by=w["holder_officer"])
    assert not draft.items.exists()


def test_an_asset_is_added_once(w, draft):
    item = asset(w.holder)
    filled(w, draft, [item])
    with pytest.raises(AlreadyReservedError, match=f"Asset {item.ledger_code} is already"):
        add_to_batch(draft, [item], by=w["holder_officer"])
    assert draft.items.count() == 1


def test_only_the_giver_adds_and_only_to_a_draft(w, draft):
    assets = holder_assets(w, 1)
    with pytest.raises(WarehouseForbiddenError, match="may not add assets to"):
        add_to_batch(draft, assets, by=w["receiver_officer"])
    with pytest.raises(WarehouseInputError, match="at least one asset"):
        add_to_batch(draft, [], by=w["holder_officer"])
    filled(w, draft, assets)
    submit_batch(draft, by=w["holder_officer"])
    with pytest.raises(WarehouseStateError, match="is awaiting approval: you cannot add"):
        add_to_batch(draft, holder_assets(w, 1), by=w["holder_officer"])
    assert draft.items.count() == 1


def test_remove_an_item(w, draft):
    first, second = holder_assets(w, 2)
    filled(w, draft, [first, second])
    item = remove_from_batch(draft, first, by=w["receiver_officer"])
    assert item.status == ReservationStatus.CANCELLED
    assert list(draft.items.filter(status="pending").values_list("asset", flat=True)) == [second.pk]
    with pytest.raises(WarehouseInputError, match=f"Asset {first.ledger_code} is not in"):
        remove_from_batch(draft, first, by=w["holder_officer"])
    # Once out, it may join another batch.
    other = create_batch(w.holder, w.other_receiver, w.other_building, by=w["holder_officer"])
    assert add_to_batch(other, [first], by=w["holder_officer"])


# -- submitting: the chain -------------------------------------------------------------------------


def test_the_chain_is_chosen_by_the_total_value(w, draft):
    """Two items of 30,000 each would need two signatures alone; the batch of 60,000 needs the
    offices administration too."""
    filled(w, draft, holder_assets(w, 2))
    submitted = submit_batch(draft, by=w["holder_officer"])
    assert (submitted.status, submitted.chain) == (BatchStatus.SUBMITTED, THREE)
    assert submitted.submitted_at is not None
    assert [list(chain) for chain in draft.items.values_list("chain", flat=True)] == [THREE] * 2


def test_a_cheap_batch_needs_two_signatures(w, draft):
    filled(w, draft, holder_assets(w, 2, value="100.00"))
    assert submit_batch(draft, by=w["holder_officer"]).chain == TWO


def test_every_categorys_rule_is_honoured(w, draft):
    vehicles = CategoryFactory(code="2030000", name="车辆")
    ApprovalRule.objects.create(
        subject="transfer", category=vehicles, steps=["administration", "holder_unit"]
    )
    car = asset(w.holder, category=vehicles, net_value=Decimal("100"))
    filled(w, draft, [car, *holder_assets(w, 1, value="100.00")])
    items = list(draft.items.select_related("asset__category"))
    # The union of the vehicles' chain and the general one, in the usual order.
    assert batch_chain(items) == ["holder_unit", "receiving_unit", "administration"]


def test_submit_refusals(w, draft):
    with pytest.raises(WarehouseInputError, match="Add at least one asset"):
        submit_batch(draft, by=w["holder_officer"])
    filled(w, draft, holder_assets(w, 1))
    with pytest.raises(WarehouseForbiddenError, match="may not submit"):
        submit_batch(draft, by=w["receiver_officer"])
    draft.refresh_from_db()
    assert (draft.status, draft.chain) == (BatchStatus.DRAFT, [])


# -- approving -------------------------------------------------------------------------------------


def test_one_approval_for_the_whole_batch(w, draft):
    filled(w, draft, holder_assets(w, 2, value="100.00"))
    approved(w, draft)
    assert draft.approvals.count() == 2
    assert set(draft.items.values_list("status", flat=True)) == {ReservationStatus.APPROVED}
    assert not Reservation.objects.filter(approvals__isnull=False).exists()


def test_an_item_is_never_signed_on_its_own(w, draft):
    [item] = add_to_batch(draft, holder_assets(w, 1), by=w["holder_officer"])
    submit_batch(draft, by=w["holder_officer"])
    with pytest.raises(WarehouseStateError, match="is an item of transfer batch"):
        sign(item, "approved", by=w["holder_officer"])
    assert not Approval.objects.exists()


def test_a_rejected_batch_frees_its_assets(w, draft):
    assets = holder_assets(w, 2)
    filled(w, draft, assets)
    submit_batch(draft, by=w["holder_officer"])
    sign(draft, "rejected", by=w["holder_officer"], note="暂缓")
    draft.refresh_from_db()
    assert draft.status == BatchStatus.REJECTED
    assert set(draft.items.values_list("status", flat=True)) == {ReservationStatus.REJECTED}
    other = create_batch(w.holder, w.other_receiver, w.other_building, by=w["holder_officer"])
    assert len(add_to_batch(other, assets, by=w["holder_officer"])) == 2


# -- completing ----------------------------------------------------------------------------------


def test_complete_hands_every_item_over(w, draft):
    assets = holder_assets(w, 3, value="100.00")
    approved(w, filled(w, draft, assets))
    done = complete_batch(draft, by=w["receiver_officer"], document_no="PL-1")
    assert (done.status, done.completed_at is not None) == (BatchStatus.COMPLETED, True)
    for row in Asset.objects.filter(pk__in=[a.pk for a in assets]):
        assert (row.holder, row.building, row.geom) == (w.receiver, w.building, w.building.geom)
        assert row.status == AssetStatus.IN_USE
    assert set(draft.items.values_list("status", flat=True)) == {ReservationStatus.HANDED_OVER}
    entries = CustodyEntry.objects.all()
    assert sorted(e.asset_id for e in entries) == sorted(a.pk for a in assets)
    assert {(e.event, e.from_unit_id, e.to_unit_id, e.document_no) for e in entries} == {
        (CustodyEvent.HANDOVER, w.holder.pk, w.receiver.pk, "PL-1")
    }
    event = (
        apps.get_model("assets", "AssetEvent")
        .objects.filter(pgh_obj_id=assets[0].pk, pgh_label="update")
        .latest("pgh_id")
    )
    assert (event.holder_id, event.pgh_context.metadata["user"]) == (
        w.receiver.pk,
        w["receiver_officer"].pk,
    )


def test_complete_only_an_approved_batch(w, draft):
    filled(w, draft, holder_assets(w, 1))
    with pytest.raises(WarehouseStateError, match="is draft: you cannot complete it"):
        complete_batch(draft, by=w["holder_officer"])
    approved(w, draft)
    with pytest.raises(WarehouseForbiddenError, match="may not complete"):
        complete_batch(draft, by=w["other_officer"])
    complete_batch(draft, by=w["holder_officer"])
    with pytest.raises(WarehouseStateError, match="is completed"):
        complete_batch(draft, by=w["holder_officer"])
    assert CustodyEntry.objects.count() == 1


def break_one(w, item, how):
    if how == "disposed":
        Asset.objects.filter(pk=item.pk).update(status=AssetStatus.DISPOSED)
        return WarehouseStateError, "is disposed"
    if how == "listed":
        listing(w.holder, item=item)
        return AlreadyListedError, "is offered in the warehouse"
    if how == "classified":
        Asset.objects.filter(pk=item.pk).update(confidentiality="confidential")
        return WarehouseInputError, "is confidential: a classified asset cannot be transferred"
    Asset.objects.filter(pk=item.pk).update(holder=w.other_receiver)
    return WarehouseInputError, "is not on the ledger"


@pytest.mark.parametrize("how", ["disposed", "listed", "classified", "moved"])
def test_complete_is_refused_wholesale_naming_the_asset(w, draft, how):
    assets = holder_assets(w, 3, value="100.00")
    approved(w, filled(w, draft, assets))
    error, message = break_one(w, assets[1], how)
    with pytest.raises(error, match=f"Asset {assets[1].ledger_code} {message}"):
        complete_batch(draft, by=w["receiver_officer"])
    draft.refresh_from_db()
    assert draft.status == BatchStatus.APPROVED
    assert not CustodyEntry.objects.exists()
    assert not Asset.objects.filter(holder=w.receiver).exists()
    assert set(draft.items.values_list("status", flat=True)) == {ReservationStatus.APPROVED}
    # Taking the broken item out lets the rest go through.
    remove_from_batch(draft, assets[1], by=w["holder_officer"])
    complete_batch(draft, by=w["receiver_officer"])
    assert Asset.objects.filter(holder=w.receiver).count() == 2


def test_a_ledger_code_taken_at_the_receiver_refuses_the_batch(w, draft):
    assets = holder_assets(w, 2, value="100.00")
    AssetFactory(holder=w.receiver, ledger_code=assets[0].ledger_code)
    approved(w, filled(w, draft, assets))
    with pytest.raises(
        WarehouseInputError, match=f"Ledger code {assets[0].ledger_code} is already used"
    ):
        complete_batch(draft, by=w["holder_officer"])
    assert not CustodyEntry.objects.exists()
    holders = Asset.objects.filter(pk__in=[a.pk for a in assets]).values_list("holder", flat=True)
    assert set(holders) == {w.holder.pk}
