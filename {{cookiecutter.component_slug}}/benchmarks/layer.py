"""What the dependencies layer's bytecode saves at a cold start (infra/layer.py, ADR 0008).

Every handler imported, with the clients the functions create, in a fresh interpreter on a build of
the layer as a deploy uploads it (its bytecode), beside the same build without bytecode: what Lambda
would do on its read-only file system, compile every module at every cold start. Built for this machine
and this Python (the functions' own is for their runtime and architecture); the ratio is the figure.
"""

from __future__ import annotations

import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from infra import layer


def import_seconds(python: str, site: Path) -> float:
    done = layer.import_handlers(python, site)
    if done.returncode != 0:
        raise RuntimeError(f"importing the handlers on {site} failed:\n{done.stderr[-3000:]}")
    # "imported N handlers in S s"
    return float(done.stdout.split()[-2])


def bench_layer_imports(rounds: int) -> list[tuple[str, str, str, str]]:
    if platform.system() != "Linux":
        # The layer's wheels are Linux's: this machine's Python cannot load their libraries.
        return [
            (
                "imports from the dependencies layer",
                "not measured",
                f"Linux only, not {platform.system()}",
                "",
            )
        ]
    target = layer.Target(f"{sys.version_info.major}.{sys.version_info.minor}", layer.machine_architecture())
    with tempfile.TemporaryDirectory(prefix="bench-layer-") as scratch:
        built = Path(scratch) / "built"
        layer.build_checked(built, target)
        bare = Path(scratch) / "without-bytecode"
        shutil.copytree(built, bare, ignore=shutil.ignore_patterns("__pycache__"))
        samples: dict[Path, list[float]] = {built: [], bare: []}
        for _ in range(rounds):
            for folder, seconds in samples.items():
                seconds.append(import_seconds(target.python, folder / "python"))
    with_bytecode, without = (statistics.median(samples[folder]) * 1000 for folder in (built, bare))
    return [
        (
            f"every handler, extras and clients imported from the dependencies layer, median of {rounds}",
            f"{with_bytecode:.0f} ms",
            f"{without:.0f} ms (no bytecode: compiled at import)",
            f"{with_bytecode / without:.2f}",
        )
    ]
