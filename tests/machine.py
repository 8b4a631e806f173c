"""How fast this machine runs Python today, so that timings from different days can be compared.

The reference machine's speed changes from day to day by a factor of two to three (a shared host): the
same suite took 8 minutes one day and 19 the week before. Each benchmark table and each suite run
prints this figure beside its timings, and docs/benchmarks.md reads its figures against it.
"""

from __future__ import annotations

import statistics
import time

# Run as module-level code (`python -c`), as the figures in docs/benchmarks.md and the notes were taken.
LOOP = compile("total = 0\nfor number in range(10**7):\n    total += number\n", "<additions>", "exec")


def seconds_for_additions(rounds: int = 3) -> float:
    """The median time of a pure-Python loop of ten million additions, in seconds."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        exec(LOOP, {})  # noqa: S102 - a constant loop, compiled above
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def described(seconds: float) -> str:
    return f"machine speed: a pure-Python loop of 10^7 additions took {seconds:.2f} s (median of 3)"
