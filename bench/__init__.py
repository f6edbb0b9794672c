"""Benchmarks that print figures (`python -m bench`); tests never assert on timings.

A benchmark is a function `(rows) -> Measurement` registered with `@register`. It times only the
work it measures; set-up such as creating and migrating a database stays outside its clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one benchmark run reports: rows processed, seconds on its clock, and extra figures."""

    rows: int
    seconds: float
    notes: dict[str, float | int] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


@dataclass(frozen=True, slots=True)
class Benchmark:
    name: str
    run: Callable[[int], Measurement]
    default_rows: int
    description: str
    # A benchmark whose rate, measured in the same run, this one's rate is divided by.
    baseline: str | None = None


BENCHMARKS: dict[str, Benchmark] = {}


def register(
    name: str, *, default_rows: int, baseline: str | None = None
) -> Callable[[Callable[[int], Measurement]], Callable[[int], Measurement]]:
    """Add a benchmark to `BENCHMARKS`; its docstring's first line describes it in the JSON."""

    def decorator(run: Callable[[int], Measurement]) -> Callable[[int], Measurement]:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        description = (run.__doc__ or "").strip().partition("\n")[0]
        BENCHMARKS[name] = Benchmark(name, run, default_rows, description, baseline)
        return run

    return decorator
