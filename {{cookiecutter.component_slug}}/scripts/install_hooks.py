"""`make hooks`: pre-commit's git hook, run through scripts/uv from wherever the component is.

pre-commit's own hook names the Python of this folder's .venv by its absolute path: once the folder was
moved (out of the template clone's build/, say) or its .venv removed (`make clean`), every commit
failed with "`pre-commit` not found. Did you forget to activate your virtualenv?". After `pre-commit
install` (which keeps a hook of the squad's own as pre-commit.legacy and runs it), one line is added to
the hook it wrote: run pre-commit through scripts/uv, which finds uv, and makes or mends .venv, from the
work tree's top folder, where git runs hooks. The rest of pre-commit's hook, its ID line with it, stays,
so `pre-commit install` and `uninstall` still know the hook as theirs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# The line of the hook the pinned pre-commit writes after which its arguments are complete.
ARGUMENTS_DONE = 'ARGS+=(--hook-dir "$HERE" -- "$@")'
# Git runs a hook from the work tree's top folder: the component's own, unless it joined a larger
# repository (own_repository=false), where pre-commit's lines after this one decide as before.
THROUGH_SCRIPTS_UV = (
    'if [ -x scripts/uv ]; then exec scripts/uv run --locked --quiet pre-commit "${ARGS[@]}"; fi'
)


def hook_path() -> Path:
    git = shutil.which("git")
    if git is None:
        raise SystemExit("make hooks: git is not installed: install it, then run this again")
    found = subprocess.run(  # noqa: S603 - git, found on PATH, with fixed arguments
        [git, "rev-parse", "--git-path", "hooks/pre-commit"], capture_output=True, text=True, check=True
    )
    return Path(found.stdout.strip())


def run_through_scripts_uv(hook: str) -> str:
    """pre-commit's hook with the line that runs it through scripts/uv (added once)."""
    if THROUGH_SCRIPTS_UV in hook:
        return hook
    if ARGUMENTS_DONE not in hook:
        raise SystemExit(
            "make hooks: pre-commit's hook no longer has the line this step adds to "
            f"({ARGUMENTS_DONE!r}): the pinned pre-commit changed it. Commits still run the checks while "
            "this folder stays where it is; update scripts/install_hooks.py to the new hook."
        )
    return hook.replace(ARGUMENTS_DONE, f"{ARGUMENTS_DONE}\n{THROUGH_SCRIPTS_UV}", 1)


def main() -> int:
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], check=True)
    path = hook_path()
    path.write_text(run_through_scripts_uv(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"{path}: runs pre-commit through scripts/uv, wherever this folder is")
    return 0


if __name__ == "__main__":
    sys.exit(main())
