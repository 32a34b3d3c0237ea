"""The warehouse's reports: exact figures on crafted data, each for a province administrator
(everything) and for 锦江区's county administrator (its county only); the page, the workbook
(read back with openpyxl) and the dashboard panel show the same figures.

Units: 锦江区 (510104) ``jin`` and ``jin2``, 武侯区 (510107) ``wu``, 涪城区 (510703) ``fu``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.assets.choices import BatchStatus, NeedStatus, ReservationStatus
from portal.assets.models import (
    Asset,
    DisposalBatch,
    DisposalItem,
    Listing,
    PurchaseRequest,
    Reservation,
)
from portal.assets.reports import (
    IdleRate,
    MatchTime,
    Proceeds,
    disposal_proceeds,
    idle_by_category,
    idle_by_division,
    idle_total,
    ledger_assets,
    match_time,
    reallocation,
    space_summary,
    warehouse_panel,
    warehouse_report,
)
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.org.models import Unit, User
from tests.factories import (
    AssetFactory,
    BuildingFactory,
    CategoryFactory,
    NeedFactory,
    UnitFactory,
    UserFactory,
)
from tests.portal.assets.transfer_data import listing
from tests.portal.buildings.space_data import offices

pytestmark = pytest.mark.django_db

D = Decimal
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Units:
    jin: Unit
    jin2: Unit
    wu: Unit
    fu: Unit
    province_admin: User
    county_admin: User  # 锦江区


@pytest.fixture
def units() -> Units:
    jin = UnitFactory(division_code="510104", name="锦江区财政局")
    return Units(
        jin=jin,
        jin2=UnitFactory(division_code="510104", name="锦江区教育局"),
        wu=UnitFactory(division_code="510107", name="武侯区教育局"),
        fu=UnitFactory(division_code="510703", name="涪城区民政局"),
        province_admin=UserFactory(
            role=Role.PROVINCE_ADMIN, unit=UnitFactory(division_code="510000")
        ),
        county_admin=UserFactory(
            role=Role.DIVISION_ADMIN, unit=UnitFactory(division_code="510104")
        ),
    )


def rate(key, label, idle_count, count, idle_value, value) -> IdleRate:
    return IdleRate(key, label, idle_count, count, D(idle_value), D(value))


# -- idle rates --------------------------------------------------------------------------------


@pytest.fixture
def ledger(units) -> None:
    """Computers (class 2, named) and furniture (class 5, unnamed), in three counties."""
    CategoryFactory(code="2000000", name="通用设备")
    computer = CategoryFactory(code="2010100", name="计算机")
    furniture = CategoryFactory(code="5010000", name="家具")
    for holder, status, category, value in (
        (units.jin, "in_use", computer, "1000"),
        (units.jin, "idle", computer, "3000"),
        (units.jin, "repairable", furniture, "500"),
        (units.jin, "disposed", computer, "700"),  # off the ledger
        (units.jin2, "in_warehouse", computer, "200"),  # stocked in: still idle
        (units.wu, "over_standard", computer, "4000"),
        (units.wu, "in_use", furniture, "1000"),
        (units.wu, "reserved", furniture, "300"),  # on its way out: still idle here
        (units.fu, "low_efficiency", computer, "800"),
    ):
        AssetFactory(
            holder=holder,
            status=status,
            category=category,
            original_value=D(value),
            net_value=D(value),
        )
    AssetFactory(holder=units.jin, status="idle", confidentiality=Confidentiality.SECRET)


def test_idle_rates_of_everything_by_division_and_by_class(units, ledger, english):
    assets = ledger_assets(units.province_admin)
    # 8 on the ledger (the disposed and the secret asset are not counted), 6 idle: the stocked
    # and the reserved assets count with the marked ones
    assert idle_total(assets) == rate("", "All assets", 6, 8, "8800", "10800")
    assert idle_by_division(assets) == [
        rate("510104", "锦江区", 3, 4, "3700", "4700"),
        rate("510107", "武侯区", 2, 3, "4300", "5300"),
        rate("510703", "涪城区", 1, 1, "800", "800"),
    ]
    assert idle_by_category(assets) == [
        rate("2000000", "通用设备", 4, 5, "8000", "9000"),
        rate("5000000", "class 5000000", 2, 3, "800", "1800"),
    ]
    total = idle_total(assets)
    assert (total.count_percent, total.value_percent) == (75.0, 81.5)


def test_a_county_administrator_s_idle_rates_cover_the_county(units, ledger, english):
    assets = ledger_assets(units.county_admin)
    assert idle_total(assets) == rate("", "All assets", 3, 4, "3700", "4700")
    assert [r.key for r in idle_by_division(assets)] == ["510104"]
    assert idle_by_category(assets) == [
        rate("2000000", "通用设备", 2, 3, "3200", "4200"),
        rate("5000000", "class 5000000", 1, 1, "500", "500"),
    ]


def test_without_assets_there_is_no_rate(units):
    total = idle_total(ledger_assets(units.county_admin))
    assert (total.count, total.count_rate, total.value_percent) == (0, None, None)


# -- reallocation ------------------------------------------------------------------------------


def handed_over(giver: Unit, receiver: Unit, value: str, status=ReservationStatus.HANDED_OVER):
    """A transfer of a listing published at T0 and reserved a day later."""
    offered = listing(giver)
    Listing.objects.filter(pk=offered.pk).update(published_at=T0)
    reservation = Reservation.objects.create(
        asset=offered.asset,
        listing=offered,
        from_unit=giver,
        receiving_unit=receiver,
        delivery_building=BuildingFactory(managing_unit=receiver),
        value=D(value),
        status=status,
        chain=["holder_unit", "receiving_unit"],
    )
    Reservation.objects.filter(pk=reservation.pk).update(created_at=T0 + dt.timedelta(days=1))
    return reservation


@pytest.fixture
def reallocations(units) -> None:
    handed_over(units.jin, units.wu, "1200")
    handed_over(units.wu, units.jin2, "800")
    handed_over(units.fu, units.jin, "500", status=ReservationStatus.PENDING)
    handed_over(units.jin, units.fu, "300")
    officer = UserFactory(role=Role.UNIT_OFFICER, unit=units.jin)
    NeedFactory(unit=units.jin, status=NeedStatus.FULFILLED)
    NeedFactory(unit=units.wu, status=NeedStatus.FULFILLED)
    NeedFactory(unit=units.jin, status=NeedStatus.OPEN)
    for unit, value in ((units.jin, "5000"), (units.wu, "7000")):
        PurchaseRequest.objects.create(
            need=NeedFactory(unit=unit, status=NeedStatus.PURCHASE),
            justification="仓内无合适资产",
            estimated_value=D(value),
            candidates_reviewed=3,
            submitted_by=officer,
        )


def test_value_reallocated_counts_handed_over_transfers_by_receiving_unit(units, reallocations):
    everything = reallocation(units.province_admin)
    assert (everything.value, everything.transfers) == (D("2300"), 3)
    assert (everything.needs_fulfilled, everything.purchase_requests) == (2, 2)
    assert everything.purchase_value == D("12000")
    # 锦江 received one transfer (800 from 武侯; the pending 500 is not handed over), and gave
    # two that count where they were received
    county = reallocation(units.county_admin)
    assert (county.value, county.transfers) == (D("800"), 1)
    assert (county.needs_fulfilled, county.purchase_requests, county.purchase_value) == (
        1, 1, D("5000")
    )  # fmt: skip


# -- time to match -----------------------------------------------------------------------------


def published(holder: Unit, *reserved_after_days: int) -> Listing:
    """A listing published at T0, reserved (then cancelled, but the last) after those days."""
    offered = listing(holder)
    Listing.objects.filter(pk=offered.pk).update(published_at=T0)
    receiver = UnitFactory(division_code="510107")
    building = BuildingFactory(managing_unit=receiver)
    for n, days in enumerate(reserved_after_days, start=1):
        last = n == len(reserved_after_days)
        reservation = Reservation.objects.create(
            asset=offered.asset,
            listing=offered,
            from_unit=holder,
            receiving_unit=receiver,
            delivery_building=building,
            value=offered.net_value,
            status=ReservationStatus.PENDING if last else ReservationStatus.CANCELLED,
            chain=["holder_unit"],
        )
        at = T0 + dt.timedelta(days=days)
        Reservation.objects.filter(pk=reservation.pk).update(created_at=at)
    return offered


def test_time_to_match_is_the_median_and_90th_percentile_of_first_reservations(units):
    published(units.jin, 2, 5)  # first reserved after 2 days, then again after 5
    published(units.jin, 4)
    published(units.jin2, 10)
    published(units.jin)  # never reserved: not matched
    published(units.wu, 30)
    # all: 2, 4, 10, 30 → median (4 + 10) / 2; p90 at 0.9 × 3 = 2.7 → 10 + 0.7 × 20
    assert match_time(units.province_admin) == MatchTime(4, 7.0, 24.0)
    # 锦江: 2, 4, 10 → median 4; p90 at 0.9 × 2 = 1.8 → 4 + 0.8 × 6
    assert match_time(units.county_admin) == MatchTime(3, 4.0, 8.8)
    assert match_time(UserFactory(role=Role.UNIT_OFFICER, unit=units.fu)) == MatchTime(
        0, None, None
    )


# -- disposal proceeds -------------------------------------------------------------------------


def batch(unit: Unit, method: str, status: str, *proceeds: str | None) -> DisposalBatch:
    made = DisposalBatch.objects.create(
        code=f"CZ-{DisposalBatch.objects.count() + 1}",
        method=method,
        unit=unit,
        status=status,
        chain=["administration"],
    )
    for amount in proceeds:
        sold = listing(UnitFactory(division_code="510104"))
        DisposalItem.objects.create(
            batch=made,
            listing=sold,
            asset=sold.asset,
            proceeds=None if amount is None else D(amount),
        )
    return made


@pytest.fixture
def disposals(units) -> None:
    jinjiang = UnitFactory(division_code="510104", offices_administration=True)
    chengdu = UnitFactory(division_code="510100", offices_administration=True)
    batch(jinjiang, "auction", BatchStatus.COMPLETED, "1000.50", "2000")
    batch(chengdu, "auction", BatchStatus.COMPLETED, "500")
    batch(chengdu, "scrap", BatchStatus.COMPLETED, "0")
    batch(chengdu, "transfer", BatchStatus.APPROVED, None)  # not completed: not counted


def test_disposal_proceeds_by_method_over_completed_batches(units, disposals, english):
    assert disposal_proceeds(units.province_admin) == [
        Proceeds("auction", "auction", 2, 3, D("3500.50")),
        Proceeds("transfer", "paid transfer", 0, 0, D("0")),
        Proceeds("donation", "donation", 0, 0, D("0")),
        Proceeds("scrap", "scrap", 1, 1, D("0")),
    ]
    assert warehouse_report(units.province_admin).proceeds_total == D("3500.50")
    county = disposal_proceeds(units.county_admin)
    auction = county[0]
    assert (auction.method, auction.batches, auction.items) == ("auction", 1, 2)
    assert auction.proceeds == D("3000.50")
    assert sum(p.proceeds for p in county) == D("3000.50")
    assert warehouse_report(units.county_admin).proceeds_total == D("3000.50")


# -- office space ------------------------------------------------------------------------------


def test_office_space_summary_counts_units_and_buildings_over_the_standard():
    space = offices()  # figures worked out in tests/portal/buildings/space_data.py
    everything = space_summary(space.users["province_admin"])
    # the bureau 12.00 m² over and the city 0.01 m² over; building B2 12.01 m² over
    assert (everything.edition, everything.units_over, everything.units_excess_m2) == (
        "2014", 2, D("12.01")
    )  # fmt: skip
    assert (everything.buildings_over, everything.buildings_excess_m2) == (1, D("12.01"))
    county = space_summary(UserFactory(role=Role.DIVISION_ADMIN, unit=space.bureau))
    # 锦江: the bureau, over; its building B1, within
    assert (county.units_over, county.units_excess_m2) == (1, D("12.00"))
    assert (county.buildings_over, county.buildings_excess_m2) == (0, D("0"))


# -- the page, the workbook, the panel ---------------------------------------------------------


@pytest.fixture
def everything(units, ledger, reallocations, disposals) -> Units:
    published(units.jin, 2)
    published(units.jin, 4)
    return units


def test_the_page_shows_the_figures_of_the_user_s_scope(client, everything):
    client.force_login(everything.county_admin)
    response = client.get(reverse("assets:warehouse_reports"))
    assert response.status_code == 200
    report = response.context["report"]
    assert report == warehouse_report(everything.county_admin)
    html = response.content.decode()
    assert 'id="reallocation-transfers">1<' in html
    assert 'id="needs-fulfilled">1<' in html
    # 锦江's listings: two handed over after a day, two reserved after 2 and 4 days
    assert 'id="match-median">1.5<' in html
    assert 'data-key="510107"' not in html  # 武侯 is outside the county
    assert 'data-key="510104"' in html


def test_the_pages_need_a_sign_in(client):
    for name in ("assets:warehouse_reports", "assets:warehouse_reports_xlsx"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def en_client(client):
    """Pages in English, whatever the default language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def summary_of(book) -> dict[str, object]:
    return {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}


def test_the_workbook_holds_the_figures_of_the_page(client, en_client, everything):
    client.force_login(everything.province_admin)
    response = client.get(reverse("assets:warehouse_reports_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "warehouse-reports-" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Idle by division", "Idle by class", "Disposal proceeds"]
    summary = summary_of(book)
    assert summary["Value reallocated instead of bought (yuan)"] == 2300
    assert summary["Needs fulfilled from the warehouse"] == 2
    assert summary["Purchase requests, estimated value (yuan)"] == 12000
    assert summary["Disposal proceeds (yuan)"] == 3500.5
    assert summary["Time to match, median (days)"] == 1.0  # 1, 1, 1, 1, 2, 4
    report = warehouse_report(everything.province_admin)
    assert summary["Idle rate (count)"] == pytest.approx(report.idle.count_rate)
    assert summary["Open listings"] == report.open_listings
    divisions = list(book["Idle by division"].iter_rows(values_only=True))
    assert divisions[0][:4] == ("Division code", "Division", "Assets on the ledger", "Idle assets")
    rows = {row[0]: row[2:4] for row in divisions[1:]}
    assert rows == {r.key: (r.count, r.idle_count) for r in report.idle_by_division}
    assert len(rows) == 3
    proceeds = list(book["Disposal proceeds"].iter_rows(values_only=True))
    assert proceeds[1] == ("auction", 2, 3, 3500.5)
    assert proceeds[-1] == ("Total", None, None, 3500.5)


def test_the_county_workbook_covers_the_county(client, en_client, everything):
    client.force_login(everything.county_admin)
    book = load_workbook(io.BytesIO(client.get(reverse("assets:warehouse_reports_xlsx")).content))
    summary = summary_of(book)
    assert summary["Value reallocated instead of bought (yuan)"] == 800
    assert summary["Disposal proceeds (yuan)"] == 3000.5
    divisions = list(book["Idle by division"].iter_rows(values_only=True))[1:]
    assert [row[0] for row in divisions] == ["510104"]


def test_a_formula_typed_as_a_name_stays_text_in_the_workbook(client, en_client, units):
    units.jin.division.name = "=HYPERLINK(1)"
    units.jin.division.save()
    AssetFactory(holder=units.jin, status="idle")
    client.force_login(units.county_admin)
    book = load_workbook(io.BytesIO(client.get(reverse("assets:warehouse_reports_xlsx")).content))
    [row] = list(book["Idle by division"].iter_rows(min_row=2))
    assert row[1].value == "=HYPERLINK(1)"
    assert row[1].data_type == "s"


def test_the_dashboard_panel_shows_three_figures_of_the_report(everything):
    panel = warehouse_panel(everything.county_admin)
    report = warehouse_report(everything.county_admin)
    assert panel.reallocated_value == report.reallocation.value == D("800")
    assert panel.open_listings == report.open_listings
    assert panel.idle == report.idle
    html = render_to_string("assets/reports_dashboard_panel.html", {"warehouse": panel})
    assert 'id="warehouse-reallocated">800' in html
    assert f'id="warehouse-idle">{report.idle.count_percent}%' in html


def test_open_listings_are_the_published_listings_of_the_user_s_scope(units):
    listing(units.jin)
    listing(units.jin2)
    listing(units.wu)  # shared with 锦江 (prefix 51) but not 锦江's
    assert warehouse_panel(units.county_admin).open_listings == 2
    assert warehouse_panel(units.province_admin).open_listings == 3
    assert Asset.objects.count() == 3
    assert timezone.now() > T0
