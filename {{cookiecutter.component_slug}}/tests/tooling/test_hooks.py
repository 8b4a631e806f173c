"""The pre-commit hooks that keep what a template update leaves behind out of a commit, run by pre-commit.

Each case is a new repository with its files staged and one `pre-commit run`. The three runs start
together, when the first of these tests asks for one: each is mostly an interpreter starting pre-commit,
which two cores do side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.schemas import ROOT

CONFIG = ROOT / ".pre-commit-config.yaml"
# Built here rather than written out, so this file never looks like a conflict itself.
OURS, SEPARATOR, THEIRS = "<" * 7, "=" * 7, ">" * 7

# Each case: the hook it runs and the files (name -> text) it runs on, staged; then any left untracked.
CASES: dict[str, tuple[str, dict[str, str]] | tuple[str, dict[str, str], dict[str, str]]] = {
    "conflicted": (
        "no-conflict-markers",
        {
            "module.py": f"a = 1\n{OURS} HEAD\nb = 2\n{SEPARATOR}\nb = 3\n{THEIRS} template\n",
            "clean.py": "c = 1\n",
        },
    ),
    "resembling": (
        "no-conflict-markers",
        {"notes.md": f"Title\n{'=' * 12}\n\n    {OURS} indented in an example\n"},
    ),
    "leftovers": (
        "no-update-leftovers",
        {"Makefile.rej": "@@ -1 +1 @@\n", "README.md.orig": "old\n", "kept.txt": "fine\n"},
    ),
    # `make docs` wrote a schema, and `git commit -am` leaves it out.
    "left-out": (
        "nothing-left-out",
        {"src/module.py": "a = 1\n"},
        {"docs/events/schemas/Thing.v1.json": "{}\n", "scratch.txt": "not read by the checks\n"},
    ),
    "all-in": ("nothing-left-out", {"src/module.py": "a = 1\n", "docs/events/schemas/Thing.v1.json": "{}\n"}),
}


def start(
    folder: Path, hook_id: str, files: dict[str, str], untracked: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``pre-commit run <hook_id>`` on ``files``, staged in a new repository in ``folder``, beside any
    ``untracked`` ones."""
    repository = folder / "repository"
    repository.mkdir()
    subprocess.run(["git", "init", "--quiet", str(repository)], check=True)

    def write(written: dict[str, str]) -> None:
        for name, text in written.items():
            (repository / name).parent.mkdir(parents=True, exist_ok=True)
            (repository / name).write_text(text, encoding="utf-8")

    write(files)
    subprocess.run(["git", "add", "--all"], cwd=repository, check=True)
    write(untracked or {})
    environment = {**os.environ, "PRE_COMMIT_HOME": str(folder / "pre-commit-home")}
    return subprocess.Popen(
        [sys.executable, "-m", "pre_commit", "run", hook_id, "--config", str(CONFIG), "--files", *files],
        cwd=repository,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, subprocess.Popen[str]]]:
    started = {case: start(tmp_path_factory.mktemp(case), *parts) for case, parts in CASES.items()}
    yield started
    for run in started.values():  # A test that failed early leaves no pre-commit behind.
        run.kill()
        run.communicate()


def finished(run: subprocess.Popen[str]) -> tuple[int, str]:
    """The run's exit status and what it printed."""
    output, _ = run.communicate(timeout=120)
    return run.returncode, output


def test_conflict_markers_are_refused(runs: dict[str, subprocess.Popen[str]]) -> None:
    status, output = finished(runs["conflicted"])
    assert status == 1, output
    assert "module.py" in output
    assert "clean.py" not in output


def test_text_that_only_resembles_a_marker_passes(runs: dict[str, subprocess.Popen[str]]) -> None:
    status, output = finished(runs["resembling"])
    assert status == 0, output


def test_files_left_by_an_update_are_refused(runs: dict[str, subprocess.Popen[str]]) -> None:
    status, output = finished(runs["leftovers"])
    assert status == 1, output
    assert "Makefile.rej" in output
    assert "README.md.orig" in output
    assert "kept.txt" not in output
    assert "apply it by hand, then delete the file" in output


def test_a_file_the_checks_read_but_the_commit_lacks_is_refused(
    runs: dict[str, subprocess.Popen[str]],
) -> None:
    status, output = finished(runs["left-out"])
    assert status == 1, output
    assert "docs/events/schemas/Thing.v1.json" in output
    assert "git add them" in output
    assert "scratch.txt" not in output
    status, output = finished(runs["all-in"])
    assert status == 0, output
