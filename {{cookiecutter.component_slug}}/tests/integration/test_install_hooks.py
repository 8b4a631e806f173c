"""`make hooks` on a machine whose git config names a hook folder for every repository (core.hooksPath:
a company's secret scanner, say). pre-commit alone refuses to install there ("Cowardly refusing"), and
`make hooks` used to stop with a traceback; now the repository gets its own hook folder back and calls
the configured hooks from it. Real git and the locked pre-commit, in repositories of their own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import install_hooks

IDENTITY = ["-c", "user.name=Squad", "-c", "user.email=squad@localhost"]
# What a hook of a ggshield-like scanner does last: run the repository's own hook of the same name.
CALL_BACK = '"$(git rev-parse --git-common-dir)/hooks/{name}" "$@"\n'


def git(repository: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", *arguments], cwd=repository, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def hook(folder: Path, name: str, ran: Path, who: str, *, calls_back: bool = False) -> None:
    """A hook that appends ``who``, its name and its first argument to ``ran``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    body = f'#!/bin/sh\necho "{who} {name} $1" >> "{ran}"\n'
    script.write_text(body + (CALL_BACK.format(name=name) if calls_back else ""), encoding="utf-8")
    script.chmod(0o755)


def lines(ran: Path) -> list[str]:
    return ran.read_text(encoding="utf-8").splitlines() if ran.exists() else []


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new repository with an empty pre-commit config, under a global git config of its own."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (tmp_path / "gitconfig").write_text("", encoding="utf-8")
    repository = tmp_path / "component"
    repository.mkdir()
    git(repository, "init", "--quiet", "--initial-branch=main")
    (repository / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    monkeypatch.chdir(repository)
    return repository


def test_a_global_hooks_path_keeps_its_hooks_running_beside_the_component_s(
    repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    company, ran = tmp_path / "company hooks", tmp_path / "ran"
    hook(company, "pre-commit", ran, "company", calls_back=True)
    for name in ("commit-msg", "post-commit", "common.sh"):  # common.sh: a helper, not a hook
        hook(company, name, ran, "company")
    git(tmp_path, "config", "--global", "core.hooksPath", str(company))
    # A hook of the squad's own in the repository's folder is kept, not replaced by a call.
    hook(repository / ".git" / "hooks", "post-commit", ran, "squad")

    assert install_hooks.main() == 0
    said = capsys.readouterr().out
    assert "calls yours from there: commit-msg, pre-commit" in said, said
    assert "post-commit is not called from here" in said, said
    assert git(repository, "config", "--local", "core.hooksPath") == ".git/hooks"
    assert install_hooks.ADDED in (repository / ".git" / "hooks" / "pre-commit").read_text()
    assert not (repository / ".git" / "hooks" / "common.sh").exists()

    git(repository, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "First")
    # The configured pre-commit hook ran inside pre-commit's (as its legacy hook) and called the
    # repository's hook back, which ended at once; then commit-msg, with the message file.
    assert lines(ran) == [
        "company pre-commit ",
        "company commit-msg .git/COMMIT_EDITMSG",
        "squad post-commit ",
    ]

    # The company's folder changes: `make hooks` again follows it, and no call to a removed hook is left.
    (company / "commit-msg").unlink()
    hook(company, "prepare-commit-msg", ran, "company")
    ran.unlink()
    assert install_hooks.main() == 0
    assert not (repository / ".git" / "hooks" / "commit-msg").exists()
    git(repository, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "Second")
    assert lines(ran) == [
        "company pre-commit ",
        "company prepare-commit-msg .git/COMMIT_EDITMSG",
        "squad post-commit ",
    ]


def test_a_configured_hook_that_calls_the_repository_s_back_runs_once(
    repository: Path, tmp_path: Path
) -> None:
    # A pre-push hook that calls the repository's pre-push (the caller `make hooks` wrote) looped
    # forever: the caller ends a call back at once.
    company, ran = tmp_path / "company", tmp_path / "ran"
    hook(company, "pre-push", ran, "company", calls_back=True)
    git(tmp_path, "config", "--global", "core.hooksPath", str(company))
    assert install_hooks.main() == 0
    git(tmp_path, "init", "--quiet", "--bare", "remote.git")
    git(repository, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "First")
    git(repository, "push", "--quiet", str(tmp_path / "remote.git"), "main")
    assert lines(ran) == [f"company pre-push {tmp_path / 'remote.git'}"]


def test_a_relative_global_hooks_path_is_followed_wherever_the_repository_moves(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative core.hooksPath means each repository's own tracked folder (".githooks"): the call
    # stays relative, so the repository can move.
    ran = tmp_path / "ran"
    hook(repository / ".githooks", "pre-commit", ran, "tracked")
    git(tmp_path, "config", "--global", "core.hooksPath", ".githooks")
    assert install_hooks.main() == 0
    assert "exec .githooks/pre-commit" in (repository / ".git" / "hooks" / "pre-commit.legacy").read_text()
    moved = tmp_path / "moved"
    repository.rename(moved)
    monkeypatch.chdir(moved)
    git(moved, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "First")
    assert lines(ran) == ["tracked pre-commit "]


def test_a_hook_folder_linked_elsewhere_is_the_repository_s_own_on_every_run(
    repository: Path, tmp_path: Path
) -> None:
    # Dotfiles that keep each repository's hooks elsewhere (.git/hooks a symbolic link): the second
    # `make hooks` read the local setting, .git/hooks, as the linked folder and refused it as another
    # hook manager's.
    company, ran, kept = tmp_path / "company", tmp_path / "ran", tmp_path / "kept hooks"
    hook(company, "pre-commit", ran, "company")
    git(tmp_path, "config", "--global", "core.hooksPath", str(company))
    hooks = repository / ".git" / "hooks"
    hooks.rename(kept)
    hooks.symlink_to(kept, target_is_directory=True)
    for _ in range(2):
        assert install_hooks.main() == 0
    assert git(repository, "config", "--local", "core.hooksPath") == ".git/hooks"
    assert (kept / "pre-commit.legacy").is_file()
    git(repository, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "First")
    assert lines(ran) == ["company pre-commit "]


def test_from_a_linked_worktree_every_worktree_runs_the_hooks(repository: Path, tmp_path: Path) -> None:
    # A linked worktree's .git is a file: `.git/hooks` from its top folder names nothing, so there the
    # repository's hook folder is named by its absolute path.
    company, ran = tmp_path / "company", tmp_path / "ran"
    hook(company, "pre-commit", ran, "company")
    git(tmp_path, "config", "--global", "core.hooksPath", str(company))
    git(repository, "add", ".pre-commit-config.yaml")  # the worktree's checkout needs it too
    git(repository, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", "First")
    worktree = tmp_path / "worktree"
    git(repository, "worktree", "add", "--quiet", "-b", "feature", str(worktree))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(worktree)
        assert install_hooks.main() == 0
    for where in (worktree, repository):
        git(where, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", f"In {where.name}")
    assert lines(ran) == ["company pre-commit ", "company pre-commit "]


def test_a_hooks_path_in_the_repository_s_own_config_is_left_to_its_manager(repository: Path) -> None:
    git(repository, "config", "--local", "core.hooksPath", ".husky")
    with pytest.raises(SystemExit) as refused:
        install_hooks.main()
    message = str(refused.value)
    assert "sets core.hooksPath to .husky" in message, message
    assert "git config --local --unset core.hooksPath" in message, message
    assert not (repository / ".git" / "hooks" / "pre-commit").exists(), "nothing installed"
    assert git(repository, "config", "--local", "core.hooksPath") == ".husky"


def test_a_component_in_a_folder_of_a_monorepo_gets_no_hook_and_is_told_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # own_repository=false: the component is services/fleet of a larger repository. A hook installed in
    # that repository's .git ran on every commit there, from its top folder, and failed each one
    # (`Executable scripts/uv not found`); the step refuses, names the template's ADR and installs nothing.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monorepo = tmp_path / "monorepo"
    component = monorepo / "services" / "fleet"
    component.mkdir(parents=True)
    git(monorepo, "init", "--quiet", "--initial-branch=main")
    (component / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    monkeypatch.chdir(component)
    with pytest.raises(SystemExit) as refused:
        install_hooks.main()
    message = str(refused.value)
    assert "services/fleet of the repository at" in message, message
    assert "ADR 0009" in message, message
    assert "nothing was installed" in message, message
    assert "make -C services/fleet verify" in message, message
    assert not (monorepo / ".git" / "hooks" / "pre-commit").exists(), "nothing installed"
    assert not (monorepo / ".git" / "hooks" / "pre-commit.legacy").exists()
    # The repository's commits go on as before.
    git(monorepo, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "First")


def test_make_hooks_in_a_monorepo_refuses_before_uv_installs_anything(tmp_path: Path) -> None:
    # `make hooks` ran `uv run --locked` first: in a folder of a monorepo, uv installed every locked
    # package into a new .venv (tens of seconds on a new laptop), and then came the refusal. Now the
    # refusal comes first, from any Python, and nothing is installed.
    root = Path(__file__).resolve().parents[2]
    monorepo = tmp_path / "monorepo"
    component = monorepo / "services" / "fleet"
    for name in ("Makefile", "pyproject.toml", "uv.lock", ".python-version", "scripts"):
        if (root / name).is_dir():
            shutil.copytree(root / name, component / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            component.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, component / name)
    git(monorepo, "init", "--quiet", "--initial-branch=main")
    # The uv that runs these tests (`uv run` names itself in UV), so scripts/uv fetches none.
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "run the tests through `make` or `scripts/uv run` (UV names the uv), or put uv on PATH"
    environment = {
        **{key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"},
        "PATH": os.pathsep.join([str(Path(uv).parent), os.environ["PATH"]]),
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["make", "--no-print-directory", "hooks"],
        cwd=component,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert "services/fleet of the repository at" in done.stderr, done.stdout + done.stderr
    assert "nothing was installed" in done.stderr, done.stderr
    # scripts/uv makes an empty .venv up front (a relocatable one); nothing is installed into it.
    installed = sorted(path.name for path in component.glob(".venv/lib/*/site-packages/*.dist-info"))
    assert installed == [], f"refused before uv installed anything, but found {installed}"
    assert "--locked" not in done.stdout, "the step through `uv run --locked` never started"
    assert not (monorepo / ".git" / "hooks" / "pre-commit").exists()


def test_a_component_in_no_repository_is_told_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    component = tmp_path / "fleet"
    component.mkdir()
    monkeypatch.chdir(component)
    with pytest.raises(SystemExit) as refused:
        install_hooks.main()
    message = str(refused.value)
    assert "is not in a git repository: nothing was installed" in message, message
    assert "ADR 0009" in message, message
