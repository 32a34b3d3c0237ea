"""Official-vehicle costs taken from the fleet: own trips count fuel, charging, tolls and
parking; a vehicle serving another unit counts fuel and charging for its holder; using another
unit's vehicle counts the settlement amount for the payer; months by the trip's end in
Asia/Shanghai. The records are refreshed with one action and never edited by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from portal.costs.choices import CostCategory, CostSource, ReturnStatus
from portal.costs.exceptions import CostForbiddenError, CostInputError
from portal.costs.models import CostRecord
from portal.costs.services.fleet_feed import monthly_vehicle_costs, take_from_fleet
from portal.fleet.models import Trip
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.costs.factories import CostRecordFactory, ReturnFactory
from tests.portal.fleet.trip_data import local, trip, world

pytestmark = pytest.mark.django_db


def costed(t, **costs):
    Trip.objects.filter(pk=t.pk).update(**{k: Decimal(v) for k, v in costs.items()})


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    w = world()
    # Own trip of the holder in January: 50 fuel + 10 charging + 20 tolls + 5 parking.
    own = trip(
        w,
        payer=w.holder,
        payee_vehicle=w.vehicle,
        amount="0",
        ended=local(dt.date(2025, 1, 10), 12),
    )
    costed(own, fuel_cost="50", charge_cost="10", tolls="20", parking="5")
    # The holder's vehicle serving the requester, ending 23:30 on 31 January in Shanghai
    # (15:30 UTC): January for both; the holder counts fuel and charging, the payer the amount.
    served = trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="120.40",
        ended=local(dt.date(2025, 1, 31), 23, 30),
    )
    costed(served, fuel_cost="30", charge_cost="2.5", tolls="7", parking="3")
    # 02:30 on 1 February in Shanghai is still 31 January in UTC: February.
    february = trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="80",
        ended=local(dt.date(2025, 2, 1), 2, 30),
    )
    costed(february, fuel_cost="12")
    # Another year does not count.
    trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="999",
        ended=local(dt.date(2024, 12, 31), 12),
    )
    w.admin = UserFactory(role=Role.DIVISION_ADMIN, unit=w.holder)
    w.cost_return = ReturnFactory(division_code="510104", status=ReturnStatus.NOT_STARTED)
    return w


def test_the_three_kinds_of_trip_by_shanghai_month(w):
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
    costs = monthly_vehicle_costs([w.holder.pk, w.requester_unit.pk], [2025])
    assert costs == {
        (w.holder.pk, 2025, 1): Decimal("117.50"),  # 85 own + 32.50 serving
        (w.holder.pk, 2025, 2): Decimal("12.00"),
        (w.requester_unit.pk, 2025, 1): Decimal("120.40"),
        (w.requester_unit.pk, 2025, 2): Decimal("80.00"),
    }


def test_several_years_at_once(w):
    costs = monthly_vehicle_costs([w.requester_unit.pk], [2024, 2025])
    assert costs[(w.requester_unit.pk, 2024, 12)] == Decimal("999.00")
    assert len(costs) == 3


def test_no_units_or_no_years_cost_nothing(w):
    assert monthly_vehicle_costs([], [2025]) == {}
    assert monthly_vehicle_costs([w.holder.pk], []) == {}


def fleet_rows(unit):
    return dict(
        CostRecord.objects.filter(unit=unit, source=CostSource.FLEET).values_list(
            "month", "amount_yuan"
        )
    )


def test_take_from_fleet_writes_one_record_per_month_and_refreshes(w):
    assert take_from_fleet(w.cost_return, [w.holder, w.requester_unit], by=w.admin) == 4
    assert fleet_rows(w.holder) == {1: Decimal("117.50"), 2: Decimal("12.00")}
    record = CostRecord.objects.get(unit=w.requester_unit, month=1)
    assert (record.category, record.building, record.year, record.cost_return_id) == (
        CostCategory.VEHICLES,
        None,
        2025,
        w.cost_return.pk,
    )
    Trip.objects.filter(amount=Decimal("80")).update(actual_end=local(dt.date(2026, 2, 1), 9))
    Trip.objects.filter(amount=Decimal("120.40")).update(amount=Decimal("150"))
    take_from_fleet(w.cost_return, [w.requester_unit], by=w.admin)
    assert fleet_rows(w.requester_unit) == {1: Decimal("150.00")}
    w.cost_return.refresh_from_db()
    assert w.cost_return.status == ReturnStatus.FILLING


def test_a_hand_entered_vehicle_cost_blocks_the_feed(w):
    CostRecordFactory(unit=w.holder, category=CostCategory.VEHICLES, month=None)
    with pytest.raises(CostInputError, match="hand-entered vehicle cost for 2025"):
        take_from_fleet(w.cost_return, [w.holder], by=w.admin)
    assert not fleet_rows(w.holder)


def test_only_those_who_may_fill_take_from_the_fleet(w):
    stranger = UserFactory(role=Role.UNIT_OFFICER, unit=w.requester_unit)
    with pytest.raises(CostForbiddenError):
        take_from_fleet(w.cost_return, [w.holder], by=stranger)
    take_from_fleet(w.cost_return, [w.requester_unit], by=stranger)
    assert fleet_rows(w.requester_unit)


def test_the_holder_at_the_time_of_the_trip_keeps_its_costs_after_a_transfer(w):
    """A vehicle handed to another unit in the year: its earlier trips stay the costs of the
    unit that held it then (the trip's payee), not of the new holder."""
    w.vehicle.holder = w.requester_unit
    w.vehicle.save()
    costs = monthly_vehicle_costs([w.holder.pk, w.requester_unit.pk], [2025])
    assert costs == {
        (w.holder.pk, 2025, 1): Decimal("117.50"),
        (w.holder.pk, 2025, 2): Decimal("12.00"),
        (w.requester_unit.pk, 2025, 1): Decimal("120.40"),
        (w.requester_unit.pk, 2025, 2): Decimal("80.00"),
    }
