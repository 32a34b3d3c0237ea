"""PostgreSQL crashes in the middle of an import: the import leaves nothing behind, its job says
it failed and why (on the API, once the database is back), and running it again loads the file.

The import runs as an operator would run it (``manage.py import_data``, a process of its own)
against the throwaway cluster. The test lets it write two batches, then holds the job's row so
that the import waits, mid-transaction, to report its progress, and stops the cluster there: the
crash is sure to land inside the import, whatever the speed of the machine.
"""

from __future__ import annotations

import csv
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.test import Client

from portal.exchange.engine import BATCH_SIZE
from portal.org.choices import Role
from tests.factories import CategoryFactory, UnitFactory, UserFactory
from tests.pgcluster import PgCluster
from tests.portal.faults.conftest import Portal, copy_test_database, manage

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

ROWS = 4 * BATCH_SIZE
HEADERS = [
    "holder",
    "资产卡片编号",
    "名称",
    "资产分类代码",
    "原值（元）",
    "净值（元）",
    "lon",
    "lat",
]


def asset_file(path: Path, holder: str) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(
            [holder, f"ZC-{i}", f"计算机{i}", "2010100", "6000", "3000", 104.08, 30.63]
            for i in range(ROWS)
        )
    return path


def wait_for(conn: psycopg.Connection, query: str, importing: subprocess.Popen[bytes]) -> tuple:
    """Poll ``query`` until it returns a row, while the import process still runs."""
    while True:
        row = conn.execute(query).fetchone()
        if row is not None:
            return row
        assert importing.poll() is None, "the import ended before the database was stopped"
        time.sleep(0.02)


def hold_import_mid_transaction(
    conn: psycopg.Connection, importing: subprocess.Popen[bytes]
) -> None:
    """Once the import has reported rows, lock its job's row: its next progress report waits,
    inside the import's transaction, with batches written and not committed."""
    (job,) = wait_for(conn, "SELECT id FROM exchange_importjob WHERE rows_done > 0", importing)
    conn.execute("BEGIN")
    conn.execute("SELECT 1 FROM exchange_importjob WHERE id = %s FOR UPDATE", [job])
    blocked = (
        "SELECT a.query FROM pg_stat_activity a WHERE cardinality(pg_blocking_pids(a.pid)) > 0"
    )
    other = psycopg.connect(conn.info.dsn, autocommit=True)
    with other:
        (query,) = wait_for(other, blocked, importing)
        assert query.startswith('UPDATE "exchange_importjob" SET "rows_done"'), query
        writing = other.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = 'assets_asset'::regclass "
            "AND mode = 'RowExclusiveLock' AND granted"
        ).fetchone()
        assert writing == (1,), "the import's transaction has not written to the asset table"


def test_an_import_cut_by_a_database_crash_writes_nothing_and_says_so(
    cluster: PgCluster, serve, tmp_path
):
    holder = UnitFactory()
    CategoryFactory(code="2010100")
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=holder, is_staff=False)
    browser = Client()
    browser.force_login(officer)
    url = copy_test_database(cluster)
    portal: Portal = serve(url)
    portal.cookie = f"sessionid={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    path = asset_file(tmp_path / "资产.csv", holder.credit_code)
    media = tmp_path / "media"
    args = ("import_data", "assets", str(path), "--user", officer.username)

    importing = manage(url, media, *args)
    watcher = psycopg.connect(url, autocommit=True)
    try:
        hold_import_mid_transaction(watcher, importing)
        cluster.stop("immediate")
    finally:
        watcher.close()
    assert importing.wait() != 0
    cluster.start()

    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM assets_asset").fetchone() == (0,)
        (job,) = conn.execute("SELECT id FROM exchange_importjob").fetchone()
    answer = portal.get(f"/api/imports/{job}/")
    assert answer.status == 200, answer.body[:500]
    shown = answer.json()
    assert shown["status"] == "failed"
    (problem,) = shown["report"]["file_problems"]
    assert problem["message_en"].startswith("The import was interrupted")

    again = manage(url, media, *args)
    assert again.wait() == 0
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM assets_asset").fetchone() == (ROWS,)
        statuses = conn.execute("SELECT status FROM exchange_importjob ORDER BY id").fetchall()
    assert statuses == [("failed",), ("committed",)]
