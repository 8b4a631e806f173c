"""The CDK app: one stack for the deployment the context describes, checked by cdk-nag when synthesized.

uv run python -m infra          # what `cdk synth` runs (cdk.json): the dev stack
cdk synth -c stage=prod         # another stage; `-c branch=<git branch>` for a branch's own stack
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from infra.naming import Deployment
from infra.stack import ComponentStack

CODEOWNERS = Path(__file__).resolve().parent.parent / ".github" / "CODEOWNERS"


def owning_team() -> str:
    """The team that owns every file in CODEOWNERS: the one place that names the owner."""
    for line in CODEOWNERS.read_text(encoding="utf-8").splitlines():
        pattern, _, owners = line.partition(" ")
        if pattern == "*" and owners.split():
            return owners.split()[0].removeprefix("@")
    raise ValueError(f"{CODEOWNERS} names no owner for every file (a `* @org/team` line)")


def build(app: App, deployment: Deployment) -> ComponentStack:
    stack = ComponentStack(app, deployment)
    tags = {
        "component": deployment.component,
        "stage": deployment.stage,
        "deployment": deployment.stack_name,
        "owner": owning_team(),
    }
    for key, value in tags.items():
        Tags.of(stack).add(key, value)
    return stack


def check(app: App) -> None:
    """cdk-nag's AWS Solutions rules on every stack: synthesizing fails on any unacknowledged finding.

    Each acknowledgment sits next to the resource it concerns, with its reason (infra/stack.py).
    """
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def main() -> None:
    app = App()
    build(app, Deployment.from_context(app.node.get_all_context()))
    check(app)
    app.synth()
