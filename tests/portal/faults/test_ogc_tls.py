"""HTTP Basic over TLS with a real desktop client: the portal under gunicorn with a certificate
(as it would terminate TLS itself), read by Debian GDAL's ``ogrinfo`` (OGC API – Features driver,
libcurl) with a user name and password; the same over plain HTTP is refused unchecked.

gunicorn reads the test database of the session directly (no cluster is stopped here), so the
test is transactional: what it creates must be committed for the server's workers to see it.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.contrib.auth.hashers import make_password

from portal.buildings.models import Building
from tests.factories import PASSWORD, BuildingFactory, UnitFactory, UserFactory, square
from tests.pgcluster import free_port

pytestmark = pytest.mark.django_db(transaction=True)

OGRINFO = "/usr/bin/ogrinfo"  # Debian's GDAL 3.6, built with libcurl: what QGIS uses underneath
LOOPBACK = "127.0.0.1"
HANG = 120  # seconds; as in the other fault tests, a request still waiting then has hung


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key (its own CA bundle); (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "portal.crt", directory / "portal.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def database_url() -> str:
    """The session's test database, for a portal served in another process."""
    db = settings.DATABASES["default"]
    login = f"{quote(db['USER'], safe='')}:{quote(db['PASSWORD'] or '', safe='')}"
    return f"postgresql://{login}@{db['HOST'] or LOOPBACK}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Server:
    """gunicorn serving portal.wsgi on a loopback port, with TLS or without."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    cafile: Path | None

    @property
    def landing(self) -> str:
        scheme = "https" if self.cafile else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}/ogc/"

    def health(self) -> int:
        if self.cafile:
            context = ssl.create_default_context(cafile=str(self.cafile))
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                LOOPBACK, self.port, timeout=HANG, context=context
            )
        else:
            conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=HANG)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status
        finally:
            conn.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    """``serve(tls=…)`` starts the portal against the test database; stopped when the test ends."""
    started: list[Server] = []

    def start(*, tls: bool) -> Server:
        port, log = free_port(), tmp_path / f"gunicorn-{len(started)}.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        args = ["-c", "python:portal.gunicorn_conf", "portal.wsgi", "--workers", "1"]
        args += ["--bind", f"{LOOPBACK}:{port}"]
        cafile = None
        if tls:
            cafile, keyfile = self_signed(tmp_path)
            args += ["--certfile", str(cafile), "--keyfile", str(keyfile)]
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TIANFU_")},
            "TIANFU_MODE": "test",
            "DATABASE_URL": database_url(),
            "TIANFU_MEDIA_ROOT": str(tmp_path / "media"),
            "TIANFU_LOG_FORMAT": "json",
        }
        process = subprocess.Popen(
            [str(gunicorn), *args],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        server = Server(process, port, log, cafile)
        started.append(server)
        _wait_until_serving(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
        server.process.wait()


def _wait_until_serving(server: Server) -> None:
    """Until the worker answers; a gunicorn that exits fails at once."""
    while True:
        log = server.log.read_text(encoding="utf-8", errors="replace")
        assert server.process.poll() is None, f"gunicorn stopped:\n{log}"
        if "Booting worker" in log:
            try:
                assert server.health() == 200
                return
            except OSError:
                pass  # not listening yet
        time.sleep(0.1)


def ogrinfo(
    server: Server, *options: str, cafile: Path | None = None
) -> subprocess.CompletedProcess:
    """``ogrinfo`` on the buildings collection of ``server``, every feature, without geometry."""
    # No proxy from the environment: the request must go to the loopback server itself.
    environment = {
        k: v for k, v in os.environ.items() if k.lower() not in {"http_proxy", "https_proxy"}
    }
    environment.update(GDAL_HTTP_TIMEOUT=str(HANG), CPL_DEBUG="OFF")
    if cafile is not None:
        # GDAL reads GDAL_CURL_CA_BUNDLE first, and pyogrio, imported by the suite, points it
        # at certifi's bundle.
        environment.update(GDAL_CURL_CA_BUNDLE=str(cafile), CURL_CA_BUNDLE=str(cafile))
    command = [OGRINFO, "-ro", "-q", "-geom=NO", f"OAPIF:{server.landing}", "buildings", *options]
    return subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=HANG, check=False
    )


@pytest.fixture
def analyst():
    """A unit officer with two buildings of their unit; a building of another unit stays out."""
    user = UserFactory(username="analyst")
    # Hashed as the served portal checks it: the suite's fast MD5 hasher is not among its own.
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    for half in (0.0005, 0.0007):
        BuildingFactory(managing_unit=user.unit, footprint=square(104.08, 30.63, half))
    BuildingFactory(managing_unit=UnitFactory(division_code="510703"))
    return user


def test_gdal_reads_the_users_buildings_with_basic_over_tls(serve, analyst):
    server = serve(tls=True)
    done = ogrinfo(server, "-oo", f"USERPWD=analyst:{PASSWORD}", cafile=server.cafile)
    assert done.returncode == 0, done.stderr
    own = set(Building.objects.filter(managing_unit=analyst.unit).values_list("name", flat=True))
    listed = {
        line.split(" = ", 1)[1]
        for line in done.stdout.splitlines()
        if line.strip().startswith("name (String) = ")
    }
    assert listed == own
    assert "OGRFeature(buildings)" in done.stdout
    # The credentials did the work: without them the same client is refused.
    anonymous = ogrinfo(server, cafile=server.cafile)
    assert anonymous.returncode != 0
    assert "401" in anonymous.stderr


def test_gdal_is_refused_basic_over_plain_http_without_its_password_checked(serve, analyst):
    server = serve(tls=False)
    done = ogrinfo(server, "-oo", "USERPWD=analyst:Wrong-Password-1")
    assert done.returncode != 0
    assert "HTTP error code : 401" in done.stderr
    assert '"code":"NotAuthenticated"' in done.stderr
    assert not AccessAttempt.objects.exists()  # nothing counted: the password was not looked at
