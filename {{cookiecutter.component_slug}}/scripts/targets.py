"""Where the recovery tools act: the local deploy (its outputs file) or a deployed stack (its outputs).

`make redrive` and `make replay` run the same code against both. The local deploy writes the stack's
outputs, the emulators' endpoints and its region to ``.local/outputs.json``; a stack on AWS is found by
name with your AWS credentials, and its outputs are read from CloudFormation.
"""

from __future__ import annotations

import contextlib
import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
{%- if cookiecutter.command_api and not cookiecutter.jwt_authoriser %}
from botocore.credentials import Credentials
{%- endif %}
from botocore.exceptions import BotoCoreError

from local_deploy.loopback import keep_loopback_off_proxies
from local_deploy.servers import answers

LOCAL_OUTPUTS = Path(".local/outputs.json")


@dataclass(frozen=True)
class Target:
    """A deployment's outputs, and clients that reach its services."""

    outputs: dict[str, Any]
    # Empty for AWS; the emulators' endpoints for the local deploy.
    endpoints: dict[str, str] = field(default_factory=dict)
    region: str | None = None

    def output(self, key: str) -> str:
        try:
            return str(self.outputs[key])
        except KeyError:
            raise SystemExit(
                f"the deployment has no output {key}: was it deployed from this version of the component? "
                "Deploy it again (`make local`, or `make deploy`), then run this again"
            ) from None

{%- if cookiecutter.command_api and not cookiecutter.jwt_authoriser %}

    def credentials(self) -> Credentials | None:
        """What to sign API requests with: the emulators' dummy credentials, or None for your own (AWS)."""
        return Credentials("local", "local") if self.endpoints else None
{%- endif %}

    def client(self, service: Any) -> Any:
        """A boto3 client of ``service``: the emulator's, with its dummy credentials, or AWS's."""
        if not self.endpoints:
            return boto3.client(service)
        return boto3.client(
            service,
            endpoint_url=self.endpoints[ENDPOINT_OF.get(service, service)],
            region_name=self.region,
            aws_access_key_id="local",
            # The emulator's dummy credentials, for ruff (S106) and the secret scan alike.
            aws_secret_access_key="local",  # noqa: S106  # pragma: allowlist secret
        )


# The local deploy names each emulator's endpoint by the service it serves.
ENDPOINT_OF = {"events": "eventbridge", "dynamodbstreams": "dynamodb"}


def local(outputs_file: Path, tool: str) -> Target:
    """The local deploy whose outputs are in ``outputs_file``, once its emulators are seen to answer."""
    keep_loopback_off_proxies()
    try:
        outputs = json.loads(outputs_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(
            f"{tool}: no local deploy's outputs in {outputs_file} ({error}): start it with `make local`, "
            "or name a deployed stack with TARGET=aws"
        ) from error
    # A stopped `make local` leaves its outputs behind: without this, botocore's connection error.
    silent = sorted({endpoint for endpoint in outputs["Endpoints"].values() if not answers(endpoint)})
    if silent:
        raise SystemExit(
            f"{tool}: the local deploy of {outputs_file} is not running (nothing answers at "
            f"{', '.join(silent)}): start it with `make local`, or name a deployed stack with TARGET=aws"
        )
    return Target(outputs, endpoints=outputs["Endpoints"], region=outputs["Region"])


def require_aws_credentials(purpose: str) -> None:
    """Stop before ``purpose`` when no AWS credentials can be found, saying how to provide them.

    Without this, `make deploy` synthesizes for a minute before the CDK says it has no account to use.
    Only whether credentials resolve is checked, which needs no network; AWS itself judges them.
    """
    try:
        found = boto3.Session().get_credentials()
    except BotoCoreError as error:  # a profile that does not exist, an expired SSO sign-in, a broken config
        raise SystemExit(
            f"{purpose}: your AWS credentials cannot be read ({error}). Sign in again "
            "(`aws sso login --profile NAME`) or correct AWS_PROFILE, then run this again"
        ) from error
    if found is None:
        raise SystemExit(
            f"{purpose}: no AWS credentials found. Sign in (`aws sso login --profile NAME`, then "
            "`export AWS_PROFILE=NAME`) or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "then run this again"
        )


def stack(stack_name: str) -> Target:
    """A deployed stack, by name (your AWS credentials and region)."""
    require_aws_credentials(f"stack {stack_name}")
    stacks = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    return Target({output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])})


@contextlib.contextmanager
def tap(sqs: Any, events: Any, bus: str, source: str, purpose: str) -> Iterator[str]:
    """A queue of its own that receives every event of ``source`` on ``bus`` while the block runs.

    For the end-to-end tests and `make load`, which watch what is published without touching the
    component's own rules and queues; the rule and the queue are removed afterwards.
    """
    name = f"{purpose}-tap-{uuid.uuid4().hex[:12]}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
    queue_arn = attributes["QueueArn"]
    try:
        allow_the_bus = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(allow_the_bus)})
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": [source]}))
        try:
            events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": queue_arn}])
            yield queue_url
        finally:
            events.remove_targets(Rule=name, EventBusName=bus, Ids=["tap"])
            events.delete_rule(Name=name, EventBusName=bus)
    finally:
        sqs.delete_queue(QueueUrl=queue_url)


def take(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """The bodies of one receive from a tap (at most ten), removed from it."""
    found = []
    for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        found.append(json.loads(message["Body"]))
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


if __name__ == "__main__":
    # `python -m scripts.targets "make deploy"`: the Makefile's check before a target that needs AWS.
    require_aws_credentials(" ".join(sys.argv[1:]) or "this command")
