"""The CDK CLI's synth of a rendered component beside what `make synth` wrote and checked.

`make deploy` and `make destroy` run the CDK CLI, which runs the app as cdk.json says; `make synth`
builds the app itself (faster) and runs cdk-nag and cfn-lint on the result. What is deployed must be
what was checked: the two templates are compared, less what only the CLI adds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.ci_python import fetch_python, lambda_python

# What the CDK CLI adds to a template and `make synth` does not: each resource's construct path
# (Metadata), the CDK's version report (CDKMetadata), and through the paths the hash that ends the API
# deployment's logical id (a new deployment whenever the API changes).
LAYER = "AWS::Lambda::LayerVersion"
API_DEPLOYMENT_HASH = re.compile(r"(Deployment[0-9A-F]{8})[0-9a-f]{32}")


def without_cli_additions(template_file: Path) -> dict[str, Any]:
    template: dict[str, Any] = json.loads(API_DEPLOYMENT_HASH.sub(r"\1", template_file.read_text("utf-8")))
    template["Resources"].pop("CDKMetadata", None)
    for resource in template["Resources"].values():
        resource.pop("Metadata", None)
    return template


def with_the_lambda_runtimes_python(component: Path, env: dict[str, str], where: Path) -> dict[str, str]:
    """``env`` with the Python of the functions' runtime first on PATH, fetched into ``where``: what
    the CLI's synth needs to write the dependencies layer's bytecode (uv would fetch it from GitHub,
    which these machines cannot reach)."""
    python = fetch_python(lambda_python(component), where)
    return {**env, "PATH": os.pathsep.join((str(python.parent), env.get("PATH", os.environ["PATH"])))}


def assert_the_cli_synthesizes_what_make_synth_checked(
    component: Path, env: dict[str, str], output: Path, stage: str = "prod"
) -> None:
    """`npx cdk synth` of ``stage`` into ``output`` equals `make synth`'s template in cdk.out/<stage>
    (which must be there: run after `make synth` or `make verify`). The CLI bundles what `make synth`
    leaves out: the dependencies layer, built from uv.lock and checked as it is built."""
    env = with_the_lambda_runtimes_python(component, env, output.parent / f"{output.name}-python")
    synth = ["npx", "cdk", "synth", "-c", f"stage={stage}", "-o", str(output), "--quiet"]
    done = subprocess.run(
        synth, cwd=component, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # cdk.json sets every flag the CLI recommends (component ADR 8), or it says so on every deploy.
    assert "feature flags are not configured" not in done.stderr, done.stderr[-3000:]
    # On Node 20, cdk.json's app command silences jsii's end-of-life warning, and on Node 26 its warning
    # that it was not tested there (component ADR 27).
    assert "end-of-life" not in done.stderr, done.stderr[-3000:]
    assert "not been tested" not in done.stderr, done.stderr[-3000:]
    name = f"{component.name}-{stage}.template.json"
    checked = component / "cdk.out" / stage / name
    assert checked.is_file(), f"make synth wrote no {checked}"
    assert without_cli_additions(output / name) == without_cli_additions(checked)
    # The layer the template names, built for the functions' platform: what a deploy uploads.
    template = json.loads((output / name).read_text(encoding="utf-8"))
    (layer,) = [value for value in template["Resources"].values() if value["Type"] == LAYER]
    asset = output / ("asset." + layer["Properties"]["Content"]["S3Key"].removesuffix(".zip"))
    assert list((asset / "python").glob("pydantic_core/_pydantic_core.cpython-*-aarch64-linux-gnu.so")), (
        f"{asset}: no pydantic_core for arm64"
    )
    assert list((asset / "python").glob("boto3/__pycache__/__init__.cpython-*.pyc")), f"{asset}: no bytecode"
