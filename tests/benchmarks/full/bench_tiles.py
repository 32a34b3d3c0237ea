"""Vector tiles on the full demo scale (1,000,000 assets), against the raw SQL of the same tile.

* Latency: the endpoint (Django test client, the demo province administrator) against its own
  ``ST_AsMVT`` statement run with a cursor, on the densest asset tile at several zooms; p50 within
  1.5x and p95 within 2x of the raw query.
* Size: the largest tile of every layer at z0–z16 in the 3 × 3 block around the densest asset
  tile of that zoom (Chengdu); none above 500 KB.
* Throughput: 8 clients against a gunicorn serving the benchmark database on a loopback port,
  browsing asset tiles at z10–z16; time per tile and p95 against a single client.
* The tile queries use the GiST indexes of the stored geometries (EXPLAIN).
"""

import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.cookiejar import CookieJar

import numpy as np
import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from portal.demo.generators.accounts import PASSWORD
from portal.maps import sql
from portal.maps.layers import LAYERS
from portal.maps.tiles import SOURCES, Tile, tile_source
from portal.org.models import User
from tests.benchmarks.conftest import Figure, record, record_line

USERNAME = "province-admin"
LATENCY_ZOOMS = (8, 10, 12, 13, 14, 16)
LATENCY_ROUNDS = 25
SIZE_ZOOMS = range(17)
MAX_TILE_BYTES = 500_000
CLIENTS = 8
SOLO_S, CROWD_S = 6.0, 15.0
# With 8 clients on a 2-core host, requests queue: p95 may grow up to 8x a lone client's before
# concurrency buys nothing at all.
CROWD_P95_TARGET = 8.0

pytestmark = pytest.mark.django_db


def _p95(times: list[float]) -> float:
    return float(np.percentile(times, 95))


@pytest.fixture(scope="module")
def densest(django_db_setup, django_db_blocker) -> dict[int, Tile]:
    """The tile holding the most assets at each zoom (around Chengdu at the demo's seed)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(geom), ST_Y(geom) FROM assets_asset WHERE geom IS NOT NULL")
        lonlat = np.array(cursor.fetchall(), dtype=np.float64)
    mx = sql.EARTH_RADIUS_M * np.radians(lonlat[:, 0])
    my = sql.EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + np.radians(lonlat[:, 1]) / 2))
    tiles = {}
    for z in SIZE_ZOOMS:
        size = 2 * sql.HALF_WORLD_M / 2**z
        tx = ((mx + sql.HALF_WORLD_M) // size).astype(np.int64)
        ty = ((sql.HALF_WORLD_M - my) // size).astype(np.int64)
        keys, counts = np.unique(tx * 2**z + ty, return_counts=True)
        best = int(keys[np.argmax(counts)])
        tiles[z] = Tile(z, best // 2**z, best % 2**z)
    return tiles


@pytest.fixture
def admin() -> User:
    return User.objects.select_related("unit__division").get(username=USERNAME)


def _raw_request(user: User):
    request = RequestFactory().get("/")
    request.user = user
    return request


def tile_url(layer: str, tile: Tile) -> str:
    return reverse("maps:layer_tile", args=[layer, tile.z, tile.x, tile.y])


def _timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _samples(client, admin: User, tiles: list[Tile]) -> dict[int, tuple[list, list]]:
    """Endpoint and raw SQL times per zoom, taken in rounds over all zooms in turn, so that a
    burst of load on the host spreads over every zoom and both sides alike."""
    statements = {t.z: tile_source("assets").statement(_raw_request(admin), t) for t in tiles}
    urls = {t.z: tile_url("assets", t) for t in tiles}
    for z, url in urls.items():
        first = client.get(url)
        assert first.status_code == 200
        assert len(first.content) == len(sql.fetch_tile(statements[z]))
    times: dict[int, tuple[list, list]] = {z: ([], []) for z in urls}
    for turn in range(LATENCY_ROUNDS):
        for z, (ours, raw) in times.items():
            pair = [
                (ours, partial(client.get, urls[z])),
                (raw, partial(sql.fetch_tile, statements[z])),
            ]
            for sink, func in pair if turn % 2 else pair[::-1]:  # neither side always goes first
                sink.append(_timed(func))
    return times


def test_tile_latency_against_raw_sql(client, admin, densest):
    client.force_login(admin)
    times = _samples(client, admin, [densest[z] for z in LATENCY_ZOOMS])
    figures = []
    for z, (ours, raw) in times.items():
        name = f"tile_assets_z{z:02d}"
        figures.append(Figure(f"{name}_p50", statistics.median(ours), statistics.median(raw), 1.5))
        figures.append(Figure(f"{name}_p95", _p95(ours), _p95(raw), 2.0))
    for figure in figures:
        record(figure)
    missed = [f.line() for f in figures if f.ratio > f.target]
    assert not missed, missed


def _block(tile: Tile) -> Iterator[Tile]:
    """The tile and its neighbours that exist at its zoom."""
    last = 2**tile.z - 1
    for x in range(max(0, tile.x - 1), min(last, tile.x + 1) + 1):
        for y in range(max(0, tile.y - 1), min(last, tile.y + 1) + 1):
            yield Tile(tile.z, x, y)


def _largest(request, centre: Tile) -> tuple[int, str]:
    sizes = []
    for name, source in SOURCES.items():
        tiles = _block(centre) if name == "assets" else [centre]
        sizes += [(len(sql.fetch_tile(source.statement(request, t))), name) for t in tiles]
    return max(sizes)


def test_no_tile_above_500_kb_at_any_zoom(admin, densest):
    request = _raw_request(admin)
    too_big = []
    for z in SIZE_ZOOMS:
        size, layer = _largest(request, densest[z])
        line = record_line(
            f"tile_max_size_z{z:02d}_{layer}",
            f"{size / 1000:.1f}KB",
            f"{MAX_TILE_BYTES // 1000}KB",
            size / MAX_TILE_BYTES,
            1.0,
        )
        if size > MAX_TILE_BYTES:
            too_big.append(line)
    assert not too_big, too_big


def _plan(request, layer: str, tile: Tile) -> str:
    statement = tile_source(layer).statement(request, tile)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT ({statement.sql})", statement.params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _spatial_index(layer: str) -> str:
    """The name prefix of the GiST index on the geometry a layer is drawn with."""
    if layer not in LAYERS:
        return "org_admindivision_geom"
    model, *path = LAYERS[layer].model, *LAYERS[layer].geometry.split("__")
    for part in path[:-1]:
        model = model._meta.get_field(part).related_model
    return f"{model._meta.db_table}_{path[-1]}"


def test_tile_queries_use_the_spatial_indexes(admin, densest):
    request = _raw_request(admin)
    for layer in SOURCES:
        for z in (8, 14):
            plan = _plan(request, layer, densest[z])
            scans = sorted(
                set(re.findall(r"(?:Index Scan using|Bitmap Index Scan on) (\w+)", plan))
            )
            print(f"EXPLAIN {layer} z{z}: {', '.join(scans)}")
            assert any(scan.startswith(_spatial_index(layer)) for scan in scans), plan
            assert "Seq Scan on assets_asset" not in plan, plan


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = f"{urllib.parse.quote(db['USER'] or '')}:{urllib.parse.quote(db['PASSWORD'] or '')}"
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_until_up(base: str, proc: subprocess.Popen, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            with _opener().open(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"gunicorn did not answer on {base} within {timeout_s} s")


@pytest.fixture(scope="module")
def server(django_db_setup) -> Iterator[str]:
    """gunicorn serving the benchmark database on a free loopback port, for this module."""
    port = _free_port()
    env = {**os.environ, "TIANFU_MODE": "test", "DATABASE_URL": _database_url()}
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        [*command, "--workers", "4", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _opener(jar: CookieJar | None = None) -> urllib.request.OpenerDirector:
    # No proxy: the server is on loopback whatever the environment says.
    handlers = [urllib.request.ProxyHandler({})]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def _signed_in(base: str) -> urllib.request.OpenerDirector:
    opener = _opener(CookieJar())
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    form = {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    opener.open(f"{base}/accounts/login/", urllib.parse.urlencode(form).encode()).read()
    return opener


def _browse(
    opener: urllib.request.OpenerDirector, base: str, paths: list[str], seconds: float, start: int
) -> list[float]:
    """Fetch ``paths`` in turn from ``start`` for ``seconds``; the time of each tile."""
    times, index = [], start
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        with opener.open(base + paths[index % len(paths)]) as response:
            assert response.status == 200
            response.read()
        times.append(time.perf_counter() - began)
        index += 1
    return times


def _crowd(base: str, paths: list[str]) -> tuple[list[float], float]:
    """Every client's tile times, and the wall time of the whole run."""
    openers = [_signed_in(base) for _ in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        started = time.perf_counter()
        runs = list(
            pool.map(
                lambda i: _browse(openers[i], base, paths, CROWD_S, i * len(paths) // CLIENTS),
                range(CLIENTS),
            )
        )
        elapsed = time.perf_counter() - started
    return [t for run in runs for t in run], elapsed


def test_throughput_with_8_clients(server, densest):
    paths = [tile_url("assets", t) for z in range(10, 17) for t in _block(densest[z])]
    opener = _signed_in(server)
    for path in paths:  # every gunicorn worker's first tiles also load PROJ and fill caches
        opener.open(server + path).read()
    solo = _browse(opener, server, paths, SOLO_S, 0)
    crowd, elapsed = _crowd(server, paths)
    solo_rate, crowd_rate = len(solo) / sum(solo), len(crowd) / elapsed
    print(f"tiles/s: 1 client {solo_rate:.1f}, {CLIENTS} clients {crowd_rate:.1f}")
    per_tile = record(
        Figure(f"tile_throughput_{CLIENTS}_clients_per_tile", 1 / crowd_rate, 1 / solo_rate, 1.0)
    )
    p95 = record(
        Figure(f"tile_throughput_{CLIENTS}_clients_p95", _p95(crowd), _p95(solo), CROWD_P95_TARGET)
    )
    assert per_tile.ratio <= per_tile.target, per_tile.line()
    assert p95.ratio <= p95.target, p95.line()
