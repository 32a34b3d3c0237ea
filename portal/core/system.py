"""Install the Debian/Ubuntu packages Tianfu Atlas needs, only those that are missing.

Runs with the host's ``python3`` before the virtualenv exists, so it uses the standard library only:
``python3 -m portal.core.system [--test]``. ``--test`` adds Chromium for the browser tests and
pdftotext for the report tests. With ``DATABASE_URL`` set the PostgreSQL server packages are
left out: the database is someone else's. On another OS it stops with a pointer to
``docker-compose.yml``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# Pango, HarfBuzz's subsetter and fontconfig are what WeasyPrint loads to lay out and embed text in
# the campaign's PDF report; Noto Sans CJK is the font that report (and the browser) writes
# Chinese in.
RUNTIME = (
    "gdal-bin",
    "libgeos-c1v5",
    "gettext",
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "libfontconfig1",
    "fonts-noto-cjk",
)
# Chromium drives the browser tests; pdftotext (poppler-utils) reads generated PDF reports back.
TEST_TOOLS = ("chromium", "poppler-utils")
SERVER_LIB = Path("/usr/lib/postgresql")
DEBIAN_MARKER = Path("/etc/debian_version")


class SetupError(Exception):
    """Set-up cannot continue; the message says why."""


def _sudo() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo"]


def _run(cmd: Sequence[str]) -> str:
    return subprocess.run(cmd, text=True, capture_output=True, check=False).stdout


def installed(package: str) -> bool:
    """True when dpkg lists ``package`` as installed."""
    return "ok installed" in _run(["dpkg-query", "-W", "-f=${Status}", package])


def postgresql_version(depends_output: str, installed_versions: Sequence[str]) -> str | None:
    """The server major to pair PostGIS with: an installed one, else the distribution's default."""
    if installed_versions:
        return max(installed_versions, key=int)
    match = re.search(r"postgresql-(\d+)", depends_output)
    return match.group(1) if match else None


def _apt_update() -> None:
    subprocess.run([*_sudo(), "apt-get", "update", "-qq"], check=True)


def _server_packages() -> list[str]:
    versions = sorted(p.name for p in SERVER_LIB.iterdir()) if SERVER_LIB.is_dir() else []
    version = postgresql_version(_run(["apt-cache", "depends", "postgresql"]), versions)
    if version is None:
        _apt_update()
        version = postgresql_version(_run(["apt-cache", "depends", "postgresql"]), versions)
    if version is None:
        raise SetupError("apt knows no postgresql package: check /etc/apt/sources.list")
    return [f"postgresql-{version}", f"postgresql-{version}-postgis-3"]


def wanted(*, with_tests: bool, external_db: bool) -> list[str]:
    """Every package this host needs for the requested use."""
    packages = list(RUNTIME)
    if not external_db:
        packages += _server_packages()
    if with_tests:
        packages += TEST_TOOLS
    return packages


def main(argv: Sequence[str]) -> int:
    if not DEBIAN_MARKER.exists():
        print(
            "This set-up installs Debian/Ubuntu packages. On other hosts run "
            "`docker compose up` (see docker-compose.yml and README.md).",
            file=sys.stderr,
        )
        return 1
    try:
        packages = wanted(with_tests="--test" in argv, external_db=bool(os.getenv("DATABASE_URL")))
    except SetupError as exc:
        print(f"system set-up failed: {exc}", file=sys.stderr)
        return 1
    missing = [p for p in packages if not installed(p)]
    if missing:
        print(f"installing: {' '.join(missing)}")
        _apt_update()
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        cmd = [*_sudo(), "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
        subprocess.run(cmd, check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
