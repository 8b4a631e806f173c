"""Year one: a component made from an older release of the template follows it to HEAD.

A component is rendered from an older release of this repository (a commit in its history, so the test
needs no tags), with copier and with cruft (cookiecutter underneath). A squad's commit adds a file of
its own and changes a line the newer template changes too. `copier update` and `cruft update` then
bring the component to HEAD: the squad's file survives, the clash is reported as a conflict (never
silently lost) and the pre-commit hook refuses to commit it, and once it is resolved both tools have
made the same component, which passes `make lint test-unit`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rendering import (
    BIN,
    ROOT,
    TEMPLATE_DIR,
    fresh_clone,
    render_cookiecutter,
    render_copier,
    tool_environment,
    tree_differences,
)

# Release 0.4.0 (CHANGELOG.md): the last release before `decide` took the time, so HEAD changes the
# line of the squad's edit below.
OLDER_RELEASE = ("0.4.0", "26723717d6dc2738dd34c4bc795b50e5617fb0f7")

DOMAIN = Path("src/inventory/domain/vehicle.py")
DECIDE_DOCSTRING = (
    '    """The events ``command`` records against ``state`` (``None`` before the first event)."""\n'
)
SQUAD_DOCSTRING = (
    '    """What the squad says decide does: the events ``command`` records against ``state``."""\n'
)
SQUAD_FILE = Path("docs/squad-notes.md")
SQUAD_NOTES = "# Squad notes\n\nWho to call about the Vehicle catalogue.\n"
CONFLICT = re.compile(r"^<<<<<<< [^\n]*\n(?:.*?\n)?=======\n(.*?)^>>>>>>> [^\n]*\n", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Updated:
    """A component after an update to HEAD, and what the update tool printed."""

    component: Path
    output: str


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env or tool_environment(), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(command)} in {cwd}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done.stdout + done.stderr


IDENTITY = ["-c", "user.name=Squad", "-c", "user.email=squad@localhost"]


def squad_commit(component: Path) -> None:
    """A change the newer template also touches, and one it does not, committed as a squad would."""
    domain = component / DOMAIN
    text = domain.read_text(encoding="utf-8")
    assert text.count(DECIDE_DOCSTRING) == 1, "the older release's decide() docstring"
    domain.write_text(text.replace(DECIDE_DOCSTRING, SQUAD_DOCSTRING), encoding="utf-8")
    (component / SQUAD_FILE).write_text(SQUAD_NOTES, encoding="utf-8")
    run(["git", "add", "--all"], component)
    run(["git", *IDENTITY, "commit", "-qm", "Ours"], component)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository as a squad's tools see it: a clone, with the older release in its history and
    its tag (made here if the clone has no tags)."""
    clone = fresh_clone(tmp_path_factory.mktemp("template") / "backend-component-template")
    tag(clone, f"v{OLDER_RELEASE[0]}", OLDER_RELEASE[1])
    return clone


def tag(template: Path, name: str, commit: str) -> None:
    run(["git", "tag", "--force", name, commit], template)


def environment(scratch: Path) -> dict[str, str]:
    """The tools' environment for an update. The older release's post-generation step predates the one
    that deletes cookiecutter's rendered copy of it from the temporary folder: its copies go to
    ``scratch``, which pytest removes."""
    return {**tool_environment(), "COMPONENT_NEXT_STEPS": "off", "TMPDIR": str(scratch)}


def made_with_copier(template: Path, component: Path, env: dict[str, str]) -> Path:
    """The older release rendered with copier into ``component``."""
    copier = [str(BIN / "copier"), "copy", "--trust", "--defaults", "--vcs-ref", OLDER_RELEASE[1]]
    run([*copier, str(template), str(component)], component.parent, env)
    return component


def made_with_cruft(template: Path, folder: Path, env: dict[str, str]) -> Path:
    """The older release rendered with cruft into ``folder``, with what CHANGELOG.md says to do by hand
    for components made before 0.5.0 (the renders' git folders left out of cruft's comparison),
    committed."""
    cruft = [str(BIN / "cruft"), "create", str(template), "--checkout", OLDER_RELEASE[1], "--no-input"]
    run([*cruft, "--output-dir", str(folder)], folder, env)
    component = folder / "inventory"
    record = json.loads((component / ".cruft.json").read_text(encoding="utf-8"))
    record["skip"] = [".git", ".cruft.json"]
    (component / ".cruft.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    run(["git", "add", "--all"], component)
    run(["git", *IDENTITY, "commit", "-qm", "cruft's record, as CHANGELOG.md says"], component)
    return component


def update_with_copier(component: Path, env: dict[str, str]) -> str:
    return run([str(BIN / "copier"), "update", "--trust", "--defaults", "--vcs-ref", "HEAD"], component, env)


def update_with_cruft(component: Path, env: dict[str, str]) -> str:
    return run([str(BIN / "cruft"), "update", "--checkout", "HEAD", "--skip-apply-ask"], component, env)


@pytest.fixture(scope="module")
def by_copier(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Updated:
    env = environment(tmp_path_factory.mktemp("copier-temporary-files"))
    component = made_with_copier(template, tmp_path_factory.mktemp("copier") / "inventory", env)
    squad_commit(component)
    return Updated(component, update_with_copier(component, env))


@pytest.fixture(scope="module")
def by_cruft(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Updated:
    env = environment(tmp_path_factory.mktemp("cruft-temporary-files"))
    component = made_with_cruft(template, tmp_path_factory.mktemp("cruft"), env)
    squad_commit(component)
    return Updated(component, update_with_cruft(component, env))


def test_cruft_create_ends_in_a_clean_repository_holding_cruft_s_own_record(
    template: Path, tmp_path: Path
) -> None:
    # Cruft writes `.cruft.json` after the post-generation step has made the first commit; the step
    # wrote the same record, so the squad's first `git status` shows nothing (it showed the record
    # rewritten: another key order and a key more).
    env = environment(tmp_path)
    run(
        [str(BIN / "cruft"), "create", str(template), "--no-input", "--output-dir", str(tmp_path)],
        tmp_path,
        env,
    )
    component = tmp_path / "inventory"
    assert run(["git", "status", "--porcelain"], component) == ""
    assert run(["git", "rev-list", "--count", "HEAD"], component).strip() == "1"
    record = json.loads((component / ".cruft.json").read_text(encoding="utf-8"))
    head = run(["git", "rev-parse", "HEAD"], template).strip()
    assert (record["template"], record["commit"]) == (str(template), head)
    # And cruft reads it: the component is up to date with the template it was made from.
    assert "up to date" in run([str(BIN / "cruft"), "check"], component, env)


def test_cruft_update_asks_before_it_applies_and_takes_the_answer(template: Path, tmp_path: Path) -> None:
    # The fixtures above pass --skip-apply-ask; a squad typing `cruft update` gets cruft's question
    # "Apply diff and update?", which a typer cruft does not work with stopped with an AssertionError.
    (tmp_path / "temporary-files").mkdir()
    env = environment(tmp_path / "temporary-files")
    component = made_with_cruft(template, tmp_path, env)
    cruft = str(BIN / "cruft")
    asked = subprocess.run(
        [cruft, "update", "--checkout", "HEAD"],
        cwd=component,
        env=env,
        input="y\n",
        capture_output=True,
        text=True,
        check=False,
    )
    output = asked.stdout + asked.stderr
    assert asked.returncode == 0, output[-4000:]
    assert "Apply diff and update?" in output, output[-4000:]
    head = run(["git", "rev-parse", "HEAD"], template).strip()
    assert json.loads((component / ".cruft.json").read_text(encoding="utf-8"))["commit"] == head
    assert (component / "docs" / "onboarding.md").is_file(), "the update was applied"


@pytest.mark.parametrize("tool", ["copier", "cruft"])
def test_an_update_prints_no_next_steps_for_its_temporary_renders(tool: str, tmp_path: Path) -> None:
    # Both tools run the post-generation step on renders of their own in temporary folders, which it
    # told to `cd /tmp/tmp.../inventory` and `make install`; copier's render in place was told `make
    # install` too, and nothing of its conflicts.
    template = fresh_clone(tmp_path / "backend-component-template")
    (tmp_path / "temporary-files").mkdir()
    env = {**tool_environment(), "TMPDIR": str(tmp_path / "temporary-files")}
    if tool == "copier":
        component = tmp_path / "inventory"
        made = run(
            [
                str(BIN / "copier"),
                "copy",
                "--trust",
                "--defaults",
                "--vcs-ref",
                "HEAD",
                str(template),
                str(component),
            ],
            tmp_path,
            env,
        )
    else:
        made = run(
            [
                str(BIN / "cruft"),
                "create",
                str(template),
                "--checkout",
                "HEAD",
                "--no-input",
                "--output-dir",
                str(tmp_path),
            ],
            tmp_path,
            env,
        )
        component = tmp_path / "inventory"
        # cruft writes its own .cruft.json over the step's, after it.
        run(["git", *IDENTITY, "commit", "-qam", "cruft's record"], component)
    assert f"Next steps:\n  cd {component}\n" in made, "a new component is told what to do next"
    capacity = template / "{{cookiecutter.component_slug}}" / "docs" / "capacity.md"
    capacity.write_text(
        capacity.read_text(encoding="utf-8") + "\nA line of the next release.\n", encoding="utf-8"
    )
    run(["git", *IDENTITY, "commit", "-qam", "The next release"], template)
    updated = (update_with_copier if tool == "copier" else update_with_cruft)(component, env)
    assert "Next steps" not in updated, updated
    assert "Rendered" not in updated, updated
    if tool == "copier":
        assert f"Updated inventory in {component}\n" in updated, updated
        assert (
            "resolve the conflicts it reports (`git status`), then `make docs` and `make verify`" in updated
        )


def documented_lock_steps() -> list[str]:
    """The commands the component's README gives for a lock an update left in conflict."""
    readme = (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Following the template\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```bash\n(.*?)^```", section, re.DOTALL | re.MULTILINE)
    assert block is not None, "the README's Following the template: the commands for a conflicted lock"
    return block.group(1).splitlines()


def locked_versions(lock: str) -> dict[str, str]:
    return {package["name"]: package["version"] for package in tomllib.loads(lock)["package"]}


@pytest.mark.parametrize("tool", ["copier", "cruft"])
def test_a_lock_in_conflict_resolved_as_the_readme_says_keeps_both_sides(
    tool: str, template: Path, tmp_path: Path
) -> None:
    # A squad that added a dependency has a uv.lock the update cannot merge: with its conflict markers,
    # uv cannot read it and every target stops. The README's commands take the template's lock and lock
    # the squad's addition into it again.
    (tmp_path / "temporary-files").mkdir()
    env = environment(tmp_path / "temporary-files")
    if tool == "copier":
        component = made_with_copier(template, tmp_path / "inventory", env)
    else:
        component = made_with_cruft(template, tmp_path, env)
    pyproject = component / "pyproject.toml"
    added = '    "pydantic>=2.12,<3",\n    "tenacity>=9,<10",\n'
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('    "pydantic>=2.12,<3",\n', added, 1),
        encoding="utf-8",
    )
    run(["scripts/uv", "lock"], component, env)
    run(["git", "add", "--all"], component)
    run(["git", *IDENTITY, "commit", "-qm", "A dependency of ours"], component)
    (update_with_copier if tool == "copier" else update_with_cruft)(component, env)
    assert "uv.lock" in run(["git", "diff", "--name-only", "--diff-filter=U"], component).split()
    templates = locked_versions(run(["git", "show", ":3:uv.lock"], component))
    assert "tenacity" not in templates

    steps = [step for step in documented_lock_steps() if "uv.lock" in step]
    assert steps[0] == "git checkout --theirs uv.lock && scripts/uv lock", steps
    run(["bash", "-euo", "pipefail", "-c", "\n".join(steps)], component, env)
    lock = (component / "uv.lock").read_text(encoding="utf-8")
    assert "<<<<<<<" not in lock
    resolved = locked_versions(lock)
    assert resolved.pop("tenacity").startswith("9."), "the squad's dependency is locked"
    assert resolved == templates, "every other package at the template's version"
    run(["scripts/uv", "lock", "--check"], component, env)


def template_status(component: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/template_status.py"],
        cwd=component,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_component_made_past_the_newest_release_is_up_to_date_with_either_tool(tmp_path: Path) -> None:
    # The quickstart renders the tip of the template's main, usually past its last release: copier
    # records `v99.0.0-1-g<commit>`, cookiecutter the commit alone. Neither may be told to "update" back
    # to v99.0.0, and once a newer release is out both are told the same.
    template = fresh_clone(tmp_path / "backend-component-template")
    tag(template, "v99.0.0", "HEAD")
    commit_past(template)
    components = (
        render_cookiecutter({}, tmp_path / "cookiecutter", str(template)),
        render_copier({}, tmp_path / "copier" / "inventory", str(template), vcs_ref="HEAD"),
    )
    # What template-status tells a squad to edit when the template moves, the answers file allows.
    answers = (components[1] / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "Do not edit\n# them, except `_src_path` when the template moves" in answers
    for component in components:
        told = template_status(component)
        assert told.returncode == 0, told.stdout + told.stderr
        assert "up to date: made from the template's newest release, v99.0.0, or a commit after it" in (
            told.stdout
        )
    commit_past(template)
    tag(template, "v99.1.0", "HEAD")
    for component, how in zip(
        components,
        ("cruft update --checkout v99.1.0 --skip-apply-ask", "copier update --trust --vcs-ref v99.1.0"),
        strict=True,
    ):
        told = template_status(component)
        assert told.returncode == 1, told.stdout + told.stderr
        assert "the template has a newer release: v99.1.0 (this component was made from release 99.0.0)" in (
            told.stderr
        )
        assert how in told.stderr


def commit_past(template: Path) -> None:
    identity = ["-c", "user.name=T", "-c", "user.email=t@localhost"]
    run(["git", *identity, "commit", "--quiet", "--allow-empty", "-m", "Past the release"], template)


def test_the_newest_release_in_the_changelog_is_the_templates_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = re.search(r"^## (\d+\.\d+\.\d+) \(", changelog, re.MULTILINE)
    assert newest is not None, "CHANGELOG.md: `## <version> (<date>)` for each release"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == newest.group(1), (
        "release: the version in pyproject.toml, then `uv lock`, a CHANGELOG section, a tag (README)"
    )
    # The lock records the version too: one left behind stops ./bootstrap.sh at "template tools".
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    (locked,) = [package for package in lock["package"] if package["name"] == project["name"]]
    assert locked["version"] == project["version"], "pyproject.toml's version changed: run `uv lock`"


def test_the_changelog_says_what_to_do_by_hand_for_cruft() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {OLDER_RELEASE[0]} " in changelog
    assert '"skip": [".git", ".cruft.json"]' in changelog


def resolve_taking_the_templates_side(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    resolved, conflicts = CONFLICT.subn(lambda match: match.group(1), text)
    assert conflicts >= 1, f"no conflict markers in {path}"
    path.write_text(resolved, encoding="utf-8")


@pytest.mark.slow
def test_copier_and_cruft_updates_keep_the_squads_work_report_the_clash_and_end_in_one_component(
    by_copier: Updated, by_cruft: Updated, template: Path, mypy_cache: Path
) -> None:
    for updated in (by_copier, by_cruft):
        component = updated.component
        # The change the template does not touch survives as the squad wrote it.
        assert (component / SQUAD_FILE).read_text(encoding="utf-8") == SQUAD_NOTES
        # The clash is a conflict, in the file and in git's index: never a silent choice of one side.
        domain = (component / DOMAIN).read_text(encoding="utf-8")
        assert SQUAD_DOCSTRING in domain
        assert re.search(r"^<<<<<<< ", domain, re.MULTILINE), updated.output
        unmerged = run(["git", "diff", "--name-only", "--diff-filter=U"], component).split()
        assert unmerged == [str(DOMAIN)], updated.output
    # cruft says so too; copier leaves it to git (`git status`: both modified).
    assert "src/inventory/domain/vehicle.py' with conflicts" in by_cruft.output, by_cruft.output
    for updated in (by_copier, by_cruft):
        # The rest of the update is there: a file HEAD added, and HEAD's side of a file both changed.
        assert (updated.component / "docs" / "onboarding.md").is_file()
        assert "now: datetime," in (updated.component / DOMAIN).read_text(encoding="utf-8")

    # The component's hooks refuse to commit the conflict markers.
    component = by_copier.component
    env = {key: value for key, value in tool_environment().items() if key != "VIRTUAL_ENV"}
    run(["make", "install"], component, env)
    hook = subprocess.run(
        ["uv", "run", "--locked", "pre-commit", "run", "no-conflict-markers", "--all-files"],
        cwd=component,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert str(DOMAIN) in hook.stdout, hook.stdout

    # Resolved (here, taking the template's side), both tools have made the same component...
    for updated in (by_copier, by_cruft):
        resolve_taking_the_templates_side(updated.component / DOMAIN)
        run(["git", "add", str(DOMAIN)], updated.component)
    # (The copier one was installed to run its hook: its virtual environment is not a difference.)
    assert tree_differences(by_cruft.component, by_copier.component, frozenset({".venv"})) == []
    # ...each recording the release it now follows...
    head = run(["git", "rev-parse", "HEAD"], template).strip()
    assert json.loads((by_cruft.component / ".cruft.json").read_text(encoding="utf-8"))["commit"] == head
    answers = (by_copier.component / ".copier-answers.yml").read_text(encoding="utf-8")
    assert OLDER_RELEASE[1][:7] not in answers
    # ...which passes the component's own lint and unit tests.
    run(["make", "lint", "test-unit"], component, {**env, "MYPY_CACHE_DIR": str(mypy_cache)})

    # The drift check: on the newest release, then told of a newer one and how to update to it.
    head = run(["git", "rev-parse", "HEAD"], template).strip()
    tag(template, "v99.0.0", head)
    up_to_date = run(["make", "--no-print-directory", "template-status"], component, env)
    assert "up to date" in up_to_date
    assert "template_status.py" not in up_to_date, "CI puts the output in a warning: no recipe line in it"
    run(
        [
            "git",
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@localhost",
            "commit",
            "-qm",
            "Next",
            "--allow-empty",
        ],
        template,
    )
    tag(template, "v99.1.0", "HEAD")
    for updated, how in (
        (by_copier, "copier update --trust --vcs-ref v99.1.0"),
        (by_cruft, "cruft update --checkout v99.1.0 --skip-apply-ask"),
    ):
        drift = subprocess.run(
            [sys.executable, "scripts/template_status.py"],
            cwd=updated.component,
            capture_output=True,
            text=True,
            check=False,
        )
        assert drift.returncode == 1, drift.stdout + drift.stderr
        assert "the template has a newer release: v99.1.0 (this component was made from release 99.0.0)" in (
            drift.stderr
        )
        assert how in drift.stderr
    # Through make, as CI runs it: make's own status for a failed recipe (2), and the message alone.
    warned = subprocess.run(
        ["make", "--no-print-directory", "template-status"],
        cwd=component,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert warned.returncode == 2, warned.stdout + warned.stderr
    assert warned.stderr.startswith("the template has a newer release: v99.1.0"), warned.stderr
    assert "template_status.py" not in warned.stdout + warned.stderr
