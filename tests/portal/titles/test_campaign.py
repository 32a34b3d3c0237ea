"""The campaign's figures on a crafted campaign, its scoping, and the dashboard page."""

import json

import pytest
from django.urls import reverse

from portal.parcels.campaign import (
    COLOURS,
    NO_CASES,
    CampaignFilter,
    build_campaign,
    colour_for,
    legend,
)
from portal.parcels.choices import CaseStatus, ConflictKind
from tests.portal.titles.campaign_data import FORMULA_NAME, build_campaign_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return build_campaign_data()


def by_code(campaign):
    return {tally.code: tally for tally in campaign.divisions}


def test_figures_by_city(data):
    campaign = build_campaign(data.province_admin, CampaignFilter("city"))
    chengdu, mianyang = by_code(campaign)["510100"], by_code(campaign)["510700"]
    assert chengdu.name == "成都市"
    assert chengdu.total == 7
    assert chengdu.counts == {
        CaseStatus.REGISTERED: 1,
        CaseStatus.FILED: 1,
        CaseStatus.EXEMPT: 1,
        CaseStatus.COLLECTED: 1,
        CaseStatus.VERIFIED: 1,
        CaseStatus.NOT_STARTED: 2,
    }
    assert (chengdu.closed, chengdu.registered, chengdu.overdue) == (3, 1, 2)
    assert chengdu.closed_percent == pytest.approx(42.9)
    assert chengdu.registered_percent == pytest.approx(14.3)
    assert (mianyang.total, mianyang.registered, mianyang.overdue) == (2, 1, 1)
    assert (campaign.total.total, campaign.total.closed, campaign.overdue_count) == (9, 4, 3)
    assert campaign.unplaced is None


def test_figures_by_county_and_statuses_in_choice_order(data):
    campaign = build_campaign(data.province_admin, CampaignFilter("county"))
    counties = by_code(campaign)
    assert sorted(counties) == ["510104", "510107", "510703"]
    assert counties["510104"].total == 6
    assert counties["510107"].statuses == [1, 0, 0, 0, 0, 0, 0, 0]
    assert len(counties["510104"].statuses) == len(CaseStatus.values)


def test_overdue_is_open_and_past_due(data):
    campaign = build_campaign(data.province_admin, CampaignFilter("city"))
    statuses = [case.status for case in campaign.overdue_cases]
    assert statuses == [CaseStatus.DISPUTED, CaseStatus.COLLECTED, CaseStatus.VERIFIED]
    assert data.late_case in campaign.overdue_cases


def test_units_most_overdue_first(data):
    campaign = build_campaign(data.province_admin, CampaignFilter("city"))
    names = [tally.name for tally in campaign.units]
    # One overdue each but the last; then most open cases (A has two); then by name.
    assert names == ["锦江区甲单位", "涪城区丙单位", "锦江区乙单位", FORMULA_NAME]
    assert campaign.unit_count == 4
    assert campaign.units[0].total == 4


def test_conflicts_by_kind_count_only_open_findings(data):
    campaign = build_campaign(data.province_admin, CampaignFilter("city"))
    kinds = {k.kind: k.count for k in campaign.conflict_kinds}
    assert kinds[ConflictKind.PARCEL_OVERLAP] == 2
    assert kinds[ConflictKind.AREA_MISMATCH] == 1
    assert len(kinds) == len(ConflictKind.values)
    assert campaign.conflict_count == 3
    assert {finding.key for finding in campaign.conflicts} == {"1:2", "3:4", "ZD-000009"}


def test_secret_building_hidden_without_clearance(data):
    plain = build_campaign(data.province_admin, CampaignFilter("city"))
    cleared = build_campaign(data.cleared_admin, CampaignFilter("city"))
    assert data.secret_case not in plain.overdue_cases
    assert data.secret_case in cleared.overdue_cases
    assert (cleared.total.total, cleared.overdue_count) == (10, 4)


def test_unit_officer_sees_only_own_unit(data):
    campaign = build_campaign(data.officer_a, CampaignFilter("county"))
    assert campaign.total.total == 4
    assert campaign.overdue_count == 1
    assert [tally.name for tally in campaign.units] == ["锦江区甲单位"]
    assert by_code(campaign)["510703"].total == 0  # the region is drawn, but counts nothing
    assert campaign.conflict_count == 2


def test_county_administrator_sees_the_county(data):
    campaign = build_campaign(data.county_admin, CampaignFilter("city"))
    assert campaign.total.total == 6
    assert {tally.name for tally in campaign.units} == {"锦江区甲单位", "锦江区乙单位"}
    assert all(f.unit.division.code == "510104" for f in campaign.conflicts)


def test_division_prefix_filter(data):
    campaign = build_campaign(data.province_admin, CampaignFilter("county", "5107"))
    assert [t.code for t in campaign.divisions] == ["510703"]
    assert campaign.total.total == 2
    assert campaign.conflict_count == 1
    city = build_campaign(data.province_admin, CampaignFilter("city", "510104"))
    assert [t.code for t in city.divisions] == ["510100"]  # the city holding the county
    assert city.total.total == 6


def test_regions_geojson_carries_share_and_colour(data):
    campaign = build_campaign(data.province_admin, CampaignFilter("city"))
    features = {f["properties"]["code"]: f for f in campaign.regions["features"]}
    chengdu = features["510100"]
    assert chengdu["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert chengdu["properties"]["share"] == pytest.approx(14.3)
    assert chengdu["properties"]["colour"] == COLOURS[0]
    assert features["510700"]["properties"]["colour"] == COLOURS[2]  # 50%


def test_classes():
    assert colour_for(None) == NO_CASES
    assert [colour_for(s) for s in (0, 0.199, 0.2, 0.5, 0.8, 1.0)] == [
        COLOURS[0], COLOURS[0], COLOURS[1], COLOURS[2], COLOURS[4], COLOURS[4]
    ]  # fmt: skip
    assert legend()[0] == (COLOURS[0], "0–20%")
    assert legend()[-1][0] == NO_CASES


def test_page_shows_the_figures(client, data):
    client.force_login(data.province_admin)
    response = client.get(reverse("parcels:campaign"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="figure-cases">9</dd>' in html
    assert '<dd id="figure-overdue">3</dd>' in html
    assert '<dd id="figure-conflicts">3</dd>' in html
    assert "成都市" in html
    assert "锦江区甲单位" in html
    assert data.late_case.get_absolute_url() in html
    assert reverse("parcels:campaign_pdf") in html
    assert reverse("parcels:campaign_map") in html
    marker = '<script id="campaign-regions" type="application/json">'
    regions = json.loads(html.split(marker)[1].split("</script>")[0])
    assert {f["properties"]["code"] for f in regions["features"]} == {"510100", "510700"}
    assert "<script>" not in html  # data goes through json_script only


def test_page_scoped_for_an_officer(client, data):
    client.force_login(data.officer_a)
    html = client.get(reverse("parcels:campaign"), {"level": "county"}).content.decode()
    assert '<dd id="figure-cases">4</dd>' in html
    assert "涪城区丙单位" not in html
    assert "锦江区乙单位" not in html


def test_bad_division_is_a_400_with_the_reason(client, data):
    client.force_login(data.province_admin)
    for view in ("parcels:campaign", "parcels:campaign_xlsx", "parcels:campaign_pdf"):
        response = client.get(reverse(view), {"division": "51ab"})
        assert response.status_code == 400
        assert response.context["form"].errors["division"]


def test_sign_in_required(client, db):
    for view in ("campaign", "campaign_xlsx", "campaign_pdf", "campaign_map"):
        response = client.get(reverse(f"parcels:{view}"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_nav_links_to_the_campaign(client, data):
    client.force_login(data.officer_a)
    html = client.get(reverse("maps:dashboard")).content.decode()
    assert f'href="{reverse("parcels:campaign")}"' in html
