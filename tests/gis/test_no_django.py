"""The spatial core must stay importable without Django (scripts, workers, other projects)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import gis

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_gis_imports_without_django() -> None:
    # Every module of the package, found rather than listed, so a new one cannot slip past.
    modules = [m.name for m in pkgutil.walk_packages(gis.__path__, "gis.")]
    assert "gis.siting" in modules
    assert "gis.costdistance" in modules
    # A fresh interpreter: in this test process Django may already be loaded by pytest-django.
    check = (
        f"import importlib; [importlib.import_module(m) for m in {modules!r}]; "
        "import sys; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
