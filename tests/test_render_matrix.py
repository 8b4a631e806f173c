"""Every supported combination of options, rendered with both tools, must be the same, clean component.

Cheap checks on all combinations (and on the longest names the rules allow): both tools' trees are
byte-identical, nothing is left unrendered, no folder is empty, an option that is off leaves no trace,
the workflows pass actionlint, pin every action to a release's commit and audit the locks, the secret
scan's baseline is rendered undated, and the Python passes the component's own ruff rules. The slower
check (its mypy, documents, contract gate, tests and end-to-end tests as rendered) runs on the longest
names with every option on: with the slow tests' `make verify`, every option in full on and off.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.actionlint import lint_project
from tests.guide import steps
from tests.rendering import (
    BIN,
    EVERY_OPTION_ON,
    LONGEST_NAMES,
    OPTIONS,
    ROOT,
    SUPPORTED_OPTION_SETS,
    TEMPLATE_DIR,
    UNSUPPORTED_OPTION_SETS,
    VERIFIED_IN_FULL,
    option_id,
    render_cookiecutter,
    render_copier,
    run_cookiecutter,
    run_copier,
    tree,
    tree_differences,
)
from tests.supply_chain import audit_problems, pin_problems

# `${{ ... }}` is a GitHub Actions expression that the workflows keep (written inside `{% raw %}`);
# a Jinja leftover in one would still show `cookiecutter.`.
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|cookiecutter\.")

# What each option brings; when the option is off, none of it may appear in any file or path.
TRACES: dict[str, re.Pattern[str]] = {
    # cdk.json sets the CDK's feature flags of every module in every render, `@aws-cdk/aws-apigateway:`'s
    # too (component ADR 8): the API's marks are its own names.
    "command_api": re.compile(
        r"handlers/api|handlers import api|(?<!@aws-cdk/aws-)APIGateway|API Gateway|Command API",
        re.IGNORECASE,
    ),
    # SQS also carries the stream's on-failure queue: the consumer's marks are its own names.
    "consumer": re.compile(
        r"consumer\.py|handlers import consumer|\bDLQ\b|lazy consumer|catalogue", re.IGNORECASE
    ),
    "fifo_buffering": re.compile(r"fifo", re.IGNORECASE),
    # Every render locks PyJWT (the `jwt` extra: one lock for all options); the authoriser's marks are
    # its own names.
    "jwt_authoriser": re.compile(
        r"handlers/authorizer|handlers\.authorizer|JWTVerifier|Bearer|JWT authoriser|JWT_ISSUER|make token",
        re.IGNORECASE,
    ),
}

LONGEST = {**LONGEST_NAMES, **EVERY_OPTION_ON}


def combination(answers: dict[str, object], name: str) -> object:
    """A parameter of its own worker group: a worker checks one combination's renders together."""
    return pytest.param(answers, id=name, marks=pytest.mark.xdist_group(name))


COMBINATIONS = [combination(dict(options), option_id(options)) for options in SUPPORTED_OPTION_SETS] + [
    combination(LONGEST, "longest-names")
]

# Options that change the same code: each combination of their values that renders is checked in full.
OVERLAPPING = (("command_api", "jwt_authoriser"), ("consumer", "fifo_buffering"))


@dataclass(frozen=True)
class Rendering:
    answers: dict[str, object]
    by_cookiecutter: Path
    by_copier: Path


@pytest.fixture(scope="module", params=COMBINATIONS)
def rendering(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendering:
    answers = dict(request.param)
    root = tmp_path_factory.mktemp("render")
    return Rendering(
        answers=answers,
        by_cookiecutter=render_cookiecutter(answers, root / "cookiecutter"),
        by_copier=render_copier(answers, root / "copier" / "component"),
    )


def component_env() -> dict[str, str]:
    """Run the rendered component's tools in its own environment, not the template's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    return env


def run_in(component: Path, *command: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        command, cwd=component, capture_output=True, text=True, env=env or component_env(), check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed in {component}:\n{result.stdout}\n{result.stderr}"
    )


def test_both_tools_render_byte_identical_trees(rendering: Rendering) -> None:
    assert tree_differences(rendering.by_cookiecutter, rendering.by_copier) == []


def test_each_tool_keeps_its_own_record_of_the_answers(rendering: Rendering) -> None:
    # What `copier update` and `cruft update` read: the template, its commit and every answer.
    answers_file = (rendering.by_copier / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "_src_path:" in answers_file
    assert "_commit:" in answers_file
    for name, value in rendering.answers.items():
        assert f"{name}: " in answers_file, name
        if isinstance(value, str):
            assert value in answers_file, name
    cruft = json.loads((rendering.by_cookiecutter / ".cruft.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f]{40}", cruft["commit"]), cruft["commit"]
    assert cruft["template"] == cruft["context"]["cookiecutter"]["_template"]
    assert {name: cruft["context"]["cookiecutter"][name] for name in rendering.answers} == rendering.answers
    assert not (rendering.by_copier / ".cruft.json").exists()


def test_nothing_is_left_unrendered(rendering: Rendering) -> None:
    leftovers = []
    for relative in tree(rendering.by_cookiecutter):
        path = rendering.by_cookiecutter / relative
        if LEFTOVER.search(str(relative)):
            leftovers.append(f"path: {relative}")
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if LEFTOVER.search(line):
                    leftovers.append(f"{relative}:{number}: {line.strip()}")
    assert leftovers == []


def test_no_folder_is_empty(rendering: Rendering) -> None:
    empty = [
        relative
        for relative in tree(rendering.by_cookiecutter)
        if (rendering.by_cookiecutter / relative).is_dir()
        and not any((rendering.by_cookiecutter / relative).iterdir())
    ]
    assert empty == []


def test_options_that_are_off_leave_no_trace(rendering: Rendering) -> None:
    off = [name for name, pattern in TRACES.items() if rendering.answers[name] is False]
    traces = []
    for relative in tree(rendering.by_cookiecutter):
        path = rendering.by_cookiecutter / relative
        text = str(relative) + ("\n" + path.read_text(encoding="utf-8") if path.is_file() else "")
        traces += [
            f"{name} in {relative}: {m.group(0)!r}" for name in off for m in TRACES[name].finditer(text)
        ]
    assert traces == []


def test_options_that_are_on_are_there(rendering: Rendering) -> None:
    package = next((rendering.by_cookiecutter / "src").iterdir())
    assert (package / "handlers" / "api.py").exists() is rendering.answers["command_api"]
    assert (package / "handlers" / "consumer.py").exists() is rendering.answers["consumer"]
    assert (package / "handlers" / "authorizer.py").exists() is rendering.answers["jwt_authoriser"]
    if rendering.answers["consumer"]:
        consumer = (package / "handlers" / "consumer.py").read_text(encoding="utf-8")
        assert ("SqsFifoPartialProcessor" in consumer) is rendering.answers["fifo_buffering"]


def test_the_components_workflows_pass_actionlint_and_shellcheck(rendering: Rendering) -> None:
    # Each combination's own render: the workflows and composite actions as a squad gets them.
    # (tests/test_workflows.py shows that this check fails on a broken workflow.)
    assert lint_project(rendering.by_cookiecutter) == ""


def test_a_pull_requests_preview_is_its_own_never_cancelled_and_destroyed_again_on_close(
    rendering: Rendering,
) -> None:
    workflow = rendering.by_cookiecutter / ".github" / "workflows" / "pull-request.yml"
    document = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    # PyYAML reads the `on` key as True.
    assert "closed" in document[True]["pull_request"]["types"]
    jobs = document["jobs"]
    preview, teardown = jobs["deploy-preview"], jobs["destroy-preview"]
    number = "${{ github.event.pull_request.number }}"
    for job in (preview, teardown):
        # Named by number: no two branches on one stack, no squad member's branch stack overwritten.
        assert job["env"]["BRANCH"] == f"pr-{number}"
        # One group for both, never cancelled: a deploy stopped halfway leaves its stack behind.
        assert job["concurrency"] == {"group": f"pull-request-preview-{number}", "cancel-in-progress": False}
        assert [step["run"] for step in job["steps"] if "make destroy" in step.get("run", "")] == [
            'make destroy STAGE=dev BRANCH="$BRANCH"'
        ]
    assert "github.event.action == 'closed'" in teardown["if"]
    assert jobs["checks"]["if"] == "github.event.action != 'closed'"
    assert jobs["checks"]["concurrency"]["cancel-in-progress"] is True


def test_every_action_is_local_or_pinned_to_a_release_commit(rendering: Rendering) -> None:
    # tests/test_workflows.py shows that the check refuses a tag, a short SHA, a SHA without its release.
    github = rendering.by_cookiecutter / ".github"
    files = sorted([*(github / "workflows").glob("*.yml"), *(github / "actions").glob("*/action.yml")])
    assert files
    assert [problem for path in files for problem in pin_problems(path)] == []


def test_the_checks_audit_the_locks_and_fail_on_a_finding(rendering: Rendering) -> None:
    # tests/test_workflows.py shows that the check refuses continue-on-error, `|| true` and the like.
    component = rendering.by_cookiecutter
    checks = yaml.safe_load((component / ".github" / "workflows" / "checks.yml").read_text(encoding="utf-8"))
    assert audit_problems(checks, (component / "Makefile").read_text(encoding="utf-8")) == []
    assert "pip-audit" in (component / "uv.lock").read_text(encoding="utf-8")


def test_the_secret_baseline_is_rendered_as_written_and_undated(rendering: Rendering) -> None:
    # Both tools render it byte for byte (test_both_tools_render_byte_identical_trees); without the time
    # of a scan, every render and every release writes the same file.
    rendered = (rendering.by_cookiecutter / ".secrets.baseline").read_bytes()
    assert rendered == (TEMPLATE_DIR / ".secrets.baseline").read_bytes()
    assert "generated_at" not in json.loads(rendered)


def locked_version(lock: Path, package: str) -> str:
    found = re.search(
        rf'^name = "{package}"\nversion = "([^"]+)"$', lock.read_text(encoding="utf-8"), re.MULTILINE
    )
    assert found is not None, f"{package} is not in {lock}"
    return found.group(1)


def test_the_python_passes_the_components_own_ruff_rules(rendering: Rendering) -> None:
    # Seconds for every combination, where mypy and the tests run on a few: the template's ruff is the
    # version the component locks, with the component's own configuration (its pyproject.toml).
    component = rendering.by_cookiecutter
    assert locked_version(ROOT / "uv.lock", "ruff") == locked_version(component / "uv.lock", "ruff"), (
        "the template and the component lock different ruff versions: align them (make relock-component)"
    )
    run_in(component, str(BIN / "ruff"), "format", "--check", "--no-cache", ".")
    run_in(component, str(BIN / "ruff"), "check", "--no-cache", ".")


def test_the_onboarding_guide_says_where_each_block_goes_in_files_that_exist(rendering: Rendering) -> None:
    # tests/test_quickstart.py performs the default component's guide; here every combination's reads.
    guide = (rendering.by_cookiecutter / "docs" / "onboarding.md").read_text(encoding="utf-8")
    edited = {step.path for step in steps(guide) if step.kind in {"replace", "after"}}
    assert edited, "the guide edits the code"
    assert [path for path in sorted(edited) if not (rendering.by_cookiecutter / path).is_file()] == []


def test_every_option_and_every_pair_that_changes_the_same_code_is_checked_in_full() -> None:
    for name in OPTIONS:
        assert {options[name] for options in VERIFIED_IN_FULL} == {True, False}, name
    for pair in OVERLAPPING:
        renderable = {tuple(options[name] for name in pair) for options in SUPPORTED_OPTION_SETS}
        checked = {tuple(options[name] for name in pair) for options in VERIFIED_IN_FULL}
        assert checked == renderable, pair


@pytest.mark.parametrize("options", UNSUPPORTED_OPTION_SETS, ids=option_id)
def test_unsupported_combinations_fail_clearly_with_both_tools(
    options: dict[str, bool], tmp_path: Path
) -> None:
    by_cookiecutter = run_cookiecutter(options, tmp_path / "cookiecutter")
    by_copier = run_copier(options, tmp_path / "copier")
    assert by_cookiecutter.returncode != 0
    assert by_copier.returncode != 0
    refusals = []
    if options["fifo_buffering"] and not options["consumer"]:
        refusals.append("fifo_buffering=true is not valid; allowed: true only with consumer=true")
    if options["jwt_authoriser"] and not options["command_api"]:
        refusals.append("jwt_authoriser=true is not valid; allowed: true only with command_api=true")
    for output in (by_cookiecutter.stdout + by_cookiecutter.stderr, by_copier.stdout + by_copier.stderr):
        assert any(refusal in output for refusal in refusals), output
    assert list(tmp_path.iterdir()) == []
