"""One archive holds everything the portal keeps: the database and the uploaded files.

``tianfu-backup-<UTC time>.tar`` contains ``database.dump`` (``pg_dump --format=custom``),
``media/…`` (every file under MEDIA_ROOT) and, last, ``manifest.json``: the rows of every table,
the SHA-256 of every file and of the dump, and the versions of PostgreSQL, its extensions and the
applied migrations. The rows are counted in the very snapshot pg_dump reads, so a restore can
demand the same numbers. A restore checks the archive before it touches anything, restores into a
fresh database (PostGIS first, then ``pg_restore`` in one transaction), writes the files, and
then counts and hashes again: any difference fails the restore loudly.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import psycopg
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from portal.core import crypto, pgtools, sql
from portal.core.files import CHUNK
from portal.core.pgtools import BackupError, Database

FORMAT = 1
MANIFEST = "manifest.json"
# The manifest's integrity tag (HMAC with the audit key, naming its suite): the checksums it
# holds vouch for the files only if the manifest itself is this installation's.
MANIFEST_TAG = "manifest.tag"
# The archive holds sessions, token keys, second-factor seeds and password hashes: its owner only.
ARCHIVE_MODE = 0o600
BACKUP_DIR_MODE = 0o700
DUMP = "database.dump"
MEDIA = "media"


def archive_path(output: Path, now: datetime | None = None) -> Path:
    """``output`` itself, or a new archive name inside it when it is a directory."""
    if output.is_dir() or output.suffix != ".tar":
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        return output / f"tianfu-backup-{stamp}.tar"
    return output


class _Hashing:
    """A file read through once, hashed on the way (tarfile reads it with ``read(n)``)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- backup ----------------------------------------------------------------------------------


def create_backup(output: Path, *, database: Database, media_root: Path) -> tuple[Path, dict]:
    """Write the archive (complete or not at all: it is renamed into place at the end)."""
    archive = archive_path(output)
    if not archive.parent.exists():
        archive.parent.mkdir(parents=True)
        archive.parent.chmod(BACKUP_DIR_MODE)
    partial = archive.with_name(archive.name + ".partial")
    partial.unlink(missing_ok=True)  # left by an interrupted run, with the mode it had then
    # Created unreadable to others from the first byte, whatever the umask.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, ARCHIVE_MODE)
    with (
        os.fdopen(descriptor, "wb") as out,
        tempfile.TemporaryDirectory(dir=archive.parent) as tmp,
        database.connect() as conn,
    ):
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            manifest = _describe(conn, database)
            dump = Path(tmp) / DUMP
            _dump(conn, database, dump)
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            manifest["database"]["sha256"] = _add(tar, dump, DUMP)
            manifest["media"] = _add_media(tar, media_root)
            text = json.dumps(manifest, ensure_ascii=False, indent=1)
            _add_bytes(tar, MANIFEST, text)
            _add_bytes(tar, MANIFEST_TAG, crypto.tag(text))
    partial.replace(archive)
    return archive, manifest


def _describe(conn: psycopg.Connection, database: Database) -> dict[str, Any]:
    migrations: dict[str, list[str]] = {}
    for app, name in conn.execute(sql.APPLIED_MIGRATIONS).fetchall():
        migrations.setdefault(app, []).append(name)
    server = conn.execute(sql.SERVER_VERSION).fetchone()
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "name": database.name,
            "postgresql": server[0] if server else "",
            "extensions": dict(conn.execute(sql.EXTENSIONS).fetchall()),
            "tables": pgtools.table_counts(conn),
            "file": DUMP,
        },
        "migrations": migrations,
    }


def _dump(conn: psycopg.Connection, database: Database, path: Path) -> None:
    """pg_dump in the snapshot of the open transaction: the rows the manifest just counted."""
    row = conn.execute(sql.EXPORT_SNAPSHOT).fetchone()
    program = pgtools.client_program("pg_dump", pgtools.server_major(conn))
    cmd = [program, "--format=custom", f"--file={path}", f"--snapshot={row[0] if row else ''}"]
    pgtools.run([*cmd, *database.client_args(), database.name], database=database, what="pg_dump")


def _add(tar: tarfile.TarFile, path: Path, name: str) -> str:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as stream:
        reader = _Hashing(stream)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return reader.digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o640, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _media_files(media_root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under MEDIA_ROOT, by its path relative to it (symbolic links are not
    uploads, and could point anywhere)."""
    if not media_root.is_dir():
        return
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(media_root).as_posix(), path


def _add_media(tar: tarfile.TarFile, media_root: Path) -> dict[str, dict[str, Any]]:
    files = {}
    for relative, path in _media_files(media_root):
        digest = _add(tar, path, f"{MEDIA}/{relative}")
        files[relative] = {"sha256": digest, "size": path.stat().st_size}
    return files


# -- restore ---------------------------------------------------------------------------------


@dataclass
class Restored:
    """What a restore wrote, for the command's summary."""

    database: str
    tables: int = 0
    rows: int = 0
    files: int = 0
    notes: list[str] = field(default_factory=list)


def read_manifest(tar: tarfile.TarFile, *, trust_unsigned: bool = False) -> dict[str, Any]:
    """The archive's manifest, once its tag shows this installation wrote it (unless
    ``trust_unsigned``: an archive of another installation, checked by other means)."""
    text = _read_text(tar, MANIFEST)
    if not trust_unsigned and not _signed(tar, text):
        raise BackupError(
            _(
                "the manifest of %(name)s does not verify with this installation's audit key "
                "(TIANFU_AUDIT_KEY): it was changed, or written by another installation. Restore "
                "it only if you trust where it came from, with --trust-unsigned"
            )
            % {"name": tar.name}
        )
    try:
        manifest = json.loads(text)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(name)s is not a Tianfu Atlas backup") % {"name": tar.name})
    return manifest


def _read_text(tar: tarfile.TarFile, name: str) -> str:
    stream = tar.extractfile(_member(tar, name))
    return stream.read().decode(errors="replace") if stream else ""


def _signed(tar: tarfile.TarFile, text: str) -> bool:
    try:
        tag = _read_text(tar, MANIFEST_TAG).strip()
    except BackupError:  # an archive without a tag: nothing vouches for it
        return False
    return crypto.verify_tag(text, tag)


def _member(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(
            _("the archive has no %(name)s: it is incomplete or not a backup") % {"name": name}
        ) from None
    if not member.isfile():
        raise BackupError(_("%(name)s in the archive is not a file") % {"name": name})
    return member


def _extract_checked(tar: tarfile.TarFile, name: str, sha256: str, target: Path) -> None:
    """Write one member to ``target`` only if its bytes are the ones the manifest names."""
    source = tar.extractfile(_member(tar, name))
    if source is None:
        raise BackupError(_("%(name)s in the archive is not a file") % {"name": name})
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    with source, partial.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        partial.unlink()
        raise BackupError(
            _("%(name)s in the archive does not match its checksum: the archive is damaged")
            % {"name": name}
        )
    partial.replace(target)


def _check_files(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Read every file of the archive once before anything is written: a damaged one stops the
    restore while the database and the media folder are still untouched."""
    for relative, entry in manifest["media"].items():
        _safe_relative(relative)
        name = f"{MEDIA}/{relative}"
        source = tar.extractfile(_member(tar, name))
        digest = hashlib.sha256()
        while source is not None and (chunk := source.read(CHUNK)):
            digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(
                _("%(name)s in the archive does not match its checksum: the archive is damaged")
                % {"name": name}
            )


def _safe_relative(name: str) -> PurePosixPath:
    """A manifest path that stays inside MEDIA_ROOT."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(_("the archive names an unsafe file path: %(name)s") % {"name": name})
    return path


def _media_target(media_root: Path, relative: str) -> Path:
    """Where a file of the archive goes: inside MEDIA_ROOT, never through a symbolic link found
    there, which could lead the restore to write anywhere the portal's user may."""
    target = media_root / _safe_relative(relative)
    partial = target.with_name(target.name + ".partial")
    inside = target.resolve().is_relative_to(media_root.resolve())
    if not inside or target.is_symlink() or partial.is_symlink():
        raise BackupError(
            _("%(path)s leads out of the media folder through a symbolic link: nothing restored")
            % {"path": target}
        )
    return target


def restore_backup(
    archive: Path,
    *,
    database: Database,
    media_root: Path,
    force: bool,
    template: str | None,
    trust_unsigned: bool = False,
) -> Restored:
    """Restore ``archive`` into ``database`` and ``media_root``, then check both against it."""
    with tarfile.open(archive, "r") as tar, tempfile.TemporaryDirectory() as tmp:
        manifest = read_manifest(tar, trust_unsigned=trust_unsigned)
        dump = Path(tmp) / DUMP
        _extract_checked(tar, DUMP, manifest["database"]["sha256"], dump)
        _check_files(tar, manifest)
        for relative in manifest["media"]:
            _media_target(media_root, relative)
        _refuse_replacing_files(manifest, media_root, force=force)
        _prepare_database(database, manifest, force=force, template=template)
        _restore_database(database, dump, Path(tmp) / "restore.list")
        for relative, entry in manifest["media"].items():
            target = _media_target(media_root, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            _media_target(media_root, relative)  # the folders just made are real ones
            _extract_checked(tar, f"{MEDIA}/{relative}", entry["sha256"], target)
            target.chmod(0o640)
    restored = verify(database, manifest, media_root)
    restored.notes = _migration_notes(manifest)
    return restored


def _migration_notes(manifest: dict[str, Any]) -> list[str]:
    """A backup from an older release restores as it was; the code may need more migrations."""
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    newer = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations) - applied
    if not newer:
        return []
    return [
        _("This code has %(count)s migrations the backup predates: run manage.py migrate.")
        % {"count": len(newer)}
    ]


def _refuse_replacing_files(manifest: dict[str, Any], media_root: Path, *, force: bool) -> None:
    if force:
        return
    changed = [
        relative
        for relative, entry in manifest["media"].items()
        if (path := media_root / _safe_relative(relative)).is_file()
        and sha256_file(path) != entry["sha256"]
    ]
    if changed:
        raise BackupError(
            _(
                "%(count)s files in %(root)s differ from the backup's (first: %(first)s): "
                "restore into an empty media folder, or pass --force to replace them"
            )
            % {"count": len(changed), "root": media_root, "first": changed[0]}
        )


def _prepare_database(
    database: Database, manifest: dict[str, Any], *, force: bool, template: str | None
) -> None:
    """A fresh database to restore into: created when missing, dropped first with ``force``,
    refused when it holds tables. The backup's extensions (PostGIS) are made before anything."""
    if pgtools.database_exists(database):
        if force:
            pgtools.drop_database(database)
        else:
            _require_empty(database)
    if not pgtools.database_exists(database):
        pgtools.create_database(database, template=template or _local_template(database))
    pgtools.create_extensions(database, sorted(manifest["database"]["extensions"]))


def _local_template(database: Database) -> str | None:
    """``<name>_template``, the PostGIS template that `make demo` sets up, if it exists."""
    name = f"{database.name}_template"
    return name if pgtools.database_exists(database.renamed(name)) else None


def _require_empty(database: Database) -> None:
    with database.connect() as conn:
        tables = conn.execute(sql.USER_TABLES).fetchall()
    if tables:
        raise BackupError(
            _(
                "database %(name)s is not empty (%(count)s tables): restore into a fresh "
                "database, or pass --force to replace it"
            )
            % {"name": database.name, "count": len(tables)}
        )


# The entries of extensions (PostGIS): made before the restore, by a role that may.
_EXTENSION_ENTRY = re.compile(r"^\s*\d+;\s+\d+\s+\d+\s+(?:EXTENSION|COMMENT - EXTENSION)\s")
_TABLE_DATA = re.compile(r"^\s*\d+;\s+\d+\s+\d+\s+TABLE DATA (\S+) (\S+) ")


def _restore_database(database: Database, dump: Path, listing: Path) -> None:
    """pg_restore in one transaction: the database gets all of the backup or none of it."""
    with database.connect() as conn:
        program = pgtools.client_program("pg_restore", pgtools.server_major(conn))
        # The database is fresh: the tables it has came with the extensions.
        brought = {(schema, table) for schema, table in conn.execute(sql.ALL_TABLES)}
    entries = pgtools.run([program, "--list", str(dump)], what="pg_restore")
    kept = [line for line in entries.splitlines() if _restored(line, program, dump, brought)]
    listing.write_text("\n".join(kept) + "\n", encoding="utf-8")
    options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    cmd = [program, *options, f"--use-list={listing}", f"--dbname={database.name}"]
    pgtools.run([*cmd, *database.client_args(), str(dump)], database=database, what="pg_restore")


def _restored(line: str, program: str, dump: Path, brought: set[tuple[str, str]]) -> bool:
    """Whether pg_restore should run this entry. Extensions are made beforehand. Their own
    tables (PostGIS's spatial_ref_sys) hold only the rows a user added, if any: an empty one
    is skipped, as the role restoring may not write to a table the extension owns."""
    if _EXTENSION_ENTRY.match(line):
        return False
    data = _TABLE_DATA.match(line)
    if data is None or (data.group(1), data.group(2)) not in brought:
        return True
    cmd = [program, "--data-only", f"--schema={data.group(1)}", f"--table={data.group(2)}"]
    out = pgtools.run([*cmd, "--file=-", str(dump)], what="pg_restore")
    copied = out.split(" FROM stdin;\n", 1)[-1].split("\\.\n", 1)[0]
    return bool(copied.strip())


def verify(database: Database, manifest: dict[str, Any], media_root: Path) -> Restored:
    """Count every table and hash every file again; any difference from the manifest fails."""
    with database.connect() as conn:
        counts = pgtools.table_counts(conn)
    problems = _count_differences(manifest["database"]["tables"], counts)
    problems += _file_differences(manifest["media"], media_root)
    if problems:
        raise BackupError(
            _("the restored data does not match the backup:\n%(problems)s")
            % {"problems": "\n".join(problems)}
        )
    return Restored(
        database=database.name,
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(manifest["media"]),
    )


def _count_differences(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    return [
        _("%(table)s: %(expected)s rows in the backup, %(found)s restored")
        % {"table": table, "expected": expected.get(table, "-"), "found": found.get(table, "-")}
        for table in sorted(set(expected) | set(found))
        if expected.get(table) != found.get(table)
    ]


def _file_differences(files: dict[str, dict[str, Any]], media_root: Path) -> list[str]:
    problems = []
    for relative, entry in files.items():
        path = media_root / _safe_relative(relative)
        if not path.is_file():
            problems.append(_("%(file)s: missing") % {"file": relative})
        elif sha256_file(path) != entry["sha256"]:
            problems.append(_("%(file)s: its content differs") % {"file": relative})
    return problems
