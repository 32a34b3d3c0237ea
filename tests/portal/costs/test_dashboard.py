"""The dashboard's figures on the hand-made world of ``dashboard_world``: division figures are
ratios of sums, the ranking orders units by the indicator, the reader's scope limits every
figure, final and provisional years, the GeoJSON, and the pages answer."""

import itertools
import json
from decimal import Decimal

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.core.choices import Confidentiality
from portal.costs.choices import CampaignStatus, CostCategory
from portal.costs.dashboard import (
    COLOURS,
    NO_DATA,
    DashboardFilter,
    build_dashboard,
    classes,
    colour_for,
    shown,
)
from portal.costs.indicators import INDICATORS
from portal.costs.models import CostCampaign, EnergyFactor
from portal.org.models import AdminDivision
from tests.factories import UnitFactory
from tests.portal.costs.dashboard_world import YEAR, build_world, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def regions(dashboard):
    return {r.code: r for r in dashboard.regions}


def value(dashboard, code):
    return regions(dashboard)[code].value(dashboard.filters.indicator)


def test_city_figures_are_ratios_of_sums(w):
    dashboard = build_dashboard(w.province_admin, DashboardFilter(YEAR))
    assert value(dashboard, "510100") == Decimal("142.50")
    chengdu = regions(dashboard)["510100"]
    assert (chengdu.units, chengdu.total_yuan) == (3, Decimal("57000.00"))
    mianyang = regions(dashboard)["510700"]
    assert mianyang.value("per_m2_yuan") is None
    assert (mianyang.units, mianyang.total_yuan, mianyang.colour) == (0, Decimal("8000"), NO_DATA)
    assert dashboard.unplaced.units == 1
    assert dashboard.unplaced.total_yuan == Decimal("5000.00")
    assert dashboard.value == Decimal("137.78")  # 62000 / 450
    assert dashboard.total.total_yuan == Decimal("70000.00")


def test_region_totals_add_up_to_the_whole(w):
    dashboard = build_dashboard(w.province_admin, DashboardFilter(YEAR, level="county"))
    parts = sum(r.total_yuan for r in dashboard.regions) + dashboard.unplaced.total_yuan
    assert parts == dashboard.total.total_yuan == Decimal("70000.00")
    assert sum(dashboard.by_category.values()) == dashboard.total.total_yuan
    assert value(dashboard, "510104") == value(dashboard, "510107") == Decimal("150.00")
    assert dashboard.unplaced.units == 2  # 丁 (city) and 戊 (province)


def test_division_prefix_keeps_its_units_only(w):
    dashboard = build_dashboard(
        w.province_admin, DashboardFilter(YEAR, level="county", prefix="5101")
    )
    assert set(regions(dashboard)) == {"510104", "510107"}
    assert {r.unit_name for r in dashboard.rows} == {"甲单位", "乙单位", "丁单位"}


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ("per_person_yuan", Decimal("1628.57")),  # 57000 / 35
        ("execution_rate", Decimal("0.9000")),  # (15000 + 30000) / (20000 + 30000)
        ("yoy_change", Decimal("0.5000")),  # only 甲 has 2023: (15000 − 10000) / 10000
        ("water_per_person_m3", Decimal("10.00")),  # 100 m³ / 甲's 10 staff
        ("per_vehicle_yuan", Decimal("0.00")),  # 甲's 2 vehicles cost nothing this year
    ],
)
def test_other_indicators_by_city(w, indicator, expected):
    dashboard = build_dashboard(w.province_admin, DashboardFilter(YEAR, indicator=indicator))
    assert value(dashboard, "510100") == expected


def test_energy_uses_the_factor_table(w):
    # Set here: a transactional (browser) test before this one flushes the seeded factors.
    EnergyFactor.objects.update_or_create(
        category=CostCategory.ELECTRICITY,
        defaults={"unit": "kWh", "kgce_per_unit": Decimal("0.1229")},
    )
    dashboard = build_dashboard(
        w.province_admin, DashboardFilter(YEAR, indicator="energy_per_m2_kgce")
    )
    # Only 甲 metered energy: 10000 kWh × 0.1229 / 100 m².
    assert value(dashboard, "510100") == Decimal("12.29")


def test_ranking_highest_first_and_missing_last(w):
    dashboard = build_dashboard(w.province_admin, DashboardFilter(YEAR))
    ranking = [(r.rank, r.row.unit_name, r.value) for r in dashboard.ranking]
    assert ranking == [
        (1, "乙单位", Decimal("150.00")),
        (2, "甲单位", Decimal("150.00")),
        (3, "丁单位", Decimal("120.00")),
        (4, "戊单位", Decimal("100.00")),
        (None, "丙单位", None),
    ]


def test_county_admin_sees_his_county_only(w):
    dashboard = build_dashboard(w.county_admin, DashboardFilter(YEAR))
    assert [r.unit_name for r in dashboard.rows] == ["甲单位"]
    assert value(dashboard, "510100") == Decimal("150.00")
    assert regions(dashboard)["510700"].total_yuan == 0
    assert dashboard.total.total_yuan == Decimal("15000.00")


def test_classified_building_records_are_left_out(w):
    w.tower.confidentiality = Confidentiality.SECRET
    w.tower.save()
    hidden = build_dashboard(w.county_admin, DashboardFilter(YEAR))
    assert hidden.total.total_yuan == Decimal("12000.00")  # 甲's 3000 on the tower is hidden


def test_provisional_until_published(w):
    assert build_dashboard(w.province_admin, DashboardFilter(YEAR)).final is False
    CostCampaign.objects.filter(year=YEAR).update(status=CampaignStatus.PUBLISHED)
    assert build_dashboard(w.province_admin, DashboardFilter(YEAR)).final is True


def test_colour_classes():
    values = [Decimal("100"), Decimal("150"), Decimal("200")]
    bounds = classes(values)
    assert bounds == [Decimal("120"), Decimal("140"), Decimal("160"), Decimal("180")]
    assert [colour_for(v, bounds) for v in values] == [COLOURS[0], COLOURS[2], COLOURS[4]]
    assert colour_for(None, bounds) == NO_DATA
    assert shown("yoy_change", Decimal("0.1234")) == "12.3%"
    assert shown("per_m2_yuan", Decimal("1234.50")) == "1,234.50"


def test_geojson_endpoint(client, w):
    client.force_login(w.province_admin)
    response = client.get(reverse("costs:map_divisions"), {"year": YEAR})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    by_code = {f["properties"]["code"]: f for f in collection["features"]}
    assert by_code["510100"]["properties"]["value"] == "142.50"
    assert by_code["510700"]["properties"]["value"] is None
    geometry = by_code["510100"]["geometry"]
    assert geometry["type"] in {"Polygon", "MultiPolygon"}
    ring = geometry["coordinates"][0]
    ring = ring[0] if geometry["type"] == "MultiPolygon" else ring
    lon, lat = ring[0]
    assert 103 < lon < 105  # lon/lat order
    assert 30 < lat < 31.5
    assert all(len(str(c).split(".")[-1]) <= 7 for point in ring for c in point)


def test_dashboard_page(client, w):
    client.force_login(w.province_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(reverse("costs:dashboard"), {"year": YEAR})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="costs-regions"' in text
    assert "137.78" in text
    assert "provisional" in text
    assert reverse("costs:unit_costs", args=[w.yi.pk]) in text


def test_dashboard_defaults_to_the_latest_year(client, w):
    client.force_login(w.province_admin)
    response = client.get(reverse("costs:dashboard"))
    assert response.context["dashboard"].filters.year == YEAR


def test_dashboard_opens_on_the_latest_published_year(client, w):
    # The fleet feeds next year's vehicle costs long before that year's round is published.
    record(w.jia, "900", CostCategory.VEHICLES, year=YEAR + 1)
    client.force_login(w.province_admin)
    assert client.get(reverse("costs:dashboard")).context["dashboard"].filters.year == YEAR + 1
    CostCampaign.objects.filter(year=YEAR).update(status=CampaignStatus.PUBLISHED)
    assert client.get(reverse("costs:dashboard")).context["dashboard"].filters.year == YEAR


@pytest.mark.parametrize(
    "params", [{"year": "1999"}, {"indicator": "nonsense"}, {"division": "5x"}, {"level": "moon"}]
)
def test_bad_parameters_answer_400(client, w, params):
    client.force_login(w.province_admin)
    response = client.get(reverse("costs:dashboard"), params)
    assert response.status_code == 400
    assert response.context["dashboard"] is None


def test_ranking_page_lists_every_unit_with_outlier_reason(client, w):
    client.force_login(w.county_admin)
    response = client.get(reverse("costs:ranking"), {"year": YEAR})
    assert response.status_code == 200
    assert [r.row.unit_name for r in response.context["dashboard"].ranking] == ["甲单位"]
    assert "乙单位" not in response.content.decode()


def test_pages_need_sign_in(client, w):
    response = client.get(reverse("costs:dashboard"))
    assert response.status_code == 302


def test_unit_page_charts_and_years(client, w):
    client.force_login(w.province_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(reverse("costs:unit_costs", args=[w.jia.pk]))
    assert response.status_code == 200
    trend = response.context["trend"]
    assert [row.year for row in trend.rows] == [YEAR - 1, YEAR]
    assert [row.total_yuan for row in trend.rows] == [Decimal("10000.00"), Decimal("15000.00")]
    text = response.content.decode()
    assert text.count("<svg") == 5
    assert "<script" not in text.split("<main", 1)[1]
    assert "style=" not in text.split("<main", 1)[1]
    assert trend.buildings == [(w.tower.pk, "锦江大楼", Decimal("3000.00"))]


def test_unit_page_sets_each_category_against_its_budget(client, w):
    client.force_login(w.province_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(reverse("costs:unit_costs", args=[w.jia.pk]))
    lines = {line.label: line for line in response.context["trend"].budgets}
    assert len(lines) == len(CostCategory.choices)
    prop = lines[str(CostCategory.PROPERTY.label)]
    assert (prop.budget, prop.actual, prop.execution) == (
        Decimal("20000.00"),
        Decimal("10000.00"),
        "50.0%",
    )
    power = lines[str(CostCategory.ELECTRICITY.label)]
    assert (power.budget, power.actual, power.execution) == (None, Decimal("4700.00"), "—")
    assert f"Budget against actual by category, {YEAR}" in response.content.decode()


def test_unit_page_is_scoped(client, w):
    client.force_login(w.county_admin)
    assert client.get(reverse("costs:unit_costs", args=[w.yi.pk])).status_code == 404
    assert client.get(reverse("costs:unit_costs", args=[w.jia.pk])).status_code == 200


def test_building_drill_down(client, w):
    record(w.jia, "2000", CostCategory.REPAIRS, building=w.tower, year=YEAR - 1)
    client.force_login(w.county_admin)
    response = client.get(reverse("costs:building_costs", args=[w.tower.pk]))
    assert response.status_code == 200
    costs = response.context["costs"]
    assert costs.area_m2 == Decimal("500")
    years = {line.year: line for line in costs.years}
    assert years[YEAR].total_yuan == Decimal("3000.00")
    assert years[YEAR].per_m2_yuan == Decimal("6.00")
    assert years[YEAR - 1].by_category[CostCategory.REPAIRS] == Decimal("2000.00")
    assert costs.total_yuan == Decimal("5000.00")
    assert costs.units == ["甲单位"]


def test_building_drill_down_is_scoped(client, w):
    client.force_login(w.officer)  # 乙's officer: neither manages nor reports on the tower
    assert client.get(reverse("costs:building_costs", args=[w.tower.pk])).status_code == 404
    w.tower.confidentiality = Confidentiality.SECRET
    w.tower.save()
    client.force_login(w.county_admin)
    assert client.get(reverse("costs:building_costs", args=[w.tower.pk])).status_code == 404


def test_query_count_does_not_grow_with_units(w, django_assert_num_queries):
    filters = DashboardFilter(YEAR, indicator="water_per_person_m3")
    with CaptureQueriesContext(connection) as few:
        build_dashboard(w.province_admin, filters)
    for name in ("己", "庚", "辛"):
        record(UnitFactory(name=f"{name}单位", division_code="510107"), "100")
    with django_assert_num_queries(len(few)):
        build_dashboard(w.province_admin, filters)


def test_execution_rate_counts_only_units_with_a_budget(w):
    dashboard = build_dashboard(w.province_admin, DashboardFilter(YEAR))
    # 甲 and 乙 have budgets: (15000 + 30000) / (20000 + 30000); 丙, 丁 and 戊 spend without one.
    assert dashboard.budget_yuan == Decimal("50000.00")
    assert dashboard.execution_rate == Decimal("0.9000")
    assert dashboard.execution_text == "90.0%"
    by_rate = build_dashboard(w.province_admin, DashboardFilter(YEAR, indicator="execution_rate"))
    assert by_rate.value == dashboard.execution_rate


def signed_area(ring):
    """Twice the shoelace area: positive for a counter-clockwise ring."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))


def test_geojson_rings_follow_the_right_hand_rule(client, w):
    jinjiang = AdminDivision.objects.get(code="510104")
    (polygon,) = jinjiang.geom
    jinjiang.geom = MultiPolygon(Polygon(tuple(reversed(polygon.exterior_ring.coords))), srid=4490)
    jinjiang.save()
    client.force_login(w.province_admin)
    response = client.get(reverse("costs:map_divisions"), {"year": YEAR, "level": "county"})
    by_code = {f["properties"]["code"]: f for f in json.loads(response.content)["features"]}
    assert by_code["510104"]["properties"]["value"] == "150.00"
    for feature in by_code.values():
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        polygons = [polygons] if geometry["type"] == "Polygon" else polygons
        for rings in polygons:
            assert signed_area(rings[0]) > 0  # exterior counter-clockwise (RFC 7946)


def test_every_indicator_costs_the_same_queries(w):
    counts = {}
    for indicator in INDICATORS:
        with CaptureQueriesContext(connection) as queries:
            build_dashboard(w.province_admin, DashboardFilter(YEAR, indicator=indicator))
        counts[indicator] = len(queries)
    assert len(set(counts.values())) == 1, counts


def test_unit_charts_leave_a_year_without_records_empty(client, w):
    record(w.jia, "9000", year=YEAR - 3)
    client.force_login(w.province_admin)
    trend = client.get(reverse("costs:unit_costs", args=[w.jia.pk])).context["trend"]
    assert [row.year for row in trend.rows] == [YEAR - 3, YEAR - 1, YEAR]
    total_chart = str(trend.charts[0])
    for year in range(YEAR - 3, YEAR + 1):
        assert f">{year}</text>" in total_chart
    assert total_chart.count('class="chart-bar"') == 3  # none for the year between
    execution = str(trend.charts[-1])  # only 2024 has a budget: one dot, no line
    assert (execution.count("<circle"), execution.count("<polyline")) == (1, 0)
