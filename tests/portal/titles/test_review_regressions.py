"""Regressions found in review of the title registry: scoping leaks and the registration holder."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from portal.core.choices import Confidentiality
from portal.parcels import services
from portal.parcels.choices import CaseStatus, RightKind
from portal.parcels.exceptions import CaseRequirementError
from portal.parcels.models import BuildingParcel, Certificate, ConflictRun, Right, TitleCase
from tests.factories import BuildingFactory, ParcelFactory, UnitFactory
from tests.portal.titles.case_data import DETAILS, put


@pytest.fixture(autouse=True)
def _english():
    """Service messages are matched by their English source text; pages keep their language."""
    with translation.override("en"):
        yield


@pytest.fixture
def foreign_parcel(titles):
    """A parcel of the 涪城 unit, outside every 锦江 reader's scope, under the 锦江 building."""
    holder = titles.other_case.building.managing_unit
    parcel = ParcelFactory(holder=holder, registry_no="ZD-FOREIGN-001")
    BuildingParcel.objects.create(building=titles.case.building, parcel=parcel, share_on_parcel=0.4)
    return parcel


def test_case_list_does_not_name_a_parcel_outside_the_scope(client, titles, foreign_parcel):
    TitleCase.objects.filter(pk=titles.case.pk).update(parcel=foreign_parcel)
    client.force_login(titles["officer"])
    page = client.get(reverse("parcels:case_list")).content.decode()
    assert titles.case.building.name in page
    assert foreign_parcel.registry_no not in page
    client.force_login(titles["province_admin"])
    assert foreign_parcel.registry_no in client.get(reverse("parcels:case_list")).content.decode()


def test_case_page_link_table_does_not_name_a_parcel_outside_the_scope(
    client, titles, foreign_parcel
):
    client.force_login(titles["officer"])
    page = client.get(titles.case.get_absolute_url()).content.decode()
    assert titles.parcel.registry_no in page  # the unit's own parcel is named
    assert foreign_parcel.registry_no not in page
    client.force_login(titles["province_admin"])
    assert foreign_parcel.registry_no in client.get(titles.case.get_absolute_url()).content.decode()


@pytest.fixture
def secret_title(titles):
    """A certificate and a right held by Chengdu's offices administration on a secret building."""
    building = BuildingFactory(
        managing_unit=titles.unit, name="保密办公楼", confidentiality=Confidentiality.SECRET
    )
    certificate = Certificate.objects.create(
        number="SECRET-CERT-0001", holder=titles.offices, building=building
    )
    right = Right.objects.create(
        kind=RightKind.BUILDING_OWNERSHIP,
        holder=titles.offices,
        building=building,
        share=Decimal(1),
        certificate=certificate,
    )
    return building, certificate, right


@pytest.mark.parametrize("model", ["certificate", "right"])
def test_admin_hides_titles_of_buildings_above_the_clearance(client, titles, secret_title, model):
    building, certificate, right = secret_title
    record = certificate if model == "certificate" else right
    changelist = reverse(f"admin:parcels_{model}_changelist")
    change = reverse(f"admin:parcels_{model}_change", args=[record.pk])
    reader = titles["city_admin"]  # Chengdu's subtree, internal clearance
    client.force_login(reader)
    page = client.get(changelist).content.decode()
    assert building.name not in page
    assert certificate.number not in page
    assert client.get(change).status_code == 302  # not found for this reader
    reader.clearance = Confidentiality.SECRET
    reader.save()
    assert building.name in client.get(changelist).content.decode()
    assert client.get(change).status_code == 200


def register(case, user, holder):
    details = {**DETAILS["register"], "holder": holder}
    return services.transition_case(case, "register", by=user, **details)


def test_register_refuses_the_offices_administration_of_another_city(titles):
    mianyang = UnitFactory(division_code="510700", offices_administration=True)
    case = put(titles.case, CaseStatus.SUBMITTED)
    with pytest.raises(CaseRequirementError) as refused:  # it is one, but not the building's
        register(case, titles["province_admin"], mianyang)
    assert mianyang.name in refused.value.user_message
    assert not Certificate.objects.exists()
    assert not Right.objects.exists()
    assert TitleCase.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_register_accepts_an_offices_administration_above_the_building(titles):
    province = UnitFactory(division_code="510000", offices_administration=True)
    case = put(titles.case, CaseStatus.SUBMITTED)
    assert register(case, titles["province_admin"], province).registered_to == province
    assert Certificate.objects.get().holder == province


def test_registry_wide_run_counts_are_shown_only_to_readers_of_everything(client, titles):
    counts = {"parcel_overlap": {"found": 7, "new": 7, "reopened": 0, "closed": 0}}
    ConflictRun.objects.create(counts=counts)
    conflicts_page = reverse("parcels:finding_list")
    for role in ("officer", "county_admin", "city_admin"):
        client.force_login(titles[role])
        assert 'id="run-counts"' not in client.get(conflicts_page).content.decode()
    for role in ("auditor", "province_admin"):
        client.force_login(titles[role])
        assert 'id="run-counts"' in client.get(conflicts_page).content.decode()
