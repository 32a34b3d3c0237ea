"""Backup and restore: records of several models, an import with its stored file and a listing
photo are backed up, restored into a fresh database on the same server and a fresh media
folder, and found again, every row and every byte. A damaged archive and a restore that does
not match its manifest fail loudly."""

from __future__ import annotations

import csv
import io
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation
from psycopg import sql as pgsql

from portal.assets.services.listings import add_photo
from portal.core import backups, pgtools
from portal.core.pgtools import BackupError, Database
from portal.exchange import services as imports
from portal.org.choices import Role
from tests.factories import CategoryFactory, ParcelFactory, UserFactory
from tests.portal.assets.listing_data import PNG, upload, warehouse

# The backup reads the database from pg_dump's own session: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

ASSET_HEADERS = [
    "holder",
    "资产卡片编号",
    "名称",
    "资产分类代码",
    "原值（元）",
    "净值（元）",
    "lon",
    "lat",
]
# Tables whose rows are compared one by one, besides the counts of every table.
SAMPLED = [
    "public.assets_asset",
    "public.assets_listingphoto",
    "public.exchange_importjob",
    "public.parcels_parcel",
    "public.org_unit",
]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The commands' messages as written (the portal's default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fresh() -> Iterator[Database]:
    """A database name on the shared server that the restore creates, dropped afterwards."""
    database = Database.configured().renamed(f"{connection.settings_dict['NAME']}_restored")
    pgtools.drop_database(database)  # left over by an interrupted run
    yield database
    pgtools.drop_database(database)


@pytest.fixture
def records(media, tmp_path) -> dict[str, object]:
    wh = warehouse()
    photo = add_photo(wh.publish(), upload("桌子.png", PNG), by=wh["officer"])
    ParcelFactory.create_batch(3)
    admin = UserFactory(role=Role.PROVINCE_ADMIN)
    CategoryFactory(code="2010100")
    path = tmp_path / "资产.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ASSET_HEADERS)
        writer.writerows(
            [wh.unit.credit_code, f"ZC-{i}", f"计算机{i}", "2010100", "6000", "3000", 104.08, 30.63]
            for i in range(25)
        )
    job = imports.import_path("assets", path, by=admin)
    assert job.report["counts"]["create"] == 25
    return {"photo": photo, "job": job}


def backup(tmp_path: Path) -> Path:
    call_command("backup", output=tmp_path / "backups")
    (archive,) = (tmp_path / "backups").glob("tianfu-backup-*.tar")
    return archive


def restore(archive: Path, database: Database, media_root: Path, **options: object) -> None:
    template = django_settings.DATABASES["default"]["TEST"]["TEMPLATE"]
    url = (
        f"postgresql://{database.url.user}:{database.url.password}@{database.url.host}:"
        f"{database.url.port}/{database.name}"
    )
    call_command(
        "restore",
        str(archive),
        database_url=url,
        media_root=media_root,
        template=template,
        **options,
    )


def rows(database: Database, table: str) -> list[tuple[object, ...]]:
    schema, name = table.split(".")
    query = pgsql.SQL("SELECT * FROM {} ORDER BY 1").format(pgsql.Identifier(schema, name))
    with database.connect() as conn:
        return conn.execute(query).fetchall()


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_restore_finds_every_record_and_every_file(tmp_path, media, records, fresh):
    archive = backup(tmp_path)
    restored_media = tmp_path / "restored-media"
    restore(archive, fresh, restored_media)

    source = Database.configured()
    with source.connect() as a, fresh.connect() as b:
        counts = pgtools.table_counts(a)
        assert pgtools.table_counts(b) == counts
    assert counts["public.assets_asset"] >= 26  # the import's 25 and the listed one
    assert counts["public.pghistory_context"] > 0
    for table in SAMPLED:
        assert rows(fresh, table) == rows(source, table), table
    originals = files(media)
    assert len(originals) == 2  # the import's file and the photo
    assert files(restored_media) == originals
    stored = {records["photo"].file.name, records["job"].file.name}
    assert stored == set(originals)

    with tarfile.open(archive) as tar:
        manifest = backups.read_manifest(tar)
        names = tar.getnames()
    assert (names[0], names[-2], names[-1]) == ("database.dump", "manifest.json", "manifest.tag")
    assert manifest["database"]["tables"] == counts
    assert manifest["database"]["postgresql"].startswith("15.")
    assert "postgis" in manifest["database"]["extensions"]
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    assert applied == set(MigrationRecorder(connection).applied_migrations())
    assert manifest["media"][records["photo"].file.name]["sha256"] == records["photo"].sha256


def test_a_fresh_database_is_required_and_a_difference_fails(tmp_path, media, records, fresh):
    archive = backup(tmp_path)
    restored_media = tmp_path / "restored"
    restore(archive, fresh, restored_media)
    with pytest.raises(CommandError, match="is not empty"):
        restore(archive, fresh, restored_media)
    restore(archive, fresh, restored_media, force=True)

    with tarfile.open(archive) as tar:
        manifest = backups.read_manifest(tar)
    with fresh.connect() as conn:
        conn.execute("DELETE FROM assets_listingphoto")
    (restored_media / records["job"].file.name).write_bytes(b"changed")
    with pytest.raises(BackupError) as failed:
        backups.verify(fresh, manifest, restored_media)
    assert "public.assets_listingphoto: 1 rows in the backup, 0 restored" in str(failed.value)
    assert f"{records['job'].file.name}: its content differs" in str(failed.value)


def test_a_damaged_archive_is_refused_before_anything_is_written(tmp_path, media, records, fresh):
    archive = backup(tmp_path)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == f"media/{records['photo'].file.name}":
                data = data[:-1] + b"!"
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="does not match its checksum"):
        restore(damaged, fresh, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
    assert not pgtools.database_exists(fresh)


@pytest.mark.django_db  # reads nothing this test writes: no need to commit
def test_a_missing_database_role_fails_with_the_reason(tmp_path, media):
    archive = backup(tmp_path)
    url = f"postgresql://nobody-here:x@127.0.0.1:{connection.settings_dict['PORT']}/nothing"
    with pytest.raises(CommandError, match="cannot connect to"):
        call_command("restore", str(archive), database_url=url, media_root=tmp_path / "m")


@pytest.mark.django_db(databases=[])
def test_make_passes_force_only_when_asked():
    def dry(*args: str) -> str:
        cmd = ["make", "-n", "--no-print-directory", *args]
        out = subprocess.run(cmd, cwd=django_settings.BASE_DIR, capture_output=True, text=True)
        return out.stdout

    assert "manage.py backup --output var/backups/" in dry("backup")
    assert 'manage.py restore "x.tar"\n' in dry("restore", "FILE=x.tar")
    assert 'manage.py restore "x.tar" --force' in dry("restore", "FILE=x.tar", "FORCE=1")
    refused = subprocess.run(["make", "restore"], cwd=django_settings.BASE_DIR, capture_output=True)
    assert refused.returncode != 0
    assert b"usage: make restore FILE=" in refused.stdout


def rewritten(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with each member's bytes passed through ``change(name, data)``
    (None leaves the member out)."""
    with tarfile.open(archive) as source, tarfile.open(out, "w") as copy:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())  # type: ignore[union-attr]
            if data is not None:
                member.size = len(data)
                copy.addfile(member, io.BytesIO(data))
    return out


@pytest.mark.django_db  # reads nothing this test writes: no need to commit
def test_the_archive_and_its_folder_are_readable_by_their_owner_only(tmp_path, media):
    archive = backup(tmp_path)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert archive.parent.stat().st_mode & 0o777 == 0o700
    assert not list(archive.parent.glob("*.partial"))


def test_a_manifest_that_does_not_verify_is_refused_before_anything_is_written(
    tmp_path, media, records, fresh
):
    archive = backup(tmp_path)

    def fewer_rows(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return data.replace(b'"public.assets_asset": ', b'"public.assets_asset": 1')

    def untagged(name: str, data: bytes) -> bytes | None:
        return None if name == "manifest.tag" else data

    unsigned = rewritten(archive, tmp_path / "unsigned.tar", untagged)
    for forged in (rewritten(archive, tmp_path / "forged.tar", fewer_rows), unsigned):
        with pytest.raises(CommandError, match="does not verify with this installation's audit"):
            restore(forged, fresh, tmp_path / "restored")
        assert not (tmp_path / "restored").exists()
        assert not pgtools.database_exists(fresh)


def test_an_archive_of_another_installation_restores_only_when_trusted(
    tmp_path, media, records, fresh, settings
):
    settings.TIANFU_AUDIT_KEY = "another-installation-" + "k" * 32
    archive = backup(tmp_path)
    settings.TIANFU_AUDIT_KEY = "this-installation-" + "k" * 32
    with pytest.raises(CommandError, match="--trust-unsigned"):
        restore(archive, fresh, tmp_path / "restored")
    assert not pgtools.database_exists(fresh)
    restore(archive, fresh, tmp_path / "restored", trust_unsigned=True)
    assert files(tmp_path / "restored") == files(media)


def test_a_restore_never_writes_through_a_symbolic_link(tmp_path, media, records, fresh):
    archive = backup(tmp_path)
    restored, outside = tmp_path / "restored", tmp_path / "outside"
    outside.mkdir()
    folder = records["photo"].file.name.split("/")[0]
    restored.mkdir()
    (restored / folder).symlink_to(outside, target_is_directory=True)
    with pytest.raises(CommandError, match="leads out of the media folder"):
        restore(archive, fresh, restored)
    assert not list(outside.iterdir())
    assert not pgtools.database_exists(fresh)
