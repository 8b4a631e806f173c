"""scripts/targets.py: the check the targets that act on AWS make before they start."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import targets

# Every variable through which botocore could find credentials of this machine's user.
CREDENTIAL_SOURCES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CREDENTIAL_SOURCES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    # The instance metadata service is the last place botocore looks; it does not exist here.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def test_without_credentials_the_target_stops_at_once_saying_how_to_sign_in(
    no_credentials: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as stopped:
        targets.require_aws_credentials("make deploy")
    message = str(stopped.value)
    assert message.startswith("make deploy: no AWS credentials found.")
    assert "aws sso login --profile NAME" in message
    assert "AWS_ACCESS_KEY_ID" in message


def test_a_profile_that_does_not_exist_is_named_as_the_cause(no_credentials: pytest.MonkeyPatch) -> None:
    no_credentials.setenv("AWS_PROFILE", "squad-sandbox")
    with pytest.raises(SystemExit) as stopped:
        targets.require_aws_credentials("make destroy")
    message = str(stopped.value)
    assert message.startswith("make destroy: your AWS credentials cannot be read")
    assert "squad-sandbox" in message
    assert "correct AWS_PROFILE" in message


def test_credentials_that_resolve_let_the_target_go_on(no_credentials: pytest.MonkeyPatch) -> None:
    no_credentials.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    no_credentials.setenv("AWS_SECRET_ACCESS_KEY", "example")
    targets.require_aws_credentials("make deploy")


def test_a_stack_is_not_looked_up_without_credentials(no_credentials: pytest.MonkeyPatch) -> None:
    name = "{{ cookiecutter.component_slug }}-dev"
    with pytest.raises(SystemExit, match=f"stack {name}: no AWS credentials found"):
        targets.stack(name)


@contextlib.contextmanager
def listening() -> Iterator[str]:
    """The endpoint of a server that accepts connections while the block runs (an emulator, to a probe)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def stopped() -> str:
    """The endpoint of a server that stopped: a port nothing listens on."""
    with listening() as endpoint:
        pass
    return endpoint


def local_outputs(tmp_path: Path, endpoints: dict[str, str]) -> Path:
    """A local deploy's outputs file, as `make local` writes it and leaves it behind when it stops."""
    outputs = tmp_path / "outputs.json"
    written = {"TableName": "events", "Endpoints": endpoints, "Region": "eu-west-2"}
    outputs.write_text(json.dumps(written), encoding="utf-8")
    return outputs


def test_a_running_local_deploy_s_endpoints_and_region_come_from_its_outputs(tmp_path: Path) -> None:
    with listening() as endpoint:
        target = targets.local(local_outputs(tmp_path, {"dynamodb": endpoint, "sqs": endpoint}), "replay")

    assert target.output("TableName") == "events"
    assert target.client("dynamodb").meta.endpoint_url == endpoint
    assert target.client("sqs").meta.region_name == "eu-west-2"


def test_a_local_deploy_that_stopped_is_named_with_how_to_start_it(tmp_path: Path) -> None:
    # Its outputs file stays behind when `make local` stops: the endpoints in it no longer answer.
    gone = stopped()
    with listening() as running:
        outputs = local_outputs(tmp_path, {"dynamodb": running, "sqs": gone})
        with pytest.raises(SystemExit) as refusal:
            targets.local(outputs, "redrive")

    message = str(refusal.value)
    assert message.startswith(
        f"redrive: the local deploy of {outputs} is not running (nothing answers at {gone})"
    )
    assert "start it with `make local`, or name a deployed stack with TARGET=aws" in message
