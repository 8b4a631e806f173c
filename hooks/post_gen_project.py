"""After rendering, for both tools: make the component a git repository and say what to do next.

Cookiecutter runs this as its post-generation hook; copier runs the same file as its task (copier.yml
``_tasks``). It runs in the rendered component's directory and uses no template variables, so it is
plain Python for both. Option pruning is not done here: each optional file carries its condition in
its own name and both tools skip a file whose name renders empty (ADR 0003).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def inside_git_work_tree(directory: Path) -> bool:
    probe = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "true"


def initialise_git(directory: Path) -> str:
    """``git init -b main`` unless the component already lives in a work tree (copier update, monorepos)."""
    if shutil.which("git") is None:
        return "git is not installed: run `git init -b main` yourself"
    if inside_git_work_tree(directory):
        return "already inside a git work tree: left as it is"
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main"], cwd=directory, check=True)
    return "initialised an empty git repository on branch main"


def main() -> int:
    component = Path.cwd()
    git_status = initialise_git(component)
    print(
        f"\nRendered {component.name} in {component}\n"
        f"  git: {git_status}\n"
        "Next steps:\n"
        f"  cd {component}\n"
        "  make install   # pinned tools and dependencies (uv, from uv.lock)\n"
        "  make lint test # what CI runs on every pull request\n"
        "  make help      # every target\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
