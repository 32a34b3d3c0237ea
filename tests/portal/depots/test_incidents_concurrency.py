"""Stock never goes below zero, however many dispatches run at once.

Two incidents compete for one batch of 100 tents and each asks for 80. Each request runs in its
own thread with its own database connection. The first test releases both at once with a
barrier (and repeats the race): exactly one dispatch is written, the other is refused with what
is left, and the batch ends at 20 with one movement. The second does not leave the timing to
chance: a dispatch holds its transaction open while the other request starts, and the test
waits until PostgreSQL reports that request blocked. Only the row lock (``select_for_update``
on the batch) makes the second request read the quantity after the first committed and refuse
with "20 left"; without it, the request reads 100, passes its check and is stopped only later
by the ``quantity >= 0`` constraint, with a different message, which these tests reject.
"""

from decimal import Decimal

import pytest
from django.db import transaction

from portal.depots.exceptions import InsufficientStockError
from portal.depots.models import Dispatch, DispatchLine, StockItem, StockMovement
from portal.depots.services import incidents as service
from tests.concurrency import Request, race, split
from tests.portal.depots.factories_incidents import batch, incident, world

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3
LEFT = "Batch “单帐篷” RACE at south_west库 has 20.00 顶 left; this dispatch asks for 80."


@pytest.fixture
def w():
    return world()


def contest(w):
    """A batch of 100 single tents and two incidents, each needing 80 of them."""
    tents = batch(w.depots["south_west"], "1010101", 100, batch_no="RACE")
    first = incident(w.jinjiang, {"1010101": 80})
    second = incident(w.jinjiang, {"1010101": 80})
    return tents, first, second


def dispatching(w, tents, target):
    need = target.needs.get()
    return lambda: service.confirm_dispatch(
        target, [(tents.pk, need.pk, 80)], by=w["officer"], cost=w.cost
    )


def assert_one_dispatch_of_80(tents, winner):
    tents.refresh_from_db()
    assert tents.quantity == Decimal(20)
    (movement,) = StockMovement.objects.filter(stock_item=tents)
    assert (movement.change, movement.balance, movement.dispatch_id) == (-80, 20, winner.pk)
    assert Dispatch.objects.get(pk=winner.pk).lines.count() == 1
    assert DispatchLine.objects.count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_dispatches_of_most_of_one_batch_at_once_exactly_one_wins(w, round_):
    tents, first, second = contest(w)
    winner, loser = split(
        race(dispatching(w, tents, first), dispatching(w, tents, second)), Dispatch
    )
    assert type(loser) is InsufficientStockError, loser
    assert loser.user_message == LEFT
    assert_one_dispatch_of_80(tents, winner)


def test_a_dispatch_waits_for_the_batch_lock_and_then_refuses_with_what_is_left(w):
    tents, first, second = contest(w)
    request = Request(dispatching(w, tents, second))
    with transaction.atomic():
        winner = dispatching(w, tents, first)()  # holds the batch's row lock until commit
        request.start()
        waited = request.blocked()
    request.join()
    assert waited
    assert type(request.outcome) is InsufficientStockError, request.outcome
    assert request.outcome.user_message == LEFT
    assert_one_dispatch_of_80(tents, winner)
    assert StockItem.objects.get(pk=tents.pk).quantity >= 0
