"""`python -m bench [names...] [--rows N]`: run benchmarks, print a table, write JSON figures."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import psutil

import bench
from backend.clock import now
from bench import BENCHMARKS, Benchmark, Measurement
from bench.pg import PostgresUnavailable

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "latest.json"
MIB = 1024 * 1024
COLUMNS = ("benchmark", "rows", "seconds", "rows/s", "peak RSS MB", "vs baseline", "notes")


@dataclass(frozen=True, slots=True)
class Result:
    benchmark: Benchmark
    measurement: Measurement
    peak_rss_mb: float
    ratio_to_baseline: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.benchmark.name,
            "description": self.benchmark.description,
            "rows": self.measurement.rows,
            "seconds": self.measurement.seconds,
            "rows_per_s": self.measurement.rows_per_s,
            "peak_rss_mb": self.peak_rss_mb,
            "baseline": self.benchmark.baseline,
            "ratio_to_baseline": self.ratio_to_baseline,
            "notes": self.measurement.notes,
        }


class PeakRss:
    """Samples this process's RSS while a benchmark runs; ru_maxrss only knows the whole process's peak."""

    def __init__(self, interval_s: float = 0.01) -> None:
        self._interval_s = interval_s
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.peak_bytes = self._process.memory_info().rss

    def _sample(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.peak_bytes = max(self.peak_bytes, self._process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self._process.memory_info().rss)


def _discover() -> None:
    """Import every module of the package so each registers its benchmarks; a new file needs no list."""
    for module in pkgutil.iter_modules(bench.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"bench.{module.name}")


def _plan(names: list[str]) -> list[Benchmark]:
    """The benchmarks to run, once each, every baseline before the benchmarks divided by it."""
    selected = [BENCHMARKS[name] for name in names or BENCHMARKS]
    baselines = [BENCHMARKS[b.baseline] for b in selected if b.baseline]
    plan: list[Benchmark] = []
    for benchmark in baselines + selected:
        if benchmark not in plan:
            plan.append(benchmark)
    return plan


def _float(value: float) -> str:
    """Large figures as whole numbers, small ones (ratios, seconds) with three significant digits."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _format_notes(notes: dict[str, float | int]) -> str:
    return " ".join(
        f"{key}={_float(value)}" if isinstance(value, float) else f"{key}={value:,}"
        for key, value in notes.items()
    )


def _row(result: Result) -> tuple[str, ...]:
    m = result.measurement
    ratio = (
        f"{result.ratio_to_baseline:.3f}x {result.benchmark.baseline}"
        if result.ratio_to_baseline is not None
        else "-"
    )
    return (
        result.benchmark.name,
        f"{m.rows:,}",
        f"{m.seconds:.3f}",
        f"{m.rows_per_s:,.0f}",
        f"{result.peak_rss_mb:.1f}",
        ratio,
        _format_notes(m.notes),
    )


def _print_row(cells: tuple[str, ...]) -> None:
    """Fixed-width columns, the free-form notes last."""
    widths = (16, 10, 9, 12, 12, 22)
    fixed = "  ".join(
        cell.rjust(width) if i else cell.ljust(width)
        for i, (cell, width) in enumerate(zip(cells[:-1], widths, strict=True))
    )
    print(f"{fixed}  {cells[-1]}", flush=True)


def _run(plan: list[Benchmark], rows: int | None) -> list[Result]:
    results: dict[str, Result] = {}
    _print_row(COLUMNS)
    for benchmark in plan:
        with PeakRss() as rss:
            measurement = benchmark.run(rows or benchmark.default_rows)
        baseline = results.get(benchmark.baseline) if benchmark.baseline else None
        ratio = measurement.rows_per_s / baseline.measurement.rows_per_s if baseline else None
        result = Result(benchmark, measurement, rss.peak_bytes / MIB, ratio)
        results[benchmark.name] = result
        _print_row(_row(result))
    return list(results.values())


def _write_json(results: list[Result], path: Path) -> None:
    payload = {
        "generated_at": now().isoformat(),
        "host": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "benchmarks": [result.as_json() for result in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # SystemExit unwinds through the `finally` blocks that drop throwaway databases.
    raise SystemExit(128 + signum)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    _discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="name", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}"
    )
    parser.add_argument(
        "--rows", type=_positive_int, help="rows for every selected benchmark (default: each one's own)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_FILE, help="where to write the JSON figures")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        results = _run(_plan(args.names), args.rows)
    except PostgresUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; throwaway databases were dropped", file=sys.stderr)
        return 130
    _write_json(results, args.output)
    print(f"\nFigures written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
