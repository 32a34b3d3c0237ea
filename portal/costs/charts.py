"""Small trend charts drawn on the server as inline SVG: no chart library, no script, nothing
for the CSP to refuse (presentation attributes only, never a ``style`` attribute).

A chart is a line over the years with a dot per value, or bars per year with an optional
reference tick (the budget against the actual total). Every text is escaped here, and each dot
or bar carries a ``<title>`` so a pointer shows the exact figure; the page lists the same
figures in a table for readers who cannot see the drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

WIDTH: Final = 420
HEIGHT: Final = 200
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 28, 28
INK: Final = "#1f2933"
GRID: Final = "#cbd2d9"
LINE: Final = "#0868ac"
BAR: Final = "#7bccc4"
REFERENCE: Final = "#ab091e"


@dataclass(frozen=True)
class Point:
    """One year of a series: its label, its value (None where missing) and the text shown."""

    label: str
    value: Decimal | None
    text: str
    reference: Decimal | None = None  # e.g. the budget, drawn as a tick across the bar
    reference_text: str = ""


def _scale(points: Sequence[Point]) -> tuple[Decimal, Decimal]:
    values = [p.value for p in points if p.value is not None]
    values += [p.reference for p in points if p.reference is not None]
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    return low, (high if high > low else low + 1)


def _y(value: Decimal, low: Decimal, high: Decimal) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return round(TOP + inner * float((high - value) / (high - low)), 1)


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return round(LEFT + inner * (index + 0.5) / count, 1)


def _axes(points: Sequence[Point], low: Decimal, high: Decimal, title: str, unit: str) -> list[str]:
    parts = [
        f'<text x="{LEFT}" y="16" font-size="12" font-weight="bold" fill="{INK}">'
        f"{escape(title)} <tspan font-weight="
        f'"normal">({escape(unit)})</tspan></text>'
    ]
    for value in (low, (low + high) / 2, high):
        y = _y(value, low, high)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 4}" y="{y + 4}" font-size="10" text-anchor="end" fill="{INK}">'
            f"{escape(_tick(value, whole=high >= 100))}</text>"
        )
    for index, point in enumerate(points):
        parts.append(
            f'<text x="{_x(index, len(points))}" y="{HEIGHT - 8}" font-size="10" '
            f'text-anchor="middle" fill="{INK}">{escape(point.label)}</text>'
        )
    return parts


def _tick(value: Decimal, *, whole: bool) -> str:
    """An axis label: whole numbers on a scale reaching 100, two decimals on a smaller one."""
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def _wrap(parts: list[str], title: str, css_class: str) -> SafeString:
    body = "".join(parts)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class={quoteattr(css_class)} role="img" aria-label={quoteattr(title)}>{body}</svg>'
    )
    # Safe: every text written above went through escape() or quoteattr().
    return mark_safe(svg)


def line_chart(points: Sequence[Point], *, title: str, unit: str) -> SafeString:
    """A line over the years; a missing year breaks the line. The lines go above the grid and
    below the dots, so every dot's tooltip stays reachable."""
    low, high = _scale(points)
    runs: list[list[str]] = [[]]
    dots = []
    for index, point in enumerate(points):
        if point.value is None:
            runs.append([])
            continue
        x, y = _x(index, len(points)), _y(point.value, low, high)
        runs[-1].append(f"{x},{y}")
        dots.append(
            f'<circle cx="{x}" cy="{y}" r="3.5" fill="{LINE}" class="chart-point">'
            f"<title>{escape(point.label)}: {escape(point.text)}</title></circle>"
        )
    lines = [
        f'<polyline points="{" ".join(run)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
        for run in runs
        if len(run) > 1
    ]
    parts = [*_axes(points, low, high, title, unit), *lines, *dots]
    return _wrap(parts, title, "trend-chart trend-line")


def bar_chart(points: Sequence[Point], *, title: str, unit: str) -> SafeString:
    """Bars per year, each with its reference (the budget) as a red tick where there is one."""
    low, high = _scale(points)
    parts = _axes(points, low, high, title, unit)
    half = (WIDTH - LEFT - RIGHT) / max(len(points), 1) * 0.35
    zero = _y(Decimal(0), low, high)
    for index, point in enumerate(points):
        x = _x(index, len(points))
        if point.value is not None:
            y = _y(point.value, low, high)
            parts.append(
                f'<rect x="{x - half:.1f}" y="{min(y, zero)}" width="{2 * half:.1f}" '
                f'height="{abs(zero - y):.1f}" fill="{BAR}" class="chart-bar">'
                f"<title>{escape(point.label)}: {escape(point.text)}</title></rect>"
            )
        if point.reference is not None:
            y = _y(point.reference, low, high)
            parts.append(
                f'<line x1="{x - half - 3:.1f}" x2="{x + half + 3:.1f}" y1="{y}" y2="{y}" '
                f'stroke="{REFERENCE}" stroke-width="2.5" class="chart-reference">'
                f"<title>{escape(point.label)}: {escape(point.reference_text)}</title></line>"
            )
    return _wrap(parts, title, "trend-chart trend-bars")
