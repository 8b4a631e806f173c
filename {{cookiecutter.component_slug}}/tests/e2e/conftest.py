"""End-to-end fixtures: the deployed component, local (the default) or on AWS, found by its outputs.

``E2E_TARGET=local``: ``python -m local_deploy`` runs the synthesized dev stack (``make synth`` first)
on DynamoDB Local and moto server, and its outputs file says where everything is.
``E2E_TARGET=aws``: the stack ``STACK_NAME`` must be deployed; its CloudFormation outputs say where
everything is, and the caller's AWS credentials are used. The tests are the same for both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_deploy.processes import process_group
from scripts.targets import Target

ROOT = Path(__file__).resolve().parents[2]
TARGET = os.environ.get("E2E_TARGET", "local")
# How long an event may take from command to consumer: seconds locally; on AWS the poison test also
# waits for the queue's visibility timeout on every receive before the message reaches its dead letters.
PATIENCE_SECONDS = float(os.environ.get("E2E_PATIENCE_SECONDS", "60" if TARGET == "local" else "900"))
LOCAL_START_SECONDS = 120


@dataclass(frozen=True)
class Deployment:
    """The deployment under test: its outputs and clients (the `Target` that `make load` and the recovery
    tools use), the region its API requests are signed for, and where its functions log."""

    target: Target
    region: str
    # The local deploy's output, where its functions log; None on AWS, where CloudWatch Logs has them.
    log_path: Path | None = None

    @property
    def outputs(self) -> dict[str, Any]:
        return self.target.outputs

    def client(self, service: str) -> Any:
        return self.target.client(service)

    def log_lines(self, correlation_id: str) -> list[dict[str, Any]]:
        """Every JSON log line of the component's functions that carries ``correlation_id``.

        On AWS, as docs/runbook.md searches them: each function's log group (a stack output), filtered
        on the correlation id.
        """
        if self.log_path is not None:
            texts = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        else:
            logs = self.client("logs")
            texts = []
            for key, group in self.outputs.items():
                if not key.endswith("LogGroupName"):
                    continue
                # CloudWatch Logs' filter on a JSON field: { $.correlation_id = "..." }
                pattern = " ".join(["{", f'$.correlation_id = "{correlation_id}"', "}"])
                pages = logs.get_paginator("filter_log_events").paginate(
                    logGroupName=group,
                    filterPattern=pattern,
                )
                texts += [event["message"] for page in pages for event in page.get("events", [])]
        found = []
        for text in texts:
            try:
                line = json.loads(text)
            except ValueError:
                continue  # The local deploy's own report, or a line that is not JSON.
            if isinstance(line, dict) and line.get("correlation_id") == correlation_id:
                found.append(line)
        return found


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if TARGET == "aws":
        yield deployed_on_aws()
    elif TARGET == "local":
        yield from deployed_locally(tmp_path_factory.mktemp("local-deploy"))
    else:
        raise pytest.UsageError(f"E2E_TARGET={TARGET!r}: use local or aws")


def deployed_on_aws() -> Deployment:
    stack_name = os.environ.get("STACK_NAME")
    if not stack_name:
        raise pytest.UsageError("E2E_TARGET=aws needs STACK_NAME (make e2e sets it from STAGE and BRANCH)")
    cloudformation = boto3.client("cloudformation")
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    return Deployment(Target(outputs), region=cloudformation.meta.region_name)


def deployed_locally(scratch: Path) -> Iterator[Deployment]:
    outputs_file = scratch / "outputs.json"
    log_path = scratch / "local-deploy.log"
    assembly = os.environ.get("E2E_ASSEMBLY", str(ROOT / "cdk.out" / "dev"))
    command = [sys.executable, "-m", "local_deploy", assembly, "--outputs", str(outputs_file)]
    # Its own process group, killed when the session ends however it ends; and on Linux the local deploy
    # dies with this test run even when the run is killed outright (see local_deploy.processes).
    with (
        log_path.open("wb") as log,
        process_group(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT) as process,
    ):
        try:
            deadline = time.monotonic() + LOCAL_START_SECONDS
            while not outputs_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the local deploy did not start:\n{log_path.read_text(errors='replace')}"
                    )
                time.sleep(0.1)
            outputs = json.loads(outputs_file.read_text(encoding="utf-8"))
            target = Target(outputs, endpoints=outputs["Endpoints"], region=outputs["Region"])
            yield Deployment(target, region=outputs["Region"], log_path=log_path)
        finally:
            # SIGTERM: the local deploy stops its emulators by PID before it exits. Whatever a stop that
            # fails or hangs leaves behind, the group kill ends.
            process.terminate()
            process.wait(timeout=30)
