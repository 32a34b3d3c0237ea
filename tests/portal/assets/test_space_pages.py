"""The office-space page and its map layers: who sees which units, buildings, vacant space and
offers; the filters; the notices of ranks without a limit; offering and withdrawing space, and
their refusals with nothing written.

The offices are :mod:`tests.portal.buildings.space_data` (figures worked out in its docstring):
the 锦江 bureau occupies B1 (within the standard) and B2 (over); B1 has room 102 and the rooms
of floor 2 vacant.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.assets.choices import SpaceListingStatus
from portal.assets.models import SpaceListing
from portal.assets.services.space import publish_space
from portal.buildings.models import Building, SpaceStandard
from portal.buildings.space import building_space
from portal.org.choices import Role
from portal.org.models import User
from tests.factories import UnitFactory, UserFactory, square
from tests.portal.buildings.space_data import Offices, occupy, offices
from tests.portal.maps.mvt import decode, tile_at, tile_url

pytestmark = pytest.mark.django_db

SPACE = "/space/"


@pytest.fixture
def space() -> Offices:
    return offices()


@pytest.fixture
def en() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def names(rows) -> list[str]:
    return [row.name for row in rows]


def offers() -> list[tuple[int | None, int | None, str]]:
    rows = SpaceListing.objects.order_by("pk")
    return list(rows.values_list("floor_id", "room_id", "status"))


# -- what the page lists -----------------------------------------------------------------------


def test_the_page_needs_a_sign_in(client):
    response = client.get(reverse("assets:space"))
    assert response.status_code == 302
    assert reverse("assets:space") == SPACE


def test_an_officer_sees_the_unit_and_its_building_against_the_standard(en, space):
    response = signed_in(en, space.users["officer"]).get(SPACE)
    assert response.status_code == 200
    [bureau] = response.context["units"]
    # 126 + 30 m² for 14 staff, 126 + 18 m² allowed: 12 m² over
    assert (bureau.occupied_m2, bureau.staff_total, bureau.per_person_m2) == (
        Decimal("156.00"), 14, Decimal("11.14")
    )  # fmt: skip
    assert (bureau.allowance_per_person_m2, bureau.excess_m2, bureau.over_standard) == (
        Decimal("10.29"), Decimal("12.00"), True
    )  # fmt: skip
    # the bureau manages B1 only; B1's figures count the province's occupancy too
    [b1] = response.context["buildings"]
    assert (b1.name, b1.excess_m2, b1.over_standard) == ("一号楼", Decimal("0.00"), False)
    html = response.content.decode()
    assert "Space standard in force: edition 2014." in html
    assert f'data-unit="{space.city.pk}"' not in html


def test_an_administrator_sees_every_unit_most_over_first(en, space):
    response = signed_in(en, space.users["province_admin"]).get(SPACE)
    # the 武侯 unit occupies nothing and is not listed
    assert names(response.context["units"]) == ["锦江区测试局", "市测试局", "省测试厅"]
    assert names(response.context["buildings"]) == ["二号楼", "一号楼"]


@pytest.mark.parametrize(
    ("query", "units", "buildings"),
    [
        ({"over": "on"}, ["锦江区测试局", "市测试局"], ["二号楼"]),
        ({"level": "city"}, ["市测试局"], []),
        ({"level": "county"}, ["锦江区测试局"], ["二号楼", "一号楼"]),
        ({"division": "510104"}, ["锦江区测试局"], ["一号楼"]),
        ({"division": "5101", "sort": "name"}, ["市测试局", "锦江区测试局"], ["一号楼", "二号楼"]),
        ({"sort": "per_person"}, ["市测试局", "省测试厅", "锦江区测试局"], ["二号楼", "一号楼"]),
    ],
)
def test_filters_and_sorting(en, space, query, units, buildings):
    response = signed_in(en, space.users["province_admin"]).get(SPACE, query)
    assert response.status_code == 200
    assert names(response.context["units"]) == units
    assert names(response.context["buildings"]) == buildings


def test_an_invalid_filter_is_named_and_everything_listed(en, space):
    response = signed_in(en, space.users["province_admin"]).get(SPACE, {"division": "51x"})
    assert response.status_code == 400
    assert "Give 2 to 6 digits of a division code." in response.content.decode()
    assert len(response.context["units"]) == 3


def test_ranks_without_a_limit_are_named(en, space):
    occupy(space.wuhou, space.b2, "20.00", bureau_deputy=2, staff=1)
    response = signed_in(en, space.users["province_admin"]).get(SPACE)
    notice = (
        "No limit for rank “department-bureau deputy” at county level in edition 2014: "
        "2 staff are not counted in the allowance."
    )
    assert notice in response.content.decode()
    assert "+2 uncounted" in response.content.decode()
    # a notice follows the filters: the city's units have no such staff
    assert (
        notice
        not in signed_in(en, space.users["province_admin"])
        .get(SPACE, {"level": "city"})
        .content.decode()
    )


def test_without_a_standard_the_page_says_so(en, space):
    SpaceStandard.objects.all().delete()
    html = signed_in(en, space.users["officer"]).get(SPACE).content.decode()
    assert "No space standard is recorded" in html


def test_the_page_s_queries_do_not_grow_with_its_rows(space):
    client = signed_in(Client(), space.users["province_admin"])
    publish_space(space.b1, room=space.rooms["102"], by=space.users["officer"])
    with CaptureQueriesContext(connection) as few:
        client.get(SPACE)
    for _ in range(10):
        occupy(UnitFactory(), space.b1, "10.00", staff=1)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(SPACE).context["units"]) == 13
    assert len(many) == len(few)


# -- vacant space and offers -------------------------------------------------------------------


def test_vacant_rooms_and_floors_with_an_offer_button_for_the_building_s_editors(en, space):
    response = signed_in(en, space.users["officer"]).get(SPACE)
    assert [room.number for room in response.context["rooms"]] == ["102", "201", "202"]
    assert [floor.number for floor in response.context["floors"]] == [2]
    html = response.content.decode()
    assert f'id="offer-room-{space.rooms["102"].pk}"' in html
    assert f'id="offer-floor-{space.floors[2].pk}"' in html


def test_a_viewer_sees_vacant_space_without_offering_it(en, space):
    viewer = UserFactory(role=Role.VIEWER, unit=space.bureau)
    response = signed_in(en, viewer).get(SPACE)
    assert len(response.context["rooms"]) == 3
    assert 'id="offer-room-' not in response.content.decode()


def test_another_county_sees_no_vacant_space_of_the_building(en, space):
    response = signed_in(en, space.users["wuhou_officer"]).get(SPACE)
    assert list(response.context["rooms"]) == []
    assert list(response.context["floors"]) == []


def test_an_officer_offers_a_vacant_room(en, space):
    room = space.rooms["102"]
    client = signed_in(en, space.users["officer"])
    response = client.post(
        reverse("assets:space_offer") + "?over=on",
        {"room": room.pk, "note": " 朝南 ", "share_prefix": "5101"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/space/?over=on#space-offers"
    offer = SpaceListing.objects.get()
    assert (offer.room, offer.floor, offer.usable_area_m2) == (room, room.floor, Decimal("20.50"))
    assert (offer.note, offer.share_prefix, offer.published_by) == (
        "朝南", "5101", space.users["officer"]
    )  # fmt: skip
    page = client.get(SPACE)
    assert "is offered as shareable space" in page.content.decode()
    assert [o.pk for o in page.context["offers"]] == [offer.pk]
    assert page.context["may_withdraw"] == {offer.pk}
    assert [r.listed for r in page.context["rooms"]] == [True, False, False]


def test_an_officer_offers_a_whole_floor_shared_in_the_province_by_default(en, space):
    client = signed_in(en, space.users["officer"])
    response = client.post(reverse("assets:space_offer"), {"floor": space.floors[2].pk})
    assert response.status_code == 302
    assert offers() == [(space.floors[2].pk, None, SpaceListingStatus.PUBLISHED)]
    assert SpaceListing.objects.get().share_prefix == "51"


def refused_offer(client: Client, data: dict, status: int, message: str) -> None:
    response = client.post(reverse("assets:space_offer"), data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert offers() == []


def test_occupied_space_is_refused_on_the_page(en, space):
    client = signed_in(en, space.users["officer"])
    refused_offer(
        client,
        {"room": space.rooms["101"].pk},
        409,
        "Room 101 is occupied by “锦江区测试局”: only vacant space can be offered.",
    )
    refused_offer(
        client, {"floor": space.floors[1].pk}, 409, "Floor 1 is not vacant: rooms 101 are occupied."
    )


def test_a_viewer_is_refused_by_the_service(en, space):
    viewer = UserFactory(role=Role.VIEWER, unit=space.bureau)
    refused_offer(
        signed_in(en, viewer),
        {"room": space.rooms["102"].pk},
        403,
        "You may not offer space in “一号楼”.",
    )


def test_bad_offers_are_refused_with_what_is_wrong(en, space):
    client = signed_in(en, space.users["officer"])
    refused_offer(client, {}, 400, "Space: choose one vacant floor or room to offer.")
    both = {"room": space.rooms["102"].pk, "floor": space.floors[2].pk}
    refused_offer(client, both, 400, "Space: choose one vacant floor or room to offer.")
    refused_offer(
        client,
        {"room": space.rooms["102"].pk, "share_prefix": "5"},
        400,
        "Shared within: give a division code prefix of 2 to 6 digits, such as 51.",
    )


def test_space_outside_the_user_s_reach_cannot_be_named(en, space):
    refused_offer(
        signed_in(en, space.users["wuhou_officer"]),
        {"room": space.rooms["102"].pk},
        400,
        "Select a valid choice.",
    )


@pytest.fixture
def offered(space) -> SpaceListing:
    return publish_space(space.b1, room=space.rooms["102"], by=space.users["officer"])


def test_offered_space_is_seen_where_it_is_shared_without_a_withdrawal(en, space, offered):
    mianyang = UserFactory(role=Role.UNIT_OFFICER, unit=UnitFactory(division_code="510703"))
    client = signed_in(en, mianyang)
    response = client.get(SPACE)
    assert [o.pk for o in response.context["offers"]] == [offered.pk]
    assert response.context["may_withdraw"] == set()
    assert f'id="withdraw-{offered.pk}"' not in response.content.decode()
    detail = client.get(reverse("assets:space_offer_detail", args=[offered.pk]))
    assert detail.status_code == 200
    assert 'id="withdraw-form"' not in detail.content.decode()
    SpaceListing.objects.filter(pk=offered.pk).update(share_prefix="510104")
    assert list(client.get(SPACE).context["offers"]) == []
    assert client.get(reverse("assets:space_offer_detail", args=[offered.pk])).status_code == 404


def test_an_officer_withdraws_an_offer_once(en, space, offered):
    client = signed_in(en, space.users["officer"])
    detail = reverse("assets:space_offer_detail", args=[offered.pk])
    assert 'id="withdraw-form"' in client.get(detail).content.decode()
    url = reverse("assets:space_withdraw", args=[offered.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == detail
    assert offers() == [(offered.floor_id, offered.room_id, SpaceListingStatus.WITHDRAWN)]
    again = client.post(url)
    assert again.status_code == 409
    assert "This space is no longer offered: it is withdrawn." in again.content.decode()
    assert list(client.get(SPACE).context["offers"]) == []


def test_a_withdrawal_is_refused_to_whom_the_service_refuses_it(en, space, offered):
    viewer = UserFactory(role=Role.VIEWER, unit=space.bureau)
    url = reverse("assets:space_withdraw", args=[offered.pk])
    response = signed_in(en, viewer).post(url)
    assert response.status_code == 403
    assert "You may not withdraw the space offered in “一号楼”." in response.content.decode()
    mianyang = UserFactory(role=Role.UNIT_OFFICER, unit=UnitFactory(division_code="510703"))
    assert signed_in(Client(), mianyang).post(url).status_code == 403
    SpaceListing.objects.filter(pk=offered.pk).update(share_prefix="510104")
    assert signed_in(Client(), mianyang).post(url).status_code == 404
    assert offers() == [(offered.floor_id, offered.room_id, SpaceListingStatus.PUBLISHED)]


# -- the map layers ----------------------------------------------------------------------------


def placed(building: Building) -> tuple[float, float]:
    """Give ``building`` a footprint around its location; its (lon, lat)."""
    lon, lat = building.geom.x, building.geom.y
    Building.objects.filter(pk=building.pk).update(footprint=square(lon, lat, 0.0002))
    return lon, lat


def drawn(client: Client, layer: str, lonlat: tuple[float, float]) -> list[int]:
    response = client.get(tile_url(layer, tile_at(*lonlat, 15)))
    assert response.status_code == 200
    return [feature["id"] for feature in decode(response).get(layer, [])]


def flagged() -> set[Building]:
    """Buildings over the standard: by the layer's reader, and by the page's figures."""
    reader = set(Building.objects.over_standard())
    assert reader == set(building_space().filter(over_standard=True))
    return reader


def test_the_layer_s_reader_flags_the_buildings_the_figures_flag(space):
    assert flagged() == {space.b2}
    # 2 county section chiefs in 30 m²: 36 m² allowed; B2 is then within (96.01 ≤ 102)
    occupy(space.wuhou, space.b2, "0.00", section_chief=2, other=[3], staff="many")
    assert flagged() == set()
    # a later edition, with a limit for staff only: the chiefs count for nothing; B1 is
    # within (13 staff × 20 m²), B2 is not (2 × 20 m² for 96.01 m²)
    SpaceStandard.objects.bulk_create(
        SpaceStandard(edition="2024", government_level=level, rank="staff", post="-", area_m2=20)
        for level in ("province", "city", "county")
    )
    assert flagged() == {space.b2}
    SpaceStandard.objects.all().delete()  # nothing allowed: every building with staff
    assert flagged() == {space.b1, space.b2}
    Building.objects.filter(pk=space.b1.pk).update(name="三号楼")
    assert Building.objects.over_standard().filter(name="三号楼").get() == space.b1


def test_the_office_space_layer_draws_the_buildings_over_the_standard_one_may_see(space):
    b1, b2 = placed(space.b1), placed(space.b2)
    admin = signed_in(Client(), space.users["province_admin"])
    assert drawn(admin, "office_space", b2) == [space.b2.pk]
    assert drawn(admin, "office_space", b1) == []  # within the standard
    assert drawn(admin, "buildings", b1) == [space.b1.pk]
    # 武侯's officer reads B2 (its unit manages it); 锦江's officer does not
    assert drawn(signed_in(Client(), space.users["wuhou_officer"]), "office_space", b2) == [
        space.b2.pk
    ]
    assert drawn(signed_in(Client(), space.users["officer"]), "office_space", b2) == []


def test_the_shareable_space_layer_draws_live_offers_where_they_are_shared(space, offered):
    at = (space.b1.geom.x, space.b1.geom.y)
    mianyang = UserFactory(role=Role.UNIT_OFFICER, unit=UnitFactory(division_code="510703"))
    reader = signed_in(Client(), mianyang)
    assert drawn(reader, "shareable_space", at) == [offered.pk]
    SpaceListing.objects.filter(pk=offered.pk).update(share_prefix="510104")
    assert drawn(reader, "shareable_space", at) == []
    officer = signed_in(Client(), space.users["officer"])
    assert drawn(officer, "shareable_space", at) == [offered.pk]
    SpaceListing.objects.filter(pk=offered.pk).update(status=SpaceListingStatus.WITHDRAWN)
    assert drawn(officer, "shareable_space", at) == []


def test_a_tile_of_office_space_changes_with_the_occupancies(space):
    at = placed(space.b1)
    admin = signed_in(Client(), space.users["province_admin"])
    url = tile_url("office_space", tile_at(*at, 15))
    etag = admin.get(url)["ETag"]
    assert admin.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    occupancy = space.occupancies["bureau_b1"]
    occupancy.usable_area_m2 = Decimal("500.00")  # B1 goes over the standard
    occupancy.save()
    response = admin.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert [f["id"] for f in decode(response)["office_space"]] == [space.b1.pk]


@pytest.mark.parametrize("layer", ["office_space", "shareable_space"])
def test_a_map_selection_of_the_layers_is_exported(space, offered, layer):
    placed(space.b2)
    admin = signed_in(Client(), space.users["province_admin"])
    for export in ("maps:query_xlsx", "maps:query_csv"):
        response = admin.get(reverse(export), {"layer": layer})
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body
