"""The spatial core must stay importable without Django (scripts, workers, other projects)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_gis_imports_without_django() -> None:
    # A fresh interpreter: in this test process Django may already be loaded by pytest-django.
    check = (
        "import gis, gis.crs, gis.china, gis.codes, gis.errors, gis.geodesy, gis.geometry, gis.io; "
        "import sys; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
