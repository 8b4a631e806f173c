"""A copy of this component to run its own commands on (`python -m contracts ...`), leaving it untouched.

Each command runs in a new interpreter whose imports come from the copy, so what it reads is what the
previous command wrote there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from contracts import schemas

# The docs command draws the README's flow from the stack: the CDK app, its context (cdk.json), the
# owner it tags it with (.github/CODEOWNERS) and the lock its dependencies layer is named from. The
# tests' session imports local_deploy (loopback).
FOLDERS = ("src", "contracts", "docs", "tests", "infra", "local_deploy", ".github")
FILES = ("pyproject.toml", "uv.lock", "README.md", "Makefile", "cdk.json", "catalog-info.yaml")


def component_copy(destination: Path) -> Path:
    """The parts of this component the contract commands and scaffolds read and write."""
    for folder in FOLDERS:
        shutil.copytree(
            schemas.ROOT / folder,
            destination / folder,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    for name in FILES:
        shutil.copy(schemas.ROOT / name, destination / name)
    return destination


def run(copy: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    # No bytecode: a test edits a module and runs again within the same second, and an edit of the same
    # size (`str` to `int`) would then be read from the stale bytecode, which Python checks by size and
    # modification time in whole seconds.
    environment = {
        **os.environ,
        "PYTHONPATH": f"{copy / 'src'}{os.pathsep}{copy}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def contracts(copy: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run(copy, "-m", "contracts", *arguments)


def snapshot(copy: Path) -> dict[str, str]:
    """Every Python, JSON, YAML and Markdown file of the copy, by path."""
    return {
        str(path.relative_to(copy)): path.read_text(encoding="utf-8")
        for pattern in ("*.py", "*.json", "*.yaml", "*.md")
        for path in sorted(copy.rglob(pattern))
    }
