"""Re-resolve the rendered component's uv.lock and store it back in the template.

    make relock-component            # after editing the component's pyproject.toml
    make relock-component UPGRADE=1  # also move every pin to the newest version the ranges allow

The component ships a lock so a fresh render installs exactly the versions the template was tested
with. The lock is the default render's, with the project's own name made a template variable: uv
checks a lock by content, not by the position of that entry, so it holds for every slug (the render
matrix proves it with `uv sync --locked` on each combination).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_LOCK = ROOT / "{{cookiecutter.component_slug}}" / "uv.lock"
DEFAULT_SLUG = "inventory"
PROJECT_NAME_LINE = f'name = "{DEFAULT_SLUG}"'
TEMPLATED_NAME_LINE = 'name = "{{ cookiecutter.component_slug }}"'


def relock(upgrade: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="relock-") as scratch:
        component = Path(cookiecutter(str(ROOT), no_input=True, output_dir=scratch, accept_hooks=False))
        uv = shutil.which("uv") or "uv"
        subprocess.run([uv, "lock", *(["--upgrade"] if upgrade else [])], cwd=component, check=True)
        lines = (component / "uv.lock").read_text(encoding="utf-8").splitlines(keepends=True)
    project_lines = [index for index, line in enumerate(lines) if line.rstrip("\n") == PROJECT_NAME_LINE]
    if len(project_lines) != 1:
        raise SystemExit(f"expected one `{PROJECT_NAME_LINE}` line in the lock, found {len(project_lines)}")
    lines[project_lines[0]] = TEMPLATED_NAME_LINE + "\n"
    return "".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="upgrade every pin within its range")
    args = parser.parse_args()
    new_lock = relock(args.upgrade)
    changed = new_lock != TEMPLATE_LOCK.read_text(encoding="utf-8")
    TEMPLATE_LOCK.write_text(new_lock, encoding="utf-8")
    print("component uv.lock " + ("updated" if changed else "already current"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
