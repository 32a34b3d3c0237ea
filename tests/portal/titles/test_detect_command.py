"""``manage.py detect_conflicts``: counts per type as text and JSON; tolerances as options."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from portal.parcels.choices import ConflictKind
from portal.parcels.models import ConflictRun
from tests.factories import UnitFactory, UserFactory
from tests.portal.titles.conflict_data import building, parcel

pytestmark = pytest.mark.django_db


@pytest.fixture
def overlap():
    unit = UnitFactory(division_code="510104")
    parcel(unit, x=0, y=0, w=20, h=20)
    parcel(unit, x=18.5, y=0, w=20, h=20)  # 1.5 m × 20 m = 30 m²
    building(unit, x=300, y=300)
    return unit


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("detect_conflicts", *args, stdout=out)
    return out.getvalue()


def test_text_lists_every_type_with_its_counts(overlap):
    lines = run().splitlines()
    assert lines[0].startswith("Conflict run #")
    assert "min_overlap_m2=1" in lines[0]
    assert lines[1].split() == ["type", "found", "new", "reopened", "closed", "open"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert set(rows) == {*ConflictKind.values, "total"}
    assert rows["parcel_overlap"] == ["1", "1", "0", "0", "1"]
    assert rows["building_outside"] == ["1", "1", "0", "0", "1"]
    assert rows["total"] == ["2", "2", "0", "0", "2"]


def test_json_carries_the_same_and_options_override_tolerances(overlap):
    run()
    report = json.loads(run("--format", "json", "--min-overlap-m2", "50", "--area-tolerance", "2"))
    assert report["tolerances"]["min_overlap_m2"] == 50
    assert report["tolerances"]["area_tolerance_pct"] == 2
    assert report["kinds"]["parcel_overlap"] == {
        "found": 0, "new": 0, "reopened": 0, "closed": 1, "open": 0
    }  # fmt: skip
    assert report["kinds"]["building_outside"]["open"] == 1
    assert ConflictRun.objects.get(pk=report["run"]).tolerances["min_overlap_m2"] == 50


def test_the_user_is_recorded_and_bad_values_are_refused(overlap):
    user = UserFactory(unit=overlap)
    report = json.loads(run("--format", "json", "--user", user.username))
    assert ConflictRun.objects.get(pk=report["run"]).started_by == user
    with pytest.raises(CommandError, match="min_overlap_m2"):
        run("--min-overlap-m2", "-1")
