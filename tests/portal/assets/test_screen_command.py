"""``manage.py screen_listings``: moves what the screening period let go, says how many, and takes
the day to screen as of."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.assets.choices import ListingStatus
from portal.assets.models import Listing
from tests.portal.assets.listing_data import Warehouse, warehouse


@pytest.fixture
def wh(db) -> Warehouse:
    return warehouse()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("screen_listings", *args, stdout=out)
    return out.getvalue()


def ends(wh: Warehouse, day: dt.date) -> Listing:
    listing = wh.publish()
    Listing.objects.filter(pk=listing.pk).update(screening_ends_on=day)
    return listing


def test_today_by_default_and_a_second_run_moves_nothing(wh):
    today = timezone.localdate()
    ended = ends(wh, today - dt.timedelta(days=1))
    ends(wh, today)
    assert run() == f"1 listing moved to disposal (screening ended before {today.isoformat()}).\n"
    assert Listing.objects.get(pk=ended.pk).status == ListingStatus.DISPOSAL
    assert run().startswith("0 listings moved to disposal")


def test_date_screens_as_of_the_given_day(wh):
    ends(wh, dt.date(2030, 1, 9))
    ends(wh, dt.date(2030, 1, 10))
    assert run("--date", "2030-01-10").startswith("1 listing moved")
    assert run("--date", "2030-01-11") == (
        "1 listing moved to disposal (screening ended before 2030-01-11).\n"
    )
    assert set(Listing.objects.values_list("status", flat=True)) == {ListingStatus.DISPOSAL}


def test_a_bad_date_is_refused(wh):
    ends(wh, dt.date(2000, 1, 1))
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "10/01/2030")
    assert set(Listing.objects.values_list("status", flat=True)) == {ListingStatus.PUBLISHED}
