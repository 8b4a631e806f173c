"""Re-resolve the rendered component's locks (uv.lock, package-lock.json) and store them in the template.

    make relock-component            # after editing the component's pyproject.toml or package.json
    make relock-component UPGRADE=1  # also move every Python pin to the newest version the ranges allow

The component ships its locks so a fresh render installs exactly the versions the template was tested
with. Each lock is the default render's, with the project's own name made a template variable: uv and
npm check a lock by content, not by the position of that entry, so it holds for every slug (the render
matrix proves it with `uv sync --locked` on each combination, the full checks with `npm ci`).
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
COMPONENT = ROOT / "{{cookiecutter.component_slug}}"
DEFAULT_SLUG = "inventory"
TEMPLATED_SLUG = "{{ cookiecutter.component_slug }}"
# Each lock names the project in a fixed number of lines: uv once, npm twice (top level and root package).
PROJECT_NAME_LINES = {
    "uv.lock": (f'name = "{DEFAULT_SLUG}"', 1),
    "package-lock.json": (f'"name": "{DEFAULT_SLUG}",', 2),
}


def relock(upgrade: bool) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="relock-") as scratch:
        component = Path(cookiecutter(str(ROOT), no_input=True, output_dir=scratch, accept_hooks=False))
        uv = shutil.which("uv") or "uv"
        subprocess.run([uv, "lock", *(["--upgrade"] if upgrade else [])], cwd=component, check=True)
        npm = shutil.which("npm") or "npm"
        npm_lock = [npm, "install", "--package-lock-only", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm_lock, cwd=component, check=True)
        return {
            name: templated(name, (component / name).read_text(encoding="utf-8"))
            for name in PROJECT_NAME_LINES
        }


def templated(lock_name: str, text: str) -> str:
    name_line, expected = PROJECT_NAME_LINES[lock_name]
    lines = text.splitlines(keepends=True)
    found = [index for index, line in enumerate(lines) if line.strip() == name_line]
    if len(found) != expected:
        raise SystemExit(f"expected {expected} `{name_line}` line(s) in {lock_name}, found {len(found)}")
    for index in found:
        lines[index] = lines[index].replace(DEFAULT_SLUG, TEMPLATED_SLUG)
    return "".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="upgrade every Python pin within its range")
    args = parser.parse_args()
    for name, new_lock in relock(args.upgrade).items():
        changed = new_lock != (COMPONENT / name).read_text(encoding="utf-8")
        (COMPONENT / name).write_text(new_lock, encoding="utf-8")
        print(f"component {name} " + ("updated" if changed else "already current"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
