"""`make hooks` on a machine whose git config names a hook folder for every repository (core.hooksPath:
a company's secret scanner, say). pre-commit alone refuses to install there ("Cowardly refusing"), and
`make hooks` used to stop with a traceback; now the repository gets its own hook folder back and calls
the configured hooks from it. Real git and the locked pre-commit, in a repository of their own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts import install_hooks

IDENTITY = ["-c", "user.name=Squad", "-c", "user.email=squad@localhost"]


def git(repository: Path, *arguments: str) -> str:
    done = subprocess.run(["git", *arguments], cwd=repository, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def hook(folder: Path, name: str, ran: Path) -> None:
    """A hook that appends its name and first argument to ``ran``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "{name} $1" >> "{ran}"\n', encoding="utf-8")
    script.chmod(0o755)


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
    company, ran = tmp_path / "company-hooks", tmp_path / "ran"
    for name in ("pre-commit", "commit-msg", "post-commit"):
        hook(company, name, ran)
    (company / "pre-push.sample").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    git(tmp_path, "config", "--global", "core.hooksPath", str(company))
    # A hook of the squad's own in the repository's folder is kept, not replaced by a call.
    hook(repository / ".git" / "hooks", "post-commit", ran)

    assert install_hooks.main() == 0
    said = capsys.readouterr().out
    assert "calls yours from there: commit-msg, pre-commit" in said, said
    assert "post-commit is not called from here" in said, said
    assert git(repository, "config", "--local", "core.hooksPath") == ".git/hooks"
    assert install_hooks.THROUGH_SCRIPTS_UV in (repository / ".git" / "hooks" / "pre-commit").read_text()
    assert install_hooks.main() == 0, "running `make hooks` again changes nothing"

    git(repository, *IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "First")
    # The configured pre-commit hook ran inside pre-commit's (as its legacy hook), then commit-msg with
    # the message file; post-commit is the squad's own (the configured one, same name, did not run).
    assert ran.read_text(encoding="utf-8").split("\n")[:3] == [
        "pre-commit ",
        "commit-msg .git/COMMIT_EDITMSG",
        "post-commit ",
    ]
    assert ran.read_text(encoding="utf-8").count("post-commit") == 1


def test_a_hooks_path_in_the_repository_s_own_config_is_left_to_its_manager(repository: Path) -> None:
    git(repository, "config", "--local", "core.hooksPath", ".husky")
    with pytest.raises(SystemExit) as refused:
        install_hooks.main()
    message = str(refused.value)
    assert "sets core.hooksPath to .husky" in message, message
    assert "git config --local --unset core.hooksPath" in message, message
    assert not (repository / ".git" / "hooks" / "pre-commit").exists(), "nothing installed"
    assert git(repository, "config", "--local", "core.hooksPath") == ".husky"
