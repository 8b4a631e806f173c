"""Render benchmark: median wall time of a default render with each tool, side by side in one run.

    make bench                       # or: uv run python -m tests.bench_render --rounds 7

Rounds alternate between the tools so that machine noise falls on both alike; the ratio column compares
each tool with cookiecutter. Each render is the real command-line program, post-generation step
(git init) included, as a squad runs it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.rendering import render_cookiecutter, render_copier

TOOLS: dict[str, Callable[[Path], Path]] = {
    "cookiecutter": lambda scratch: render_cookiecutter({}, scratch / "out"),
    "copier": lambda scratch: render_copier({}, scratch / "out" / "component"),
}


def measure(rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in TOOLS}
    for _ in range(rounds):
        for name, render in TOOLS.items():
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
                started = time.perf_counter()
                render(Path(scratch))
                timings[name].append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description="Median default-render time per tool")
    parser.add_argument("--rounds", type=int, default=7, help="renders per tool (default: 7)")
    rounds = parser.parse_args().rounds
    timings = measure(rounds)
    baseline = statistics.median(timings["cookiecutter"])
    print(f"Default render, {rounds} rounds per tool, alternating (seconds)")
    print(f"| {'tool':<12} | {'median':>7} | {'min':>7} | {'max':>7} | {'ratio':>6} |")
    print(f"|{'-' * 14}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    for name, samples in timings.items():
        median = statistics.median(samples)
        cells = f"{median:7.2f} | {min(samples):7.2f} | {max(samples):7.2f} | {median / baseline:6.2f}"
        print(f"| {name:<12} | {cells} |")


if __name__ == "__main__":
    main()
