"""The template's tools on the newest Python release, as a new laptop has it.

`./bootstrap.sh` installs the template's locked tools (cookiecutter, copier and what they need) with the
Python it finds, and a new laptop's is the newest release (Homebrew's `python3`), not the 3.11 this suite
runs on. A lock refreshed onto a package with no wheel for it, or a tool that breaks on it, would fail a
squad's first command. Here the lock is installed on that Python (Debian's, tests/ci_python.py) as
`make install` installs it, and both tools render the component there, byte for byte the one this
suite's Python renders.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.ci_python import fetch_python
from tests.rendering import BIN, ROOT, render_cookiecutter, render_copier, tree_differences

NEWEST_PYTHON = "3.15"


def test_the_locked_tools_render_the_same_component_on_the_newest_python(tmp_path: Path) -> None:
    python = fetch_python(NEWEST_PYTHON, tmp_path / "python")
    venv = tmp_path / "tools"
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    environment.update(UV_PROJECT_ENVIRONMENT=str(venv), UV_PYTHON=str(python))
    installed = subprocess.run(
        [str(BIN / "uv"), "sync", "--locked", "--compile-bytecode", "--quiet"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    tools = venv / "bin"
    version = subprocess.run([str(tools / "python"), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith(f"Python {NEWEST_PYTHON}."), version.stdout

    here = render_cookiecutter({}, tmp_path / "here")
    by_cookiecutter = render_cookiecutter({}, tmp_path / "cookiecutter", tools=tools)
    by_copier = render_copier({}, tmp_path / "copier" / here.name, tools=tools)
    assert tree_differences(here, by_cookiecutter) == []
    assert tree_differences(here, by_copier) == []
    # The post-generation step ran on that Python too: each is its own repository, with a first commit.
    for component in (by_cookiecutter, by_copier):
        log = subprocess.run(
            ["git", "log", "--format=%s"], cwd=component, capture_output=True, text=True, check=True
        )
        assert len(log.stdout.splitlines()) == 1, log.stdout
