"""The conflict register's pages and map layer: scoped like every registry, decisions recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.core.choices import Confidentiality
from portal.core.history import load_events
from portal.org.choices import Role
from portal.parcels.choices import ConflictKind, FindingStatus
from portal.parcels.conflicts import detect_conflicts
from portal.parcels.models import ConflictRun, Finding
from tests.factories import UnitFactory, UserFactory
from tests.portal.maps.mvt import decode, tile_at, tile_url
from tests.portal.maps.test_map_page import json_script
from tests.portal.titles.conflict_data import ORIGIN, building, parcel

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two 锦江 units with an overlap each; a secret building of the first stands off any parcel."""
    own, other = UnitFactory(division_code="510104"), UnitFactory(division_code="510104")
    parcel(own, x=0, y=0, w=20, h=20)
    parcel(own, x=15, y=0, w=20, h=20)
    parcel(other, x=100, y=0, w=20, h=20)
    parcel(other, x=115, y=0, w=20, h=20)
    building(own, x=300, y=300, secret=True)
    detect_conflicts()
    return {"own": own, "other": other}


def finding(kind: str, unit) -> Finding:
    return Finding.objects.get(kind=kind, unit=unit)


def login(client, role: str, unit, clearance: str = Confidentiality.INTERNAL):
    user = UserFactory(role=role, unit=unit, clearance=clearance)
    client.force_login(user)
    return user


def listed(client, **query) -> set[int]:
    response = client.get(reverse("parcels:finding_list"), query)
    assert response.status_code == 200
    return {f.pk for f in response.context["findings"]}


def test_an_officer_lists_only_the_findings_of_their_unit(client, world):
    login(client, Role.UNIT_OFFICER, world["own"])
    assert listed(client) == {finding(ConflictKind.PARCEL_OVERLAP, world["own"]).pk}


def test_a_secret_buildings_finding_needs_clearance(client, world):
    outside = finding(ConflictKind.BUILDING_OUTSIDE, world["own"])
    login(client, Role.UNIT_OFFICER, world["own"], clearance=Confidentiality.SECRET)
    assert outside.pk in listed(client)
    login(client, Role.PROVINCE_ADMIN, world["own"])
    assert outside.pk not in listed(client)
    assert len(listed(client)) == 2
    response = client.get(outside.get_absolute_url())
    assert response.status_code == 404


def test_the_list_filters_by_kind_status_and_unit(client, world):
    login(client, Role.PROVINCE_ADMIN, world["own"], clearance=Confidentiality.SECRET)
    assert len(listed(client, kind=ConflictKind.BUILDING_OUTSIDE)) == 1
    assert len(listed(client, status=FindingStatus.RESOLVED)) == 0
    assert listed(client, q=world["other"].name) == {
        finding(ConflictKind.PARCEL_OVERLAP, world["other"]).pk
    }


def test_province_administrators_run_the_detection_from_the_page(client, world):
    login(client, Role.UNIT_OFFICER, world["own"])
    assert client.post(reverse("parcels:finding_list")).status_code == 403
    login(client, Role.PROVINCE_ADMIN, world["own"])
    runs = ConflictRun.objects.count()
    response = client.post(reverse("parcels:finding_list"), follow=True)
    assert ConflictRun.objects.count() == runs + 1
    body = response.content.decode()
    assert 'id="run-counts"' in body
    assert 'id="run-form"' in body


def test_the_detail_explains_maps_and_lets_the_officer_resolve(client, world):
    overlap = finding(ConflictKind.PARCEL_OVERLAP, world["own"])
    officer = login(client, Role.UNIT_OFFICER, world["own"])
    page = client.get(overlap.get_absolute_url())
    assert page.status_code == 200
    assert "m²" in page.context["explanation"][0]
    assert len(page.context["map_data"]["context"]) == 2  # both parcels
    assert page.context["map_data"]["primary"]["geometry"]["type"] == "MultiPolygon"
    choices = [value for value, _ in page.context["decision_form"].fields["decision"].choices]
    assert choices == ["resolve"]
    refused = client.post(overlap.get_absolute_url(), {"decision": "resolve", "reason": ""})
    assert refused.status_code == 400
    done = client.post(overlap.get_absolute_url(), {"decision": "resolve", "reason": "re-surveyed"})
    assert done.status_code == 302
    overlap.refresh_from_db()
    assert (overlap.status, overlap.decided_by) == (FindingStatus.RESOLVED, officer)
    assert load_events(overlap)[-1].pgh_context["user"] == officer.pk


def test_accepting_is_for_administrators(client, world):
    overlap = finding(ConflictKind.PARCEL_OVERLAP, world["own"])
    login(client, Role.UNIT_OFFICER, world["own"])
    refused = client.post(overlap.get_absolute_url(), {"decision": "accept", "reason": "ok"})
    assert refused.status_code == 400  # not a choice offered to an officer
    login(client, Role.DIVISION_ADMIN, world["own"])
    done = client.post(overlap.get_absolute_url(), {"decision": "accept", "reason": "agreed"})
    assert done.status_code == 302
    overlap.refresh_from_db()
    assert overlap.status == FindingStatus.ACCEPTED
    page = client.get(overlap.get_absolute_url())
    assert "agreed" in page.content.decode()


def test_another_units_finding_is_not_found(client, world):
    login(client, Role.UNIT_OFFICER, world["own"])
    other = finding(ConflictKind.PARCEL_OVERLAP, world["other"])
    assert client.get(other.get_absolute_url()).status_code == 404
    answer = client.post(other.get_absolute_url(), {"decision": "resolve", "reason": "x"})
    assert answer.status_code == 404


# -- the map layer --------------------------------------------------------------------------------


def drawn(client) -> set[int]:
    response = client.get(tile_url("conflicts", tile_at(*ORIGIN, 14)))
    assert response.status_code == 200
    return {f["id"] for f in decode(response).get("conflicts", [])}


def test_the_conflicts_layer_draws_open_findings_in_scope(client, world):
    own = finding(ConflictKind.PARCEL_OVERLAP, world["own"])
    secret = finding(ConflictKind.BUILDING_OUTSIDE, world["own"])
    login(client, Role.UNIT_OFFICER, world["own"])
    assert drawn(client) == {own.pk}
    login(client, Role.UNIT_OFFICER, world["own"], clearance=Confidentiality.SECRET)
    assert drawn(client) == {own.pk, secret.pk}
    Finding.objects.filter(pk=own.pk).update(status=FindingStatus.RESOLVED)
    assert drawn(client) == {secret.pk}


def test_the_layer_is_on_the_map_with_its_legend_by_kind(client, world):
    login(client, Role.PROVINCE_ADMIN, world["own"])
    page = client.get(reverse("maps:map")).content.decode()
    layers = {layer["name"]: layer for layer in json_script(page, "map-config")["layers"]}
    conflicts = layers["conflicts"]
    assert conflicts["detail_path"] == "/titles/conflicts/{pk}/"
    assert conflicts["group"] == layers["parcels"]["group"]
    assert [entry["value"] for entry in conflicts["legend"]] == list(ConflictKind.values)
    assert set(conflicts["filters"]) == {"kind"}
