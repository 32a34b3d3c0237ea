"""The warehouse's pages: the list (who sees which listings, the filters, the map's data), the
listing's page (photos and actions by role, each action performed and refused), offering one
asset from its page and several at once. A refusal answers with the error's own status and
writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.assets.choices import AssetStatus, CustodyEvent, ListingStatus, ReservationStatus
from portal.assets.models import Asset, CustodyEntry, Listing, ListingPhoto, Reservation
from portal.org.choices import Role
from tests.factories import BuildingFactory, CategoryFactory, DepotFactory, UnitFactory, UserFactory
from tests.portal.assets.listing_data import JPEG, PDF, PNG, Warehouse, upload, warehouse

pytestmark = pytest.mark.usefixtures("english")

LIST = reverse("assets:warehouse")
BULK = reverse("assets:listing_bulk_publish")


@pytest.fixture
def wh(db) -> Warehouse:
    """The listing tests' warehouse, plus an officer of 武侯区 (Chengdu, like the holder) and a
    building of each receiving unit."""
    data = warehouse()
    wuhou = UnitFactory(division_code="510107", name="武侯区测试局")
    data.users["wuhou_officer"] = UserFactory(role=Role.UNIT_OFFICER, unit=wuhou)
    BuildingFactory(managing_unit=wuhou, name="武侯区办公楼")
    BuildingFactory(managing_unit=data.other_unit, name="涪城区办公楼")
    return data


@pytest.fixture
def web() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def as_user(web: Client, user) -> Client:
    web.force_login(user)
    return web


def listed(web: Client, user, query: str = "") -> set[int]:
    response = as_user(web, user).get(f"{LIST}?{query}")
    assert response.status_code == 200
    return {listing.pk for listing in response.context["listings"]}


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def act(web: Client, listing: Listing, action: str, **data):
    return web.post(listing.get_absolute_url(), {"action": action, **data})


# -- the list ---------------------------------------------------------------------------------


def test_the_list_needs_a_login(web, db):  # the portal checks PostgreSQL first
    assert web.get(LIST).status_code == 302


def test_another_unit_sees_live_listings_shared_with_it_only(web, wh):
    province = wh.publish()
    city = wh.publish(share_prefix="5101")
    withdrawn = wh.publish()
    Listing.objects.filter(pk=withdrawn.pk).update(status=ListingStatus.WITHDRAWN)
    reserved = wh.publish()
    Listing.objects.filter(pk=reserved.pk).update(status=ListingStatus.RESERVED)
    assert listed(web, wh["other_officer"]) == {province.pk, reserved.pk}  # Mianyang
    assert listed(web, wh["wuhou_officer"]) == {province.pk, city.pk, reserved.pk}  # Chengdu
    assert listed(web, wh["officer"]) == {province.pk, city.pk, reserved.pk}


def test_my_units_tab_lists_what_the_user_may_change_in_any_status(web, wh):
    live, withdrawn = wh.publish(), wh.publish()
    Listing.objects.filter(pk=withdrawn.pk).update(status=ListingStatus.WITHDRAWN)
    assert listed(web, wh["officer"], "mine=1") == {live.pk, withdrawn.pk}
    assert listed(web, wh["officer"], "mine=1&status=withdrawn") == {withdrawn.pk}
    assert listed(web, wh["other_officer"], "mine=1") == set()
    assert listed(web, wh["viewer"], "mine=1") == set()  # reads, never changes
    page = as_user(web, wh["viewer"]).get(LIST).content.decode()
    assert 'id="tab-mine"' not in page
    assert 'id="bulk-offer-link"' not in page
    page = as_user(web, wh["officer"]).get(LIST).content.decode()
    assert 'id="tab-mine"' in page
    assert 'id="bulk-offer-link"' in page


def test_the_list_filters(web, wh):
    furniture = CategoryFactory(code="6010000", name="家具")
    cheap = wh.publish(wh.asset(net_value=Decimal("500"), name="旧椅子", category=furniture))
    poor = wh.publish(wh.asset(condition="poor"), reason="repairable")
    stocked = wh.publish(mode="physical", depot=wh.depot, receipt_no="RK-1")
    other = wh.publish(
        wh.asset(holder=wh.other_unit, building=BuildingFactory(managing_unit=wh.other_unit)),
        by=wh["other_officer"],
    )
    user = wh["province_admin"]
    assert listed(web, user, "reason=repairable") == {poor.pk}
    assert listed(web, user, "reason=repairable&reason=idle") == {
        cheap.pk,
        poor.pk,
        stocked.pk,
        other.pk,
    }
    assert listed(web, user, "mode=physical") == {stocked.pk}
    assert listed(web, user, "condition=poor") == {poor.pk}
    assert listed(web, user, "category=601") == {cheap.pk}
    assert listed(web, user, "max_value=1000") == {cheap.pk}
    assert listed(web, user, "min_value=1000") == {poor.pk, stocked.pk, other.pk}
    assert listed(web, user, "division=510703") == {other.pk}
    assert listed(web, user, "division=510100") == {cheap.pk, poor.pk, stocked.pk}
    assert listed(web, user, "q=旧椅") == {cheap.pk}
    assert listed(web, user, f"q={stocked.asset.ledger_code}") == {stocked.pk}
    assert listed(web, user, "division=999999") == set()  # refused parameter: nothing


def test_the_list_shows_its_columns_and_maps_the_page(web, wh):
    listing = wh.publish(mode="physical", depot=wh.depot, receipt_no="RK-1")
    response = as_user(web, wh["other_officer"]).get(LIST)
    page = response.content.decode()
    for text in (listing.asset.name, listing.asset.ledger_code, "3,000.00", wh.depot.name):
        assert text in page
    assert listing.screening_ends_on.isoformat() in page
    assert 'data-warehouse-map="warehouse-map-data"' in page
    assert "<script>" not in page.replace('<script id="warehouse-map-data"', "")
    data = response.context["map_data"]
    assert [f["properties"]["url"] for f in data["features"]] == [listing.get_absolute_url()]
    assert data["features"][0]["geometry"]["type"] == "Point"


def test_the_list_reads_a_page_in_the_same_queries_however_many_rows(web, wh):
    as_user(web, wh["other_officer"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert web.get(LIST).status_code == 200
        return len(captured)

    wh.publish(mode="physical", depot=wh.depot, receipt_no="RK-1")
    one = queries()
    for _ in range(4):
        wh.publish(mode="physical", depot=wh.depot, receipt_no="RK-1")
    assert queries() == one


# -- the listing page: what each reader is offered ----------------------------------------------


def forms_on(web: Client, user, listing: Listing) -> set[str]:
    response = as_user(web, user).get(listing.get_absolute_url())
    assert response.status_code == 200
    return set(response.context["actions"])


def test_the_listing_page_offers_each_side_its_actions(web, wh):
    listing = wh.publish()
    holder_side = {"edit", "withdraw", "photo", "remove_photo"}
    assert forms_on(web, wh["officer"], listing) == holder_side
    # A county administrator edits for the holder, and may also reserve for its own unit.
    assert forms_on(web, wh["county_admin"], listing) == holder_side | {"reserve"}
    assert forms_on(web, wh["viewer"], listing) == set()
    assert forms_on(web, wh["auditor"], listing) == set()
    assert forms_on(web, wh["other_officer"], listing) == {"reserve"}
    page = web.get(listing.get_absolute_url()).content.decode()
    assert 'id="reserve-form"' in page
    assert 'id="edit-form"' not in page
    assert listing.screening_ends_on.isoformat() in page
    choices = web.get(listing.get_absolute_url()).context["actions"]["reserve"]
    assert [b.name for b in choices.fields["delivery_building"].queryset] == ["涪城区办公楼"]


def test_the_listing_page_links_the_asset_for_its_holders_readers_only(web, wh):
    listing = wh.publish()
    asset_url = listing.asset.get_absolute_url()
    for user, linked in ((wh["viewer"], True), (wh["other_officer"], False)):
        page = as_user(web, user).get(listing.get_absolute_url()).content.decode()
        assert (f'href="{asset_url}"' in page) is linked
        assert listing.asset.ledger_code in page


def test_the_listing_page_follows_the_sharing_area(web, wh):
    listing = wh.publish(share_prefix="5101")
    assert as_user(web, wh["other_officer"]).get(listing.get_absolute_url()).status_code == 404
    assert act(web, listing, "reserve").status_code == 404
    assert forms_on(web, wh["wuhou_officer"], listing) == {"reserve"}


def test_a_reserved_listing_offers_only_its_photos(web, wh):
    listing = wh.publish()
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.RESERVED)
    assert forms_on(web, wh["officer"], listing) == {"photo", "remove_photo"}
    assert forms_on(web, wh["other_officer"], listing) == set()


# -- the listing page: the holder's actions ---------------------------------------------------


def test_the_holder_edits_the_listing(web, wh):
    listing = wh.publish()
    response = act(
        as_user(web, wh["officer"]),
        listing,
        "edit",
        **{"edit-reason": "over_standard", "edit-explanation": "超标", "edit-share_prefix": "5101"},
    )
    assert response.status_code == 302
    assert response.url == listing.get_absolute_url()
    listing.refresh_from_db()
    assert (listing.reason, listing.explanation, listing.share_prefix) == (
        "over_standard",
        "超标",
        "5101",
    )
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.OVER_STANDARD


def test_an_edit_is_refused_to_another_unit_and_to_a_viewer(web, wh):
    listing = wh.publish()
    data = {"edit-reason": "repairable", "edit-explanation": "x", "edit-share_prefix": "51"}
    for user in (wh["other_officer"], wh["viewer"]):
        response = act(as_user(web, user), listing, "edit", **data)
        assert response.status_code == 403
        assert "You may not change the warehouse listing" in response.context["action_error"]
    listing.refresh_from_db()
    assert (listing.reason, listing.explanation) == ("idle", "闲置一年以上")


def test_an_edit_missing_its_explanation_comes_back_with_the_form(web, wh):
    listing = wh.publish()
    data = {"edit-reason": "idle", "edit-explanation": "", "edit-share_prefix": "51"}
    response = act(as_user(web, wh["officer"]), listing, "edit", **data)
    assert response.status_code == 400
    assert response.context["actions"]["edit"].errors["explanation"]
    assert Listing.objects.get(pk=listing.pk).explanation == "闲置一年以上"


def test_the_holder_withdraws_a_stocked_listing_with_its_slip(web, wh):
    listing = wh.publish(mode="physical", depot=wh.depot, receipt_no="RK-1")
    response = act(
        as_user(web, wh["officer"]), listing, "withdraw", **{"withdraw-document_no": "CK-9"}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.WITHDRAWN
    assert Asset.objects.get(pk=listing.asset_id).status == AssetStatus.IDLE  # its reason
    out = CustodyEntry.objects.get(asset_id=listing.asset_id, event=CustodyEvent.STOCK_OUT)
    assert out.document_no == "CK-9"
    assert "withdrawn" in texts(response)[0]
    # Still the holder's record, now without actions; a second withdrawal is a conflict.
    assert forms_on(web, wh["officer"], listing) == set()
    again = act(web, listing, "withdraw")
    assert again.status_code == 409
    assert CustodyEntry.objects.filter(asset_id=listing.asset_id).count() == 2


def test_a_withdrawal_is_refused_to_another_unit(web, wh):
    listing = wh.publish()
    assert act(as_user(web, wh["other_officer"]), listing, "withdraw").status_code == 403
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.PUBLISHED


def test_an_unknown_action_is_a_bad_request(web, wh):
    listing = wh.publish()
    response = act(as_user(web, wh["officer"]), listing, "delete")
    assert response.status_code == 400
    assert response.context["action_error"]


# -- photos -----------------------------------------------------------------------------------


def add(web: Client, listing: Listing, name: str, content: bytes):
    return act(web, listing, "photo", **{"photo-file": upload(name, content)})


def test_the_holder_adds_a_photo_every_reader_sees(web, wh):
    listing = wh.publish()
    response = add(as_user(web, wh["officer"]), listing, "侧面.png", PNG)
    assert response.status_code == 302
    photo = ListingPhoto.objects.get(listing=listing)
    url = reverse("assets:listing_photo", args=[listing.pk, photo.pk])
    assert url in web.get(listing.get_absolute_url()).content.decode()
    for user in (wh["officer"], wh["other_officer"], wh["viewer"]):
        served = as_user(web, user).get(url)
        assert served.status_code == 200
        assert served["Content-Type"] == "image/png"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert b"".join(served.streaming_content) == PNG


def test_a_photo_is_not_served_outside_the_sharing_area(web, wh):
    listing = wh.publish(share_prefix="5101")
    other = wh.publish()
    add(as_user(web, wh["officer"]), listing, "a.jpg", JPEG)
    photo = ListingPhoto.objects.get(listing=listing)
    url = reverse("assets:listing_photo", args=[listing.pk, photo.pk])
    assert as_user(web, wh["other_officer"]).get(url).status_code == 404  # Mianyang
    assert as_user(web, wh["wuhou_officer"]).get(url).status_code == 200  # Chengdu
    # The photo is named under its own listing only.
    wrong = reverse("assets:listing_photo", args=[other.pk, photo.pk])
    assert web.get(wrong).status_code == 404
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.WITHDRAWN)
    assert web.get(url).status_code == 404  # no longer shared


def test_a_photo_that_is_not_an_image_is_refused(web, wh):
    listing = wh.publish()
    response = add(as_user(web, wh["officer"]), listing, "scan.png", PDF)
    assert response.status_code == 400
    assert "is not a JPEG or PNG image" in response.context["action_error"]
    assert not ListingPhoto.objects.exists()


def test_photos_are_refused_to_other_readers(web, wh):
    listing = wh.publish()
    for user in (wh["viewer"], wh["other_officer"]):
        assert add(as_user(web, user), listing, "a.png", PNG).status_code == 403
    assert not ListingPhoto.objects.exists()


def test_the_holder_removes_a_photo(web, wh):
    listing = wh.publish()
    add(as_user(web, wh["officer"]), listing, "a.png", PNG)
    photo = ListingPhoto.objects.get()
    refused = act(as_user(web, wh["other_officer"]), listing, "remove_photo", photo=photo.pk)
    assert refused.status_code == 403
    assert ListingPhoto.objects.exists()
    response = act(as_user(web, wh["officer"]), listing, "remove_photo", photo=photo.pk)
    assert response.status_code == 302
    assert not ListingPhoto.objects.exists()


# -- reserving --------------------------------------------------------------------------------


def building_of(user):
    return user.unit.managed_buildings.get()


def test_another_unit_reserves_from_the_page(web, wh):
    listing = wh.publish()
    officer = wh["other_officer"]
    building = building_of(officer)
    response = act(
        as_user(web, officer), listing, "reserve", **{"reserve-delivery_building": building.pk}
    )
    assert response.status_code == 302
    reservation = Reservation.objects.get(listing=listing)
    assert (reservation.receiving_unit, reservation.delivery_building) == (wh.other_unit, building)
    assert reservation.status == ReservationStatus.PENDING
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.RESERVED
    page = web.get(listing.get_absolute_url())
    assert page.context["reservation"] == reservation
    assert 'id="listing-reservation"' in page.content.decode()


def test_a_second_reservation_is_refused_and_writes_nothing(web, wh):
    listing = wh.publish()
    first, second = wh["other_officer"], wh["wuhou_officer"]
    data = {"reserve-delivery_building": building_of(first).pk}
    assert act(as_user(web, first), listing, "reserve", **data).status_code == 302
    data = {"reserve-delivery_building": building_of(second).pk}
    response = act(as_user(web, second), listing, "reserve", **data)
    assert response.status_code == 409
    assert "already reserved" in response.context["action_error"]
    assert Reservation.objects.count() == 1


def test_a_reservation_needs_one_of_the_units_buildings(web, wh):
    listing = wh.publish()
    data = {"reserve-delivery_building": wh.building.pk}  # the holder's building
    response = act(as_user(web, wh["other_officer"]), listing, "reserve", **data)
    assert response.status_code == 400
    assert response.context["actions"]["reserve"].errors["delivery_building"]
    assert not Reservation.objects.exists()


def test_a_viewer_of_another_unit_may_not_reserve(web, wh):
    listing = wh.publish()
    viewer = UserFactory(role=Role.VIEWER, unit=wh.other_unit)
    assert forms_on(web, viewer, listing) == set()
    data = {"reserve-delivery_building": building_of(wh["other_officer"]).pk}
    response = act(web, listing, "reserve", **data)
    assert response.status_code == 403
    assert not Reservation.objects.exists()


# -- offering one asset from its page ---------------------------------------------------------


def offer_url(asset: Asset) -> str:
    return reverse("assets:listing_publish", args=[asset.pk])


def terms(**fields: object) -> dict[str, object]:
    return {
        "reason": "idle",
        "explanation": "闲置",
        "mode": "virtual",
        "share_prefix": "51",
    } | fields


def test_the_asset_page_offers_the_editor_a_way_into_the_warehouse(web, wh):
    asset = wh.asset()
    page = as_user(web, wh["officer"]).get(asset.get_absolute_url()).content.decode()
    assert offer_url(asset) in page
    page = as_user(web, wh["viewer"]).get(asset.get_absolute_url()).content.decode()
    assert offer_url(asset) not in page
    listing = wh.publish(asset)
    page = as_user(web, wh["viewer"]).get(asset.get_absolute_url()).content.decode()
    assert listing.get_absolute_url() in page
    assert offer_url(asset) not in page


def test_the_offer_form_lists_public_asset_warehouses_nearest_first(web, wh):
    far = DepotFactory(kind="both", managing_unit=wh.far_offices, name="绵阳市公物仓")
    response = as_user(web, wh["officer"]).get(offer_url(wh.asset()))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["depot"].queryset) == [wh.depot, far]  # no emergency depot
    assert [value for value, _ in form.fields["share_prefix"].choices] == ["51", "5101", "510104"]


def test_the_offer_page_is_refused_to_readers_who_may_not_edit(web, wh):
    asset = wh.asset()
    assert as_user(web, wh["viewer"]).get(offer_url(asset)).status_code == 403
    response = web.post(offer_url(asset), terms())
    assert response.status_code == 403
    assert as_user(web, wh["other_officer"]).get(offer_url(asset)).status_code == 404
    assert web.post(offer_url(asset), terms()).status_code == 404
    assert not Listing.objects.exists()


def test_an_officer_offers_an_asset_virtually(web, wh):
    asset = wh.asset()
    response = as_user(web, wh["officer"]).post(offer_url(asset), terms(share_prefix="5101"))
    listing = Listing.objects.get(asset=asset)
    assert response.status_code == 302
    assert response.url == listing.get_absolute_url()
    assert (listing.mode, listing.share_prefix, listing.depot) == ("virtual", "5101", None)
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.IDLE


def test_an_officer_stocks_an_asset_in_a_warehouse(web, wh):
    asset = wh.asset()
    data = terms(mode="physical", depot=wh.depot.pk, receipt_no="RK-7")
    assert as_user(web, wh["officer"]).post(offer_url(asset), data).status_code == 302
    listing = Listing.objects.get(asset=asset)
    assert (listing.depot, listing.receipt_no) == (wh.depot, "RK-7")
    assert CustodyEntry.objects.get(asset=asset).event == CustodyEvent.STOCK_IN


def test_a_refused_offer_comes_back_on_the_form_and_writes_nothing(web, wh):
    asset = wh.asset()
    response = as_user(web, wh["officer"]).post(
        offer_url(asset), terms(mode="physical", depot=wh.depot.pk)
    )
    assert response.status_code == 400
    assert "receipt" in response.context["error"]
    assert 'id="publish-error"' in response.content.decode()
    assert not Listing.objects.exists()
    assert not CustodyEntry.objects.exists()
    wh.publish(asset)
    again = web.post(offer_url(asset), terms())
    assert again.status_code == 409
    assert Listing.objects.count() == 1


# -- offering several -------------------------------------------------------------------------


def test_the_bulk_page_lists_the_units_offerable_assets(web, wh):
    free, listed_asset = wh.asset(name="打印机"), wh.asset()
    wh.publish(listed_asset)
    wh.asset(status=AssetStatus.DISPOSED)
    wh.asset(confidentiality="secret")
    wh.asset(holder=wh.other_unit, building=None)
    response = as_user(web, wh["officer"]).get(BULK)
    assert response.status_code == 200
    assert [a.pk for a in response.context["page_obj"]] == [free.pk]
    response = web.get(f"{BULK}?q={free.ledger_code}")
    assert [a.pk for a in response.context["page_obj"]] == [free.pk]
    assert not web.get(f"{BULK}?q=不存在").context["page_obj"].object_list


def test_the_bulk_page_is_refused_to_those_who_may_not_offer(web, wh):
    assert as_user(web, wh["viewer"]).get(BULK).status_code == 403
    assets = [wh.asset()]
    response = web.post(BULK, terms(assets=[a.pk for a in assets]))
    assert response.status_code == 403
    assert not Listing.objects.exists()


def test_an_officer_offers_several_assets_at_once(web, wh):
    assets = [wh.asset(), wh.asset()]
    data = terms(assets=[a.pk for a in assets], reason="over_standard")
    response = as_user(web, wh["officer"]).post(BULK, data)
    assert response.status_code == 302
    assert response.url == f"{LIST}?mine=1"
    assert set(Listing.objects.values_list("asset_id", flat=True)) == {a.pk for a in assets}
    assert texts(response) == ["2 assets offered in the warehouse."]


def test_a_bulk_offer_is_all_or_nothing_and_names_the_refused_asset(web, wh):
    free, taken = wh.asset(), wh.asset()
    wh.publish(taken)
    data = terms(assets=[free.pk, taken.pk])
    response = as_user(web, wh["officer"]).post(f"{BULK}?q=ZC", data)
    assert response.status_code == 409
    assert taken.ledger_code in response.context["error"]
    assert not Listing.objects.filter(asset=free).exists()
    assert Asset.objects.get(pk=free.pk).status == AssetStatus.IN_USE
    assert str(free.pk) in response.context["selected"]


def test_a_bulk_offer_of_another_units_asset_is_refused(web, wh):
    mine = wh.asset()
    theirs = wh.asset(holder=wh.other_unit, building=None)
    response = as_user(web, wh["officer"]).post(BULK, terms(assets=[mine.pk, theirs.pk]))
    assert response.status_code == 400  # not even readable: not a choice of the form
    assert not Listing.objects.exists()
    response = as_user(web, wh["county_admin"]).post(BULK, terms(assets=[mine.pk]))
    assert response.status_code == 302  # a county administrator offers for the unit
    assert list(Listing.objects.values_list("asset_id", flat=True)) == [mine.pk]
