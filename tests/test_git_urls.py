"""Squads render a release from the template's git URL, not a checkout: both tools must work from one."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.rendering import (
    BIN,
    ROOT,
    cookiecutter_config,
    fresh_clone,
    render_cookiecutter,
    render_copier,
    tool_environment,
    tree_differences,
)

# A release newer than any the repository has: the one both documented commands must render.
NEWEST = "v99.0.0"


def git_output(repository: Path, *arguments: str) -> str:
    done = subprocess.run(["git", *arguments], cwd=repository, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_both_tools_render_the_same_release_from_a_git_url(tmp_path: Path) -> None:
    # A bare clone of the committed template stands in for gh:org/backend-component-template, with its
    # HEAD released as the newest tag.
    repository = tmp_path / "backend-component-template.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(repository)], check=True)
    subprocess.run(["git", "tag", NEWEST, "HEAD"], cwd=repository, check=True)
    head = git_output(repository, "rev-parse", "HEAD")
    url = f"git+file://{repository}"
    # Exactly the documented commands: `cookiecutter <url> --checkout <release>`, and
    # `copier copy --trust --defaults <url> <dest>` with no --vcs-ref, which takes the newest release tag.
    by_cookiecutter = render_cookiecutter({"aggregate": "Listing"}, tmp_path / "cookiecutter", url, NEWEST)
    by_copier = render_copier({"aggregate": "Listing"}, tmp_path / "copier", url, vcs_ref=None)
    assert by_cookiecutter.name == "inventory"
    assert (by_cookiecutter / "src" / "inventory" / "domain" / "listing.py").is_file()
    assert tree_differences(by_cookiecutter, by_copier) == []
    # Each records the released commit for its update command (copier by a tag on it, which `git
    # describe` picks: another release tag on the same commit may be the one named).
    answers = (by_copier / ".copier-answers.yml").read_text(encoding="utf-8")
    recorded = re.search(r"^_commit: (\S+)$", answers, re.MULTILINE)
    assert recorded is not None, answers
    assert git_output(repository, "rev-parse", f"{recorded.group(1)}^{{commit}}") == head
    cruft = json.loads((by_cookiecutter / ".cruft.json").read_text(encoding="utf-8"))
    assert (cruft["commit"], cruft["checkout"]) == (head, NEWEST)


def test_a_render_from_a_clone_records_the_address_it_was_cloned_from(tmp_path: Path) -> None:
    # The quickstart: `git clone <GitHub URL>`, then ./bootstrap.sh renders from the clone's folder. A
    # record naming that folder works on this laptop alone: a teammate's `cruft update`, `copier update`
    # and CI's `make template-status` could not reach it.
    clone = fresh_clone(tmp_path / "backend-component-template")
    shared = "https://github.com/org/backend-component-template.git"
    subprocess.run(["git", "remote", "set-url", "origin", shared], cwd=clone, check=True)
    by_cookiecutter = render_cookiecutter({}, tmp_path / "cookiecutter", str(clone))
    by_copier = render_copier({}, tmp_path / "copier" / "inventory", str(clone))
    cruft = json.loads((by_cookiecutter / ".cruft.json").read_text(encoding="utf-8"))
    assert cruft["template"] == shared
    assert cruft["context"]["cookiecutter"]["_template"] == shared
    answers = (by_copier / ".copier-answers.yml").read_text(encoding="utf-8")
    assert re.search(rf"^_src_path: {re.escape(shared)}$", answers, re.MULTILINE), answers
    # Committed as recorded: the first commit holds the shared address, with nothing left to commit.
    for component in (by_cookiecutter, by_copier):
        assert git_output(component, "status", "--porcelain") == ""
    # A token in the clone's URL stays out of the record, which is committed.
    with_token = shared.replace("https://", "https://squad:not-a-real-token@")  # pragma: allowlist secret
    subprocess.run(["git", "remote", "set-url", "origin", with_token], cwd=clone, check=True)
    by_cookiecutter = render_cookiecutter({}, tmp_path / "token", str(clone))
    recorded = (by_cookiecutter / ".cruft.json").read_text(encoding="utf-8")
    assert "not-a-real-token" not in recorded
    assert json.loads(recorded)["template"] == shared
    # A clone of a folder keeps the folder it was rendered from (its origin is a path on this machine too).
    subprocess.run(["git", "remote", "set-url", "origin", str(ROOT)], cwd=clone, check=True)
    by_cookiecutter = render_cookiecutter({}, tmp_path / "again", str(clone))
    assert json.loads((by_cookiecutter / ".cruft.json").read_text(encoding="utf-8"))["template"] == str(clone)


def test_a_render_from_a_relative_template_path_records_the_folder_it_names(tmp_path: Path) -> None:
    # `cookiecutter ./backend-component-template` from the folder above a clone: cookiecutter hands the
    # post-generation step the path as typed, relative to where it ran, which the step (running in the
    # component's folder) could not open, and the render failed at its last step.
    clone = fresh_clone(tmp_path / "backend-component-template")
    subprocess.run(["git", "remote", "remove", "origin"], cwd=clone, check=True)
    command = [str(BIN / "cookiecutter"), "--config-file", str(cookiecutter_config()), "--no-input"]
    command += ["./backend-component-template", "--output-dir", "out"]
    # A shell sets PWD to the folder it runs in; the command inherits it, as the step does.
    environment = {**tool_environment(BIN), "PWD": str(tmp_path)}
    done = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    component = tmp_path / "out" / "inventory"
    cruft = json.loads((component / ".cruft.json").read_text(encoding="utf-8"))
    assert cruft["template"] == str(clone)
    assert cruft["commit"] == git_output(clone, "rev-parse", "HEAD")
    assert git_output(component, "status", "--porcelain") == ""
