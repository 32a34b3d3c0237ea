"""Monthly settlement on hand-made trips: sections, sums to the fen, the month's edges, trips a
unit drove itself, Chongqing units, the pool's payer × payee matrix and who sees what."""

import datetime as dt
from decimal import Decimal

import pytest

from portal.fleet.choices import RegionClass
from portal.fleet.services.settlement import (
    Month,
    may_see_pool,
    pool_summary,
    section_of,
    statement_units,
    unit_statement,
)
from portal.org.choices import DivisionLevel, Role
from portal.org.models import AdminDivision
from tests.factories import UnitFactory, UserFactory, VehicleFactory, square
from tests.portal.fleet.factories import PoolFactory
from tests.portal.fleet.trip_data import local, province_admin, trip, world

pytestmark = pytest.mark.django_db

SEPT = Month(2026, 9)


def day(n: int, hour: int = 12) -> dt.datetime:
    return local(dt.date(2026, 9, n), hour)


def chongqing_unit(name: str = "重庆市机关事务管理局"):
    province = AdminDivision.objects.get_or_create(
        code="500000",
        defaults={"name": "重庆市", "level": DivisionLevel.PROVINCE, "geom": square(107, 30, 1)},
    )[0]
    return UnitFactory(name=name, division=province)


@pytest.fixture
def w():
    return world()


@pytest.fixture
def mixed(w):
    """甲 pays 乙 for three trips (one per section), 乙 pays 甲 twice, a Chongqing unit pays 甲."""
    own = VehicleFactory(holder=w.requester_unit)
    cq = chongqing_unit()
    w.pool.members.add(cq)
    trips = {
        "ordinary": trip(
            w, payer=w.requester_unit, payee_vehicle=w.vehicle, amount="100.05", ended=day(2)
        ),
        "coop": trip(
            w,
            payer=w.requester_unit,
            payee_vehicle=w.vehicle,
            amount="33.33",
            ended=day(3),
            region_class=RegionClass.COOPERATION,
            crosses_border=True,
        ),
        "cross": trip(
            w,
            payer=w.requester_unit,
            payee_vehicle=w.vehicle,
            amount="0.01",
            ended=day(4),
            region_class=RegionClass.CROSS_PROVINCE,
            crosses_border=True,
        ),
        "back1": trip(w, payer=w.holder, payee_vehicle=own, amount="12.34", ended=day(5)),
        "back2": trip(w, payer=w.holder, payee_vehicle=own, amount="0.66", ended=day(6)),
        "cq": trip(
            w,
            payer=cq,
            payee_vehicle=own,
            amount="250.50",
            ended=day(7),
            region_class=RegionClass.CROSS_PROVINCE,
            crosses_border=True,
        ),
        "self": trip(w, payer=w.requester_unit, payee_vehicle=own, amount="80.00", ended=day(8)),
    }
    return w, trips, cq


def test_sections():
    assert section_of(RegionClass.SICHUAN) == "ordinary"
    assert section_of(RegionClass.CHONGQING) == "ordinary"
    assert section_of(RegionClass.OUTSIDE) == "ordinary"
    assert section_of(RegionClass.COOPERATION) == "cooperation"
    assert section_of(RegionClass.CROSS_PROVINCE) == "cross_border"


def test_statement_payable_and_receivable_by_section(mixed):
    w, trips, cq = mixed
    statement = unit_statement(w.requester_unit, SEPT, user=province_admin())
    ordinary, coop, cross = statement.sections
    assert [line.trip for line in ordinary.payable.lines] == [trips["ordinary"]]
    assert [line.trip for line in coop.payable.lines] == [trips["coop"]]
    assert [line.trip for line in cross.payable.lines] == [trips["cross"]]
    assert [line.trip for line in ordinary.receivable.lines] == [trips["back1"], trips["back2"]]
    assert [line.trip for line in cross.receivable.lines] == [trips["cq"]]
    assert cross.receivable.lines[0].counterparty == cq
    assert ordinary.payable.lines[0].counterparty == w.holder
    assert ordinary.receivable.total == Decimal("13.00")
    assert (ordinary.net, coop.net, cross.net) == (
        Decimal("-87.05"),
        Decimal("-33.33"),
        Decimal("250.49"),
    )


def test_statement_totals_equal_the_sum_of_lines(mixed):
    w, _, _ = mixed
    statement = unit_statement(w.requester_unit, SEPT, user=province_admin())
    assert statement.payable == Decimal("133.39")  # 100.05 + 33.33 + 0.01
    assert statement.receivable == Decimal("263.50")  # 12.34 + 0.66 + 250.50
    assert statement.net == Decimal("130.11")
    lines = [
        line
        for s in statement.sections
        for side in (s.payable, s.receivable)
        for line in side.lines
    ]
    assert len(lines) == statement.trip_count == 6
    assert sum(s.payable.total for s in statement.sections) == statement.payable
    assert all(
        isinstance(s.net, Decimal) and s.net.as_tuple().exponent == -2 for s in statement.sections
    )


def test_own_vehicle_trips_are_not_settled(mixed):
    w, trips, _ = mixed
    statement = unit_statement(w.requester_unit, SEPT, user=province_admin())
    settled = {line.trip for s in statement.sections for line in s.payable.lines}
    assert trips["self"] not in settled


def test_statement_of_the_other_side_mirrors(mixed):
    w, _, _ = mixed
    mine = unit_statement(w.requester_unit, SEPT, user=province_admin())
    theirs = unit_statement(w.holder, SEPT, user=province_admin())
    # 乙 is owed 133.39 by 甲 and owes 甲 13.00
    assert theirs.receivable == Decimal("133.39")
    assert theirs.payable == Decimal("13.00")
    assert mine.sections[0].receivable.total == theirs.sections[0].payable.total


def test_chongqing_unit_statement(mixed):
    w, _, cq = mixed
    statement = unit_statement(cq, SEPT, user=province_admin())
    assert statement.payable == Decimal("250.50")
    assert statement.sections[2].payable.lines[0].counterparty == w.requester_unit
    assert statement.sections[0].trip_count == 0


def test_month_edges_follow_local_time(w):
    inside = trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="1.00",
        ended=local(dt.date(2026, 9, 30), 23, 59),
    )
    spare = VehicleFactory(holder=w.holder)  # the trips overlap: another vehicle
    trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=spare,
        amount="2.00",
        ended=local(dt.date(2026, 10, 1), 0, 0),
    )
    first = trip(
        w,
        payer=w.requester_unit,
        payee_vehicle=w.vehicle,
        amount="4.00",
        ended=local(dt.date(2026, 9, 1), 0, 0),
    )
    statement = unit_statement(w.requester_unit, SEPT, user=province_admin())
    assert [line.trip for line in statement.sections[0].payable.lines] == [first, inside]
    assert statement.payable == Decimal("5.00")
    october = unit_statement(w.requester_unit, Month(2026, 10), user=province_admin())
    assert october.payable == Decimal("2.00")


def test_many_small_amounts_sum_exactly(w):
    for n in range(1, 11):
        trip(w, payer=w.requester_unit, payee_vehicle=w.vehicle, amount="0.10", ended=day(n))
    trip(w, payer=w.requester_unit, payee_vehicle=w.vehicle, amount="0.20", ended=day(20))
    statement = unit_statement(w.requester_unit, SEPT, user=province_admin())
    assert statement.payable == Decimal("1.20")  # float would give 1.2000000000000002


def test_month_parsing_and_bounds():
    assert Month.parse("2026-12").next == Month(2027, 1)
    assert str(Month.parse("2026-03")) == "2026-03"
    start, end = Month(2026, 12).bounds()
    assert (start.date(), end.date()) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    with pytest.raises(ValueError, match=r"unconverted data|does not match"):
        Month.parse("2026-13")


@pytest.mark.parametrize("text", ["0000-01", "1999-12", "2101-01", "9999-12"])
def test_months_outside_the_supported_years_are_refused(text):
    # 0000 is no year to strptime and 9999-12 has no next month: both once ended in a 500.
    with pytest.raises(ValueError, match=r"year|does not match"):
        Month.parse(text)
    assert Month.parse("2000-01") == Month(2000, 1)
    assert Month.parse("2100-12").next == Month(2101, 1)


# -- the pool's matrix ----------------------------------------------------------------------


def test_pool_matrix(mixed):
    w, _, cq = mixed
    summary = pool_summary(w.pool, SEPT, user=w.manager)
    assert set(summary.payers) == {w.requester_unit, w.holder, cq}
    assert set(summary.payees) == {w.requester_unit, w.holder}
    assert summary.payers == sorted(summary.payers, key=lambda unit: unit.name)
    assert summary.cell(w.requester_unit, w.holder) == Decimal("133.39")
    assert summary.cell(w.holder, w.requester_unit) == Decimal("13.00")
    assert summary.cell(cq, w.requester_unit) == Decimal("250.50")
    assert summary.cell(w.requester_unit, w.requester_unit) is None  # own trips not settled
    assert summary.total == Decimal("396.89")
    assert sum(summary.payee_totals()) == summary.total
    assert sum(total for _, _, total in summary.rows()) == summary.total
    sections = {str(label): (count, total) for label, count, total in summary.sections()}
    assert list(sections.values()) == [
        (3, Decimal("113.05")),
        (1, Decimal("33.33")),
        (2, Decimal("250.51")),
    ]


def test_pool_matrix_holds_only_that_pools_trips(mixed):
    w, _, _ = mixed
    other = world()
    trip(
        other, payer=other.requester_unit, payee_vehicle=other.vehicle, amount="5.00", ended=day(9)
    )
    assert pool_summary(w.pool, SEPT, user=province_admin()).total == Decimal("396.89")
    assert pool_summary(other.pool, SEPT, user=province_admin()).total == Decimal("5.00")


# -- who sees what ---------------------------------------------------------------------------


def test_unit_officer_sees_his_units_trips_only(mixed):
    w, _, _ = mixed
    statement = unit_statement(w.requester_unit, SEPT, user=w.requester)
    assert statement.payable == Decimal("133.39")
    assert statement.receivable == Decimal("263.50")
    stranger = UserFactory()
    assert unit_statement(w.requester_unit, SEPT, user=stranger).trip_count == 0


def test_pool_manager_sees_his_pools_trips_only(mixed):
    w, _, _ = mixed
    other = world()
    other.pool.members.add(w.requester_unit)
    trip(other, payer=w.requester_unit, payee_vehicle=other.vehicle, amount="7.00", ended=day(9))
    mine = unit_statement(w.requester_unit, SEPT, user=w.manager)
    assert mine.payable == Decimal("133.39")
    assert mine.partial is True  # it says so on every copy
    whole = unit_statement(w.requester_unit, SEPT, user=province_admin())
    assert whole.payable == Decimal("140.39")
    assert whole.partial is False
    assert unit_statement(w.requester_unit, SEPT, user=w.requester).partial is False


def test_statement_units(mixed):
    w, _, cq = mixed
    assert set(statement_units(w.requester)) == {w.requester_unit}
    managed = set(statement_units(w.manager))
    assert {w.requester_unit, w.holder, cq, w.pool.operator} <= managed
    assert UnitFactory() in set(statement_units(province_admin()))
    assert not statement_units(UserFactory(role=Role.SECURITY_ADMIN)).exists()


def test_who_sees_a_pool(w):
    assert may_see_pool(w.manager, w.pool)
    assert may_see_pool(province_admin(), w.pool)
    assert not may_see_pool(w.requester, w.pool)
    other_pool = PoolFactory()
    assert not may_see_pool(w.manager, other_pool)
