"""The dashboard counts only what the user may see, by division, status, class and title."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.assets.models import AssetCategory
from portal.core.choices import Confidentiality
from tests.factories import AssetFactory, CategoryFactory, ParcelFactory, UnitFactory, division

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(jinjiang, fucheng):
    """锦江: 3,000 in use (from the county fixture), 1,000 idle, 2,000 disposed, a secret 9,000.
    涪城: 3,000 in use and 4,000 over standard. The province's own office: 500 in use."""
    unit = jinjiang.unit
    furniture = CategoryFactory(code="6010000", name="家具")
    AssetCategory.objects.create(code="2000000", name="通用设备")
    AssetCategory.objects.create(code="6000000", name="家具、用具、装具及动植物")
    AssetFactory(holder=unit, status="idle", net_value=Decimal("1000"), category=furniture)
    AssetFactory(holder=unit, status="disposed", net_value=Decimal("2000"))
    AssetFactory(
        holder=unit,
        original_value=Decimal("9000"),
        net_value=Decimal("9000"),
        confidentiality=Confidentiality.SECRET,
    )
    AssetFactory(holder=fucheng.unit, status="over_standard", net_value=Decimal("4000"))
    province = UnitFactory(division_code="510000", level="province")
    AssetFactory(holder=province, net_value=Decimal("500"))
    ParcelFactory(holder=unit, title_status="registered")
    return jinjiang, fucheng


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("maps:dashboard"), params)
    assert response.status_code == 200
    return response


def region(stats, code):
    return next(
        f["properties"] for f in stats.regions["features"] if f["properties"]["code"] == code
    )


def test_officer_counts_only_its_units_visible_assets(client, officer, registry):
    stats = dashboard(client, officer).context["stats"]
    assert (stats.count, stats.value) == (3, Decimal("6000"))
    assert region(stats, "510100")["count"] == 3
    assert region(stats, "510700")["count"] == 0
    assert stats.unplaced is None
    statuses = {g.key: g.count for g in stats.by_status}
    assert (statuses["in_use"], statuses["idle"], statuses["over_standard"]) == (1, 1, 0)


def test_province_admin_sees_every_division(client, province_admin, registry):
    stats = dashboard(client, province_admin).context["stats"]
    assert stats.count == 6, "the secret asset needs clearance, even for the province"
    assert (region(stats, "510100")["count"], region(stats, "510700")["count"]) == (3, 2)
    assert region(stats, "510100")["value"] == 6000
    assert (stats.unplaced.count, stats.unplaced.total) == (1, Decimal("500"))


def test_county_level_puts_assets_in_their_county(client, province_admin, registry):
    division("510107")  # a county without assets is drawn all the same
    stats = dashboard(client, province_admin, level="county").context["stats"]
    assert {f["properties"]["code"] for f in stats.regions["features"]} == {
        "510104",
        "510107",
        "510703",
    }
    counts = [region(stats, code)["count"] for code in ("510104", "510107", "510703")]
    assert counts == [3, 0, 2]


def test_an_unknown_level_falls_back_to_cities(client, officer, registry):
    assert dashboard(client, officer, level="planet").context["stats"].level == "city"


def test_idle_rate_counts_idle_over_standard_and_inefficient_on_the_ledger(
    client, province_admin, registry
):
    idle = dashboard(client, province_admin).context["stats"].idle
    # On the ledger: all visible but the disposed asset (5); idle 1,000 and over standard 4,000.
    assert (idle.count, idle.of_count) == (2, 5)
    assert (idle.value, idle.of_value) == (Decimal("5000"), Decimal("11500"))
    assert idle.count_percent == 40.0


def test_categories_are_grouped_by_top_class(client, officer, registry):
    stats = dashboard(client, officer).context["stats"]
    assert [(g.label, g.count) for g in stats.by_category] == [
        ("通用设备", 2),
        ("家具、用具、装具及动植物", 1),
    ]


def test_title_progress_counts_visible_parcels(client, officer, fucheng_admin, registry):
    stats = dashboard(client, officer).context["stats"]
    titles = {g.key: g.count for g in stats.title}
    assert (titles["registered"], titles["unregistered"]) == (1, 1)
    assert (stats.titled.count, stats.titled.of_count) == (1, 2)
    other = dashboard(client, fucheng_admin).context["stats"]
    assert other.titled.of_count == 1


def test_page_hands_the_charts_their_data(client, officer, registry):
    body = dashboard(client, officer).content.decode()
    data = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', body).group(1))
    assert data["regions"]["type"] == "FeatureCollection"
    assert {s["key"] for s in data["status"]} >= {"in_use", "idle", "over_standard"}
    assert 'id="chart-regions"' in body
    assert "maps/vendor/echarts/echarts.min.js" in body
    assert 'id="table-regions"' in body


def test_dashboard_query_count_is_pinned(
    client, province_admin, registry, django_assert_max_num_queries
):
    division("510107")
    client.force_login(province_admin)
    # Session, user; status, class, class names, title, by division, choropleth; warehouse:
    # value reallocated, open listings, idle rate; session save (3).
    with django_assert_max_num_queries(14):
        client.get(reverse("maps:dashboard"))


def test_dashboard_needs_login(client):
    response = client.get(reverse("maps:dashboard"))
    assert response.status_code == 302
