"""Posting and cancelling needs: who may, what a need must say (a delivery building its unit
manages or occupies, at least one item, a date not past, a distance of a metre or more), and
that a refusal writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.assets.choices import NeedStatus
from portal.assets.exceptions import (
    WarehouseForbiddenError,
    WarehouseInputError,
    WarehouseStateError,
)
from portal.assets.models import Need
from portal.assets.services.demand import cancel_need, post_need
from portal.buildings.models import Occupancy
from tests.factories import BuildingFactory
from tests.portal.assets.matching_data import market

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return market()


def draft(m, **fields):
    fields.setdefault("unit", m.unit)
    fields.setdefault("category", m.computers)
    fields.setdefault("description", "台式计算机")
    fields.setdefault("quantity", 2)
    fields.setdefault("needed_by", timezone.localdate() + dt.timedelta(days=10))
    fields.setdefault("delivery_building", m.building)
    return Need(**fields)


def refused(error, m, user="officer", **fields):
    """Posting the draft is refused with ``error``; returns the message; nothing is written."""
    with pytest.raises(error) as caught:
        post_need(draft(m, **fields), by=m[user])
    assert not Need.objects.exists()
    return caught.value.user_message


def test_an_officer_posts_a_need(m):
    need = post_need(draft(m, max_distance_m=20000, same_city=True), by=m["officer"])
    stored = Need.objects.get(pk=need.pk)
    assert stored.status == NeedStatus.OPEN
    assert stored.created_by == m["officer"]
    assert (stored.unit, stored.quantity, stored.max_distance_m) == (m.unit, 2, 20000)
    assert (stored.same_city, stored.same_county) == (True, False)


def test_the_unit_defaults_to_the_posters(m):
    need = post_need(draft(m, unit=None), by=m["officer"])
    assert need.unit == m.unit


@pytest.mark.parametrize("user", ["county_admin", "admin"])
def test_administrators_whose_scope_covers_the_unit_post(m, user):
    assert post_need(draft(m), by=m[user]).created_by == m[user]


@pytest.mark.parametrize("user", ["viewer", "auditor", "other_officer", "far_admin"])
def test_others_may_not_post(m, user, english):
    message = refused(WarehouseForbiddenError, m, user=user)
    assert "You may not post needs for" in message


def test_delivery_to_a_building_the_unit_occupies(m):
    shared = BuildingFactory(managing_unit=m.neighbour)
    Occupancy.objects.create(unit=m.unit, building=shared, usable_area_m2=Decimal("300"))
    assert post_need(draft(m, delivery_building=shared), by=m["officer"]).pk is not None


def test_delivery_to_another_units_building_is_refused(m, english):
    elsewhere = BuildingFactory(managing_unit=m.neighbour, name="邻居大楼")
    message = refused(WarehouseInputError, m, delivery_building=elsewhere)
    assert message.startswith("Delivery building: “邻居大楼” is neither managed nor occupied")


def test_delivery_building_is_required(m, english):
    message = refused(WarehouseInputError, m, delivery_building=None)
    assert message.startswith("Delivery building")


def test_quantity_of_at_least_one(m, english):
    assert refused(WarehouseInputError, m, quantity=0).startswith("Quantity:")
    assert post_need(draft(m, quantity=1), by=m["officer"]).quantity == 1


def test_needed_by_not_in_the_past(m, english):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert refused(WarehouseInputError, m, needed_by=yesterday).startswith("Needed by:")
    today = post_need(draft(m, needed_by=timezone.localdate()), by=m["officer"])
    assert today.needed_by == timezone.localdate()


def test_maximum_distance_of_at_least_a_metre(m, english):
    assert refused(WarehouseInputError, m, max_distance_m=0).startswith("Maximum distance:")


def test_model_validation_names_the_field(m, english):
    assert refused(WarehouseInputError, m, description="").startswith("Description:")
    assert refused(WarehouseInputError, m, min_condition="mint").startswith("Minimum condition:")


def test_a_posted_need_is_not_posted_again(m, english):
    need = post_need(draft(m), by=m["officer"])
    with pytest.raises(WarehouseStateError):
        post_need(need, by=m["officer"])
    assert Need.objects.count() == 1


def test_cancel_an_open_need(m):
    need = post_need(draft(m), by=m["officer"])
    assert cancel_need(need, by=m["officer"]).status == NeedStatus.CANCELLED
    assert Need.objects.get(pk=need.pk).status == NeedStatus.CANCELLED


def test_cancel_refused_when_not_open_or_not_allowed(m, english):
    need = post_need(draft(m), by=m["officer"])
    with pytest.raises(WarehouseForbiddenError):
        cancel_need(need, by=m["other_officer"])
    assert Need.objects.get(pk=need.pk).status == NeedStatus.OPEN
    cancel_need(need, by=m["officer"])
    with pytest.raises(WarehouseStateError) as caught:
        cancel_need(need, by=m["officer"])
    assert "is cancelled, not open" in caught.value.user_message
