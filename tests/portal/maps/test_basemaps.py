"""TIANFU_BASEMAPS: configured tile basemaps are checked, named in errors, and reach the page."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from portal.maps.basemaps import TileBasemap, configured_basemaps
from portal.maps.checks import check_basemaps
from portal.org.choices import Role
from tests.factories import UserFactory

TIANDITU = {
    "name": "tianditu-vec",
    "label": "天地图矢量",
    "url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
    "labels_url": "https://t{s}.tianditu.gov.cn/cva_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
    "subdomains": "01234567",
    "tk": "key",
    "attribution": "天地图",
    "approval_no": "GS(2099)0001号",
}


def test_entries_become_basemaps_with_defaults(settings):
    settings.TIANFU_BASEMAPS = [
        TIANDITU,
        {"name": "intranet", "url": "/tiles/osm/{z}/{x}/{y}.png", "attribution": "局域网"},
    ]
    tianditu, intranet = configured_basemaps()
    assert tianditu == TileBasemap(**TIANDITU)
    assert (intranet.label, intranet.max_zoom, intranet.gcj02, intranet.approval_no) == (
        "intranet",
        18,
        False,
        "",
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {**TIANDITU, "url": "https://t0.example/{z}/{x}"},
            r"\[0\]: url must contain \{z\}, \{x\} and \{y\}",
        ),
        (
            {**TIANDITU, "url": "javascript:alert(1)//{z}{x}{y}"},
            r"url must be an http\(s\) URL or a path",
        ),
        ({**TIANDITU, "attribution": " "}, "attribution is required"),
        ({**TIANDITU, "zoom": 3}, "unknown keys zoom"),
        ({**TIANDITU, "name": "Tianditu Vec"}, "name must be"),
        ({**TIANDITU, "gcj02": "yes"}, "gcj02 must be true or false"),
        ({**TIANDITU, "max_zoom": 30}, "max_zoom must be"),
        ("tianditu", "each entry must be a JSON object"),
    ],
)
def test_a_bad_entry_names_itself_and_the_key(settings, entry, message):
    settings.TIANFU_BASEMAPS = [entry]
    with pytest.raises(ImproperlyConfigured, match=message):
        configured_basemaps()


def test_names_are_unique_and_the_setting_is_a_list(settings):
    settings.TIANFU_BASEMAPS = [TIANDITU, TIANDITU]
    with pytest.raises(ImproperlyConfigured, match="unique"):
        configured_basemaps()
    settings.TIANFU_BASEMAPS = {"name": "x"}
    with pytest.raises(ImproperlyConfigured, match="must be a JSON list"):
        configured_basemaps()


def test_system_check_reports_a_bad_setting(settings):
    settings.TIANFU_BASEMAPS = [{**TIANDITU, "attribution": ""}]
    (error,) = check_basemaps(None)
    assert error.id == "maps.E001"
    assert "TIANFU_BASEMAPS[0]" in error.msg
    settings.TIANFU_BASEMAPS = [TIANDITU]
    assert check_basemaps(None) == []


@pytest.mark.django_db
def test_configured_basemap_is_offered_with_its_credit(client, settings):
    settings.TIANFU_BASEMAPS = [TIANDITU]
    client.force_login(UserFactory(role=Role.VIEWER))
    page = client.get(reverse("maps:map")).content.decode()
    assert '<input type="radio" name="basemap" value="tianditu-vec">' in page
    assert "GS(2099)0001" in page  # in the json_script data, shown in the attribution line
