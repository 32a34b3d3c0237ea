"""Bad input is refused with a message naming the problem, and nothing is half-written."""

from decimal import Decimal

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse

from portal.assets.models import Asset
from portal.buildings.models import Occupancy
from portal.core.services import RecordInvalidError, save_record
from portal.core.validators import validate_credit_code, validate_geometry
from portal.org.choices import Role
from portal.parcels.models import Parcel
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    ParcelFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BOWTIE = "SRID=4490;MULTIPOLYGON(((104.0 30.6,104.01 30.61,104.01 30.6,104.0 30.61,104.0 30.6)))"


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_self_intersection_is_named_with_its_location():
    with pytest.raises(ValidationError) as caught:
        validate_geometry(GEOSGeometry(BOWTIE))
    assert "Self-intersection" in messages(caught.value)
    assert "104.005" in messages(caught.value)


def test_empty_geometry_is_refused():
    with pytest.raises(ValidationError, match=r"empty|空"):
        validate_geometry(MultiPolygon(srid=4490))


def test_swapped_or_foreign_coordinates_are_refused():
    swapped = MultiPolygon(Polygon(((30.6, 104.0), (30.61, 104.0), (30.61, 104.01), (30.6, 104.0))))
    with pytest.raises(ValidationError) as caught:
        validate_geometry(swapped)
    assert "30.6000" in messages(caught.value)


def test_wrong_geometry_type_is_refused_by_the_form():
    form_class = modelform_factory(Parcel, fields=["geom"])
    form = form_class(data={"geom": '{"type": "Point", "coordinates": [104.06, 30.66]}'})
    assert not form.is_valid()
    assert "geom" in form.errors


def test_bad_credit_code_names_the_check_character():
    good = UnitFactory().credit_code
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(bad)
    assert "check" in messages(caught.value).lower() or "校验" in messages(caught.value)


def test_bad_real_estate_code_is_refused_with_the_reason():
    parcel = ParcelFactory.build(holder=UnitFactory())
    parcel.real_estate_unit_code = "510104001001GB00001F0000000X"
    with pytest.raises(ValidationError) as caught:
        parcel.full_clean()
    assert "real_estate_unit_code" in caught.value.message_dict


def test_real_estate_code_must_match_the_parcels_county():
    unit = UnitFactory(division_code="510104")
    parcel = ParcelFactory.build(holder=unit, division=unit.division)
    parcel.real_estate_unit_code = "510107001001GB00001F00010001"
    with pytest.raises(ValidationError) as caught:
        parcel.full_clean()
    assert "510107" in messages(caught.value)


def test_failed_save_writes_nothing():
    officer = UserFactory(role=Role.UNIT_OFFICER)
    asset = AssetFactory.build(holder=officer.unit, net_value=9_000, original_value=100)
    before = Asset.objects.count()
    with pytest.raises(RecordInvalidError) as caught:
        save_record(asset, by=officer)
    assert "net value" in caught.value.user_message or "净值" in caught.value.user_message
    assert Asset.objects.count() == before


def test_parcel_area_is_geodesic_metres():
    parcel = ParcelFactory()
    parcel.refresh_from_db()
    # 0.001° x 0.001° at 30.66°N is about 96 m x 111 m.
    assert 10_000 < parcel.area_m2 < 11_500
    assert Parcel.objects.filter(pk=parcel.pk, area_m2__gt=10_000).exists()


def parcel_post(unit, geom):
    return {
        "registry_no": "ZD-REPAIR-1",
        "holder": unit.pk,
        "division": unit.division.pk,
        "right_type": "allocated",
        "land_use": "organ",
        "title_status": "unregistered",
        "geom": geom,
    }


def test_admin_refuses_invalid_polygon_unless_repair_is_asked(client):
    officer = UserFactory(role=Role.UNIT_OFFICER)
    client.force_login(officer)
    url = reverse("admin:parcels_parcel_add")
    refused = client.post(url, parcel_post(officer.unit, BOWTIE))
    assert "Self-intersection" in str(refused.context["adminform"].form.errors["geom"])
    assert not Parcel.objects.filter(registry_no="ZD-REPAIR-1").exists()
    client.post(url, {**parcel_post(officer.unit, BOWTIE), "repair_geometry": "on"})
    parcel = Parcel.objects.get(registry_no="ZD-REPAIR-1")
    assert parcel.geom.valid
    assert len(parcel.geom) == 2  # the bow-tie's two triangles


def test_area_per_person_from_occupancy():
    building = BuildingFactory()
    occupancy = Occupancy.objects.create(
        unit=building.managing_unit,
        building=building,
        usable_area_m2=Decimal("450.00"),
        staff_by_rank={"division_chief": 2, "staff": 23},
    )
    assert occupancy.staff_count == 25
    assert occupancy.area_per_person_m2 == Decimal("18.00")


def test_area_per_person_rounds_half_up_like_the_space_figures():
    occupancy = Occupancy(usable_area_m2=Decimal("66.01"), staff_by_rank={"staff": 2})
    assert occupancy.area_per_person_m2 == Decimal("33.01")  # 33.005; half-even gave 33.00
