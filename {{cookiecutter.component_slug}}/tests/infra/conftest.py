"""The stacks, synthesized once for the whole run: dev, prod and a branch's dev stack, traced.

Synthesizing runs the cdk-nag checks: an unacknowledged finding fails the fixture, so every test here
errors until it is fixed or acknowledged with a reason. It runs the CDK's built-in template validator
too, which `make synth` leaves to cfn-lint (test_stack.py fails on its findings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.app import build, check, new_app
from infra.naming import Deployment

DEV = Deployment(stage="dev")
PROD = Deployment(stage="prod")
BRANCH = Deployment(stage="dev", branch="feature/Reserve-a-car")
# The branch's stack is deployed as one that chases a problem (`-c tracing=on -c log_level=DEBUG`):
# cdk-nag checks it as the others, and one synthesis fewer serves both (each costs seconds of Node).
TRACED = replace(BRANCH, tracing=True, log_level="DEBUG")


@dataclass(frozen=True)
class Synthesized:
    deployment: Deployment
    template: Template
    outdir: Path
    termination_protection: bool

    @property
    def json(self) -> dict[str, Any]:
        return dict(self.template.to_json())

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        resources = self.json["Resources"].items()
        return {name: resource for name, resource in resources if resource["Type"] == kind}

    def one(self, kind: str, logical_prefix: str = "") -> dict[str, Any]:
        (resource,) = [
            resource for name, resource in self.resources(kind).items() if name.startswith(logical_prefix)
        ]
        return resource


@pytest.fixture(scope="session")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = new_app(outdir=str(outdir))
    built = {deployment.stack_name: build(app, deployment) for deployment in (DEV, PROD, TRACED)}
    check(app)
    assembly = app.synth()
    return {
        name: Synthesized(
            deployment=stack.deployment,
            template=Template.from_json(assembly.get_stack_by_name(name).template),
            outdir=outdir,
            termination_protection=bool(stack.termination_protection),
        )
        for name, stack in built.items()
    }


@pytest.fixture(scope="session")
def dev(stacks: dict[str, Synthesized]) -> Synthesized:
    return stacks[DEV.stack_name]


@pytest.fixture(scope="session")
def prod(stacks: dict[str, Synthesized]) -> Synthesized:
    return stacks[PROD.stack_name]


@pytest.fixture(scope="session")
def traced(stacks: dict[str, Synthesized]) -> Synthesized:
    return stacks[TRACED.stack_name]


def validation_report(outdir: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return report
