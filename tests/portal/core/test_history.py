"""The history trail: recorded by triggers, append-only for everyone, shown in the admin, exported.

The admin pages are served by a site of this module (``urlpatterns`` below), so the tests do not
depend on which models the portal's admin registers.
"""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pghistory
import pgtrigger
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import path, reverse
from pghistory.models import Context

from portal.assets.models import Asset
from portal.core.history import export_history, history_entries, unguarded_tables
from portal.core.history_admin import HistoryAdminMixin
from portal.org.choices import Role
from portal.parcels.models import Parcel
from tests.factories import AssetFactory, ParcelFactory, UnitFactory, UserFactory, square


class AssetHistoryAdmin(HistoryAdminMixin, admin.ModelAdmin):
    fields = ("name", "status")

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


site = admin.AdminSite(name="admin")
site.register(Asset, AssetHistoryAdmin)
urlpatterns = [path("admin/", site.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

AssetEvent = Asset.pgh_event_model


def history_url(asset, fmt=None):
    if fmt is None:
        return reverse("admin:assets_asset_history", args=[asset.pk])
    return reverse("admin:assets_asset_history_export", args=[asset.pk, fmt])


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, role=Role.PROVINCE_ADMIN)


@pytest.fixture
def asset():
    return AssetFactory(name="台式计算机")


@pytest.fixture
def edited(client, superuser, asset):
    """The asset renamed through the admin by the superuser; returns the response."""
    client.force_login(superuser)
    url = reverse("admin:assets_asset_change", args=[asset.pk])
    response = client.post(url, {"name": "笔记本电脑", "status": "idle", "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def last_event(obj):
    return type(obj).pgh_event_model.objects.filter(pgh_obj=obj).latest("pgh_id")


def refused(action, match="append-only|Cannot update or delete|cannot be ignored"):
    """The database refuses ``action`` with a PL/pgSQL RAISE (psycopg 3 maps SQLSTATE P0001 to
    ProgrammingError, psycopg 2 to InternalError: both are DatabaseError)."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        action()


def test_admin_update_records_user_request_id_and_values(edited, superuser, asset):
    event = last_event(asset)
    assert event.pgh_label == "update"
    assert (event.name, event.status) == ("笔记本电脑", "idle")
    metadata = event.pgh_context.metadata
    assert metadata["user"] == superuser.pk
    assert metadata["request_id"] == edited["X-Request-ID"]
    assert metadata["ip"] == "127.0.0.1"
    entry = history_entries(asset)[-1]
    changed = {change.name: (change.before, change.after) for change in entry.changes}
    assert changed["name"] == ("台式计算机", "笔记本电脑")
    assert changed["status"] == ("in_use", "idle")
    assert entry.username == superuser.username
    assert entry.time.utcoffset() == timedelta(hours=8)


def test_bulk_update_records_one_event_per_row_without_context_outside_requests():
    assets = AssetFactory.create_batch(3)
    ids = [a.pk for a in assets]
    assert Asset.objects.filter(pk__in=ids).update(status="idle") == 3
    events = AssetEvent.objects.filter(pgh_obj__in=ids, pgh_label="update")
    assert sorted(events.values_list("pgh_obj", flat=True)) == sorted(ids)
    assert set(events.values_list("pgh_context", flat=True)) == {None}

    user = UserFactory()
    with pghistory.context(user=user.pk, command="test"):
        Asset.objects.filter(pk__in=ids).update(status="in_use")
    tagged = AssetEvent.objects.filter(pgh_obj__in=ids, status="in_use", pgh_label="update")
    assert tagged.count() == 3
    assert {event.pgh_context.metadata["user"] for event in tagged} == {user.pk}


def test_geometry_change_is_recorded_with_wkt_and_area_change():
    parcel = ParcelFactory()
    before = parcel.geom
    Parcel.objects.filter(pk=parcel.pk).update(geom=square(104.08, 30.63, 0.001))
    event = last_event(parcel)
    assert event.geom.equals(square(104.08, 30.63, 0.001))
    change = next(c for c in history_entries(parcel)[-1].changes if c.name == "geom")
    geometry = change.geometry
    assert geometry.before.equals_exact(_shapely(before), 1e-9)
    assert change.after_text.startswith("MULTIPOLYGON (((104.079 30.629")
    assert geometry.measure == "area_m2"
    assert geometry.after_m == pytest.approx(4 * geometry.before_m, rel=1e-3)
    assert geometry.delta_text.startswith("+")


def test_point_geometry_change_is_recorded(asset):
    asset.geom = Point(104.1, 30.7, srid=4490)
    asset.save()
    change = next(c for c in history_entries(asset)[-1].changes if c.name == "geom")
    assert change.before_text == "POINT (104.08 30.63)"
    assert change.after_text == "POINT (104.1 30.7)"
    assert change.geometry.measure == ""


def _shapely(geos_geometry):
    import shapely

    return shapely.from_wkb(bytes(geos_geometry.wkb))


def test_event_rows_refuse_update_and_delete_for_everyone(superuser, asset):
    events = AssetEvent.objects.filter(pgh_obj=asset)
    with pghistory.context(user=superuser.pk):
        refused(lambda: events.update(name="forged"))
        refused(lambda: events.delete())
        refused(lambda: last_event(asset).delete())
        with pgtrigger.ignore():
            refused(lambda: events.update(name="forged"), "history is append-only")
            refused(lambda: events.delete(), "history is append-only")
        with pgtrigger.ignore("assets.AssetEvent:append_only"):
            refused(lambda: events.delete(), "history is append-only")
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute(f'DELETE FROM "{AssetEvent._meta.db_table}"'))
    assert events.filter(name="forged").count() == 0
    assert events.count() == 1


def test_history_triggers_cannot_be_ignored(asset):
    asset.name = "改名"
    with pgtrigger.ignore():
        refused(asset.save, "history triggers of assets_asset cannot be ignored")
    with pgtrigger.ignore("assets.Asset:update_update"):
        refused(lambda: Asset.objects.filter(pk=asset.pk).update(name="改名"), "cannot be ignored")
    with pgtrigger.ignore("assets.Asset:delete_delete"):
        refused(asset.delete, "cannot be ignored")
    with pgtrigger.ignore():
        refused(lambda: AssetFactory(), "cannot be ignored")
    assert Asset.objects.get(pk=asset.pk).name == "台式计算机"


def test_context_rows_are_upserted_but_never_deleted(asset):
    with pghistory.context(step="one") as context:
        asset.name = "一"
        asset.save()
        pghistory.context(step="two")
        asset.name = "二"
        asset.save()
    row = Context.objects.get(pk=context.id)
    assert row.metadata == {"step": "two"}
    refused(lambda: Context.objects.filter(pk=context.id).delete(), "DELETE on pghistory_context")
    assert Context.objects.filter(pk=context.id).exists()


def test_every_history_table_is_guarded():
    assert unguarded_tables() == []


def test_history_page_shows_the_diff(client, edited, superuser, asset):
    response = client.get(history_url(asset))
    page = response.content.decode()
    assert response.status_code == 200
    assert "台式计算机" in page
    assert "笔记本电脑" in page
    assert superuser.username in page
    assert edited["X-Request-ID"] in page
    assert history_url(asset, "csv") in page
    assert history_url(asset, "json") in page
    assert "<script>" not in page.split('id="content-main"')[1]


def _officer(unit, *codenames):
    officer = UserFactory(unit=unit, role=Role.UNIT_OFFICER)
    officer.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return officer


def test_history_is_404_outside_the_users_scope(client, asset):
    outsider = _officer(UnitFactory(division_code="510703"), "view_asset")
    client.force_login(outsider)
    assert client.get(history_url(asset)).status_code == 404
    assert client.get(history_url(asset, "csv")).status_code == 404

    client.force_login(_officer(asset.holder, "view_asset"))
    assert client.get(history_url(asset)).status_code == 200
    assert client.get(history_url(asset, "json")).status_code == 200


def test_history_needs_view_permission_inside_the_scope(client, asset):
    client.force_login(_officer(asset.holder))
    assert client.get(history_url(asset)).status_code == 403


def test_admin_download_is_an_attachment(client, edited, asset):
    response = client.get(history_url(asset, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith("\ufeff".encode())
    assert client.get(history_url(asset, "xml")).status_code == 404


def test_csv_export_has_a_bom_and_one_row_per_changed_field(edited, asset):
    text = export_history(asset, "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert {row["action"] for row in rows} == {"insert", "update"}
    renamed = next(row for row in rows if row["action"] == "update" and row["field"] == "name")
    assert (renamed["before"], renamed["after"]) == ("台式计算机", "笔记本电脑")
    assert renamed["request_id"] == edited["X-Request-ID"]
    inserted = next(row for row in rows if row["action"] == "insert" and row["field"] == "geom")
    assert inserted["after"] == "POINT (104.08 30.63)"


def test_csv_export_neutralises_formulas():
    asset = AssetFactory(name="=HYPERLINK(1)")
    rows = list(csv.DictReader(io.StringIO(export_history(asset, "csv")[1:])))
    assert next(row for row in rows if row["field"] == "name")["after"] == "'=HYPERLINK(1)"


def test_json_export_has_one_event_per_line_with_geojson(edited, asset):
    events = [json.loads(line) for line in export_history(asset, "json").splitlines()]
    assert [event["action"] for event in events] == ["insert", "update"]
    assert events[0]["srid"] == 4490
    assert events[0]["changes"]["geom"]["after"] == {
        "type": "Point",
        "coordinates": [104.08, 30.63],
    }
    assert events[1]["changes"]["name"] == {"before": "台式计算机", "after": "笔记本电脑"}
    assert events[1]["request_id"] == edited["X-Request-ID"]


def test_export_of_a_queryset_includes_each_objects_events():
    assets = AssetFactory.create_batch(2)
    text = export_history(Asset.objects.filter(pk__in=[a.pk for a in assets]), "json")
    assert sorted(json.loads(line)["object_id"] for line in text.splitlines()) == sorted(
        str(a.pk) for a in assets
    )


def test_command_writes_a_file_including_deleted_records(tmp_path, asset):
    asset.net_value = Decimal("100.00")
    asset.save()
    pk = asset.pk
    asset.delete()
    output = tmp_path / "history.jsonl"
    call_command(
        "export_history",
        "assets.Asset",
        "--pk",
        str(pk),
        "--format",
        "json",
        "--output",
        str(output),
    )
    events = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [event["action"] for event in events] == ["insert", "update", "delete"]
    assert events[1]["changes"]["net_value"] == {"before": 3000.0, "after": 100.0}

    csv_file = tmp_path / "history.csv"
    call_command("export_history", "assets.Asset", "--format", "csv", "--output", str(csv_file))
    assert csv_file.read_bytes().startswith("\ufeff".encode())


def test_command_refuses_unknown_or_untracked_models():
    with pytest.raises(CommandError, match="unknown model"):
        call_command("export_history", "assets.Nothing", "--format", "csv")
    with pytest.raises(CommandError, match="has no history"):
        call_command("export_history", "auth.Group", "--format", "csv")
