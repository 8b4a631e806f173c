"""The CDK app: one stack for the deployment the context describes, checked by cdk-nag when synthesized.

uv run python -m infra          # what `cdk synth` runs (cdk.json): the dev stack
cdk synth -c stage=prod         # another stage; `-c branch=<git branch>` for a branch's own stack
"""

from __future__ import annotations

from aws_cdk import App, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from infra.naming import Deployment
from infra.stack import ComponentStack

OWNING_TEAM = "{{ cookiecutter.owning_team }}"


def build(app: App, deployment: Deployment) -> ComponentStack:
    stack = ComponentStack(app, deployment)
    tags = {
        "component": deployment.component,
        "stage": deployment.stage,
        "deployment": deployment.stack_name,
        "owner": OWNING_TEAM,
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
