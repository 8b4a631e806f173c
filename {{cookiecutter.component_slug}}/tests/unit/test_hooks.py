"""The pre-commit hooks that keep what a template update leaves behind out of a commit, run by pre-commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from contracts.schemas import ROOT

CONFIG = ROOT / ".pre-commit-config.yaml"
# Built here rather than written out, so this file never looks like a conflict itself.
OURS, SEPARATOR, THEIRS = "<" * 7, "=" * 7, ">" * 7


def hook(tmp_path: Path, hook_id: str, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``pre-commit run <hook_id>`` on ``files`` (name -> text), staged in a new repository."""
    repository = tmp_path / "repository"
    repository.mkdir()
    subprocess.run(["git", "init", "--quiet", str(repository)], check=True)
    for name, text in files.items():
        (repository / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "add", "--all"], cwd=repository, check=True)
    environment = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook_id, "--config", str(CONFIG), "--files", *files],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_conflict_markers_are_refused(tmp_path: Path) -> None:
    conflicted = f"a = 1\n{OURS} HEAD\nb = 2\n{SEPARATOR}\nb = 3\n{THEIRS} template\n"
    result = hook(tmp_path, "no-conflict-markers", {"module.py": conflicted, "clean.py": "c = 1\n"})
    assert result.returncode == 1, result.stdout
    assert "module.py" in result.stdout
    assert "clean.py" not in result.stdout


def test_text_that_only_resembles_a_marker_passes(tmp_path: Path) -> None:
    text = f"Title\n{'=' * 12}\n\n    {OURS} indented in an example\n"
    result = hook(tmp_path, "no-conflict-markers", {"notes.md": text})
    assert result.returncode == 0, result.stdout


def test_files_left_by_an_update_are_refused(tmp_path: Path) -> None:
    leftovers = {"Makefile.rej": "@@ -1 +1 @@\n", "README.md.orig": "old\n", "kept.txt": "fine\n"}
    result = hook(tmp_path, "no-update-leftovers", leftovers)
    assert result.returncode == 1, result.stdout
    assert "Makefile.rej" in result.stdout
    assert "README.md.orig" in result.stdout
    assert "kept.txt" not in result.stdout
    assert "apply it by hand, then delete the file" in result.stdout
