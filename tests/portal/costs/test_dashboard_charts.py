"""The inline-SVG trend charts: texts escaped, a missing year breaks the line, the budget tick
drawn, and nothing the CSP would refuse (no style attribute, no script). No database."""

from decimal import Decimal

from portal.costs.charts import Point, bar_chart, line_chart


def test_line_chart_breaks_at_a_missing_year_and_escapes():
    points = [
        Point("2021", Decimal("10"), "10.00"),
        Point("2022", Decimal("12"), "12.00"),
        Point("2023", None, "—"),
        Point("2024", Decimal("9"), "9.00"),
    ]
    svg = line_chart(points, title="<b>成本</b>", unit="yuan/m²")
    assert svg.startswith("<svg")
    assert svg.count("<polyline") == 1  # 2021–2022; 2024 stands alone
    assert svg.count("<circle") == 3
    assert "<b>" not in svg
    assert "&lt;b&gt;成本&lt;/b&gt;" in svg
    assert "style=" not in svg
    assert "<script" not in svg


def test_bar_chart_draws_bars_and_budget_ticks():
    points = [
        Point("2023", Decimal("100"), "100.00", Decimal("120"), "budget 120.00"),
        Point("2024", Decimal("130"), "130.00"),
    ]
    svg = bar_chart(points, title="Total", unit="yuan")
    assert svg.count('class="chart-bar"') == 2
    assert svg.count('class="chart-reference"') == 1
    assert "budget 120.00" in svg


def test_empty_and_flat_series_do_not_divide_by_zero():
    flat = [Point("2024", Decimal("0"), "0.00")]
    assert "<circle" in line_chart(flat, title="t", unit="u")
    assert "<svg" in bar_chart([], title="t", unit="u")
