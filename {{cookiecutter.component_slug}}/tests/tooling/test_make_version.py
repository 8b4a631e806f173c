"""The Makefile needs GNU make 4.0 or later, and says so at once on an older one (macOS ships 3.81).

No make older than 4.0 runs here: the test gives this machine's make the version and the feature list
make 3.81 reports, on its command line, which is all the Makefile's check reads.
"""

from __future__ import annotations

import shutil
import subprocess

from contracts.schemas import ROOT

MAKE_3_81 = (
    ".FEATURES=target-specific order-only second-expansion else-if archives jobserver check-symlink",
    "MAKE_VERSION=3.81",
)


def test_an_older_make_is_refused_before_any_target_runs_saying_what_to_install() -> None:
    make = shutil.which("make")
    assert make is not None, "make is not on PATH"
    done = subprocess.run(
        [make, "--no-print-directory", *MAKE_3_81, "help"],  # any target: refused before its recipe
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "GNU make 4.0 or later is needed, this is make 3.81" in done.stderr, done.stderr
    assert "brew install make" in done.stderr
    assert done.stdout == "", "no recipe ran"
