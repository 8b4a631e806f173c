"""The GitHub Actions workflows: the template's own (template-health.yml) and the rendered component's.

actionlint, with shellcheck on every `run:` script, must pass on the template's workflow here and on the
component's workflows and composite actions in tests/test_render_matrix.py, which lints each supported
combination (and the longest names) in the renders it already makes. This module shows that the check
can fail, with actionlint's own message, and holds the workflow's lists to their sources: the bootstrap
matrix to SUPPORTED_OPTION_SETS, each pinned uv to its Makefile.

Supply chain (the component's ADR 0023): every action is pinned to a release's commit SHA with the
release in a comment, in the template's workflow as in the component's, one pin per action across both;
the component's checks audit its locks and fail on a finding. tests/test_render_matrix.py runs those
checks (tests/supply_chain.py) on every rendered combination; here they are shown to refuse what they
are there to refuse.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.actionlint import actionlint, lint_project
from tests.ci_node import ci_node_major
from tests.rendering import OPTIONS, ROOT, SUPPORTED_OPTION_SETS, TEMPLATE_DIR
from tests.supply_chain import action_pins, audit_problems, pin_problems

TEMPLATE_HEALTH = ROOT / ".github" / "workflows" / "template-health.yml"
COMPONENT_SETUP_ACTION = TEMPLATE_DIR / ".github" / "actions" / "setup" / "action.yml"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def uv_version_in(path: Path) -> str:
    """The uv pinned by the template's Makefile (``UV_VERSION := x``) or the component's scripts/uv."""
    match = re.search(r"^UV_VERSION ?:?= ?(\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"no UV_VERSION in {path}"
    return match.group(1)


def setup_uv_versions(steps: list[dict[str, Any]]) -> list[str]:
    return [
        str(step["with"]["version"])
        for step in steps
        if str(step.get("uses", "")).startswith("astral-sh/setup-uv@")
    ]


MAKE_CALL = re.compile(r"\bmake ([a-z][a-z0-9-]*)")
MAKE_TARGET = re.compile(r"^([a-z][a-z0-9-]*):", re.MULTILINE)


def component_workflow_files() -> list[Path]:
    github = TEMPLATE_DIR / ".github"
    return sorted([*(github / "workflows").glob("*.yml"), *(github / "actions").glob("*/action.yml")])


def test_the_template_workflow_passes_actionlint() -> None:
    assert lint_project(ROOT) == ""


def test_the_bootstrap_matrix_is_every_supported_combination() -> None:
    matrix = load(TEMPLATE_HEALTH)["jobs"]["bootstrap"]["strategy"]["matrix"]
    assert set(matrix) == {"include"}, "the combinations are listed, not generated from axes"
    listed = [{name: entry[name] for name in OPTIONS} for entry in matrix["include"]]
    assert all(set(entry) == set(OPTIONS) for entry in matrix["include"])
    assert sorted(listed, key=repr) == sorted(SUPPORTED_OPTION_SETS, key=repr)


def test_the_template_workflow_installs_the_makefiles_uv() -> None:
    jobs = load(TEMPLATE_HEALTH)["jobs"]
    versions = [version for job in jobs.values() for version in setup_uv_versions(job["steps"])]
    assert versions, "template-health.yml installs uv with astral-sh/setup-uv"
    assert set(versions) == {uv_version_in(ROOT / "Makefile")}


def test_the_component_setup_installs_the_components_uv() -> None:
    steps = load(COMPONENT_SETUP_ACTION)["runs"]["steps"]
    assert setup_uv_versions(steps) == [uv_version_in(TEMPLATE_DIR / "scripts" / "uv")]


def setup_node_versions(steps: list[dict[str, Any]]) -> list[str]:
    return [
        str(s["with"]["node-version"])
        for s in steps
        if str(s.get("uses", "")).startswith("actions/setup-node@")
    ]


def test_the_template_workflow_sets_up_the_node_the_components_ci_runs() -> None:
    # One Node major: the one the component's CI names, which the every-option full check runs on
    # (tests/test_bootstrap.py; component ADR 0027).
    component = setup_node_versions(load(COMPONENT_SETUP_ACTION)["runs"]["steps"])
    assert component == [ci_node_major()]
    jobs = load(TEMPLATE_HEALTH)["jobs"]
    versions = [version for job in jobs.values() for version in setup_node_versions(job["steps"])]
    assert versions, "template-health.yml installs Node with actions/setup-node"
    assert set(versions) == {ci_node_major()}


BROKEN_JOBS = {
    "unknown needs": (
        "  deploy:\n    needs: chekcs\n    runs-on: ubuntu-latest\n    steps:\n      - run: make deploy\n",
        'job "deploy" needs job "chekcs" which does not exist in this workflow [job-needs]',
    ),
    "unknown context": (
        "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: make deploy\n        env:\n          TOKEN: ${{ secret.PACT_BROKER_TOKEN }}\n",
        'undefined variable "secret"',
    ),
    "unfinished expression": (
        "  deploy:\n    if: vars.AWS_DEPLOY_ROLE_ARN != ''  &&\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: make deploy\n",
        "unexpected end of input while parsing",
    ),
    "shellcheck finding in a run script": (
        "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make deploy BRANCH=$BRANCH\n",
        "shellcheck reported issue in this script: SC2086",
    ),
    "unknown input of a local action": (
        "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: ./.github/actions/setup\n        with:\n          jav: 'false'\n",
        'input "jav" is not defined in action',
    ),
}


@pytest.mark.parametrize(("job", "message"), BROKEN_JOBS.values(), ids=BROKEN_JOBS.keys())
def test_actionlint_refuses_a_broken_workflow_with_its_message(
    job: str, message: str, tmp_path: Path
) -> None:
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    action = tmp_path / ".github" / "actions" / "setup" / "action.yml"
    action.parent.mkdir(parents=True)
    action.write_text(COMPONENT_SETUP_ACTION.read_text(encoding="utf-8"), encoding="utf-8")
    workflow = tmp_path / ".github" / "workflows" / "broken.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: pull_request\npermissions:\n  contents: read\njobs:\n"
        "  checks:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make lint\n" + job,
        encoding="utf-8",
    )
    result = actionlint(tmp_path, workflow.relative_to(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout


def test_every_make_target_the_component_workflows_run_exists() -> None:
    targets = set(MAKE_TARGET.findall((TEMPLATE_DIR / "Makefile").read_text(encoding="utf-8")))
    called = {
        (path.relative_to(TEMPLATE_DIR).as_posix(), target)
        for path in component_workflow_files()
        for target in MAKE_CALL.findall(path.read_text(encoding="utf-8"))
    }
    assert called, "the workflows run the component's make targets"
    assert sorted((path, target) for path, target in called if target not in targets) == []


def test_every_bootstrap_option_the_template_workflow_uses_exists() -> None:
    help_text = subprocess.run(
        [str(ROOT / "bootstrap.sh"), "--help"], capture_output=True, text=True, check=True
    ).stdout
    runs = [
        str(step["run"])
        for job in load(TEMPLATE_HEALTH)["jobs"].values()
        for step in job["steps"]
        if "bootstrap.sh" in str(step.get("run", ""))
    ]
    used = {option for run in runs for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", run)}
    assert used, "template-health.yml runs bootstrap.sh"
    assert sorted(option for option in used if option not in help_text) == []


# ---------------------------------------------------------------- supply chain (component ADR 0023)

CHECKOUT_PIN = "actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0"


def test_the_template_workflow_pins_every_action_to_a_release_commit() -> None:
    assert pin_problems(TEMPLATE_HEALTH) == []
    assert action_pins(TEMPLATE_HEALTH), "template-health.yml uses public actions"


def test_each_action_has_one_pin_across_the_template_and_the_component() -> None:
    # Dependabot moves the template's pins (.github/dependabot.yml) and each component's own; the
    # component template's files are Jinja, which it cannot read. A bump here fails until the component
    # template follows it. The `uses:` lines hold no Jinja, so the template's files are read as they are.
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in [TEMPLATE_HEALTH, *component_workflow_files()]:
        for action, sha, version in action_pins(path):
            pins.setdefault(action, set()).add((sha, version))
    assert "actions/checkout" in pins
    assert {action: found for action, found in pins.items() if len(found) > 1} == {}


UNPINNED = {
    "a major tag": ("      - uses: actions/checkout@v6\n", "actions/checkout@v6"),
    "a SHA without its release": (
        "      - uses: actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803\n",
        "@d23441a48e516b6c34aea4fa41551a30e30af803`",
    ),
    "a short SHA": ("      - uses: actions/checkout@d23441a # v6.1.0\n", "@d23441a # v6.1.0"),
    "a branch": ("      - uses: actions/checkout@main # v6.1.0\n", "@main # v6.1.0"),
    "a flow mapping": ("      - {uses: actions/checkout@v6}\n", "another form"),
}


@pytest.mark.parametrize(("line", "message"), UNPINNED.values(), ids=UNPINNED.keys())
def test_an_action_not_pinned_to_a_release_commit_is_refused(line: str, message: str, tmp_path: Path) -> None:
    workflow = tmp_path / "workflow.yml"
    workflow.write_text(
        "on: push\njobs:\n  checks:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: {CHECKOUT_PIN}\n      - uses: ./.github/actions/setup\n{line}",
        encoding="utf-8",
    )
    (problem,) = pin_problems(workflow)
    assert message in problem


def checks_with_audit(**extra: object) -> dict[str, Any]:
    """A checks workflow whose audit job is the component's, with ``extra`` keys on its audit step."""
    audit_step = {"name": "Audit the locks", "run": "make audit", **extra}
    steps = [{"uses": CHECKOUT_PIN}, {"uses": "./.github/actions/setup"}, audit_step]
    return {"jobs": {"audit": {"runs-on": "ubuntu-latest", "steps": steps}}}


# The component's Makefile as the template holds it: the audit target has no Jinja.
MAKEFILE = (TEMPLATE_DIR / "Makefile").read_text(encoding="utf-8")
NPM_AUDIT = "\tnpm audit --package-lock-only --audit-level=high\n"
PIP_AUDIT = '$(RUN) pip-audit --strict --disable-pip --requirement "$$requirements"'


def test_the_components_audit_passes_the_check_as_the_template_writes_it() -> None:
    assert NPM_AUDIT in MAKEFILE
    assert PIP_AUDIT in MAKEFILE
    assert audit_problems(checks_with_audit(), MAKEFILE) == []


AUDITS_THAT_PASS_ON_A_FINDING = {
    "continue-on-error on the step": (checks_with_audit(**{"continue-on-error": True}), MAKEFILE),
    "the step only on a condition": (
        checks_with_audit(**{"if": "github.ref == 'refs/heads/main'"}),
        MAKEFILE,
    ),
    "no audit step": ({"jobs": {"audit": {"runs-on": "ubuntu-latest", "steps": []}}}, MAKEFILE),
    "|| true after npm audit": (
        checks_with_audit(),
        MAKEFILE.replace(NPM_AUDIT, NPM_AUDIT.replace("high", "high || true")),
    ),
    "make ignoring npm audit's exit code": (
        checks_with_audit(),
        MAKEFILE.replace(NPM_AUDIT, NPM_AUDIT.replace("\tnpm", "\t-npm")),
    ),
    "a shell that goes on after a failure": (
        checks_with_audit(),
        MAKEFILE.replace(".SHELLFLAGS := -eu -o pipefail -c", ".SHELLFLAGS := -c"),
    ),
    "pip-audit without --strict": (checks_with_audit(), MAKEFILE.replace("pip-audit --strict", "pip-audit")),
    "an ignored advisory": (
        checks_with_audit(),
        MAKEFILE.replace("pip-audit --strict", "pip-audit --ignore-vuln PYSEC-0000-0 --strict"),
    ),
    "npm audit from critical only": (
        checks_with_audit(),
        MAKEFILE.replace(NPM_AUDIT, NPM_AUDIT.replace("high", "critical")),
    ),
}


@pytest.mark.parametrize(
    ("checks", "makefile"), AUDITS_THAT_PASS_ON_A_FINDING.values(), ids=AUDITS_THAT_PASS_ON_A_FINDING.keys()
)
def test_an_audit_that_would_pass_on_a_finding_is_refused(checks: dict[str, Any], makefile: str) -> None:
    assert makefile != MAKEFILE or checks != checks_with_audit()
    assert audit_problems(checks, makefile) != []
