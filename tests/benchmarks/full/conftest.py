"""Benchmarks on the full demo scale (1,000,000 assets) in a database kept between runs.

Loading the full scale takes about two minutes, so it is done once into ``TIANFU_BENCH_DB``
(default ``tianfu_bench``, copied from the PostGIS template and migrated) and reused; a database
whose load stopped part-way is reset and loaded again.
"""

import os

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from psycopg import sql

from portal.demo.services import load_demo

BENCH_DB = os.environ.get("TIANFU_BENCH_DB", "tianfu_bench")


def _create_database(db: dict) -> None:
    conninfo = psycopg.conninfo.make_conninfo(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,))
        if exists.fetchone() is None:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(BENCH_DB), sql.Identifier(db["TEST"]["TEMPLATE"])
                )
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    db = settings.DATABASES["default"]
    _create_database(db)
    db["NAME"] = BENCH_DB
    with django_db_blocker.unblock():
        call_command("migrate", verbosity=0)
        report = load_demo(scale="full", allow_outside_demo=True)
        if report.partial:
            load_demo(scale="full", reset=True, allow_outside_demo=True)
