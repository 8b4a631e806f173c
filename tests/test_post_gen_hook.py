"""The post-generation step both tools run: a repository of its own, with a first commit, wherever it lands.

Run here on an empty HOME: no git identity and no user configuration, as on a new laptop or a CI runner.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci_python import fetch_python, lambda_python
from tests.rendering import (
    BIN,
    GIT_2_25,
    ROOT,
    follow,
    git_in_front,
    make_in,
    next_steps,
    path_without_uv,
    render_cookiecutter,
    render_copier,
    run_cookiecutter,
    run_copier,
)

HOOK = ROOT / "hooks" / "post_gen_project.py"


@pytest.fixture
def new_laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment with an empty HOME and no git configuration at all."""
    home = tmp_path / "home"
    home.mkdir()
    for name in ("HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    return dict(os.environ)


def run_hook(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HOOK), *arguments], cwd=directory, capture_output=True, text=True, check=False
    )


def git(directory: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=directory, capture_output=True, text=True, check=True
    ).stdout.strip()


def empty_repository(directory: Path) -> Path:
    """A repository with no commit yet, standing for the one a component is rendered into."""
    directory.mkdir()
    git(directory, "init", "--quiet", "--initial-branch=main")
    return directory


def assert_own_repository_with_first_commit(component: Path) -> None:
    assert Path(git(component, "rev-parse", "--show-toplevel")).resolve() == component.resolve()
    assert git(component, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert git(component, "rev-list", "--count", "HEAD") == "1"
    assert git(component, "status", "--porcelain") == "", "everything rendered is in the first commit"
    # The objects the step wrote (stored without compression, its own setting) are whole and readable.
    git(component, "fsck", "--strict", "--no-progress")  # fails the test (check=True) on any damage


@pytest.mark.usefixtures("new_laptop")
def test_a_new_component_is_its_own_repository_with_a_first_commit(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("rendered\n", encoding="utf-8")
    result = run_hook(tmp_path, "--own-repository=True")
    assert result.returncode == 0, result.stderr
    assert "a new repository on branch main with a first commit" in result.stdout
    assert "git has no user.email" in result.stdout, "says whose name the commit carries, and why"
    assert_own_repository_with_first_commit(tmp_path)
    assert "make install" in result.stdout
    # Its own repository: the hooks apply, as the onboarding guide's first commit expects.
    assert "make hooks" in next_steps(result.stdout), result.stdout


@pytest.mark.usefixtures("new_laptop")
def test_rendered_inside_another_repository_it_is_still_its_own(tmp_path: Path) -> None:
    # The case of `./bootstrap.sh` in a clone of this template (./build), or of any render into a
    # folder of another repository: the outer repository must not receive the component's commit.
    outer = empty_repository(tmp_path / "outer")
    component = outer / "build" / "inventory"
    component.mkdir(parents=True)
    (component / "README.md").write_text("rendered\n", encoding="utf-8")
    result = run_hook(component, "--own-repository=True")
    assert result.returncode == 0, result.stderr
    assert_own_repository_with_first_commit(component)
    assert subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=outer, check=False).returncode != 0


@pytest.mark.usefixtures("new_laptop")
def test_a_monorepo_render_joins_the_repository_around_it(tmp_path: Path) -> None:
    outer = empty_repository(tmp_path / "monorepo")
    component = outer / "services" / "inventory"
    component.mkdir(parents=True)
    result = run_hook(component, "--own-repository=False")
    assert result.returncode == 0, result.stderr
    assert f"part of the repository at {outer}" in result.stdout
    assert not (component / ".git").exists()


def test_in_a_monorepo_the_next_steps_commit_it_there_and_install_no_hook(
    tmp_path: Path, new_laptop: dict[str, str]
) -> None:
    # own_repository=false: `make hooks` installed a hook in the monorepo's .git that failed every commit
    # there (scripts/uv and the hooks' ^src/ patterns are the component's, from its own top folder). The
    # steps leave it out and commit the component in the repository around it, which works as printed.
    outer = empty_repository(tmp_path / "monorepo")
    component = outer / "services" / "fleet"
    component.mkdir(parents=True)
    (component / "README.md").write_text("rendered\n", encoding="utf-8")
    result = run_hook(component, "--own-repository=False", "--component=fleet")
    assert result.returncode == 0, result.stderr
    steps = next_steps(result.stdout)
    assert "make hooks" not in steps, result.stdout
    assert "git remote" not in result.stdout, result.stdout
    assert "git push" not in result.stdout, result.stdout
    assert f"in the repository at {outer}" in result.stdout, result.stdout
    followed = follow([step for step in steps if not step.startswith("make ")], tmp_path, new_laptop)
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert git(outer, "log", "--format=%s") == "Add fleet from the backend component template"
    assert git(outer, "ls-files") == "services/fleet/README.md"
    assert not (outer / ".git" / "hooks" / "pre-commit").exists()


@pytest.mark.usefixtures("new_laptop")
def test_an_existing_repository_is_left_as_it_is(tmp_path: Path) -> None:
    # copier update runs the same step in a component that has its history already.
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    (tmp_path / "KEEP").write_text("squad work\n", encoding="utf-8")
    result = run_hook(tmp_path, "--own-repository=True")
    assert result.returncode == 0, result.stderr
    assert "already a repository of its own: left as it is" in result.stdout
    assert git(tmp_path, "status", "--porcelain") == "?? KEEP", "nothing committed on the squad's behalf"


def test_without_git_the_files_stay_and_the_step_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("rendered\n", encoding="utf-8")
    # A PATH with this Python and nothing else: no git (checked, so the test cannot pass by accident).
    bare_path = str(Path(sys.executable).parent)
    assert not (Path(bare_path) / "git").exists()
    result = subprocess.run(
        [sys.executable, str(HOOK), "--own-repository=True"],
        cwd=tmp_path,
        env={**os.environ, "PATH": bare_path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "git is not installed: install it, then run `git init -b main" in result.stdout
    assert "make hooks" not in next_steps(result.stdout), "it needs the repository git would make"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["README.md"]


def test_with_a_git_too_old_the_files_stay_and_the_step_says_to_update_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "PATH", f"{git_in_front(tmp_path / 'old-git', GIT_2_25)}{os.pathsep}{os.environ['PATH']}"
    )
    result = run_cookiecutter({}, tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "git: git 2.25 is older than 2.28, which the component needs: update git, then run `git init" in (
        result.stdout
    )
    component = tmp_path / "out" / "inventory"
    assert (component / "Makefile").is_file()
    assert not (component / ".git").exists()
    assert "make hooks" not in next_steps(result.stdout), "it needs the repository git would make"


@pytest.mark.parametrize("tool", ["cookiecutter", "copier"])
def test_a_first_commit_git_refuses_leaves_nothing_and_says_to_render_again(
    tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any other refusal: both tools remove the folder they made, so the message cannot say "the files
    # are rendered" (it did). Fault injected, as a real git commits here: the first commit alone (by its
    # message) is refused, not the commit copier makes of a template with uncommitted changes.
    first_commit = '[[ "$*" == *"from the backend component template"* ]]'
    refusing = f'if {first_commit}; then echo "fatal: refused" >&2; exit 128; fi\n'
    refusing_git = git_in_front(tmp_path / "refusing-git", refusing + 'exec "$real" "$@"\n')
    monkeypatch.setenv("PATH", f"{refusing_git}{os.pathsep}{os.environ['PATH']}")
    if tool == "cookiecutter":
        result = run_cookiecutter({}, tmp_path / "out")
    else:
        result = run_copier({}, tmp_path / "out" / "inventory")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "fatal: refused\nNothing is kept: fix what git says, then render again." in output, output
    assert not (tmp_path / "out" / "inventory").exists(), "nothing is kept, as the message says"


@pytest.mark.parametrize("tool", ["cookiecutter", "copier"])
def test_a_render_leaves_nothing_in_the_temporary_folder(
    tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cookiecutter renders the step into a temporary file and leaves it there; the step deletes it.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    if tool == "cookiecutter":
        component = render_cookiecutter({}, tmp_path / "out")
    else:
        component = render_copier({}, tmp_path / "out" / "inventory")
    assert_own_repository_with_first_commit(component)
    assert sorted(temporary.iterdir()) == []


@pytest.mark.usefixtures("new_laptop")
@pytest.mark.parametrize("tool", ["cookiecutter", "copier"])
def test_both_tools_pass_the_answer_to_the_step(tool: str, tmp_path: Path) -> None:
    outer = empty_repository(tmp_path / "monorepo")
    for answer, own in (("yes", True), ("no", False)):
        target = outer / answer
        if tool == "cookiecutter":
            component = render_cookiecutter({"own_repository": answer}, target)
        else:
            component = render_copier({"own_repository": answer}, target / "inventory")
        assert (component / ".git").exists() is own, f"own_repository={answer}"
        if own:
            assert_own_repository_with_first_commit(component)


def test_the_first_commit_holds_every_rendered_file_whatever_the_machine_s_gitignore(
    tmp_path: Path, new_laptop: dict[str, str]
) -> None:
    # A laptop's global gitignore (core.excludesFile, or git's default ~/.config/git/ignore) often lists
    # .python-version (pyenv users), .npmrc (it can hold tokens) or lock files. The first commit used to
    # leave out every rendered file it matched, and the squad's CI failed on the missing file after
    # the first push; the component's own .gitignore alone decides now. Cookiecutter's render: copier
    # runs the same step, but renders a template with uncommitted changes (this suite, while being
    # worked on) through a commit in its clone that such a gitignore thins out before the step runs.
    ignore = Path(new_laptop["XDG_CONFIG_HOME"]) / "git" / "ignore"
    ignore.parent.mkdir(parents=True)
    machine_rules = [".python-version", ".npmrc", "*.lock", ".secrets.baseline", ".github/", "docs/"]
    ignore.write_text("\n".join(machine_rules) + "\n", encoding="utf-8")
    component = render_cookiecutter({}, tmp_path / "out")
    assert_own_repository_with_first_commit(component)
    tracked = set(git(component, "ls-files").splitlines())
    on_disk = {
        path.relative_to(component).as_posix()
        for path in component.rglob("*")
        if path.is_file() and path.relative_to(component).parts[0] != ".git"
    }
    assert on_disk - tracked == set(), "rendered but not in the first commit"
    assert {".python-version", ".npmrc", "uv.lock", ".secrets.baseline"} <= tracked


@pytest.mark.usefixtures("new_laptop")
def test_the_first_commit_names_the_component_whatever_its_folder(tmp_path: Path) -> None:
    # Copier renders into the folder it is given (bootstrap.sh's copier path: `component`, then moved).
    by_cookiecutter = render_cookiecutter({}, tmp_path / "cookiecutter")
    by_copier = render_copier({}, tmp_path / "copier" / "component")
    for component in (by_cookiecutter, by_copier):
        subject = git(component, "log", "--format=%s")
        assert subject == "Render inventory from the backend component template", component


# A uv a laptop may still have: it knows `required-version` and refuses the component's (0.9 or later),
# saying to `uv self update`, which a uv from Homebrew or pip cannot do.
OLD_UV = "0.8.22"
# The oldest uv the component accepts (pyproject.toml's `required-version`): used as found, so every
# flag the targets pass must exist in it, the layer's `uv export` and `uv pip install` among them.
OLDEST_UV = "0.9.0"


@pytest.mark.parametrize(
    "uv_on_path", [None, OLD_UV, OLDEST_UV], ids=["no-uv", f"uv-{OLD_UV}", f"uv-{OLDEST_UV}-the-oldest-used"]
)
def test_the_next_steps_work_as_printed_in_a_shell_without_uv_or_with_an_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uv_on_path: str | None
) -> None:
    # Git with no identity, as on a new laptop; the steps that give it one write here, not to ~/.gitconfig.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    rendered = run_cookiecutter({}, tmp_path / "out")
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    steps = next_steps(rendered.stdout)
    assert steps[0] == f"cd {tmp_path / 'out' / 'inventory'}"
    # `make hooks` too: the onboarding guide's first commit runs the hooks it installs.
    assert {"make install", "make test-unit", "make hooks"} <= set(steps), steps
    assert [step for step in steps if step.startswith("git config --global user.")] == [
        'git config --global user.name "Your Name"',
        'git config --global user.email "you@example.com"',
    ]
    component = tmp_path / "out" / "inventory"
    required = re.search(
        r'^required-version = ">=(\S+)"$', (component / "pyproject.toml").read_text("utf-8"), re.M
    )
    assert required is not None
    assert f"{required.group(1)}.0" == OLDEST_UV, "OLDEST_UV follows pyproject.toml's required-version"
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = path_without_uv()
    if uv_on_path is not None:
        old = tmp_path / "old-uv"
        installed = subprocess.run(
            [str(BIN / "uv"), "pip", "install", "--quiet", "--target", str(old), f"uv=={uv_on_path}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert installed.returncode == 0, installed.stderr
        env["PATH"] = f"{old / 'bin'}{os.pathsep}{env['PATH']}"
        found = subprocess.run(["uv", "--version"], env=env, capture_output=True, text=True, check=True)
        assert found.stdout.startswith(f"uv {uv_on_path}"), found.stdout
    followed = follow(steps, tmp_path, env)
    assert followed.returncode == 0, followed.stdout[-3000:] + followed.stderr[-3000:]
    assert re.search(r"\d+ passed", followed.stdout), followed.stdout[-2000:]
    assert git(component, "config", "user.email") == "you@example.com"
    assert "scripts/uv run" in (component / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")
    if uv_on_path == OLDEST_UV:
        # Used as found, nothing fetched; and the layer a deploy builds comes out of it too (the
        # runtime's Python on PATH: uv would fetch it from GitHub, which this machine cannot reach).
        assert "fetching uv" not in followed.stderr, followed.stderr[-2000:]
        assert not (component / ".tools").exists()
        python = fetch_python(lambda_python(component), tmp_path / "python")
        env["PATH"] = f"{python.parent}{os.pathsep}{env['PATH']}"
        layered = make_in(component, env, "layer")
        assert re.search(r"^imported [1-9]\d* handlers", layered, re.MULTILINE), layered
        return
    if uv_on_path is not None:
        assert f"the uv on PATH is {uv_on_path}, older than this component needs" in followed.stderr
    # Without a uv recent enough on PATH, the pinned one was fetched into the component's .tools/, once.
    pinned = re.search(r"^UV_VERSION=(\S+)$", (component / "scripts" / "uv").read_text("utf-8"), re.MULTILINE)
    assert pinned is not None
    version = subprocess.run(
        [str(component / ".tools" / "bin" / "uv"), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith(f"uv {pinned.group(1)}")
