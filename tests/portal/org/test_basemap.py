import json

import pytest
from django.urls import reverse

from tests.factories import UserFactory, division

pytestmark = pytest.mark.django_db


def test_basemap_is_rfc7946_and_cached(client):
    division("510104")
    client.force_login(UserFactory())
    response = client.get(reverse("org:division_basemap"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    levels = {feature["properties"]["level"] for feature in body["features"]}
    assert levels == {"city", "county"}
    for feature in body["features"]:
        assert "crs" not in feature["geometry"]
        position = feature["geometry"]["coordinates"]
        while isinstance(position[0], list):
            position = position[0]
        lon, lat = position
        assert 97 < lon < 111  # lon/lat order
        assert 26 < lat < 35
    again = client.get(reverse("org:division_basemap"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_basemap_needs_login(client):
    assert client.get(reverse("org:division_basemap")).status_code == 302
