"""The released baseline, held to the target branch: a released schema file never changes or disappears.

The compatibility gate compares today's schemas with ``docs/events/baseline``, so it is only as good as
that folder: delete a released file and ``make release-contracts`` writes a breaking schema in its place,
and the gate then approves it. Consumers in production were built against the baseline on the target
branch (``main``, or ``CONTRACTS_BASE``), not against the one in this work tree, so that is the one each
file is held to:

- a file released there and missing here is refused, unless ``docs/events/retired`` holds it with the
  same content (a retired version is kept, not deleted; a missing folder holds nothing);
- a file whose content differs from the released one is refused: a released version never changes, a
  new version is added beside it instead;
- a file only here is allowed: a new version, or a new event.

Contents are compared as git hashes them (``git hash-object``), so line-ending conversion in a work tree
does not read as a change. Paths are relative to the component's root and git runs there (``git -C``),
so a component in a subfolder of a larger repository is held to its own folder at the base.

Nothing released is nothing to protect, and not an error: outside a git repository, in a repository
with no commit yet, or when the base has no baseline folder (a brand-new component), there is no
change to refuse. A base that cannot be found is an error (``CannotCompare``), never a pass: a CI checkout
without the target branch would otherwise approve every change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "docs/events/baseline"
RETIRED = "docs/events/retired"
SCHEMAS = "docs/events/schemas"
DEFAULT_BASE = "main"


class CannotCompare(Exception):
    """The released baseline cannot be read: the base is not in this repository, or git failed."""


@dataclass(frozen=True)
class Change:
    """A released file that the work tree does not keep as released, and what to do about it."""

    file: str
    problem: str

    def __str__(self) -> str:
        return f"{BASELINE}/{self.file} {self.problem}"


def base(root: Path | None = None) -> str:
    """The branch the gate reads the target from: ``CONTRACTS_BASE`` when set, else the default branch.

    The default branch is origin's (``origin/HEAD``; ``main``, or ``master`` in an older repository,
    when origin does not say), read from ``origin/<branch>`` when that is newer than the local branch:
    a local ``main`` left behind would hold a branch to what was merged weeks ago.
    """
    explicit = os.environ.get("CONTRACTS_BASE")
    if explicit:
        return explicit
    root = ROOT if root is None else root
    if not in_repository(root) or shutil.which("git") is None:
        return DEFAULT_BASE
    said = git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD").stdout.strip()
    name = said.removeprefix("origin/") if said.startswith("origin/") else DEFAULT_BASE
    if not said and not _exists(root, name) and _exists(root, "master"):
        name = "master"
    remote = f"origin/{name}"
    if _exists(root, remote) and (
        not _exists(root, name) or git(root, "merge-base", "--is-ancestor", name, remote).returncode == 0
    ):
        return remote
    return name


def _exists(root: Path, reference: str) -> bool:
    return git(root, "rev-parse", "--verify", "--quiet", reference + "^{commit}").returncode == 0


def fork_point(base: str, root: Path) -> str | None:
    """The commit this work tree is held to: where it left ``base``; None when nothing is released.

    Read at the merge base, not at the tip of ``base``: a branch that is behind is not charged with
    removing what ``base`` gained since (a pull request's merge commit, which CI checks, holds both).
    During a merge (``MERGE_HEAD``), the later of the two branches' merge bases: a conflict resolved by
    dropping what the other side brought is held to it. Histories that do not meet are compared with the
    tip of ``base``; a shallow clone, where they may meet beyond what was fetched, is an error instead.
    """
    commit = resolve(base, root)
    if commit is None:
        return None
    fork = git(root, "merge-base", "HEAD", commit).stdout.strip()
    if not fork:
        if git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
            raise CannotCompare(
                f"contracts: this clone is shallow, and the history linking it to {base!r} was not fetched:"
                " run `git fetch --unshallow` (in CI, set CONTRACTS_BASE to the pull request's merge"
                " commit's first parent, HEAD^1, and check out two commits)."
            )
        return commit
    merging = git(root, "rev-parse", "--verify", "--quiet", "MERGE_HEAD").stdout.strip()
    if merging:
        other = git(root, "merge-base", merging, commit).stdout.strip()
        if other and git(root, "merge-base", "--is-ancestor", fork, other).returncode == 0:
            fork = other
    return fork


@dataclass(frozen=True)
class Target:
    """What the work tree is held to, read at ``fork_point`` once: the released files it changed, the
    event schemas ``base`` published there, and the baseline's file names (None: nothing released)."""

    changed: list[Change]
    merged: dict[str, str]
    released: set[str] | None


def target(base: str, root: Path | None = None) -> Target:
    """`changes`, `merged` and the baseline's names, for `contracts check`: one fork point, one listing."""
    root = ROOT if root is None else root
    commit = fork_point(base, root) if in_repository(root) else None
    if commit is None:
        return Target([], {}, None)
    baseline = released_files(commit, root)
    return Target(_changed(baseline, base, root), merged(commit, root), set(baseline))


def changes(base: str, root: Path | None = None) -> list[Change]:
    """Every released file in ``base``'s baseline that the work tree under ``root`` removed or changed."""
    return target(base, root).changed


def _changed(released: dict[str, str], base: str, root: Path) -> list[Change]:
    here = {name for name in released if (root / BASELINE / name).is_file()}
    retired = {name for name in released if name not in here and (root / RETIRED / name).is_file()}
    hashes = hashed(root, [f"{BASELINE}/{name}" for name in sorted(here)])
    hashes |= hashed(root, [f"{RETIRED}/{name}" for name in sorted(retired)])
    found: list[Change] = []
    for name, released_hash in sorted(released.items()):
        restore = f"`git checkout {base} -- {BASELINE}/{name}`"
        if name in here:
            if hashes[f"{BASELINE}/{name}"] != released_hash:
                found.append(
                    Change(
                        name,
                        f"differs from the version released on {base}: a released version never changes, so"
                        f" restore it ({restore}) and add a new version instead.",
                    ),
                )
        elif name not in retired:
            found.append(
                Change(
                    name,
                    f"was released on {base} and is missing: restore it ({restore}); a version no longer"
                    f" published moves to {RETIRED}/ unchanged, it is never deleted.",
                ),
            )
        elif hashes[f"{RETIRED}/{name}"] != released_hash:
            found.append(
                Change(
                    name,
                    f"was moved to {RETIRED}/ but differs there from the version released on {base}: a"
                    f" retired version keeps its released content, so restore it from {base}.",
                ),
            )
    return found


def report(found: list[Change], base: str) -> str:
    lines = [f"contracts: {len(found)} released schema file(s) differ from the baseline on {base}:"]
    lines += [f"  - {change}" for change in found]
    lines += [
        f"A released version is what consumers were built against: it stays as it was released on {base}.",
        f"The branch compared with is CONTRACTS_BASE when set (e.g. origin/main), else {DEFAULT_BASE}.",
    ]
    return "\n".join(lines)


def in_repository(root: Path) -> bool:
    # Looked for on disk rather than asked of git: a git that fails for another reason (an unsafe
    # directory, a broken repository) must fail the check, not read as "no repository".
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def resolve(base: str, root: Path) -> str | None:
    """The commit ``base`` names; None when the repository has no commit at all (nothing released)."""
    if not base.startswith("-"):
        found = git(root, "rev-parse", "--verify", "--quiet", base + "^{commit}")
        if found.returncode == 0:
            return found.stdout.strip()
    head = git(root, "rev-parse", "--verify", "HEAD")
    if head.returncode != 0:
        # No commit yet is nothing released. Any other failure (a repository git refuses to read, as
        # one owned by another user, or a broken one) must fail the check, not pass it unread.
        if (
            git(root, "symbolic-ref", "--quiet", "HEAD").returncode == 0
            and not git(root, "rev-list", "-n", "1", "--all").stdout.strip()
        ):
            return None
        status = git(root, "status", "--porcelain").stderr.strip() or head.stderr.strip()
        raise CannotCompare(
            f"contracts: git cannot read this repository ({status}): fix what git says, then run this again."
        )
    remote, _, branch = base.partition("/")
    if branch and remote in git(root, "remote").stdout.split():
        # The remote branch is named already: it is only missing from this clone (a shallow or
        # single-branch CI checkout). The refspec makes the remote-tracking branch whatever the clone's.
        advice = f"run `git fetch {remote} +refs/heads/{branch}:refs/remotes/{remote}/{branch}`"
    else:
        advice = (
            f"run `git fetch origin +refs/heads/{DEFAULT_BASE}:refs/remotes/origin/{DEFAULT_BASE}`, or set"
            f" CONTRACTS_BASE to the target branch (e.g. CONTRACTS_BASE=origin/{DEFAULT_BASE})"
        )
    raise CannotCompare(
        f"contracts: the base {base!r} is not in this repository, so the released baseline cannot be"
        f" compared with it: {advice}.",
    )


def merged(commit: str, root: Path) -> dict[str, str]:
    """File name -> content of each event schema (``docs/events/schemas``) at ``commit``, the fork point.

    What the target branch publishes and has recorded, whether released or not: a version merged there
    reached its consumers and its events are stored, so the gate holds this branch to it as well as to
    the baseline.
    """
    files = released_files(commit, root, SCHEMAS)
    return dict(zip(files, contents(root, list(files.values())), strict=True))


def contents(root: Path, object_ids: list[str]) -> list[str]:
    """The text of each git object, read in one ``git cat-file --batch`` (its output is sized in bytes)."""
    if not object_ids:
        return []
    output = subprocess.run(  # noqa: S603 - git, found on PATH, reading objects it listed itself
        [git_executable(), "-C", str(root), "cat-file", "--batch"],
        input="\n".join(object_ids).encode() + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    found: list[str] = []
    at = 0
    for _ in object_ids:
        header_end = output.index(b"\n", at)
        size = int(output[at:header_end].split()[2])
        found.append(output[header_end + 1 : header_end + 1 + size].decode("utf-8"))
        at = header_end + 1 + size + 1
    return found


def released_files(commit: str, root: Path, folder: str = BASELINE) -> dict[str, str]:
    """File name -> git object id of each schema file in ``folder`` (the baseline's) at ``commit``."""
    listing = git(root, "ls-tree", "-z", commit, "--", f"{folder}/", check=True).stdout
    files: dict[str, str] = {}
    for entry in filter(None, listing.split("\0")):
        details, path = entry.split("\t", 1)
        _mode, kind, object_id = details.split()
        name = path.rsplit("/", 1)[-1]
        if kind == "blob" and name.endswith(".json"):
            files[name] = object_id
    return files


def hashed(root: Path, paths: list[str]) -> dict[str, str]:
    """Path -> the object id git would store for the work tree's file (its filters applied)."""
    if not paths:
        return {}
    object_ids = git(root, "hash-object", "--", *paths, check=True).stdout.split()
    return dict(zip(paths, object_ids, strict=True))


def git_executable() -> str:
    executable = shutil.which("git")
    if executable is None:
        raise CannotCompare(
            "contracts: git is not installed, so the released baseline cannot be read: install it.",
        )
    return executable


def git(root: Path, *arguments: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - git, found on PATH, with arguments of our own and the base as one
        [git_executable(), "-C", str(root), *arguments],
        capture_output=True,
        encoding="utf-8",
        check=False,
    )
    if check and result.returncode != 0:
        raise CannotCompare(f"contracts: `git {' '.join(arguments)}` failed: {result.stderr.strip()}")
    return result
