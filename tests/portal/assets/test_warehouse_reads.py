"""Who reads a warehouse listing: its holder's scope in any status, and every unit it is shared
with while it is live — through the queryset, the listing's page and the map's tiles."""

import csv
import io

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from openpyxl import load_workbook

from portal.assets.models import Listing
from portal.org.choices import Role
from tests.factories import CategoryFactory, ListingFactory, UnitFactory, UserFactory
from tests.portal.maps.mvt import HERE, decode, tile_at, tile_url

pytestmark = pytest.mark.django_db


def listing(holder, **fields):
    defaults = {
        "geom": Point(*HERE, srid=4490),
        "division": holder.division,
        "category": CategoryFactory(),
        "condition": "good",
        "original_value": 6000,
        "net_value": 3000,
    }
    return ListingFactory(asset__holder=holder, **(defaults | fields))


@pytest.fixture
def units():
    return {
        "holder": UnitFactory(division_code="510104"),
        "chengdu": UnitFactory(division_code="510107"),
        "mianyang": UnitFactory(division_code="510703"),
    }


def officer(unit, **fields):
    return UserFactory(unit=unit, role=Role.UNIT_OFFICER, **fields)


def test_a_live_listing_is_read_by_every_unit_in_its_sharing_area(units):
    province = listing(units["holder"], share_prefix="51")
    city = listing(units["holder"], share_prefix="5101")
    for name, expected in (("chengdu", {province, city}), ("mianyang", {province})):
        assert set(Listing.objects.visible_to(officer(units[name]))) == expected


def test_closed_listings_stay_with_the_holder(units):
    shown = listing(units["holder"], status="reserved")
    hidden = [listing(units["holder"], status=s) for s in ("withdrawn", "transferred", "disposal")]
    assert list(Listing.objects.visible_to(officer(units["chengdu"]))) == [shown]
    own = set(Listing.objects.visible_to(officer(units["holder"])))
    assert own == {shown, *hidden}


def test_a_classified_asset_is_hidden_above_the_readers_clearance(units):
    secret = listing(units["holder"], asset__confidentiality="secret")
    assert not Listing.objects.visible_to(officer(units["chengdu"])).exists()
    cleared = officer(units["chengdu"], clearance="secret")
    assert list(Listing.objects.visible_to(cleared)) == [secret]


def test_sharing_does_not_open_the_holders_ledger(units):
    shared = listing(units["holder"])
    reader = officer(units["chengdu"])
    assert list(Listing.objects.visible_to(reader)) == [shared]
    assert not type(shared.asset).objects.visible_to(reader).exists()
    assert not Listing.objects.editable_by(reader).exists()


def test_the_listing_page_follows_the_sharing(client, units):
    shared = listing(units["holder"], share_prefix="5101")
    client.force_login(officer(units["chengdu"]))
    assert client.get(shared.get_absolute_url()).status_code == 200
    client.force_login(officer(units["mianyang"]))
    assert client.get(shared.get_absolute_url()).status_code == 404


def test_the_warehouse_layer_draws_what_the_reader_may_see(client, units):
    listing(units["holder"], share_prefix="5101")
    listing(units["holder"], status="withdrawn")
    tile = tile_at(*HERE, 15)
    client.force_login(officer(units["chengdu"]))
    drawn = decode(client.get(tile_url("warehouse", tile))).get("warehouse", [])
    assert len(drawn) == 1
    client.force_login(officer(units["mianyang"]))
    assert not decode(client.get(tile_url("warehouse", tile))).get("warehouse")


def test_who_reads_everything_reads_every_listing(units):
    shared_elsewhere = listing(units["mianyang"], share_prefix="5107")
    withdrawn = listing(units["holder"], status="withdrawn")
    admin = UserFactory(unit=units["holder"], role=Role.PROVINCE_ADMIN)
    assert set(Listing.objects.visible_to(admin)) == {shared_elsewhere, withdrawn}
    superuser = UserFactory(unit=None, is_superuser=True)
    assert set(Listing.objects.visible_to(superuser)) == {shared_elsewhere, withdrawn}


def exported_listings(units):
    """A Chengdu listing, one withdrawn, and one of Mianyang shared only there; the first only
    is what a Chengdu reader of another unit may export."""
    shared = listing(units["holder"], share_prefix="5101")
    listing(units["holder"], share_prefix="5101", status="withdrawn")
    listing(units["mianyang"], share_prefix="5107")
    return shared


def test_the_warehouse_csv_export_holds_what_the_reader_may_see(client, units):
    shared = exported_listings(units)
    client.force_login(officer(units["chengdu"]))
    response = client.get(reverse("maps:query_csv"), {"layer": "warehouse"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    _header, *rows = list(csv.reader(io.StringIO(text)))
    assert [int(row[0]) for row in rows] == [shared.pk]
    assert rows[0][1] == shared.asset.ledger_code


def test_the_warehouse_xlsx_export_holds_what_the_reader_may_see(client, units):
    shared = exported_listings(units)
    client.force_login(officer(units["chengdu"]))
    response = client.get(reverse("maps:query_xlsx"), {"layer": "warehouse"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [shared.pk]
    assert rows[0][1] == shared.asset.ledger_code
