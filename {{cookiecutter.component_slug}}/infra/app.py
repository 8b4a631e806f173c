"""The CDK app: one stack for the deployment the context describes, checked by cdk-nag when synthesized.

scripts/uv run python -m infra    # what `cdk synth` and `cdk deploy` run (cdk.json): the dev stack
cdk synth -c stage=prod           # another stage; `-c branch=<git branch>` for a branch's own stack
scripts/uv run python -m infra synth DIR  # `make synth`: every stage into DIR/<stage>, then cfn-lint on each
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from {{ cookiecutter.package_name }}.settings import STAGES

from infra.naming import Deployment
from infra.stack import ComponentStack

ROOT = Path(__file__).resolve().parent.parent
CODEOWNERS = ROOT / ".github" / "CODEOWNERS"
CDK_JSON = ROOT / "cdk.json"
# What jsii puts before the message of an exception raised in Python code the CDK called back.
LAYER_ERROR_PREFIX = "@jsii/kernel.RuntimeError: "


def cdk_json_context() -> dict[str, Any]:
    """The context cdk.json gives the app (feature flags; settings such as ``alarm_email``).

    The CDK CLI passes it to the app it runs (`make deploy`, `make destroy`); the apps built in this
    process (`make synth`, `make docs`, the stack tests) read it here, so what they check is the stack
    that is deployed.
    """
    try:
        document = json.loads(CDK_JSON.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RuntimeError(
            f"cannot read the CDK's settings in {CDK_JSON} ({error}): restore it (`git checkout cdk.json`)"
        ) from error
    return dict(document.get("context", {}))


# The stacks whose assets the CDK bundles: none in the apps built in this process. Their templates are
# what the gates check, and bundling would build the dependencies layer (infra/layer.py), which needs
# the runtime's Python and changes nothing in a template: the stack names the layer by a hash of its
# inputs. The CLI (`cdk deploy`, `cdk synth`) bundles the stacks it deploys or synthesizes.
NOTHING_BUNDLED: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


def new_app(context: Mapping[str, Any] | None = None, **props: Any) -> App:
    """An app with cdk.json's context, then ``context`` over it, as ``cdk -c`` would put it."""
    return App(context={**cdk_json_context(), **NOTHING_BUNDLED, **(context or {})}, **props)


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


def synthesize(app: App) -> bool:
    """Synthesize the app; False when cdk-nag found something (the CDK has printed its report)."""
    try:
        app.synth()
    except RuntimeError as error:
        # The one failure that is a finding, not a fault: anything else keeps its traceback.
        if "ValidationFailed" not in str(error):
            raise
        print(f"cdk-nag: {error}", file=sys.stderr)
        return False
    return True


def stage_app(stage: str, outdir: Path) -> App:
    """The app `cdk synth -c stage=<stage>` runs, writing its cloud assembly to outdir, for `make synth`.

    Without the CDK's built-in template validator: its findings are only warnings in a synth, cfn-lint
    runs the same schema rules right after as a gate, and `make test-infra` runs the validator on the
    same stacks and fails on any finding of it (ADR 0008). Starting it costs about 6 s of CPU.
    """
    app = new_app({"stage": stage}, outdir=str(outdir), builtin_cloud_formation_validation=False)
    build(app, Deployment.from_context({**app.node.get_all_context(), "stage": stage}))
    check(app)
    return app


def template(deployment: Deployment) -> dict[str, Any]:
    """The deployment's CloudFormation template, synthesized in this process into a scratch directory.

    What `make docs` draws the README's flow from (infra/flow.py). Without cdk-nag and the template
    validator, which `make synth` and `make test-infra` run as gates: reading the stack needs neither,
    and the synth takes a fifth of a second instead of seconds.
    """
    with tempfile.TemporaryDirectory(prefix="cdk.out-") as outdir:
        app = new_app(outdir=outdir, builtin_cloud_formation_validation=False)
        stack = build(app, deployment)
        return dict(app.synth().get_stack_by_name(stack.stack_name).template)


def synth_stages(root: Path, stages: Sequence[str] = STAGES) -> int:
    """`make synth`: each stage's stack into root/<stage>, then cfn-lint on every template; 1 on any finding.

    One process for everything: each process would import aws-cdk-lib and start its Node runtime again.
    """
    failed = [stage for stage in stages if not synthesize(stage_app(stage, root / stage))]
    # Imported here: the CDK CLI's runs of this app need no cfn-lint (half a second to import).
    from infra import lint

    linted = lint.main([root / stage for stage in stages])
    if failed:
        print(f"cdk-nag: unacknowledged findings in {', '.join(failed)}", file=sys.stderr)
        return 1
    return linted


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments:
        # What the CDK CLI runs (cdk.json): the context (cdk.json's with the `-c` options over it) and the
        # outdir come from its environment variables.
        app = App()
        try:
            build(app, Deployment.from_context(app.node.get_all_context()))
        except RuntimeError as error:
            # The CLI bundles the dependencies layer as the stack is built (infra/layer.py): its error
            # says what to do; the traceback through jsii would only bury it.
            if "Failed to bundle asset" not in str(error):
                raise
            print(str(error).rpartition(LAYER_ERROR_PREFIX)[2] or error, file=sys.stderr)
            return 1
        check(app)
        return 0 if synthesize(app) else 1
    parser = argparse.ArgumentParser(prog="python -m infra")
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="every stage into DIR/<stage>, checked by cdk-nag and cfn-lint")
    synth.add_argument("outdir", nargs="?", default="cdk.out", type=Path, metavar="DIR")
    return synth_stages(parser.parse_args(arguments).outdir)
