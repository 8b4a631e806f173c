"""Copier asks git for the destination's ``core.fileMode`` once a render, not once a file written.

The template's answer rules (``hooks/answers.py``, loaded into copier's process as a Jinja extension)
keep the answer for each render; copier's own method still does its work wherever the answer is
``false``. Shown with the real copier on this template: the number of times git is asked, and a
``copier update`` that makes a file executable in a component whose git ignores the bit on disk.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import copier
import pytest
from copier import _main as copier_main
from jinja2 import Environment

from hooks import answers
from tests.rendering import BIN, fresh_clone, git_in_front, tool_environment

# A file of every render that is not executable in the template until the test makes it so.
SCRIPT = Path("scripts/lock_indexes.py")
ASKED = "config --type=bool --get core.fileMode"
IDENTITY = ["-c", "user.name=template test", "-c", "user.email=template-test@localhost"]


def git(folder: Path, *arguments: str) -> str:
    done = subprocess.run(["git", *arguments], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def copier_in(folder: Path, env: dict[str, str], *arguments: str) -> None:
    done = subprocess.run(
        [str(BIN / "copier"), *arguments], cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (
        f"copier {' '.join(arguments)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )


def copiers_own_method() -> object:
    """Copier's method as it ships, also where an earlier test in this process made an environment with
    the answer rules, which changed copier's class for good (as in a render)."""
    return answers.as_shipped(copier_main.Worker._sync_git_index_executable_bit)


def test_git_is_asked_once_a_render_and_an_update_still_records_a_new_executable_bit(tmp_path: Path) -> None:
    template = fresh_clone(tmp_path / "backend-component-template")
    before = git(template, "rev-parse", "HEAD")
    in_template = Path("{{cookiecutter.component_slug}}") / SCRIPT
    assert git(template, "ls-files", "--stage", str(in_template)).startswith("100644 ")
    (template / in_template).chmod(0o755)
    git(template, "add", str(in_template))
    git(template, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", "The script becomes executable")

    # Every git command copier and the post-generation step run, through a git that writes them down.
    asked = tmp_path / "git-commands"
    front = git_in_front(tmp_path / "git", f'printf "%s\\n" "$*" >> "{asked}"\nexec "$real" "$@"\n')
    env = tool_environment()
    env.update(PATH=f"{front}:{env['PATH']}", COMPONENT_NEXT_STEPS="off")

    component = tmp_path / "inventory"
    copier_in(
        tmp_path, env, "copy", "--trust", "--defaults", "--vcs-ref", before, str(template), str(component)
    )
    files = len(git(component, "ls-files").splitlines())
    commands = asked.read_text(encoding="utf-8").splitlines()
    assert files > 150
    assert commands.count(ASKED) == 1, (
        f"git was asked for core.fileMode {commands.count(ASKED)} times in a render of {files} files: "
        f"read copier {copier.__version__}'s Worker._sync_git_index_executable_bit and, if it still does "
        "nothing unless the answer is false, raise COPIER_RELEASES_READ in hooks/answers.py"
    )

    # A component whose git ignores the executable bit on disk (Windows' default): only the update's
    # entry in git's index can carry it, and copier's own method writes it there.
    git(component, "config", "core.fileMode", "false")
    asked.unlink()
    copier_in(component, env, "update", "--trust", "--defaults", "--vcs-ref", "HEAD")
    assert git(component, "ls-files", "--stage", str(SCRIPT)).startswith("100755 ")
    assert (component / SCRIPT).stat().st_mode & 0o111
    commands = asked.read_text(encoding="utf-8").splitlines()
    # Each of the update's renders asks once (the older and the newer release in temporary folders, then
    # the component), and copier's method asks again for each file it is handed in the component.
    assert 0 < commands.count(ASKED) < files / 2, commands.count(ASKED)
    assert any(command.startswith("update-index --cacheinfo 100755,") for command in commands), commands


def test_only_the_copier_releases_read_get_the_change_and_it_is_made_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every method of copier's the answer rules change (tests/test_copier_plain_names.py and
    # tests/test_post_gen_in_process.py: what the others do).
    changed = answers.COPIER_WORKER_CHANGES

    def own(name: str) -> object:
        return answers.as_shipped(vars(copier_main.Worker)[name])

    shipped = {name: own(name) for name in changed}
    # Whatever this test makes of copier's class is undone when it ends.
    for name, attribute in shipped.items():
        monkeypatch.setattr(copier_main.Worker, name, attribute)
    monkeypatch.setattr(copier, "__version__", "9.20.0")
    Environment(extensions=[answers.ComponentAnswers])  # noqa: S701 - no HTML here
    assert {name: vars(copier_main.Worker)[name] for name in changed} == shipped

    monkeypatch.setattr(copier, "__version__", "9.19.1+local")
    for _ in range(2):  # A second environment, as each render's, does not wrap them again.
        Environment(extensions=[answers.ComponentAnswers])  # noqa: S701
    for name in changed:
        wrapped = vars(copier_main.Worker)[name]
        assert wrapped is not shipped[name]
        assert answers.as_shipped(wrapped) is shipped[name]
    assert answers._release("9.14.2") < answers.COPIER_RELEASES_READ[0]


def test_a_render_asks_once_for_its_destination_and_again_for_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[tuple[Path, str]] = []

    def copiers_method(worker: SimpleNamespace, dst_relpath: Path, src_mode: int) -> None:
        handed.append((worker.subproject.local_abspath, str(dst_relpath)))

    monkeypatch.setattr(copier_main.Worker, "_sync_git_index_executable_bit", copiers_method)
    monkeypatch.setattr(copier, "__version__", "9.19.1")
    Environment(extensions=[answers.ComponentAnswers])  # noqa: S701
    sync = copier_main.Worker._sync_git_index_executable_bit
    ignoring, keeping = tmp_path / "ignores-the-bit", tmp_path / "keeps-the-bit"
    for folder, file_mode in ((ignoring, "false"), (keeping, "true")):
        folder.mkdir()
        git(folder, "init", "--quiet")
        git(folder, "config", "core.fileMode", file_mode)

    asked = tmp_path / "git-commands"
    front = git_in_front(tmp_path / "git", f'printf "%s\\n" "$*" >> "{asked}"\nexec "$real" "$@"\n')
    monkeypatch.setenv("PATH", f"{front}:{os.environ['PATH']}")
    worker = SimpleNamespace(subproject=SimpleNamespace(local_abspath=ignoring))
    for name in ("a.sh", "b.sh"):
        sync(worker, Path(name), 0o100755)  # type: ignore[arg-type]
    worker.subproject.local_abspath = keeping  # a worker copied, its answers with it, for another folder
    sync(worker, Path("c.sh"), 0o100755)  # type: ignore[arg-type]
    assert handed == [(ignoring, "a.sh"), (ignoring, "b.sh")]
    assert asked.read_text(encoding="utf-8").splitlines() == [ASKED, ASKED]
