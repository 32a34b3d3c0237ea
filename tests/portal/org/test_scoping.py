"""A county officer cannot read or change another county's records, through any channel.

Channels that exist so far: querysets (used by everything), the write service and the admin.
"""

import pytest
from django.urls import reverse

from portal.assets.models import Asset
from portal.buildings.models import Building
from portal.core.services import OutOfScopeError, save_record
from portal.depots.models import Depot
from portal.fleet.models import Vehicle
from portal.org.choices import Role
from portal.org.models import Unit
from portal.parcels.models import Parcel
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    DepotFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    Asset: AssetFactory,
    Building: lambda unit: BuildingFactory(managing_unit=unit),
    Parcel: ParcelFactory,
    Depot: lambda unit: DepotFactory(managing_unit=unit),
    Vehicle: VehicleFactory,
}


def make(model, unit):
    factory = FACTORIES[model]
    return factory(holder=unit) if model in (Asset, Parcel, Vehicle) else factory(unit)


@pytest.fixture
def world():
    """Two counties of Chengdu and one of Mianyang, a unit in each, one record of each kind."""
    units = {
        "jinjiang": UnitFactory(division_code="510104"),
        "wuhou": UnitFactory(division_code="510107"),
        "fucheng": UnitFactory(division_code="510703"),
    }
    records = {
        (model, key): make(model, unit) for model in FACTORIES for key, unit in units.items()
    }
    return units, records


def user_for(role, unit):
    return UserFactory(role=role, unit=unit)


def visible(model, user):
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def editable(model, user):
    return set(model.objects.editable_by(user).values_list("pk", flat=True))


@pytest.mark.parametrize("model", list(FACTORIES))
def test_unit_officer_reads_and_edits_only_its_unit(world, model):
    units, records = world
    officer = user_for(Role.UNIT_OFFICER, units["jinjiang"])
    own = {records[model, "jinjiang"].pk}
    assert visible(model, officer) == own
    assert editable(model, officer) == own


@pytest.mark.parametrize("model", list(FACTORIES))
def test_county_admin_reaches_its_county_city_admin_its_city(world, model):
    _, records = world
    county = user_for(Role.DIVISION_ADMIN, UnitFactory(division_code="510104"))
    city = user_for(Role.DIVISION_ADMIN, UnitFactory(division_code="510100"))
    assert visible(model, county) == editable(model, county) == {records[model, "jinjiang"].pk}
    chengdu = {records[model, "jinjiang"].pk, records[model, "wuhou"].pk}
    assert visible(model, city) == editable(model, city) == chengdu


@pytest.mark.parametrize("model", list(FACTORIES))
def test_read_only_roles(world, model):
    units, records = world
    everything = {record.pk for (m, _), record in records.items() if m is model}
    auditor = user_for(Role.AUDITOR, units["wuhou"])
    viewer = user_for(Role.VIEWER, units["wuhou"])
    security = user_for(Role.SECURITY_ADMIN, units["wuhou"])
    assert visible(model, auditor) == everything
    assert editable(model, auditor) == set()
    assert visible(model, viewer) == {records[model, "wuhou"].pk}
    assert editable(model, viewer) == set()
    assert visible(model, security) == editable(model, security) == set()


def test_units_themselves_are_scoped(world):
    units, _ = world
    county = user_for(Role.DIVISION_ADMIN, units["jinjiang"])
    assert units["fucheng"].pk not in visible(Unit, county)
    assert units["wuhou"].pk not in visible(Unit, county)
    assert units["jinjiang"].pk in editable(Unit, county)


def test_service_refuses_moving_a_record_out_of_scope(world):
    units, records = world
    officer = user_for(Role.UNIT_OFFICER, units["jinjiang"])
    asset = records[Asset, "jinjiang"]
    asset.holder = units["fucheng"]
    with pytest.raises(OutOfScopeError):
        save_record(asset, by=officer)
    asset.refresh_from_db()
    assert asset.holder == units["jinjiang"]


def test_service_refuses_editing_another_units_record(world):
    units, records = world
    officer = user_for(Role.UNIT_OFFICER, units["jinjiang"])
    other = records[Asset, "fucheng"]
    other.name = "篡改"
    with pytest.raises(OutOfScopeError):
        save_record(other, by=officer)
    other.refresh_from_db()
    assert other.name != "篡改"


ADMIN_URLS = {
    Asset: "admin:assets_asset",
    Building: "admin:buildings_building",
    Parcel: "admin:parcels_parcel",
    Depot: "admin:depots_depot",
    Vehicle: "admin:fleet_vehicle",
}


@pytest.mark.parametrize("model", list(FACTORIES))
def test_admin_lists_and_opens_only_own_records(client, world, model):
    _, records = world
    client.force_login(user_for(Role.DIVISION_ADMIN, UnitFactory(division_code="510104")))
    listing = client.get(reverse(f"{ADMIN_URLS[model]}_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    own = client.get(reverse(f"{ADMIN_URLS[model]}_change", args=[records[model, "jinjiang"].pk]))
    assert own.status_code == 200
    other_pk = records[model, "fucheng"].pk
    other = client.get(reverse(f"{ADMIN_URLS[model]}_change", args=[other_pk]), follow=True)
    assert other.redirect_chain, "another county's record must not open"
    assert str(records[model, "fucheng"]) not in other.content.decode()


def test_admin_post_to_another_county_changes_nothing(client, world):
    units, records = world
    client.force_login(user_for(Role.UNIT_OFFICER, units["jinjiang"]))
    other = records[Vehicle, "fucheng"]
    client.post(
        reverse("admin:fleet_vehicle_change", args=[other.pk]),
        {"plate": other.plate, "vehicle_type": "bus", "seats": 40, "energy": "fuel"},
    )
    other.refresh_from_db()
    assert other.vehicle_type == "sedan"


def test_admin_add_for_another_units_holder_is_refused(client, world):
    units, _ = world
    client.force_login(user_for(Role.UNIT_OFFICER, units["jinjiang"]))
    response = client.post(
        reverse("admin:fleet_vehicle_add"),
        {
            "plate": "川A99999",
            "vehicle_type": "sedan",
            "seats": 5,
            "energy": "fuel",
            "holder": units["fucheng"].pk,
            "status": "available",
            "odometer_km": 0,
        },
    )
    assert response.status_code == 200
    assert "holder" in response.context["adminform"].form.errors
    assert not Vehicle.objects.filter(plate="川A99999").exists()


def test_viewer_cannot_change_its_own_units_record(client, world):
    units, records = world
    client.force_login(user_for(Role.VIEWER, units["wuhou"]))
    own = records[Vehicle, "wuhou"]
    response = client.post(
        reverse("admin:fleet_vehicle_change", args=[own.pk]),
        {"plate": own.plate, "vehicle_type": "bus", "seats": 40, "energy": "fuel"},
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.vehicle_type == "sedan"


def test_security_admin_grants_roles_but_not_to_itself(client, world):
    units, _ = world
    security = user_for(Role.SECURITY_ADMIN, units["wuhou"])
    officer = user_for(Role.VIEWER, units["wuhou"])
    client.force_login(security)
    assert client.get(reverse("admin:org_user_change", args=[officer.pk])).status_code == 200
    own = client.get(reverse("admin:org_user_change", args=[security.pk]))
    assert own.context["has_change_permission"] is False
    assert client.get(reverse("admin:assets_asset_changelist")).status_code == 403


def test_only_security_admin_manages_accounts(client, world):
    units, _ = world
    client.force_login(user_for(Role.PROVINCE_ADMIN, units["wuhou"]))
    assert client.get(reverse("admin:org_user_changelist")).status_code == 403


def test_admin_autocomplete_offers_only_units_in_scope(client, world):
    units, _ = world
    client.force_login(user_for(Role.DIVISION_ADMIN, units["jinjiang"]))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "fleet", "model_name": "vehicle", "field_name": "holder", "term": "测试单位"},
    )
    assert response.status_code == 200
    offered = {int(item["id"]) for item in response.json()["results"]}
    assert units["jinjiang"].pk in offered
    assert units["fucheng"].pk not in offered
    assert units["wuhou"].pk not in offered


def test_records_above_the_users_clearance_are_hidden(world):
    units, _ = world
    secret = AssetFactory(holder=units["jinjiang"], confidentiality="secret")
    internal = UserFactory(role=Role.PROVINCE_ADMIN, unit=units["jinjiang"], clearance="internal")
    cleared = UserFactory(role=Role.PROVINCE_ADMIN, unit=units["jinjiang"], clearance="secret")
    assert secret.pk not in visible(Asset, internal)
    assert secret.pk in visible(Asset, cleared)
    assert secret.pk not in editable(Asset, internal)
    assert secret.pk in editable(Asset, cleared)
