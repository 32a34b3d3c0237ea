"""Benchmark harness: each figure is timed against a baseline measured in the same run and
printed as ``BENCH <name> ours=<v><unit> baseline=<v><unit> ratio=<r> target=<t>``.

A figure whose ratio exceeds its target fails its benchmark, after the line is printed.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

LINES: list[str] = []


@dataclass(frozen=True)
class Figure:
    name: str
    ours_s: float
    baseline_s: float
    target: float

    @property
    def ratio(self) -> float:
        return self.ours_s / self.baseline_s

    def line(self) -> str:
        return (
            f"BENCH {self.name} ours={self.ours_s * 1000:.2f}ms "
            f"baseline={self.baseline_s * 1000:.2f}ms ratio={self.ratio:.2f} target={self.target}"
        )


def record_line(name: str, ours: str, baseline: str, ratio: float, target: float) -> str:
    """Print and keep a BENCH line whose figures are not times (a rate, a peak memory)."""
    line = f"BENCH {name} ours={ours} baseline={baseline} ratio={ratio:.2f} target={target}"
    LINES.append(line)
    print(line)
    return line


def record(figure: Figure) -> Figure:
    """Print and keep ``figure``'s BENCH line."""
    LINES.append(figure.line())
    print(figure.line())
    return figure


def wall_times(func: Callable[[], object], runs: int) -> list[float]:
    """The wall time of each of ``runs`` calls of ``func``, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def median_time(func: Callable[[], object], *, repeat: int = 7) -> float:
    """Median wall time of ``func`` over ``repeat`` runs, after one warm-up."""
    func()
    return statistics.median(wall_times(func, repeat))


@pytest.fixture
def bench() -> Callable[..., Figure]:
    def measure(
        name: str, ours: Callable[[], object], baseline: Callable[[], object], *, target: float
    ) -> Figure:
        figure = record(Figure(name, median_time(ours), median_time(baseline), target))
        assert figure.ratio <= target, figure.line()
        return figure

    return measure


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LINES:
        terminalreporter.section("benchmarks")
        for line in LINES:
            terminalreporter.write_line(line)
