"""How fast this machine runs Python today, and how fast a folder takes new files, so that timings from
different days and folders can be compared.

The reference machine's speed changes from day to day by a factor of two to three (a shared host): the
same suite took 8 minutes one day and 19 the week before. Each benchmark table and each suite run
prints this figure beside its timings, and docs/benchmarks.md reads its figures against it.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

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


def milliseconds_for_files(folder: Path, files: int = 200, rounds: int = 5) -> float:
    """The median time to create ``files`` files of 4 KB in a new folder under ``folder``, in ms.

    A render is mostly this. On the reference machine it moves between 2 and 55 ms on one file system:
    slow for minutes after many files were deleted nearby (2026-12-03, docs/benchmarks.md), so a
    render's seconds depend on what the disk did before, and each benchmark prints this beside them."""
    block = b"x" * 4096
    timings = []
    for _ in range(rounds):
        scratch = Path(tempfile.mkdtemp(prefix="files-probe-", dir=folder))
        try:
            started = time.perf_counter()
            for number in range(files):
                (scratch / f"file-{number}").write_bytes(block)
            timings.append(time.perf_counter() - started)
        finally:
            shutil.rmtree(scratch)
    return statistics.median(timings) * 1000


def described_folders(folders: dict[str, Path]) -> str:
    figures = ", ".join(f"{milliseconds_for_files(path):.0f} ms {where}" for where, path in folders.items())
    return f"disk speed: creating 200 files of 4 KB took {figures} (median of 5)"
