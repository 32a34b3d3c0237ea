"""Run the test suite as two pytest processes side by side: `make test` calls this.

The browser tests wait on Chromium, the fault tests on throwaway PostgreSQL clusters and
gunicorn, the desktop-client tests on GDAL's tools; the rest of the suite waits on the shared
PostgreSQL (the two longest security checks run beside it too, to balance the parts). Run one
after the other they left the machine's second core idle for minutes. Each process keeps the
serial order within its own part and its own test database (the side one is suffixed
``_side``), so no test can see another's rows; the run fails when either part fails, and a skip
still fails its part.

Arguments are passed to both processes (e.g. ``-x`` or ``-k name``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Waiting on other processes (Chromium, clusters, gunicorn, GDAL) rather than on the shared
# database; and the two longest security checks (the API fuzz and the OGC API matrix, about a
# fifth of the rest), which keep the two parts about as long as each other.
SIDE = (
    "tests/browser",
    "tests/portal/faults",
    "tests/clients",
    "tests/portal/security/test_fuzz_api.py",
    "tests/portal/security/test_ogc_matrix.py",
)


def _side_environment() -> dict[str, str]:
    main_name = os.environ.get("TIANFU_TEST_DB_NAME") or "test_tianfu"
    return {**os.environ, "TIANFU_TEST_DB_NAME": f"{main_name}_side"}


def main(argv: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest", "--durations=25", *argv]
    ignored = [f"--ignore={path}" for path in SIDE]
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as side_log:
        side = subprocess.Popen(
            [*pytest, *SIDE],
            cwd=ROOT,
            env=_side_environment(),
            stdout=side_log,
            stderr=subprocess.STDOUT,
        )
        main_code = subprocess.call([*pytest, *ignored], cwd=ROOT)
        side_code = side.wait()
        side_log.seek(0)
        print(f"\n===== {' '.join(SIDE)} (run beside the rest) =====", flush=True)
        sys.stdout.write(side_log.read())
    print(f"\nmain part exit {main_code}, side part exit {side_code}", flush=True)
    return main_code or side_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
