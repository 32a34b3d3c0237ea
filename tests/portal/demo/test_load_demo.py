"""The demo loader on real PostGIS, at the reduced "tiny" scale (one load shared by the module)."""

import hashlib
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F
from django.test import override_settings

from gis.codes import check_uscc, parse_real_estate_unit_code
from gis.crs import SICHUAN_CHONGQING_BBOX
from portal.assets.models import Asset
from portal.buildings.models import Building, Occupancy, SpaceStandard
from portal.demo.exceptions import DemoRefusedError
from portal.demo.generators.accounts import PASSWORD, ensure_accounts
from portal.demo.generators.parcels import MARKERS
from portal.demo.scales import SCALES
from portal.demo.services import load_demo
from portal.demo.synthetic import SYNTHETIC_MODELS, delete_synthetic
from portal.depots.models import Depot, StockItem
from portal.fleet.models import Vehicle
from portal.org.choices import Role
from portal.org.models import AdminDivision, CooperationRegion, Unit
from portal.parcels.models import Parcel

pytestmark = pytest.mark.django_db
TINY = SCALES["tiny"]


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker):
    """One tiny load for the whole module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(scale="tiny", allow_outside_demo=True)
        transaction.set_rollback(True)


def rows(query: str, *params: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def checksum() -> str:
    """Credit codes, parcel codes and geometries, footprints, assets and plates, in key order."""
    parts = rows("SELECT string_agg(credit_code || name, ',' ORDER BY credit_code) FROM org_unit")
    parts += rows(
        "SELECT string_agg(registry_no || coalesce(real_estate_unit_code, '') || certificate_no"
        " || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY registry_no) FROM parcels_parcel"
    )
    parts += rows(
        "SELECT string_agg(u.credit_code || b.name || encode(ST_AsBinary(b.footprint), 'hex'),"
        " ',' ORDER BY u.credit_code, b.name) FROM buildings_building b"
        " JOIN org_unit u ON u.id = b.managing_unit_id"
    )
    parts += rows(
        "SELECT string_agg(u.credit_code || a.ledger_code || a.name || a.net_value"
        " || encode(ST_AsBinary(a.geom), 'hex'), ',' ORDER BY u.credit_code, a.ledger_code)"
        " FROM assets_asset a JOIN org_unit u ON u.id = a.holder_id"
    )
    parts += rows("SELECT string_agg(plate, ',' ORDER BY plate) FROM fleet_vehicle")
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_counts_per_model(tiny):
    assert tiny.loaded
    assert AdminDivision.objects.count() == 244
    assert CooperationRegion.objects.count() == 3
    assert SpaceStandard.objects.filter(edition="2014", needs_check=True).count() == 17
    assert Asset.objects.count() == TINY.assets
    assert Vehicle.objects.count() == TINY.vehicles
    assert Depot.objects.count() == TINY.depots
    assert 5 * TINY.depots <= StockItem.objects.count() <= 20 * TINY.depots
    units = Unit.objects.count()
    assert units > 100
    assert Parcel.objects.count() == Unit.objects.exclude(managed_buildings=None).count()
    assert Occupancy.objects.values("unit").distinct().count() == units
    assert tiny.counts["org.Unit"] == units


def test_everything_generated_is_synthetic(tiny):
    for model in SYNTHETIC_MODELS:
        assert model.objects.exists(), model
        assert not model.objects.filter(synthetic=False).exists(), model


def test_credit_codes_are_valid_and_match_kind_and_division(tiny):
    for code, kind, division in Unit.objects.values_list("credit_code", "kind", "division__code"):
        parsed = check_uscc(code)
        assert parsed.division_code == division
        assert parsed.is_public_institution == (kind == "public_institution")


def test_real_estate_unit_codes_are_valid_and_in_their_division(tiny):
    parcels = Parcel.objects.select_related("division")
    for parcel in parcels.exclude(real_estate_unit_code=None):
        parsed = parse_real_estate_unit_code(parcel.real_estate_unit_code, parcel.division.code)
        assert parsed.county_code == parcel.division.code
        assert parcel.title_status in {"registered", "in_progress"}
    assert not parcels.filter(title_status="filed").exclude(real_estate_unit_code=None).exists()
    statuses = Counter(parcels.values_list("title_status", flat=True))
    assert set(statuses) == {"registered", "in_progress", "unregistered", "filed", "disputed"}


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("org_unit", "location"),
        ("buildings_building", "footprint"),
        ("buildings_building", "geom"),
        ("parcels_parcel", "geom"),
        ("assets_asset", "geom"),
        ("depots_depot", "geom"),
    ],
)
def test_geometries_are_valid_and_in_sichuan_chongqing(tiny, table, column):
    [(invalid, xmin, ymin, xmax, ymax)] = rows(
        f"SELECT count(*) FILTER (WHERE NOT ST_IsValid({column})), min(ST_XMin({column})),"
        f" min(ST_YMin({column})), max(ST_XMax({column})), max(ST_YMax({column})) FROM {table}"
    )
    box = SICHUAN_CHONGQING_BBOX
    assert invalid == 0
    assert box.contains(xmin, ymin)
    assert box.contains(xmax, ymax)


def test_buildings_sit_inside_their_parcels_except_the_outside_conflicts(tiny):
    outside = rows(
        "SELECT DISTINCT p.registry_no FROM parcels_parcel p"
        " JOIN buildings_building b ON ST_Intersects(b.footprint, p.geom)"
        " WHERE NOT ST_CoveredBy(b.footprint, p.geom)"
        " UNION SELECT p.registry_no FROM parcels_parcel p WHERE NOT EXISTS"
        " (SELECT 1 FROM buildings_building b WHERE ST_CoveredBy(b.footprint, p.geom))"
    )
    assert outside == []  # footprints never straddle a parcel edge
    [(lonely,)] = rows(
        "SELECT count(*) FROM buildings_building b WHERE NOT EXISTS"
        " (SELECT 1 FROM parcels_parcel p WHERE ST_CoveredBy(b.footprint, p.geom))"
    )
    assert lonely >= len(tiny.conflicts["outside"]) > 0
    for registry_no in tiny.conflicts["outside"]:
        assert registry_no.endswith("-" + MARKERS["outside"])


def test_only_the_marked_parcels_overlap(tiny):
    pairs = rows(
        "SELECT a.registry_no, b.registry_no FROM parcels_parcel a JOIN parcels_parcel b"
        " ON a.id < b.id AND ST_Intersects(a.geom, b.geom)"
        " AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 1"
    )
    marked = set(tiny.conflicts["overlap"])
    assert 0 < len(marked) <= TINY.conflicts
    assert {a if a in marked else b for a, b in pairs} == marked


def test_certificate_conflicts(tiny):
    parcels = Parcel.objects.filter(title_status="registered")
    duplicated = Counter(parcels.values_list("certificate_no", flat=True))
    assert sum(n - 1 for n in duplicated.values()) == len(tiny.conflicts["duplicate_certificate"])
    assert tiny.conflicts["duplicate_certificate"]
    for parcel in parcels:
        off = abs(float(parcel.certificate_area_m2) - parcel.area_m2) / parcel.area_m2
        mismatch = parcel.registry_no in tiny.conflicts["area_mismatch"]
        assert off > 0.10 if mismatch else off < 0.02, parcel.registry_no
    assert tiny.conflicts["area_mismatch"]


def test_assets_values_and_ledger_codes(tiny):
    assert not Asset.objects.filter(net_value__gt=F("original_value")).exists()
    assert not Asset.objects.filter(original_value__lte=0).exists()
    statuses = Counter(Asset.objects.values_list("status", flat=True))
    assert statuses.most_common(1)[0][0] == "in_use"
    assert 0.70 < statuses["in_use"] / TINY.assets < 0.86
    pairs = Asset.objects.values_list("holder_id", "ledger_code")
    assert len(set(pairs)) == TINY.assets
    assert not Asset.objects.filter(building=None).exists()


def test_vehicles_have_valid_plates(tiny):
    for vehicle in Vehicle.objects.all():
        vehicle.full_clean(exclude=["holder", "base_building", "base_depot"])
        assert vehicle.plate[0] in "川渝"
        assert len(vehicle.plate) == (8 if vehicle.energy == "nev" else 7)


def test_accounts_for_every_role(tiny):
    users = get_user_model().objects.filter(username__in=[a.username for a in tiny.accounts])
    assert {u.role for u in users} == set(Role.values)
    for user in users:
        assert user.is_staff
        assert not user.is_superuser
        assert user.unit.synthetic
        assert user.check_password(PASSWORD)
    county = users.get(username="county-admin")
    assert county.unit.division.code == "510107"


def test_existing_accounts_keep_their_passwords(tiny):
    user = get_user_model().objects.get(username="viewer")
    user.set_password("changed-by-the-user-2026")
    user.save()
    accounts = ensure_accounts()
    assert not any(account.created for account in accounts)
    user.refresh_from_db()
    assert user.check_password("changed-by-the-user-2026")


def test_second_run_adds_nothing(tiny):
    before = checksum()
    [(events_before,)] = rows("SELECT count(*) FROM assets_assetevent")
    again = load_demo(scale="tiny", allow_outside_demo=True)
    assert not again.loaded
    assert not again.partial
    assert again.stages == []
    assert again.counts == tiny.counts
    assert checksum() == before
    assert rows("SELECT count(*) FROM assets_assetevent") == [(events_before,)]


def test_reset_and_reload_give_identical_data(tiny):
    before = checksum()
    again = load_demo(scale="tiny", reset=True, allow_outside_demo=True)
    assert again.loaded
    assert again.deleted["assets.Asset"] == TINY.assets
    assert again.counts == tiny.counts
    assert again.conflicts == tiny.conflicts
    assert checksum() == before


def test_reset_removes_every_synthetic_row_but_not_reference_data(tiny):
    with transaction.atomic():
        delete_synthetic()
        for model in SYNTHETIC_MODELS:
            assert not model.objects.exists(), model
        assert AdminDivision.objects.count() == 244
        transaction.set_rollback(True)


def test_history_records_the_load(tiny):
    [(events, attributed)] = rows(
        "SELECT count(*), count(*) FILTER (WHERE c.metadata->>'source' = 'load_demo')"
        " FROM assets_assetevent e LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id"
    )
    assert events >= TINY.assets
    assert attributed == events


@pytest.mark.parametrize("mode", ["test", "production"])
def test_refused_outside_demo_mode(mode):
    units = Unit.objects.count()
    with override_settings(MODE=mode), pytest.raises(DemoRefusedError):
        load_demo(scale="tiny")
    with override_settings(MODE=mode), pytest.raises(CommandError, match="TIANFU_MODE=demo"):
        call_command("load_demo")
    assert Unit.objects.count() == units


def test_command_prints_the_accounts_table_when_data_is_present(tiny, capsys):
    with override_settings(MODE="demo"):
        call_command("load_demo")
    out = capsys.readouterr().out
    for account in tiny.accounts:
        assert f"| `{account.username}` | `{PASSWORD}` |" in out
    assert "--reset" in out


def test_buildings_are_sized_for_their_occupants(tiny):
    for building in Building.objects.filter(use_type="office").prefetch_related("occupancies"):
        allocated = sum(o.usable_area_m2 for o in building.occupancies.all())
        assert allocated <= building.usable_area_m2 + Decimal("0.05")
        assert building.usable_area_m2 < building.gross_area_m2
