"""Approval chains: which rule applies (category, threshold, activity), who may sign which step,
signing in order, approval after the last step, rejection freeing what the subject held, and the
same machinery on transfer and disposal batches."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from portal.assets.choices import (
    ApprovalDecision,
    AssetStatus,
    BatchStatus,
    ListingStatus,
    ReservationStatus,
)
from portal.assets.exceptions import (
    ApprovalForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import Approval, ApprovalRule, DisposalBatch, DisposalItem, Listing
from portal.assets.services.approvals import chain_for, may_sign, next_step, sign
from portal.assets.services.transfers import reserve_listing
from portal.org.choices import Role
from tests.factories import CategoryFactory, UserFactory
from tests.portal.assets.transfer_data import listing, world

pytestmark = pytest.mark.usefixtures("english")

TWO = ["holder_unit", "receiving_unit"]
THREE = ["holder_unit", "receiving_unit", "administration"]


@pytest.fixture
def w(db):
    return world()


@pytest.fixture
def tree(db):
    """Equipment (20) > computers (201) > desktops (2010100)."""
    equipment = CategoryFactory(code="20", name="设备")
    computers = CategoryFactory(code="201", name="计算机设备", parent=equipment)
    desktops = CategoryFactory(code="2010100", name="台式机", parent=computers)
    return equipment, computers, desktops


def reserved(w, value="3000.00", **fields):
    offer = listing(w.holder, net_value=Decimal(value), original_value=Decimal(value), **fields)
    return reserve_listing(offer, by=w["receiver_officer"], delivery_building=w.building)


# -- choosing the chain ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "steps"),
    [("0", TWO), ("49999.99", TWO), ("50000", THREE), ("2000000", THREE)],
)
def test_seeded_transfer_chain_by_value(db, value, steps):
    assert chain_for("transfer", None, Decimal(value)) == steps


def test_seeded_disposal_chain(db):
    assert chain_for("disposal", None, Decimal("10")) == ["administration"]


@pytest.mark.parametrize("step", ["holder_unit", "receiving_unit"])
def test_a_disposal_rule_has_no_unit_step(db, step):
    """A disposal's giving unit is the administration itself and it has no receiver: a unit's
    step would be signed by the administration on the holders' behalf."""
    rule = ApprovalRule(
        subject="disposal", min_value=Decimal("1000"), steps=[step, "administration"]
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "approved by the offices administration only" in " ".join(
        refused.value.message_dict["steps"]
    )
    ApprovalRule(
        subject="disposal", min_value=Decimal("1000"), steps=["administration"]
    ).full_clean()
    ApprovalRule(subject="transfer", min_value=Decimal("1000"), steps=[step]).full_clean()


def test_the_most_specific_category_wins_over_a_higher_threshold(tree):
    equipment, computers, desktops = tree
    ApprovalRule.objects.create(subject="transfer", category=equipment, steps=["administration"])
    ApprovalRule.objects.create(
        subject="transfer", category=computers, steps=["receiving_unit", "holder_unit"]
    )
    # The computers rule (closer to desktops) beats both the equipment one and the general
    # 50,000 threshold, although its own threshold is 0.
    assert chain_for("transfer", desktops, Decimal("90000")) == ["receiving_unit", "holder_unit"]
    assert chain_for("transfer", equipment, Decimal("90000")) == ["administration"]
    assert chain_for("transfer", None, Decimal("90000")) == THREE


def test_within_a_category_the_highest_threshold_reached_wins(tree):
    _, computers, desktops = tree
    ApprovalRule.objects.create(subject="transfer", category=computers, steps=["holder_unit"])
    ApprovalRule.objects.create(
        subject="transfer", category=computers, min_value=Decimal("1000"), steps=THREE
    )
    assert chain_for("transfer", desktops, Decimal("999.99")) == ["holder_unit"]
    assert chain_for("transfer", desktops, Decimal("1000")) == THREE


def test_inactive_rules_do_not_count(tree):
    _, computers, desktops = tree
    ApprovalRule.objects.create(
        subject="transfer", category=computers, steps=["holder_unit"], active=False
    )
    assert chain_for("transfer", desktops, Decimal("10")) == TWO


def test_no_rule_is_a_clear_refusal(db):
    ApprovalRule.objects.filter(subject="disposal").update(active=False)
    with pytest.raises(WarehouseStateError, match="No active approval rule covers a disposal"):
        chain_for("disposal", None, Decimal("10"))


# -- who may sign ------------------------------------------------------------------------------

MAY_SIGN = [
    # (user, step, allowed)
    ("holder_officer", "holder_unit", True),
    ("holder_officer", "receiving_unit", False),
    ("receiver_officer", "receiving_unit", True),
    ("receiver_officer", "holder_unit", False),
    ("wuhou_admin", "receiving_unit", True),
    ("wuhou_admin", "holder_unit", False),
    ("city_admin", "holder_unit", True),
    ("city_admin", "receiving_unit", True),
    ("city_admin", "administration", False),  # not an offices administration
    ("offices_admin", "administration", True),
    ("offices_officer", "administration", False),  # its edit scope is its own unit
    ("province_admin", "administration", True),
    ("province_admin", "holder_unit", True),
    ("far_officer", "holder_unit", False),
    ("viewer", "receiving_unit", False),
    ("auditor", "administration", False),
    ("auditor", "holder_unit", False),
]


@pytest.mark.parametrize(("user", "step", "allowed"), MAY_SIGN)
def test_may_sign(w, user, step, allowed):
    assert may_sign(w[user], step, giving_unit=w.holder, receiving_unit=w.receiver) is allowed


def test_an_inactive_user_signs_nothing(w):
    admin = w["province_admin"]
    admin.is_active = False
    assert not may_sign(admin, "administration", giving_unit=w.holder, receiving_unit=w.receiver)


def test_a_superuser_without_unit_may_sign_every_step(w):
    root = UserFactory(unit=None, is_superuser=True, role=Role.VIEWER)
    for step in THREE:
        assert may_sign(root, step, giving_unit=w.holder, receiving_unit=w.receiver)


def test_no_receiving_step_without_a_receiving_unit(w):
    assert not may_sign(
        w["province_admin"], "receiving_unit", giving_unit=w.holder, receiving_unit=None
    )


# -- signing a reservation ---------------------------------------------------------------------


def test_steps_are_signed_in_order_and_the_last_approves(w):
    reservation = reserved(w)
    assert reservation.chain == TWO
    assert next_step(reservation) == (1, "holder_unit")
    first = sign(reservation, ApprovalDecision.APPROVED, by=w["holder_officer"], note=" ok ")
    assert (first.position, first.step, first.note, first.decided_by) == (
        1,
        "holder_unit",
        "ok",
        w["holder_officer"],
    )
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING
    assert next_step(reservation) == (2, "receiving_unit")
    sign(reservation, "approved", by=w["receiver_officer"])
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.APPROVED
    assert next_step(reservation) is None
    assert list(reservation.approvals.values_list("position", "step")) == [
        (1, "holder_unit"),
        (2, "receiving_unit"),
    ]


def test_signing_out_of_turn_is_refused_and_writes_nothing(w):
    reservation = reserved(w)
    with pytest.raises(ApprovalForbiddenError, match="Step 1, “holder unit”, is not yours"):
        sign(reservation, "approved", by=w["receiver_officer"])
    for user in ("viewer", "auditor", "far_officer", "other_officer"):
        with pytest.raises(ApprovalForbiddenError):
            sign(reservation, "approved", by=w[user])
    assert not Approval.objects.exists()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING


def test_a_decision_must_be_approve_or_reject(w):
    reservation = reserved(w)
    with pytest.raises(WarehouseInputError, match="approve or to reject"):
        sign(reservation, "maybe", by=w["holder_officer"])
    assert not Approval.objects.exists()


def test_an_approved_reservation_awaits_no_signature(w):
    reservation = reserved(w)
    sign(reservation, "approved", by=w["holder_officer"])
    sign(reservation, "approved", by=w["receiver_officer"])
    with pytest.raises(WarehouseStateError, match="not awaiting approval: it is approved"):
        sign(reservation, "approved", by=w["province_admin"])
    assert Approval.objects.count() == 2


def test_the_administration_signs_from_50000(w):
    reservation = reserved(w, value="50000.00")
    assert reservation.chain == THREE
    sign(reservation, "approved", by=w["holder_officer"])
    sign(reservation, "approved", by=w["receiver_officer"])
    for user in ("offices_officer", "city_admin", "receiver_officer"):
        with pytest.raises(ApprovalForbiddenError, match="Step 3"):
            sign(reservation, "approved", by=w[user])
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.PENDING
    sign(reservation, "approved", by=w["offices_admin"])
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.APPROVED


@pytest.mark.parametrize("mode", ["virtual", "physical"])
def test_a_rejection_at_any_step_frees_the_listing(w, mode):
    reservation = reserved(w, mode=mode)
    sign(reservation, "approved", by=w["holder_officer"])
    sign(reservation, "rejected", by=w["receiver_officer"], note="不需要了")
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.REJECTED
    assert reservation.listing.status == ListingStatus.PUBLISHED
    expected = AssetStatus.IN_WAREHOUSE if mode == "physical" else AssetStatus.IDLE
    assert reservation.asset.status == expected
    assert next_step(reservation) is None
    # The listing can be reserved again, by another unit.
    again = reserve_listing(
        reservation.listing, by=w["other_officer"], delivery_building=w.other_building
    )
    assert again.status == ReservationStatus.PENDING


def test_signing_is_recorded_in_history_with_the_signer(w):
    reservation = reserved(w)
    sign(reservation, "rejected", by=w["holder_officer"])
    event = apps.get_model("assets", "ApprovalEvent").objects.get(pgh_label="insert")
    assert event.pgh_context.metadata["user"] == w["holder_officer"].pk
    update = (
        apps.get_model("assets", "ReservationEvent")
        .objects.filter(pgh_obj_id=reservation.pk, pgh_label="update")
        .latest("pgh_id")
    )
    assert update.status == ReservationStatus.REJECTED
    assert update.pgh_context.metadata["user"] == w["holder_officer"].pk


def test_only_approval_subjects_are_signed(w):
    with pytest.raises(TypeError):
        sign(w.holder, "approved", by=w["province_admin"])


# -- disposal batches (the contract helper C codes against) ---------------------------------------


def disposal_batch(w, status=BatchStatus.SUBMITTED):
    batch = DisposalBatch.objects.create(
        code="CZ-2026-001", method="auction", unit=w.holder, status=status, chain=["administration"]
    )
    offer = listing(w.holder)
    Listing.objects.filter(pk=offer.pk).update(status=ListingStatus.DISPOSAL)
    DisposalItem.objects.create(batch=batch, listing=offer, asset=offer.asset)
    return batch


def test_a_disposal_batch_is_approved_by_the_administration(w):
    batch = disposal_batch(w)
    assert next_step(batch) == (1, "administration")
    with pytest.raises(ApprovalForbiddenError):
        sign(batch, "approved", by=w["holder_officer"])
    approval = sign(batch, "approved", by=w["offices_admin"])
    batch.refresh_from_db()
    assert approval.disposal_batch == batch
    assert batch.status == BatchStatus.APPROVED
    assert batch.items.count() == 1


def test_a_rejected_disposal_batch_lets_its_listings_go(w):
    batch = disposal_batch(w)
    sign(batch, "rejected", by=w["province_admin"], note="评估不足")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REJECTED
    assert not DisposalItem.objects.exists()
    assert batch.approvals.get().decision == ApprovalDecision.REJECTED


def test_a_draft_disposal_batch_awaits_no_signature(w):
    batch = disposal_batch(w, status=BatchStatus.DRAFT)
    assert next_step(batch) is None
    with pytest.raises(WarehouseStateError, match="not awaiting approval"):
        sign(batch, "approved", by=w["offices_admin"])
