"""The post-generation step both tools run: git init when the component is not in a work tree yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.rendering import ROOT

HOOK = ROOT / "hooks" / "post_gen_project.py"


def run_hook(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HOOK)], cwd=directory, capture_output=True, text=True, check=False
    )


def test_a_new_component_becomes_a_git_repository_on_main(tmp_path: Path) -> None:
    result = run_hook(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "initialised an empty git repository on branch main" in result.stdout
    head = subprocess.run(
        ["git", "symbolic-ref", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert head.strip() == "refs/heads/main"
    assert "make install" in result.stdout


def test_a_component_inside_a_work_tree_is_left_alone(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    component = tmp_path / "components" / "inventory"
    component.mkdir(parents=True)
    result = run_hook(component)
    assert result.returncode == 0, result.stderr
    assert "already inside a git work tree" in result.stdout
    assert not (component / ".git").exists()
