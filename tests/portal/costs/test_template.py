"""The return's XLSX template: written with the figures the user may read (credit codes as
text, no fleet records, formula-like names neutralised), read back into the same figures in
either language, and a wrong workbook refused as a whole with every problem's sheet and row."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from portal.costs.choices import CostCategory, CostSource
from portal.costs.exceptions import CostInputError
from portal.costs.models import CostRecord
from portal.costs.services.records import Basis, save_unit_figures
from portal.costs.template import build_template, building_label, read_template
from tests.portal.costs.factories import BasisFactory, BudgetFactory, CostRecordFactory
from tests.portal.costs.records_world import figures, line, make_world

pytestmark = pytest.mark.django_db

E, P = CostCategory.ELECTRICITY, CostCategory.PROPERTY


@pytest.fixture
def w():
    w = make_world()
    w.unit.name = '=HYPERLINK("http://example.invalid","x")'
    w.unit.save()
    lines = [
        line(E, "1200.50", month=1, quantity=Decimal("1500"), building=w.occupied),
        line(E, "1100.00", month=2, quantity=Decimal("1400"), building=w.occupied),
        line(P, "36000", building=w.managed),
    ]
    unit_figures = figures(
        w.unit, *lines, budgets={P: Decimal("40000")}, basis=Basis(Decimal("800"), 40, 2)
    )
    save_unit_figures(w.ret(), [unit_figures], by=w.admin)
    CostRecordFactory(unit=w.unit, month=3, category=CostCategory.VEHICLES, source=CostSource.FLEET)
    return w


def workbook(w, user, language="en"):
    out = io.BytesIO()
    with translation.override(language):
        build_template(w.ret(), user, out)
    out.seek(0)
    return out


def test_the_template_holds_the_readers_figures_without_the_fleets(w):
    book = load_workbook(workbook(w, w.admin))
    costs, budgets, bases = book.worksheets[:3]
    assert [s.title for s in book.worksheets] == ["Costs", "Budgets", "Bases", "Instructions"]
    rows = list(costs.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert {r[2] for r in rows} == {building_label(w.occupied), building_label(w.managed)}
    assert "official vehicles" not in {r[4] for r in rows}
    assert costs["A2"].data_type == "s"
    assert costs["A2"].number_format == "@"
    assert costs["B2"].value.startswith("=HYPERLINK")
    assert costs["B2"].data_type == "s"
    assert list(budgets.iter_rows(min_row=2, values_only=True)) == [
        (w.unit.credit_code, w.unit.name, "property services", 40000)
    ]
    assert {r[0]: r[2:] for r in bases.iter_rows(min_row=2, values_only=True)} == {
        w.own_unit.credit_code: (None, None, None),
        w.unit.credit_code: (800, 40, 2),
    }


def test_a_unit_officers_template_holds_his_unit_only(w):
    BasisFactory(unit=w.own_unit)
    BudgetFactory(unit=w.own_unit)
    book = load_workbook(workbook(w, w.officer))
    codes = {r[0] for s in book.worksheets[:3] for r in s.iter_rows(min_row=2, values_only=True)}
    assert codes == {w.unit.credit_code}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_template_reads_back_into_the_same_figures(w, language):
    before = {
        (r.building_id, r.month, r.category, r.amount_yuan, r.quantity)
        for r in CostRecord.objects.filter(source=CostSource.FORM)
    }
    read = read_template(workbook(w, w.admin, language), w.ret(), w.admin)
    by_unit = {f.unit.pk: f for f in read}
    mine = by_unit[w.unit.pk]
    assert {
        (x.key[0], x.month, x.category, x.amount_yuan, x.quantity) for x in mine.lines
    } == before
    assert mine.budgets == {P: Decimal("40000")}
    assert mine.basis == Basis(Decimal("800"), 40, 2)
    assert by_unit[w.own_unit.pk].basis is None


def test_an_uploaded_template_replaces_the_listed_units_figures(w):
    book = load_workbook(workbook(w, w.admin))
    costs = book.worksheets[0]
    costs.delete_rows(4)  # the property line
    costs.append([w.own_unit.credit_code, "", "", "", "Water", "88.8", 12, "m³"])
    costs.append(
        [w.own_unit.credit_code, "", building_label(w.occupied), 5, "rent", 1000, None, ""]
    )
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    read = read_template(out, w.ret(), w.admin)
    save_unit_figures(w.ret(), read, by=w.admin, source=CostSource.TEMPLATE)
    mine = CostRecord.objects.filter(unit=w.unit).exclude(source=CostSource.FLEET)
    assert sorted(mine.values_list("month", flat=True)) == [1, 2]
    theirs = CostRecord.objects.filter(unit=w.own_unit).order_by("category")
    assert [(r.category, r.month, r.amount_yuan, r.quantity, r.source) for r in theirs] == [
        (CostCategory.RENT, 5, Decimal("1000.00"), None, CostSource.TEMPLATE),
        (CostCategory.WATER, None, Decimal("88.80"), Decimal("12.00"), CostSource.TEMPLATE),
    ]
    assert CostRecord.objects.filter(source=CostSource.FLEET).count() == 1


def test_every_problem_is_named_and_nothing_is_read(w):
    book = load_workbook(workbook(w, w.admin))
    costs, budgets = book.worksheets[:2]
    costs.append([w.unit.credit_code, "", "", 13, "electricity", 5, None, ""])
    costs.append([w.unit.credit_code, "", "", "", "fuel", 5, None, ""])
    costs.append([w.unit.credit_code, "", "", "", "rent", -5, None, ""])
    costs.append(["91510000MA0000000X", "", "", "", "rent", 5, None, ""])
    costs.append([w.unit.credit_code, "", building_label(w.foreign), "", "rent", 5, None, ""])
    budgets.append([w.unit.credit_code, "", "rent", "many"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with translation.override("en"), pytest.raises(CostInputError) as refused:
        read_template(out, w.ret(), w.admin)
    message = refused.value.user_message
    assert message.startswith("Nothing was saved.")
    for expected in (
        "Costs, row 5: the month must be 1 to 12",
        "Costs, row 6: unknown category fuel.",
        "Costs, row 7: Actual (yuan) cannot be negative.",
        "Costs, row 8: the credit code 91510000MA0000000X is not a unit of this return.",
        f"Costs, row 9: {w.unit.name} neither occupies nor manages a building “武侯大楼 #",
        "Budgets, row 3: Budget (yuan) is not a number: many",
    ):
        assert expected in message
    assert not CostRecord.objects.filter(source=CostSource.TEMPLATE).exists()


def test_a_file_that_is_no_workbook_is_refused(w):
    with translation.override("en"), pytest.raises(CostInputError, match="not an XLSX workbook"):
        read_template(io.BytesIO(b"PK\x03\x04 not really"), w.ret(), w.admin)


def test_a_workbook_without_the_sheets_is_refused(w):
    out = io.BytesIO()
    Workbook().save(out)
    out.seek(0)
    with translation.override("en"), pytest.raises(CostInputError, match="lacks the costs"):
        read_template(out, w.ret(), w.admin)


def test_figures_too_large_for_the_register_are_named_not_a_server_error(w):
    book = load_workbook(workbook(w, w.admin))
    costs, budgets, bases = book.worksheets[:3]
    costs.append([w.unit.credit_code, "", "", "", "rent", "1e15", None, ""])
    budgets.append([w.unit.credit_code, "", "rent", 10**13])
    codes = [bases.cell(r, 1).value for r in range(1, bases.max_row + 1)]
    row = codes.index(w.unit.credit_code) + 1
    bases.cell(row, 3).value = 10**11
    bases.cell(row, 4).value = 10**10
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with translation.override("en"), pytest.raises(CostInputError) as refused:
        read_template(out, w.ret(), w.admin)
    message = refused.value.user_message
    for expected in (
        "Costs, row 5: Actual (yuan) is too large",
        "Budgets, row 3: Budget (yuan) is too large",
        f"Bases, row {row}: Usable office area (m²) is too large",
        f"Bases, row {row}: Staff is too large",
    ):
        assert expected in message
    assert not CostRecord.objects.filter(source=CostSource.TEMPLATE).exists()
