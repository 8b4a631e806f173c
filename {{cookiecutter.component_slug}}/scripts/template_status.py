"""`make template-status`: is this component made from the template's newest release?

It reads the record of the release the component was made from (`.copier-answers.yml`, written by
copier; `.cruft.json`, written for cookiecutter and cruft), lists the template's release tags
(`git ls-remote --tags`, `v<major>.<minor>.<patch>`) and says whether a newer release is out and how to
update to it. Exit status: 0 up to date, 1 a newer release is out, 2 it cannot tell (no record, or the
template cannot be reached).

A component made from a commit no release tag names (the quickstart renders the tip of the template's
`main`, usually past its last release) counts as made from the newest release that commit contains.
Copier records that release (`git describe`: v0.5.0-2-gabc1234); cruft records the commit alone, so the
template's history (its commits and tags, no files) is read for it: told to "update" to the release
before its commit, a component would lose the template's changes since.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

RELEASE_TAG = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
# `git describe` as copier records a commit after a release: v0.4.0-3-gabc1234.
AFTER_RELEASE = re.compile(r"(v?\d+\.\d+\.\d+)-\d+-g([0-9a-f]+)")
COMMIT = re.compile(r"[0-9a-f]{7,40}")
# An address with a host, written the way scp writes one: git@github.com:org/name.git (and gh:org/name).
SCP_LIKE = re.compile(r"[^/:]+:")

Version = tuple[int, int, int]


@dataclass(frozen=True)
class Record:
    """Where the template is, the commit (or tag) the component was made from, and which tool made it."""

    tool: str
    template: str
    commit: str

    @property
    def key(self) -> str:
        """Where the record names the template, to edit when it names the wrong place."""
        if self.tool == "copier":
            # copier has no command that changes it (copier-org/copier#1729).
            return "`_src_path` in .copier-answers.yml (the one key there to edit by hand)"
        return "`template` in .cruft.json"


@dataclass(frozen=True)
class Release:
    version: Version
    tag: str
    commit: str


@dataclass(frozen=True)
class MadeFrom:
    """The release a component was made from, and whether from a commit after it."""

    version: Version
    after: bool = False


class CannotTell(Exception):
    """The status cannot be known; the message says why and what to do."""


def read_record(root: Path) -> Record:
    answers = root / ".copier-answers.yml"
    if answers.is_file():
        values = {}
        for line in answers.read_text(encoding="utf-8").splitlines():
            key, separator, value = line.partition(":")
            if separator and not line.startswith((" ", "#")):
                values[key.strip()] = value.strip().strip("'\"")
        if "_src_path" in values and "_commit" in values:
            return Record("copier", values["_src_path"], values["_commit"])
    cruft = root / ".cruft.json"
    if cruft.is_file():
        state = json.loads(cruft.read_text(encoding="utf-8"))
        return Record("cruft", state["template"], state["commit"])
    raise CannotTell(
        "no record of the template: neither .copier-answers.yml (with _src_path and _commit) nor "
        ".cruft.json is here; record it with `cruft link <template>`"
    )


def git_url(template: str) -> str:
    if template.startswith("gh:"):
        return f"https://github.com/{template.removeprefix('gh:')}.git"
    return template


def git(*arguments: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("git")
    if found is None:
        raise CannotTell("git is not installed, so the template's releases cannot be listed: install it")
    return subprocess.run(  # noqa: S603 - git, found on PATH, with the recorded template as one argument
        [found, *arguments],
        capture_output=True,
        text=True,
        check=False,
        # Never wait for a password: an unreachable template is reported, not prompted for. Never fetch
        # an object a partial clone lacks (git 2.44+): a commit missing from the history is the answer.
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_NO_LAZY_FETCH": "1"},
    )


def folder_named(template: str) -> Path | None:
    """The folder a template's address names, or None for an address with a host (a URL)."""
    if template.startswith(("file://", "git+file://")):
        return Path(urllib.parse.urlsplit(template.removeprefix("git+")).path)
    if "://" in template or SCP_LIKE.match(template):
        return None
    return Path(template).expanduser()


def without_credentials(url: str) -> str:
    """``url`` without the user and token an https URL may carry: the record it goes into is committed."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def cloned_from(record: Record) -> str | None:
    """The URL of the repository the recorded folder is a clone of, when the record names such a folder.

    Earlier releases recorded the folder the quickstart rendered from, a clone of the template, and
    neither update tool rewrites the record: its tags are only as new as the clone's last pull, and
    teammates and CI cannot reach it at all.
    """
    folder = folder_named(record.template)
    if folder is None or not folder.is_dir():
        return None
    # The URL as configured (`git remote get-url` would apply the machine's url.*.insteadOf rules).
    origin = git("-C", str(folder), "config", "--get", "remote.origin.url").stdout.strip()
    return without_credentials(origin) if origin and folder_named(origin) is None else None


def releases(template: str, record: Record) -> list[Release]:
    """The template's release tags, oldest first; an annotated tag counts at the commit it points to."""
    listed = git("ls-remote", "--tags", git_url(template))
    if listed.returncode != 0:
        folder = (
            " It names a folder, which only the machine it is on can reach (a render from a clone of a "
            f"folder): record the template's repository URL instead, as {record.key}, and commit it."
            if folder_named(template) is not None
            else ""
        )
        raise CannotTell(
            f"cannot list the template's releases at {template}: {listed.stderr.strip()}; "
            f"check the address and your access to it.{folder}"
        )
    commits: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        commit, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/tags/")
        peeled = name.endswith("^{}")
        name = name.removesuffix("^{}")
        if RELEASE_TAG.fullmatch(name) and (peeled or name not in commits):
            commits[name] = commit
    found = [Release(version(tag), tag, commit) for tag, commit in commits.items()]
    return sorted(found, key=lambda release: release.version)


def version(tag: str) -> Version:
    match = RELEASE_TAG.fullmatch(tag)
    if match is None:
        raise ValueError(f"{tag!r} is not a release tag (v<major>.<minor>.<patch>)")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def made_from(commit: str, known: list[Release], template: str) -> MadeFrom | None:
    """The release the component was made from (or made after), or None when made before the first.

    The record names a tag, a commit after one (as `git describe` writes it), or a commit. A commit two
    tags point to is made from the newer of the two; a commit no tag points to, from the newest release
    in its history.
    """
    after = AFTER_RELEASE.fullmatch(commit)
    if RELEASE_TAG.fullmatch(commit):
        tagged = [release.commit for release in known if release.tag == commit]
        if not tagged:
            return MadeFrom(version(commit))
        sha = tagged[0]
    else:
        # A commit after a release may be a later release itself, tagged since.
        sha = after.group(2) if after is not None else commit
    for release in reversed(known):
        if release.commit.startswith(sha) or sha.startswith(release.commit):
            return MadeFrom(release.version)
    if after is not None:
        return MadeFrom(version(after.group(1)), after=True)
    if not COMMIT.fullmatch(commit):
        raise CannotTell(
            f"the record names {commit!r}, neither a release tag nor a commit: record the template's commit "
            "the component was made from (`commit` in .cruft.json, `_commit` in .copier-answers.yml)"
        )
    return released_before(commit, template)


def released_before(commit: str, template: str) -> MadeFrom | None:
    """The newest release in the history of ``commit``, a commit of the template no release tag points
    to: from a copy of the template's history, commits and tags only (no files)."""
    with tempfile.TemporaryDirectory(prefix="template-history-") as scratch:
        history = str(Path(scratch) / "template.git")
        cloned = git("clone", "--quiet", "--bare", "--filter=tree:0", git_url(template), history)
        if cloned.returncode != 0:
            raise CannotTell(
                f"cannot read the template's history at {template} to find the release before commit "
                f"{commit}: {cloned.stderr.strip()}; check the address and your access to it"
            )
        merged = git("-C", history, "tag", "--list", "--merged", commit + "^{commit}")
    if merged.returncode != 0:
        raise CannotTell(
            f"the commit this component was made from, {commit}, is not in the template at {template} "
            "(made from commits that were never pushed there?): ask the template's platform team which "
            "release it matches, and record that release's commit (`commit` in .cruft.json, `_commit` in "
            ".copier-answers.yml)"
        )
    contained = [version(tag) for tag in merged.stdout.split() if RELEASE_TAG.fullmatch(tag)]
    return MadeFrom(max(contained), after=True) if contained else None


def status(record: Record, template: str) -> tuple[int, str]:
    """Whether the template at ``template`` has a release newer than the one ``record`` names."""
    known = releases(template, record)
    if not known:
        raise CannotTell(
            f"the template at {template} has no release tags (v<major>.<minor>.<patch>) yet, so "
            "there is no release to compare with: nothing to do until its platform team tags one"
        )
    newest = known[-1]
    made = made_from(record.commit, known, template)
    if made is not None and made.version >= newest.version:
        since = f", or a commit after it ({record.commit})" if made.after else ""
        return 0, f"up to date: made from the template's newest release, {newest.tag}{since} ({template})"
    update = (
        f"copier update --trust --vcs-ref {newest.tag}"
        if record.tool == "copier"
        # No "Apply diff and update?" question: the branch is clean, so `git diff` shows the update, and
        # cruft 2.16 installed beside typer 0.26 or later stops at that question with an AssertionError.
        else f"cruft update --checkout {newest.tag} --skip-apply-ask"
    )
    if made is None:
        origin = f"commit {record.commit}, before the first release"
    else:
        origin = "release " + ".".join(map(str, made.version))
    return 1, (
        f"the template has a newer release: {newest.tag} (this component was made from {origin}).\n"
        "Read what it brings and what to do by hand in the template's CHANGELOG.md; then, on a clean\n"
        "branch:\n"
        f"  {update}\n"
        "resolve any conflicts it reports (pre-commit refuses conflict markers and .rej files; make docs\n"
        "writes the generated tables and documents again, clearing theirs), then\n"
        "  make docs\n"
        "  make verify"
    )


def main() -> int:
    try:
        record = read_record(Path.cwd())
        template = cloned_from(record) or record.template
        if template != record.template:
            print(
                f"warning: the record names a folder on this machine, {record.template}, a clone of "
                f"{template}: teammates and CI cannot reach it, and the update tool would read its "
                f"release tags, only as new as its last pull. Put {template} in {record.key} and "
                f"commit it before you run the update. What follows is read from {template}.",
                file=sys.stderr,
            )
        code, message = status(record, template)
    except CannotTell as error:
        print(f"template status unknown: {error}", file=sys.stderr)
        return 2
    print(message, file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
