"""`make lint`'s secret scan: every file git tracks against .secrets.baseline (ADR 0023), scanning again only
what changed since it last scanned clean.

detect-secrets runs each of its plugins over every line it is given: about 6 s for a new component's 200
files on a two-core laptop, half of a warm `make lint`, spent again on files that did not change. What
decides a file's verdict is its path, its bytes, the baseline (the plugins, the filters, the reviewed
findings) and detect-secrets' version: a file whose four are those of a clean scan is clean again. So a
clean run records each file's path and bytes under the baseline's and the version's (`.venv/.secret-scan`,
gone with the environment), and the next run hands detect-secrets only the files it has no record of,
as the pre-commit hook hands it a commit's. A run that finds something records nothing: what it flagged
is scanned again until it is fixed or reviewed into the baseline, which changes the baseline and so
scans every file again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ".secrets.baseline"
RECORD = Path(".venv") / ".secret-scan"
# The hook's arguments, as the pre-commit hook gives them (tests/tooling/test_secrets.py holds them equal).
ARGUMENTS = ("--no-verify", "--baseline", BASELINE)


def tracked(root: Path) -> list[str]:
    git = shutil.which("git")
    if git is None:
        raise SystemExit("secret scan: git is not on PATH; install git 2.28 or later, then run it again")
    listed = subprocess.run([git, "ls-files", "-z"], cwd=root, capture_output=True, check=True)  # noqa: S603
    return [name for name in os.fsdecode(listed.stdout).split("\0") if name]


def settings(root: Path) -> str:
    """What every verdict depends on besides the file: the baseline's bytes and the scanner's version."""
    digest = hashlib.sha256((root / BASELINE).read_bytes())
    digest.update(version("detect-secrets").encode())
    return digest.hexdigest()


def fingerprint(root: Path, name: str) -> str:
    digest = hashlib.sha256(os.fsencode(name) + b"\0")
    try:
        digest.update((root / name).read_bytes())
    except OSError:
        return ""  # Deleted but still tracked (or unreadable): never recorded, so always handed on.
    return digest.hexdigest()


def recorded(root: Path, under: str) -> set[str]:
    """The fingerprints of the files a clean run under these settings scanned (none after any change)."""
    try:
        lines = (root / RECORD).read_text(encoding="utf-8").splitlines()
    except OSError:
        return set()
    return set(lines[1:]) if lines and lines[0] == under else set()


def record(root: Path, under: str, fingerprints: set[str]) -> None:
    """Written whole, then renamed over the old one: two runs at once never leave half a record."""
    path = root / RECORD
    if not path.parent.is_dir():
        return  # No environment to keep it in (scripts/uv makes one): the next run scans everything.
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as written:
        written.write("\n".join([under, *sorted(fingerprints - {""})]) + "\n")
    Path(written.name).replace(path)


def run_hook(root: Path, names: list[str]) -> int:
    """detect-secrets' pre-commit hook on these files, from the component's root; its exit status."""
    # The environment's own hook, beside its Python, whatever PATH holds.
    command = [str(Path(sys.executable).parent / "detect-secrets-hook"), *ARGUMENTS, *names]
    return subprocess.run(command, cwd=root, check=False).returncode  # noqa: S603 - the locked scanner


def scan(root: Path = ROOT, hook: Callable[[Path, list[str]], int] = run_hook) -> int:
    """Scan the tracked files the record does not vouch for; record them all when the scan is clean."""
    under = settings(root)
    known = recorded(root, under)
    marks = {name: fingerprint(root, name) for name in tracked(root)}
    unknown = [name for name, mark in marks.items() if not mark or mark not in known]
    status = hook(root, unknown) if unknown else 0
    # The hook rewrites the baseline when a reviewed finding moved (and fails): recorded only unchanged.
    if status == 0 and settings(root) == under:
        # A file saved while the hook ran was scanned as it is now, not as it was fingerprinted: left out.
        record(root, under, {mark for name, mark in marks.items() if fingerprint(root, name) == mark})
    return status


def main() -> int:
    return scan()


if __name__ == "__main__":
    sys.exit(main())
