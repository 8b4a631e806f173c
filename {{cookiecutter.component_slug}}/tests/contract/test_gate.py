{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""`make check-contracts` on a copy of this component, under the edits squads make to a public event.

The copy is a git repository whose ``main`` holds the component as it is; each test changes it as a
squad would (a commit merged to ``main``, then a branch) and runs `python -m contracts check` there in a
new interpreter, so the gate reads the models and the target branch of the copy. The rules themselves
are tested on schemas in tests/unit/test_compatibility.py; these show the gate applies them to what is
sent, to what was merged since the release and to what was recorded.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.events import registry

from tests.conftest import without_git_configuration
from tests.copies import component_copy, contracts, run

LISTED = "{{ A }}Listed"
PRICE_CHANGED = "{{ A }}PriceChanged"
WITHDRAWN = "{{ A }}Withdrawn"
# The version each event's domain model records today: 1 until a squad publishes a later one (ADR 16).
CURRENT = {t.name: t.version for t in registry.EVENT_TYPES if t.current}
DOMAIN = Path("src/{{ cookiecutter.package_name }}/domain/{{ a }}.py")
REGISTRY = Path("src/{{ cookiecutter.package_name }}/events/registry.py")
CHECKED = Path("docs/events/checked-history.json")
# The test's own identity, and no signing whatever the machine's settings: commits need nothing else.
SETTINGS = ("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false")


def git(root: Path, *arguments: str) -> None:
    subprocess.run(["git", *SETTINGS, *arguments], cwd=root, check=True, capture_output=True)


# `make docs` writes these with the other documents (its check keeps them current on main); this writes
# only the schemas, which is what the gate reads of the target branch, without drawing the flow diagram.
WRITE_SCHEMAS = (
    "from contracts import schemas\n"
    "for name, text in schemas.current().items():\n"
    "    (schemas.SCHEMAS / name).write_text(text, encoding='utf-8')\n"
)


def commit(root: Path, message: str) -> None:
    """Commit everything, with the event schemas as the code makes them (as `make docs` leaves them)."""
    result = run(root, "-c", WRITE_SCHEMAS)
    assert result.returncode == 0, result.stderr
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--message", message)


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the component committed on ``main``, made once: each test changes a copy of it."""
    folder = tmp_path_factory.mktemp("released")
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_git_configuration(folder, monkeypatch)
        root = component_copy(folder / "component")
        # The commands write bytecode beside the modules they import, unless told not to: kept out of git,
        # as the component's own .gitignore keeps it (a tracked .pyc rewritten by a run would stop a merge).
        (root / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
        git(root, "init", "--quiet", "-b", "main")
        commit(root, "The component as released")
    return root


@pytest.fixture
def copy(released: Path, tmp_path: Path, no_git_configuration: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The released copy, its repository included, with a branch ``change`` checked out."""
    monkeypatch.delenv("CONTRACTS_BASE", raising=False)
    root = Path(shutil.copytree(released, tmp_path / "component", symlinks=True))
    git(root, "checkout", "--quiet", "-b", "change")
    return root


def edit(root: Path, path: Path, after: str, old: str, new: str) -> None:
    """Replace the first ``old`` after ``after`` (a class, an entry) in the file, which must hold both."""
    text = (root / path).read_text(encoding="utf-8")
    start = text.index(after)
    at = text.index(old, start)
    (root / path).write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")


def in_listed(root: Path, old: str, new: str) -> None:
    edit(root, DOMAIN, f"class {LISTED}(", old, new)


def test_the_unchanged_component_passes(copy: Path) -> None:
    result = contracts(copy, "check")
    assert result.returncode == 0, result.stderr
    assert "every public event is compatible" in result.stdout


def test_a_field_renamed_behind_an_alias_is_refused_for_what_it_sends(copy: Path) -> None:
    # The model still accepts `title` (its alias) but sends `name`: the gate holds what is sent.
    in_listed(copy, "    title: Title\n", '    name: Title = Field(alias="title")\n')
    result = contracts(copy, "check")
    assert result.returncode == 1
    assert f"{LISTED} v{CURRENT[LISTED]}, field 'title': removed or renamed" in result.stderr
    assert f"`make new-version EVENT={LISTED}`" in result.stderr


def test_a_field_excluded_from_what_is_sent_is_refused(copy: Path) -> None:
    in_listed(copy, "    title: Title\n", "    title: Title = Field(exclude=True)\n")
    result = contracts(copy, "check")
    assert result.returncode == 1
    assert f"{LISTED} v{CURRENT[LISTED]}, field 'title': removed or renamed" in result.stderr


def test_an_optional_field_merged_after_the_release_is_held_like_a_released_one(copy: Path) -> None:
    in_listed(copy, "    title: Title\n", "    title: Title\n    colour: str | None = None\n")
    added = contracts(copy, "check")
    assert added.returncode == 0, added.stderr
    assert "every public event is compatible" in added.stdout
    commit(copy, "An optional field")
    git(copy, "checkout", "--quiet", "main")
    git(copy, "merge", "--quiet", "--no-edit", "--no-ff", "change")  # reached consumers; not released
    git(copy, "checkout", "--quiet", "-b", "next")
    in_listed(copy, "    colour: str | None = None\n", "    colour: int | None = None\n")
    changed = contracts(copy, "check")
    assert changed.returncode == 1
    assert f"{LISTED} v{CURRENT[LISTED]}, field 'colour': may now be integer" in changed.stderr
    in_listed(copy, "    colour: int | None = None\n", "")
    removed = contracts(copy, "check")
    assert removed.returncode == 1
    assert f"{LISTED} v{CURRENT[LISTED]}, field 'colour': removed or renamed" in removed.stderr


def test_a_branch_behind_main_is_not_charged_with_what_main_added_since(copy: Path) -> None:
    git(copy, "checkout", "--quiet", "main")
    in_listed(copy, "    title: Title\n", "    title: Title\n    colour: str | None = None\n")
    commit(copy, "A field added on main after the branch left it")
    git(copy, "checkout", "--quiet", "change")
    result = contracts(copy, "check")
    assert result.returncode == 0, result.stderr
    # Against the tip of main it would read as removed: the branch is held to where it left main.
    git(copy, "merge", "--quiet", "--no-edit", "main")
    in_listed(copy, "    colour: str | None = None\n", "")
    removed = contracts(copy, "check")
    assert removed.returncode == 1
    assert f"{LISTED} v{CURRENT[LISTED]}, field 'colour': removed or renamed" in removed.stderr


def test_a_narrower_bound_is_refused_because_recorded_events_would_not_read(copy: Path) -> None:
    # Allowed for what is sent (consumers accept less); but stored events are read again with today's
    # model (rebuild, replay, a late message), and one with a 150-character title would fail.
    in_listed(copy, "    title: Title\n", "    title: Annotated[str, Field(min_length=1, max_length=100)]\n")
    result = contracts(copy, "check")
    assert result.returncode == 1
    assert "unreadable" in result.stderr
    # From the title's bound today (200 as the template makes it; a squad's later version may allow more).
    found = re.search(
        rf"{LISTED} v{CURRENT[LISTED]}, field 'title': (maxLength tightened from \d+ to 100)", result.stderr
    )
    assert found is not None, result.stderr
    # Once every recorded event is known to meet it, the squad records that, with why, as it is told.
    assert f'"change": "{found.group(1)}"' in result.stderr
    entry = {"event": LISTED, "version": CURRENT[LISTED], "field": "title", "change": found.group(1)}
    entries = json.loads((copy / CHECKED).read_text(encoding="utf-8"))
    checked = [*entries, {**entry, "why": "no title in dev or prod is longer than 100 characters"}]
    (copy / CHECKED).write_text(json.dumps(checked), encoding="utf-8")
    result = contracts(copy, "check")
    assert result.returncode == 0, result.stderr
    assert "checked against recorded events (docs/events/checked-history.json)" in result.stdout


def test_the_templates_bound_on_prices_passes_a_component_made_before_it(copy: Path) -> None:
    # A component made from a release without the bound updates to one with it: its main recorded
    # prices under no maximum, and the entries the template ships say why the bound reads them all.
    git(copy, "checkout", "--quiet", "main")
    edit(copy, DOMAIN, "Price = Annotated[", "Field(le=1_000_000_000_000, ", "Field(")
    commit(copy, "As made before the bound")
    git(copy, "checkout", "--quiet", "-b", "update")
    edit(copy, DOMAIN, "Price = Annotated[", "Field(", "Field(le=1_000_000_000_000, ")
    shipped = json.loads((copy / CHECKED).read_text(encoding="utf-8"))
    (copy / CHECKED).rename(copy / "shipped.json")
    refused = contracts(copy, "check")
    assert refused.returncode == 1, "without the entries the bound is refused"
    # The entries the template ships answer these refusals (as the template made the component: a later
    # version a squad published since carries the bound in a model of its own, and gets its own entry).
    found = set(re.findall(r"^  - (.+?), field '(.+?)': (.+?):", refused.stderr, re.MULTILINE))
    listed = {(f"{e['event']} v{e['version']}", e["field"], e["change"]) for e in shipped}
    assert found & listed, refused.stderr
    (copy / "shipped.json").rename(copy / CHECKED)
    result = contracts(copy, "check")
    left = set(re.findall(r"^  - (.+?), field '(.+?)': (.+?):", result.stderr, re.MULTILINE))
    assert left == found - listed, result.stderr
    assert (result.returncode == 0) == (not left)


def test_a_private_event_changed_so_its_history_would_not_read_is_a_warning(copy: Path) -> None:
    edit(copy, DOMAIN, f"class {WITHDRAWN}(", "    reason: Reason\n", "    reason: Reason\n    note: str\n")
    edit(copy, REGISTRY, f"domain.{WITHDRAWN}(", "\n        ),", '\n            note="n",\n        ),')
    result = contracts(copy, "check")
    assert result.returncode == 0, result.stderr
    assert "leave recorded private events unreadable" in result.stdout
    assert f"{WITHDRAWN} v{CURRENT[WITHDRAWN]}, field 'note': new required field" in result.stdout


def test_a_public_event_made_private_is_refused_with_what_to_do(copy: Path) -> None:
    edit(copy, REGISTRY, f"domain.{PRICE_CHANGED},", "Visibility.PUBLIC", "Visibility.PRIVATE")
    result = contracts(copy, "check")
    assert result.returncode == 1
    assert (
        f"{PRICE_CHANGED} v{CURRENT[PRICE_CHANGED]}: made private, so its consumers get no more of it"
        in result.stderr
    )


def test_a_model_changed_without_its_example_is_named_not_a_traceback(copy: Path) -> None:
    in_listed(copy, "    title: Title\n", "    title: Title\n    colour: str\n")
    result = contracts(copy, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"the example of {LISTED} in {REGISTRY.as_posix()} no longer fits its model" in result.stderr
    assert "colour: Field required" in result.stderr


def test_a_merge_conflict_left_in_the_code_is_named_not_a_traceback(copy: Path) -> None:
    conflict = "<<<<<<< HEAD\n    title: Title\n=======\n    name: Title\n>>>>>>> main\n"
    in_listed(copy, "    title: Title\n", conflict)
    result = contracts(copy, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{DOMAIN.name}:" in result.stderr
    assert "is not valid Python" in result.stderr
    assert "a merge conflict's markers: resolve it" in result.stderr


def test_a_checked_change_without_why_is_refused(copy: Path) -> None:
    entry = {
        "event": LISTED,
        "version": CURRENT[LISTED],
        "field": "title",
        "change": "maxLength tightened from 200 to 100",
    }
    (copy / CHECKED).write_text(json.dumps([{**entry, "why": "<what shows every recorded event reads>"}]))
    result = contracts(copy, "check")
    assert result.returncode == 1
    assert "does not say why" in result.stderr
