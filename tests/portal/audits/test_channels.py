"""Exports, imports and views of classified records leave their events, in every channel."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from rest_framework.authtoken.models import Token

from portal.assets.models import Asset, Listing
from portal.audits import services
from portal.audits.choices import AuditAction, AuditResult
from portal.audits.models import AuditEvent
from portal.core.choices import Confidentiality
from portal.exchange import services as imports
from portal.exchange.models import ImportJob, ImportStatus
from portal.org.choices import Role
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    CategoryFactory,
    UnitFactory,
    UserFactory,
)
from tests.portal.audits.conftest import events
from tests.portal.exchange.test_engine import ASSET_HEADERS, asset_rows, write_csv

ADDRESS = "10.20.30.40"


@pytest.fixture
def holder(db):
    CategoryFactory(code="2010100")
    return UnitFactory()


@pytest.fixture
def officer(holder):
    return UserFactory(username="officer", role=Role.UNIT_OFFICER, unit=holder)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# -- exports --------------------------------------------------------------------------------------


def test_a_page_download_is_an_export_event(client, officer, holder):
    AssetFactory(holder=holder)
    client.force_login(officer)
    url = reverse("exchange:export", args=["assets"])
    response = client.get(url, {"format": "csv", "status": "idle"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    (event,) = events(AuditAction.EXPORT)
    assert (event.user_id, event.username, event.source_ip) == (officer.pk, "officer", ADDRESS)
    assert event.result == AuditResult.SUCCESS
    assert event.detail["path"] == url
    assert event.detail["query"] == "format=csv&status=idle"
    assert event.detail["status"] == 200
    assert event.detail["content_type"].startswith("text/csv")


def test_an_api_download_is_an_export_event_of_the_token_user(client, officer, holder):
    AssetFactory(holder=holder)
    token = Token.objects.create(user=officer)
    response = client.get(
        "/api/exports/assets/",
        {"format": "geojson"},
        HTTP_AUTHORIZATION=f"Token {token.key}",
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    (event,) = events(AuditAction.EXPORT)
    assert (event.user_id, event.source_ip) == (officer.pk, ADDRESS)
    assert event.detail["path"] == "/api/exports/assets/"


def test_pages_and_api_answers_that_are_not_files_are_not_exports(client, officer):
    client.force_login(officer)
    assert client.get("/api/assets/").status_code == 200
    assert client.get(reverse("exchange:import_list")).status_code == 200
    assert not events(AuditAction.EXPORT)


def test_export_data_command_is_an_export_event(tmp_path, officer, holder):
    AssetFactory(holder=holder)
    call_command("export_data", "assets", str(tmp_path / "a.csv"), "--user", "officer")
    call_command("export_data", "assets", str(tmp_path / "all.csv"))
    mine, everything = events(AuditAction.EXPORT)
    assert (mine.user_id, mine.username, mine.detail["rows"]) == (officer.pk, "officer", 1)
    assert mine.detail["command"] == "export_data"
    assert mine.detail["format"] == "csv"
    assert (everything.user_id, everything.username) == (None, "manage.py")


def test_export_history_command_is_an_export_event(tmp_path, holder):
    AssetFactory(holder=holder)
    out = tmp_path / "history.csv"
    call_command("export_history", "assets.Asset", "--format", "csv", "--output", str(out))
    (event,) = events(AuditAction.EXPORT)
    assert (event.username, event.target) == ("manage.py", str(out))
    assert event.detail["model"] == "assets.Asset"


# -- imports --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_failed_import_is_recorded_and_survives_the_rollback(tmp_path, officer, holder):
    rows = asset_rows(holder, 3)
    rows[1][3] = "9999999"  # an unknown category: the whole file is rolled back
    job = imports.import_path(
        "assets", write_csv(tmp_path / "bad.csv", ASSET_HEADERS, rows), by=officer
    )
    assert job.status == ImportStatus.FAILED
    assert not Asset.objects.exists()
    start, end = events(AuditAction.IMPORT)
    assert (start.detail["stage"], start.result) == ("start", AuditResult.SUCCESS)
    assert (end.detail["stage"], end.result, end.user_id) == (
        "commit",
        AuditResult.FAILURE,
        officer.pk,
    )
    assert end.detail["job"] == job.pk
    assert end.detail["counts"]["reject"] == 1
    assert end.detail["status"] == ImportStatus.FAILED
    assert services.verify_chain() is None


@pytest.mark.django_db(databases="__all__")  # progress is written on a connection of its own
def test_a_committed_import_is_recorded_with_its_counts(tmp_path, officer, holder):
    path = write_csv(tmp_path / "good.csv", ASSET_HEADERS, asset_rows(holder, 2))
    job = imports.import_path("assets", path, by=officer)
    assert job.status == ImportStatus.COMMITTED
    end = events(AuditAction.IMPORT)[-1]
    assert (end.result, end.target) == (AuditResult.SUCCESS, f"import {job.pk}")
    assert end.detail["counts"]["create"] == 2


@pytest.mark.django_db(databases="__all__")
def test_confirming_an_import_is_recorded_with_the_uploaders_address(client, officer, empty_queue):
    job = ImportJob.objects.create(
        user=officer,
        entity="assets",
        file=ContentFile(b"holder\n", name="ledger.csv"),
        original_name="ledger.csv",
        sha256="0" * 64,
        size_bytes=7,
        status=ImportStatus.CHECKED,
    )
    client.force_login(officer)
    client.post(reverse("exchange:import_confirm", args=[job.pk]), REMOTE_ADDR=ADDRESS)
    (event,) = events(AuditAction.IMPORT)
    assert (event.detail["stage"], event.detail["job"]) == ("confirm", job.pk)
    assert (event.user_id, event.source_ip, event.result) == (
        officer.pk,
        ADDRESS,
        AuditResult.SUCCESS,
    )


@pytest.mark.django_db(databases="__all__")  # an import's claim is held on its own connection
def test_an_import_that_crashes_is_recorded_as_failed(officer):
    job = ImportJob.objects.create(
        user=officer,
        entity="assets",
        file=ContentFile(b"holder\n", name="ledger.csv"),
        original_name="ledger.csv",
        sha256="0" * 64,  # not the file's: the commit stops before reading it
        size_bytes=7,
        status=ImportStatus.CONFIRMED,
    )
    with pytest.raises(imports.ImportFileChangedError):
        imports.commit_job(job.pk)
    end = events(AuditAction.IMPORT)[-1]
    assert (end.result, end.detail["status"]) == (AuditResult.FAILURE, ImportStatus.FAILED)


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_refusal_inside_a_transaction_survives_its_rollback(officer):
    before = services.record_event(AuditAction.EXPORT, user=officer, target="/before")

    def refuse_then_fail():
        with transaction.atomic():
            services.record_event(AuditAction.EXPORT, user=officer, result=AuditResult.DENIED)
            services.record_event(AuditAction.EXPORT, user=officer, target="/never-happened")
            raise RuntimeError("the action fails")

    with pytest.raises(RuntimeError):
        refuse_then_fail()
    targets = [(e.target, e.result) for e in events(AuditAction.EXPORT)]
    assert targets == [("/before", AuditResult.SUCCESS), ("", AuditResult.DENIED)]
    assert events(AuditAction.EXPORT, result=AuditResult.DENIED)[0].prev_tag == before.tag
    assert services.verify_chain() is None


# -- views of classified records ------------------------------------------------------------------


@pytest.fixture
def cleared(holder):
    return UserFactory(role=Role.PROVINCE_ADMIN, clearance=Confidentiality.SECRET, unit=holder)


def test_a_secret_record_shown_on_its_page_is_recorded(client, cleared, holder):
    building = BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    client.force_login(cleared)
    url = reverse("buildings:building_detail", args=[building.pk])
    assert client.get(url, REMOTE_ADDR=ADDRESS).status_code == 200
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert (event.user_id, event.source_ip) == (cleared.pk, ADDRESS)
    assert event.target == f"buildings.Building {building.pk}"
    assert event.detail == {
        "model": "buildings.Building",
        "pk": building.pk,
        "level": "secret",
        "channel": "page",
    }


def test_a_secret_record_read_by_the_api_is_recorded(client, cleared, holder):
    building = BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    client.force_login(cleared)
    assert client.get(f"/api/buildings/{building.pk}/").status_code == 200
    (event,) = events(AuditAction.CONFIDENTIAL_VIEW)
    assert (event.user_id, event.detail["channel"]) == (cleared.pk, "api")


def test_internal_records_and_lists_of_them_are_not_recorded(client, cleared, holder):
    internal = BuildingFactory(managing_unit=holder)
    client.force_login(cleared)
    assert client.get(reverse("buildings:building_detail", args=[internal.pk])).status_code == 200
    assert client.get(f"/api/buildings/{internal.pk}/").status_code == 200
    assert client.get("/api/buildings/").status_code == 200
    assert not events(AuditAction.CONFIDENTIAL_VIEW)


def test_a_user_without_clearance_sees_nothing_and_nothing_is_recorded(client, officer, holder):
    building = BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    client.force_login(officer)
    assert client.get(reverse("buildings:building_detail", args=[building.pk])).status_code == 404
    assert client.get(f"/api/buildings/{building.pk}/").status_code == 404
    assert not events(AuditAction.CONFIDENTIAL_VIEW)


def test_a_record_classified_through_another_takes_its_level(holder):
    listing = Listing(asset=AssetFactory(holder=holder))  # takes "asset__confidentiality"
    assert services.classification(listing) == Confidentiality.INTERNAL
    listing.asset.confidentiality = Confidentiality.CONFIDENTIAL
    assert services.classification(listing) == Confidentiality.CONFIDENTIAL
    assert services.classification(holder) is None  # units carry no level


def test_every_event_here_is_chained(client, cleared, holder):
    building = BuildingFactory(managing_unit=holder, confidentiality=Confidentiality.SECRET)
    client.force_login(cleared)
    client.get(f"/api/buildings/{building.pk}/")
    assert AuditEvent.objects.count() > 1
    assert services.verify_chain() is None
