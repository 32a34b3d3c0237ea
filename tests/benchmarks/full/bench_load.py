"""Map browsing by 50 officers at once on the full demo scale (1,000,000 assets): the portal served
by gunicorn on a loopback port and driven by locust headless, against the same requests' SQL run
by 50 plain psycopg clients in the same run. Who the officers are and what they do is in
``load_plan.py``; the locust side in ``locustfile.py``.

Figures (``BENCH``):

* ``load_map_p50``, ``load_map_p95``: the requests that have a query of their own (tiles, the
  filtered list, the basemap) through HTTP, against that query on a bare connection. For the
  baseline, 50 concurrent psycopg clients replay each officer's queries of the locust run in the
  same order, with 1–3 s of thought between steps as there, so both sides do the same database
  work with the same concurrency. The ratio is what the web tier (gunicorn's queue, Django,
  sessions, scoping, serialising) adds to it.
* ``load_map_error_rate``: failed requests (anything but 200 or 304, or no answer) in per cent,
  against a budget of none; the ratio is the number of failures and the target 0.

``LOAD`` lines give every kind of request (also the map page, TileJSON and record pages, which
have no single query to compare with), the throughput, the CPU used by gunicorn, PostgreSQL and
the load generator, and the host's load average: the figures of docs/operations.md.
"""

import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import psycopg
import pytest
from django.db import connection
from django.test import Client

from portal.org.scoping import read_scope
from tests.benchmarks.conftest import record_line
from tests.benchmarks.full.conftest import database_url, portal_server
from tests.benchmarks.full.load_plan import Officer, Query, make_officers, plan_json

OFFICERS = 50
SPAWN_PER_S = 10
RUN_S = 60
# gunicorn's rule for sync workers, (2 × cores) + 1, as docs/operations.md advises for production;
# `make demo`'s 2 queued requests longer on this 2-core host (p95 0.46 s against 0.43 s, and
# 1.0 s against 0.76 s when other work kept the host busier).
WORKERS = 2 * (os.cpu_count() or 1) + 1
THINK_S = (1.0, 3.0)
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
DATA_KINDS = ("tile", "list", "basemap")  # the requests with a query of their own
KINDS = ("page", "tilejson", "basemap", "tile", "detail", "list")
# From the first runs (docs/operations.md, "Capacity of one machine"): 50 officers keep the
# portal's CPU busy on a 2-core host while the bare queries leave it idle, so a request spends most
# of its time waiting for a gunicorn worker and the ratio measures that wait. It was 175–375 at
# p50 (the bare p50 is about 1 ms, so this one swings most) and 28–45 at p95, with load averages
# of 2–8 from other work on the host. The targets are twice the highest: noise alone stays below
# them, while a change that doubled the portal's work per request would not (on a saturated host
# the wait grows faster than the work).
P50_TARGET = 750.0
P95_TARGET = 90.0


@pytest.fixture(scope="module")
def officers(django_db_setup, django_db_blocker) -> list[Officer]:
    with django_db_blocker.unblock():
        return make_officers(random.Random(9))


# --- Checks before the run ----------------------------------------------------------------------


def _paths(officer: Officer, kind: str) -> list[str]:
    return [path for step in officer.steps for k, path, _auth in step if k == kind]


def _same_answers(officers: list[Officer]) -> None:
    """For one officer of each reach: the list query gives the API's features, a tile query the
    tile's bytes, so the baseline runs what the portal runs; a tile the officer holds is a 304."""
    reaches: dict[Any, Officer] = {}
    for officer in officers:
        reaches.setdefault(read_scope(officer.user).reach, officer)
    for officer in reaches.values():
        client = Client(HTTP_AUTHORIZATION=f"Token {officer.token}")
        page, tile = _paths(officer, "list")[0], _paths(officer, "tile")[0]
        api = client.get(page)
        assert api.status_code == 200, api.content
        assert api.json()["features"] == json.loads(_fetch(officer.queries[page]))["features"]
        client.cookies["sessionid"] = officer.session
        response = client.get(tile)
        assert response.status_code == 200, response.content
        assert response.content == bytes(_fetch(officer.queries[tile], column=1))
        held = next(iter(officer.etags))
        revalidated = client.get(held, HTTP_IF_NONE_MATCH=f'"{officer.etags[held]}"')
        assert revalidated.status_code == 304, held


def _fetch(query: Query, column: int = 0) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return cursor.fetchone()[column]


# --- CPU of each side ---------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of groups of processes while a phase runs, sampled every second; a process
    that starts during the phase counts from its start."""

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> callable giving the group's pids
        self.first: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.last: dict[str, dict[int, float]] = {name: {} for name in groups}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def __enter__(self) -> "CpuMeter":
        self.started, self.host = time.monotonic(), psutil.cpu_times()
        self._sample(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()
        self._sample(initial=False)
        self.wall = time.monotonic() - self.started
        host = psutil.cpu_times()
        self.host_busy = sum(host) - sum(self.host) - (host.idle - self.host.idle)

    def _sample_until_stopped(self) -> None:
        while not self.stopped.wait(1.0):
            self._sample(initial=False)

    def _sample(self, *, initial: bool) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                try:
                    times = psutil.Process(pid).cpu_times()
                except psutil.Error:
                    continue
                self.first[name].setdefault(pid, times.user + times.system if initial else 0.0)
                self.last[name][pid] = times.user + times.system

    def cores(self, name: str) -> float:
        used = sum(self.last[name][pid] - self.first[name][pid] for pid in self.last[name])
        return used / self.wall

    def line(self, side: str) -> str:
        used = ", ".join(f"{name} {self.cores(name):.2f}" for name in self.groups)
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        return (
            f"LOAD {side} cpu (cores): {used}; the whole host {self.host_busy / self.wall:.2f} "
            f"of {psutil.cpu_count()}; load average after {load}"
        )


def _tree(proc: subprocess.Popen | None) -> list[int]:
    """A process and its descendants (this process alone for None)."""
    if proc is None:
        return [os.getpid()]
    try:
        parent = psutil.Process(proc.pid)
        return [parent.pid, *(child.pid for child in parent.children(recursive=True))]
    except psutil.Error:
        return []


def _locust(server: subprocess.Popen) -> list[int]:
    """This process's children but the server's: locust."""
    served = set(_tree(server))
    children = psutil.Process().children(recursive=True)
    return [child.pid for child in children if child.pid not in served]


def _backends(watcher: psycopg.Connection) -> list[int]:
    rows = watcher.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    return [pid for (pid,) in rows.fetchall()]


# --- Through the portal -------------------------------------------------------------------------


def _warm_up(base: str, officer: Officer) -> None:
    """Each worker's first requests load templates, PROJ and the URL map: not what is measured."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    paths = [path for kind, path, _auth in officer.steps[0] if kind != "basemap"][:8]
    for _round in range(2 * WORKERS):
        for path in paths:
            request = urllib.request.Request(
                base + path, headers={"Cookie": f"sessionid={officer.session}"}
            )
            with opener.open(request, timeout=60) as response:
                response.read()


def _run_locust(base: str, tmp: Path) -> list[list[Any]]:
    """Every response of the locust run: ``[officer, step, kind, path, ms, status, ok]``."""
    plan, results, log = tmp / "plan.json", tmp / "results.json", tmp / "locust.log"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["-u", str(OFFICERS), "-r", str(SPAWN_PER_S), "--run-time", f"{RUN_S}s"]
    command += ["--host", base, "--only-summary", "--plan", str(plan), "--results", str(results)]
    with log.open("wb") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=RUN_S + 120)
    # locust exits 1 when a request failed: those are counted from the results.
    assert done.returncode in (0, 1), log.read_text()
    assert results.exists(), log.read_text()
    return json.loads(results.read_text(encoding="utf-8"))


def _browse(officers: list[Officer], tmp: Path) -> list[list[Any]]:
    """Serve the portal and let locust browse it; print the CPU each process used."""
    (tmp / "plan.json").write_text(plan_json(officers), encoding="utf-8")
    with (
        portal_server(WORKERS, tmp / "gunicorn.log") as (base, server),
        psycopg.connect(database_url(), autocommit=True) as watcher,
    ):
        _warm_up(base, officers[0])
        groups = {
            "gunicorn": partial(_tree, server),
            "postgres": partial(_backends, watcher),
            "locust": partial(_locust, server),
        }
        with CpuMeter(groups) as meter:
            records = _run_locust(base, tmp)
    print(meter.line("ours"))
    return records


# --- Straight to PostgreSQL ---------------------------------------------------------------------


def _execute(conn: psycopg.Connection, query: Query, etags: dict[str, str], path: str) -> float:
    params = query.params
    if query.tile:
        params = {**params, "known": [etags[path]] if path in etags else []}
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(query.sql, params)
        row = cursor.fetchone()
    elapsed = time.perf_counter() - started
    if query.tile:
        etags[path] = row[0]
    return elapsed


def _replay(
    officer: Officer, requests: list[list[Any]], adapters: Any, delay: float, out: list
) -> None:
    """One baseline client: the queries of the requests the officer made through the portal,
    in the same order, with 1–3 s of thought between steps as there."""
    rng, etags = random.Random(officer.user.pk), dict(officer.etags)
    time.sleep(delay)
    with psycopg.connect(
        database_url(),
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,  # as Django's backend binds parameters
        context=adapters,  # Django's, for the PostGIS geometries among the parameters
        options="-c jit=off",  # as settings.DATABASES
    ) as conn:
        for i, (_officer, step, kind, path, *_result) in enumerate(requests):
            if i and step != requests[i - 1][1]:
                time.sleep(rng.uniform(*THINK_S))
            if path in officer.queries:
                out.append((kind, 1000 * _execute(conn, officer.queries[path], etags, path)))


def _query(officers: list[Officer], records: list[list[Any]]) -> list[float]:
    """Replay every officer's queries on a connection of its own: their times; print them by
    kind, and the CPU they used."""
    connection.ensure_connection()
    adapters = connection.connection.adapters
    out: list[tuple[str, float]] = []
    clients = [
        threading.Thread(
            target=_replay,
            args=(o, [r for r in records if r[0] == i], adapters, i / SPAWN_PER_S, out),
        )
        for i, o in enumerate(officers)
    ]
    with psycopg.connect(database_url(), autocommit=True) as watcher:
        groups = {"postgres": partial(_backends, watcher), "clients": partial(_tree, None)}
        with CpuMeter(groups) as meter:
            for client in clients:
                client.start()
            for client in clients:
                client.join()
    times: dict[str, list[float]] = {kind: [] for kind in DATA_KINDS}
    for kind, ms in out:
        times[kind].append(ms)
    _kind_lines("baseline", times, meter.wall)
    print(meter.line("baseline"))
    return [ms for kind, ms in out]


# --- Figures ------------------------------------------------------------------------------------


def _p(ms: list[float], q: float) -> float:
    return float(np.percentile(ms, q))


def _kind_lines(side: str, times: dict[str, list[float]], seconds: float) -> None:
    total = sum(len(ms) for ms in times.values())
    everything = [t for ms in times.values() for t in ms]
    print(
        f"LOAD {side} all: {total} requests in {seconds:.0f} s = {total / seconds:.1f}/s, "
        f"p50 {_p(everything, 50):.1f} ms, p95 {_p(everything, 95):.1f} ms"
    )
    for kind, ms in times.items():
        print(
            f"LOAD {side} {kind}: {len(ms)} ({100 * len(ms) / total:.1f} %), "
            f"p50 {_p(ms, 50):.1f} ms, p95 {_p(ms, 95):.1f} ms"
        )


def _ours(records: list[list[Any]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    revalidated: list[float] = []
    for _officer, _step, kind, _path, ms, status, ok in records:
        if ok:
            times[kind].append(ms)
        if ok and kind == "tile" and status == 304:
            revalidated.append(ms)
    _kind_lines("ours", times, RUN_S)
    if revalidated:
        print(
            f"LOAD ours tiles answered 304 Not Modified: {len(revalidated)}, "
            f"p50 {_p(revalidated, 50):.1f} ms, p95 {_p(revalidated, 95):.1f} ms"
        )
    return times


def _figure(name: str, ours: list[float], baseline: list[float], q: float, target: float) -> float:
    ratio = _p(ours, q) / _p(baseline, q)
    record_line(name, f"{_p(ours, q):.1f}ms", f"{_p(baseline, q):.1f}ms", ratio, target)
    return ratio


def _errors(records: list[list[Any]]) -> list[list[Any]]:
    failed = [record for record in records if not record[-1]]
    rate = 100 * len(failed) / len(records)
    statuses = sorted({record[-2] for record in failed})
    print(f"LOAD ours failures: {len(failed)} of {len(records)}, statuses {statuses}")
    record_line("load_map_error_rate", f"{rate:.3f}%", "0.000%", len(failed), 0)
    return failed


def test_map_browsing_by_50_officers(officers, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        _same_answers(officers)
    print(f"LOAD load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    records = _browse(officers, tmp_path)
    ours = _ours(records)
    with django_db_blocker.unblock():
        baseline = _query(officers, records)
    data = [ms for kind in DATA_KINDS for ms in ours[kind]]
    p50 = _figure("load_map_p50", data, baseline, 50, P50_TARGET)
    p95 = _figure("load_map_p95", data, baseline, 95, P95_TARGET)
    failed = _errors(records)
    assert not failed, failed[:10]
    assert all(ours[kind] for kind in KINDS), {kind: len(ms) for kind, ms in ours.items()}
    assert p50 <= P50_TARGET, p50
    assert p95 <= P95_TARGET, p95
