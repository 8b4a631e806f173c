{%- set A = cookiecutter.aggregate -%}
"""The released baseline is held to the target branch: no released file is removed or changed.

Each test makes a git repository of its own in tmp_path, with a copy of the component's baseline
committed on ``main``, and no git configuration but the test's: the machine's identity, HOME and global
settings (signing, hooks) play no part.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from contracts import released, schemas
from contracts.__main__ import main

LISTED = schemas.file_name("{{ A }}Listed", 1)
PRICE_CHANGED = schemas.file_name("{{ A }}PriceChanged", 1)
# The test's own identity, and no signing whatever the machine's settings: commits need nothing else.
SETTINGS = ("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false")


def git(root: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", *SETTINGS, *arguments],
        cwd=root,
        check=True,
        capture_output=True,
    )


def commit_all(root: Path, message: str = "Release") -> None:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--message", message)


@pytest.fixture(autouse=True)
def no_contracts_base(no_git_configuration: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTRACTS_BASE", raising=False)


@pytest.fixture
def component(tmp_path: Path) -> Path:
    """A repository whose ``main`` holds the component's released baseline, unchanged in the work tree."""
    root = tmp_path / "component"
    shutil.copytree(schemas.BASELINE, root / released.BASELINE)
    git(root, "init", "--quiet", "-b", "main")
    commit_all(root)
    return root


def test_an_unchanged_baseline_has_no_changes(component: Path) -> None:
    assert released.changes("main", component) == []


def test_a_released_file_removed_is_refused_naming_it(component: Path) -> None:
    (component / released.BASELINE / LISTED).unlink()
    [change] = released.changes("main", component)
    assert change.file == LISTED
    assert str(change).startswith(f"docs/events/baseline/{LISTED} was released on main and is missing")
    assert f"`git checkout main -- docs/events/baseline/{LISTED}`" in str(change)


def test_a_released_file_edited_is_refused_asking_for_a_new_version(component: Path) -> None:
    edited = component / released.BASELINE / PRICE_CHANGED
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace('"required"', '"required" '), encoding="utf-8")
    [change] = released.changes("main", component)
    assert change.file == PRICE_CHANGED
    assert "differs from the version released on main" in str(change)
    assert str(change).endswith("add a new version instead.")


def test_a_new_file_is_allowed(component: Path) -> None:
    listed = component / released.BASELINE / LISTED
    (listed.parent / schemas.file_name("{{ A }}Listed", 99)).write_text(
        listed.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (listed.parent / schemas.file_name("{{ A }}Archived", 1)).write_text(
        "{}\n",
        encoding="utf-8",
    )
    assert released.changes("main", component) == []


def test_a_released_file_retired_unchanged_is_allowed(component: Path) -> None:
    (component / released.RETIRED).mkdir(parents=True)
    (component / released.BASELINE / LISTED).rename(component / released.RETIRED / LISTED)
    assert released.changes("main", component) == []


def test_a_retired_copy_that_differs_is_refused(component: Path) -> None:
    (component / released.RETIRED).mkdir(parents=True)
    (component / released.BASELINE / LISTED).rename(component / released.RETIRED / LISTED)
    (component / released.RETIRED / LISTED).write_text("{}\n", encoding="utf-8")
    [change] = released.changes("main", component)
    assert change.file == LISTED
    assert "was moved to docs/events/retired/ but differs there" in str(change)


FETCH_MAIN = "`git fetch origin +refs/heads/main:refs/remotes/origin/main`"


def test_an_unknown_base_is_an_error_saying_how_to_get_it(component: Path, tmp_path: Path) -> None:
    with pytest.raises(released.CannotCompare) as raised:
        released.changes("trunk", component)
    assert "the base 'trunk' is not in this repository" in str(raised.value)
    assert f"run {FETCH_MAIN}, or set CONTRACTS_BASE to the target branch" in str(raised.value)
    # A remote's branch (a single-branch CI clone): the refspec makes it, and CONTRACTS_BASE is set already.
    git(component, "remote", "add", "upstream", str(tmp_path / "elsewhere"))
    with pytest.raises(released.CannotCompare) as raised:
        released.changes("upstream/main", component)
    assert "`git fetch upstream +refs/heads/main:refs/remotes/upstream/main`" in str(raised.value)
    assert "CONTRACTS_BASE" not in str(raised.value)


def test_a_repository_git_refuses_to_read_fails_the_check(component: Path) -> None:
    # Owned by another user (a container's mount, say), or broken: never "nothing released".
    (component / ".git" / "HEAD").write_text("not a reference\n", encoding="utf-8")
    with pytest.raises(released.CannotCompare, match="git cannot read this repository"):
        released.changes("main", component)


def test_a_branch_behind_main_is_not_charged_with_what_main_released_since(component: Path) -> None:
    git(component, "switch", "--quiet", "--create", "behind")
    git(component, "switch", "--quiet", "main")
    newer = component / released.BASELINE / schemas.file_name("{{ A }}Listed", 99)
    newer.write_text("{}\n", encoding="utf-8")
    commit_all(component, "A version released on main after the branch left it")
    git(component, "switch", "--quiet", "behind")
    assert released.changes("main", component) == []
    git(component, "merge", "--quiet", "main")
    newer.unlink()
    assert [change.file for change in released.changes("main", component)] == [newer.name]


def test_the_default_base_is_origins_branch_when_it_is_newer(component: Path, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(component), str(origin)], check=True)
    git(component, "remote", "add", "origin", str(origin))
    git(component, "fetch", "--quiet", "origin")
    assert released.base(component) == "origin/main"  # The same commit: the remote's is read.
    (component / "README.md").write_text("a local commit\n", encoding="utf-8")
    commit_all(component, "Ahead of origin")
    assert released.base(component) == "main"  # The local branch is newer.
    git(component, "branch", "--quiet", "--move", "main", "master")
    git(component, "remote", "remove", "origin")
    assert released.base(component) == "master"  # An older repository's default branch.


def test_a_base_without_a_baseline_has_nothing_to_protect(tmp_path: Path) -> None:
    root = tmp_path / "component"
    root.mkdir()
    (root / "README.md").write_text("A new component\n", encoding="utf-8")
    git(root, "init", "--quiet", "-b", "main")
    commit_all(root, "Start")
    shutil.copytree(schemas.BASELINE, root / released.BASELINE)
    assert released.changes("main", root) == []


def test_a_repository_without_a_commit_has_nothing_released(tmp_path: Path) -> None:
    root = tmp_path / "component"
    shutil.copytree(schemas.BASELINE, root / released.BASELINE)
    git(root, "init", "--quiet", "-b", "main")
    assert released.changes("main", root) == []


def test_outside_a_repository_nothing_is_released(tmp_path: Path) -> None:
    root = tmp_path / "component"
    shutil.copytree(schemas.BASELINE, root / released.BASELINE)
    assert released.changes("main", root) == []


def test_a_component_in_a_subfolder_is_held_to_its_own_folder(tmp_path: Path) -> None:
    root = tmp_path / "components" / "{{ cookiecutter.component_slug }}"
    shutil.copytree(schemas.BASELINE, root / released.BASELINE)
    (tmp_path / released.BASELINE).mkdir(parents=True)  # another baseline, at the repository's root
    (tmp_path / released.BASELINE / "Other.v1.json").write_text("{}\n", encoding="utf-8")
    git(tmp_path, "init", "--quiet", "-b", "main")
    commit_all(tmp_path)
    (root / released.BASELINE / LISTED).unlink()
    assert [change.file for change in released.changes("main", root)] == [LISTED]


def test_contracts_base_names_the_base(component: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert released.base(component) == "main"
    monkeypatch.setenv("CONTRACTS_BASE", "")
    assert released.base(component) == "main"
    git(component, "switch", "--quiet", "--create", "feature")
    (component / released.BASELINE / LISTED).unlink()
    commit_all(component, "Remove a released version")
    monkeypatch.setenv("CONTRACTS_BASE", "feature")
    assert released.changes(released.base(component), component) == []
    monkeypatch.setenv("CONTRACTS_BASE", "main")
    assert [change.file for change in released.changes(released.base(component), component)] == [LISTED]


def test_check_and_release_refuse_a_released_file_removed(
    component: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(released, "ROOT", component)
    monkeypatch.setattr(schemas, "BASELINE", component / released.BASELINE)
    assert main(["check"]) == 0
    assert "every public event is compatible with its baseline" in capsys.readouterr().out
    (component / released.BASELINE / LISTED).unlink()
    assert main(["check"]) == 1
    assert f"docs/events/baseline/{LISTED} was released on main and is missing" in capsys.readouterr().err
    assert main(["release"]) == 1
    assert f"docs/events/baseline/{LISTED} was released on main" in capsys.readouterr().err
    assert not (component / released.BASELINE / LISTED).exists(), "release wrote nothing"


def test_check_fails_when_the_base_cannot_be_found(
    component: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(released, "ROOT", component)
    monkeypatch.setenv("CONTRACTS_BASE", "origin/main")
    assert main(["check"]) == 1
    assert FETCH_MAIN in capsys.readouterr().err
