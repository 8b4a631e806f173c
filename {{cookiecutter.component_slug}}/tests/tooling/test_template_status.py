"""`make template-status` against a template repository made here, with the records both tools write."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "template_status.py"
IDENTITY = ["-c", "user.name=Template", "-c", "user.email=template@localhost"]
pytestmark = pytest.mark.usefixtures("no_git_configuration")


def git(directory: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", *IDENTITY, *arguments], cwd=directory, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A template with release v0.1.0 (an annotated tag), then v0.2.0 (a lightweight one)."""
    repository = tmp_path / "template"
    repository.mkdir()
    git(repository, "init", "--quiet", "--initial-branch=main")
    for release, annotated in (("v0.1.0", True), ("v0.2.0", False)):
        git(repository, "commit", "--quiet", "--allow-empty", "-m", release)
        git(repository, "tag", *(["-a", "-m", release] if annotated else []), release)
    return repository


def status(component: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=component, capture_output=True, text=True, check=False
    )


def copier_component(tmp_path: Path, template: Path, commit: str) -> Path:
    component = tmp_path / "component"
    component.mkdir(exist_ok=True)
    answers = f"# Written by copier\n_commit: '{commit}'\n_src_path: {template}\naggregate: Thing\n"
    (component / ".copier-answers.yml").write_text(answers, encoding="utf-8")
    return component


def cruft_component(tmp_path: Path, template: Path, commit: str) -> Path:
    component = tmp_path / "component"
    component.mkdir(exist_ok=True)
    record: dict[str, object] = {"template": str(template), "commit": commit}
    record["context"] = {"cookiecutter": {}}
    (component / ".cruft.json").write_text(json.dumps(record), encoding="utf-8")
    return component


@pytest.mark.parametrize("commit", ["v0.1.0", "v0.1.0-4-g1234abc"])
def test_a_copier_component_behind_the_newest_release_is_told_how_to_update(
    commit: str, template: Path, tmp_path: Path
) -> None:
    result = status(copier_component(tmp_path, template, commit))
    assert result.returncode == 1, result.stderr
    assert (
        "the template has a newer release: v0.2.0 (this component was made from release 0.1.0)"
        in result.stderr
    )
    assert "copier update --trust --vcs-ref v0.2.0" in result.stderr
    assert "CHANGELOG.md" in result.stderr
    # The README's steps after an update: `make docs` writes the generated tables again (conflicts too).
    assert result.stderr.rstrip().endswith("then\n  make docs\n  make verify"), result.stderr


@pytest.mark.parametrize("commit", ["v0.2.0", "v0.2.0-1-g1234abc"])
def test_a_component_on_or_after_the_newest_release_is_up_to_date(
    commit: str, template: Path, tmp_path: Path
) -> None:
    result = status(copier_component(tmp_path, template, commit))
    assert result.returncode == 0, result.stderr
    assert "up to date: made from the template's newest release, v0.2.0" in result.stdout


def test_a_release_tagged_again_later_is_the_newer_release(template: Path, tmp_path: Path) -> None:
    # Two tags on one commit: a component made from the first is on the second too.
    git(template, "tag", "v0.3.0", "v0.2.0")
    result = status(copier_component(tmp_path, template, "v0.2.0"))
    assert result.returncode == 0, result.stderr
    assert "up to date: made from the template's newest release, v0.3.0" in result.stdout


def test_a_cruft_record_names_its_commit_which_is_matched_to_its_release(
    template: Path, tmp_path: Path
) -> None:
    first_release = git(template, "rev-list", "-n", "1", "v0.1.0")
    result = status(cruft_component(tmp_path, template, first_release))
    assert result.returncode == 1, result.stderr
    assert "(this component was made from release 0.1.0)" in result.stderr
    assert "cruft update --checkout v0.2.0 --skip-apply-ask" in result.stderr


def test_a_cruft_record_of_a_commit_after_the_newest_release_is_up_to_date(
    template: Path, tmp_path: Path
) -> None:
    # The quickstart renders the tip of the template's main, past its last release: cruft records the
    # commit alone (copier records v0.2.0-1-g...), and "update to v0.2.0" would take the component back.
    git(template, "commit", "--quiet", "--allow-empty", "-m", "After the release")
    result = status(cruft_component(tmp_path, template, git(template, "rev-parse", "HEAD")))
    assert result.returncode == 0, result.stderr
    assert "up to date: made from the template's newest release, v0.2.0, or a commit after it" in (
        result.stdout
    )


def test_a_cruft_record_of_a_commit_between_releases_is_made_from_the_earlier(
    template: Path, tmp_path: Path
) -> None:
    git(template, "checkout", "--quiet", "-b", "fix", "v0.1.0")
    git(template, "commit", "--quiet", "--allow-empty", "-m", "A fix after 0.1.0")
    result = status(cruft_component(tmp_path, template, git(template, "rev-parse", "HEAD")))
    assert result.returncode == 1, result.stderr
    assert "(this component was made from release 0.1.0)" in result.stderr
    assert "cruft update --checkout v0.2.0 --skip-apply-ask" in result.stderr


def test_a_cruft_record_of_a_commit_before_the_first_release_is_told_to_update(
    template: Path, tmp_path: Path
) -> None:
    git(template, "checkout", "--quiet", "--orphan", "early")
    git(template, "commit", "--quiet", "--allow-empty", "-m", "Before any release")
    commit = git(template, "rev-parse", "HEAD")
    result = status(cruft_component(tmp_path, template, commit))
    assert result.returncode == 1, result.stderr
    assert f"(this component was made from commit {commit}, before the first release)" in result.stderr


def test_a_commit_the_template_does_not_have_cannot_be_placed(template: Path, tmp_path: Path) -> None:
    result = status(cruft_component(tmp_path, template, "0123456789abcdef0123456789abcdef01234567"))
    assert result.returncode == 2, result.stderr
    assert "is not in the template at" in result.stderr
    assert "ask the template's platform team which release it matches" in result.stderr


SHARED = "https://example.invalid/org/backend-component-template.git"


def reach_as(monkeypatch: pytest.MonkeyPatch, url: str, folder: Path) -> None:
    """git fetches ``url`` from ``folder``: a template on a server, with no network."""
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", f"url.{folder}.insteadOf")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", url)


@pytest.mark.parametrize(
    ("tool", "key"),
    [
        ("cruft", "`template` in .cruft.json"),
        ("copier", "`_src_path` in .copier-answers.yml (the one key there to edit by hand)"),
    ],
)
def test_a_record_of_a_clone_folder_is_read_from_where_the_clone_came_from(
    tool: str, key: str, template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Earlier releases recorded the quickstart's clone of the template, and no update tool rewrites the
    # record: the clone's tags, as old as its last pull, said "up to date" after a newer release.
    reach_as(monkeypatch, SHARED, template)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", SHARED, str(clone))
    # A user in the clone's URL stays out of what the record is told to hold (it is committed).
    git(clone, "remote", "set-url", "origin", SHARED.replace("https://", "https://squad@"))
    git(template, "commit", "--quiet", "--allow-empty", "-m", "v0.3.0")
    git(template, "tag", "v0.3.0")
    if tool == "cruft":
        component = cruft_component(tmp_path, clone, git(template, "rev-parse", "v0.2.0"))
    else:
        component = copier_component(tmp_path, clone, "v0.2.0")
    result = status(component)
    assert result.returncode == 1, result.stderr
    assert f"the record names a folder on this machine, {clone}, a clone of {SHARED}:" in result.stderr
    assert f"Put {SHARED} in {key} and commit it before you run the update" in result.stderr
    assert "the template has a newer release: v0.3.0 (this component was made from release 0.2.0)" in (
        result.stderr
    )


def test_an_address_out_of_reach_is_not_taken_for_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hint to record a URL instead of a folder is for folders only.
    reach_as(monkeypatch, SHARED, tmp_path / "no-such-server")
    component = tmp_path / "component"
    component.mkdir()
    answers = f"_commit: v0.1.0\n_src_path: {SHARED}\n"
    (component / ".copier-answers.yml").write_text(answers, encoding="utf-8")
    result = status(component)
    assert result.returncode == 2, result.stderr
    assert f"cannot list the template's releases at {SHARED}" in result.stderr
    assert "check the address and your access to it." in result.stderr
    assert "folder" not in result.stderr


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (None, "no record of the template: neither .copier-answers.yml"),
        ("_commit: v0.1.0\n_src_path: {missing}\n", "cannot list the template's releases at"),
        ("_commit: v0.1.0\n_src_path: {missing}\n", "record the template's repository URL instead"),
        ("_commit: abc1234\n_src_path: {untagged}\n", "no release tags (v<major>.<minor>.<patch>) yet"),
        ("_commit: abc1234\n_src_path: {untagged}\n", "nothing to do until its platform team tags one"),
    ],
)
def test_what_it_cannot_tell_it_says_with_status_2(answers: str | None, message: str, tmp_path: Path) -> None:
    component = tmp_path / "component"
    component.mkdir()
    if answers is not None:
        untagged = tmp_path / "untagged-template"
        git(untagged.parent, "init", "--quiet", str(untagged))
        text = answers.format(missing=tmp_path / "no-such-template", untagged=untagged)
        (component / ".copier-answers.yml").write_text(text, encoding="utf-8")
    result = status(component)
    assert result.returncode == 2
    assert result.stderr.startswith("template status unknown: "), result.stderr
    assert message in result.stderr
