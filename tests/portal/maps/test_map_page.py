"""The map page renders its data for the JavaScript with json_script and points only at itself."""

import json
import re

import pytest
from django.urls import reverse

from portal.maps.layers import LAYERS
from portal.org.choices import Role
from tests.factories import UserFactory, division
from tests.portal.core.test_offline import EXTERNAL

pytestmark = pytest.mark.django_db

SCRIPT_OR_LINK = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)="([^"]+)\"""")


@pytest.fixture
def page(client):
    division("510104")
    client.force_login(UserFactory(role=Role.PROVINCE_ADMIN))
    response = client.get(reverse("maps:map"))
    assert response.status_code == 200
    return response.content.decode()


def json_script(html: str, element_id: str) -> dict:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


def test_map_needs_login(client):
    response = client.get(reverse("maps:map"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_layers_reach_the_script_with_their_tiles_legend_and_filters(page):
    config = json_script(page, "map-config")
    layers = {layer["name"]: layer for layer in config["layers"]}
    assert list(layers) == list(LAYERS)
    assets = layers["assets"]
    assert assets["tiles"] == "/tiles/assets/{z}/{x}/{y}.pbf"
    assert assets["tilejson"] == "/tiles/assets.json"
    assert assets["detail_path"] == "/assets/{pk}/"
    assert assets["aggregate_below_zoom"] == LAYERS["assets"].aggregate_below_zoom
    assert {entry["value"] for entry in assets["legend"]} >= {"in_use", "idle", "disposed"}
    assert set(assets["filters"]) == {
        "status",
        "category",
        "min_value",
        "max_value",
        "acquired_after",
        "acquired_before",
    }
    assert assets["common_filters"] == ["division", "unit"]
    assert config["urls"]["search"] == reverse("maps:search")


def test_offline_basemap_is_local_and_strings_are_translated(page):
    config = json_script(page, "map-config")
    offline = config["basemaps"]["offline"]
    assert offline["divisions"] == "/divisions/basemap.geojson"
    assert offline["hillshade"]["url"].startswith("/static/maps/basemap/hillshade")
    (south, west), (north, east) = offline["hillshade"]["bounds"]
    assert west < 97.35
    assert east > 110.2
    assert south < 26.05
    assert north > 34.32
    assert config["basemaps"]["tiles"] == []
    strings = json_script(page, "map-strings")
    assert strings["details"]
    assert "{count}" in strings["cell_count"]


def test_filter_panel_uses_filterset_parameter_names(page):
    assert 'name="division"' in page
    assert 'name="unit"' in page
    assert 'name="assets.status" value="idle"' in page
    assert 'name="parcels.title_status" value="disputed"' in page
    assert 'name="assets.min_value"' in page
    assert 'type="date"' in page
    assert '<option value="510104">' in page


def test_page_references_only_its_own_host_and_has_no_inline_code(page):
    assert not EXTERNAL.search(page), EXTERNAL.search(page).group(0)
    for url in SCRIPT_OR_LINK.findall(page):
        assert url.startswith("/"), url
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert inline == []
    assert not re.search(r"<[^>]+\son[a-z]+=", page), "inline event handler"


def test_english_page_has_english_strings(client):
    client.force_login(UserFactory(role=Role.PROVINCE_ADMIN))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("maps:map"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert json_script(page, "map-strings")["details"] == "Details"
