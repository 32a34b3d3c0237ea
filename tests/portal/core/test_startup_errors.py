"""Operator mistakes give one actionable line, never a traceback."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("TIANFU_") and k != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_production_without_secret_key():
    result = manage("check", TIANFU_MODE="production", TIANFU_ALLOWED_HOSTS="atlas.gov.cn")
    assert_one_line(result, "TIANFU_SECRET_KEY is required when TIANFU_MODE=production")


def test_production_without_database_url():
    result = manage(
        "check", TIANFU_MODE="production", TIANFU_SECRET_KEY="x" * 50, TIANFU_ALLOWED_HOSTS="a"
    )
    assert_one_line(result, "DATABASE_URL is required")


def test_malformed_boolean_is_named():
    result = manage("check", TIANFU_MODE="test", TIANFU_DEBUG="Flase")
    assert_one_line(result, "TIANFU_DEBUG='Flase' is not a boolean")


def test_unreachable_database():
    result = manage(
        "dbcheck", TIANFU_MODE="test", DATABASE_URL="postgresql://tianfu:x@127.0.0.1:1/tianfu"
    )
    assert_one_line(result, "postgresql://tianfu@127.0.0.1:1/tianfu", "DATABASE_URL")
    assert "x@" not in result.stderr  # the password never reaches the terminal


@pytest.fixture
def database_without_postgis():
    db = settings.DATABASES["default"]
    name = f"tianfu_nopostgis_{uuid.uuid4().hex[:8]}"
    conninfo = (
        f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} "
        f"password={db['PASSWORD']} dbname=postgres"
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield database_url(name)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}"')


def test_database_without_postgis(database_without_postgis):
    result = manage("dbcheck", TIANFU_MODE="test", DATABASE_URL=database_without_postgis)
    assert_one_line(result, "未安装 PostGIS", "CREATE EXTENSION postgis")


def test_dbcheck_reports_versions():
    result = manage(
        "dbcheck",
        TIANFU_MODE="test",
        DATABASE_URL=database_url(settings.DATABASES["default"]["NAME"]),
    )
    assert result.returncode == 0, result.stderr
    assert "PostGIS 3." in result.stdout
