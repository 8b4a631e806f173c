"""The AWS clients every part of the component uses, with the retry policy in one place.

Policy: botocore's "standard" retry mode retries throttling and transient server errors with
exponential backoff and jitter, 4 attempts in all. What it cannot fix is left to the caller's own
policy: a cancelled transaction to the command path (read and decide again), failed PutEvents entries
to the publisher (resend only those). Endpoints come from the environment (AWS_ENDPOINT_URL_DYNAMODB,
AWS_ENDPOINT_URL_EVENTBRIDGE, ... point the same code at emulators), so production code has no "local"
branch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient

RETRY_POLICY: dict[str, Any] = {
    "retries": {"mode": "standard", "total_max_attempts": 4},
    "connect_timeout": 2,
    "read_timeout": 5,
}


def dynamodb_client() -> DynamoDBClient:
    # boto3 is imported on first use, not with the handler module: a request refused before it needs
    # AWS (validation, routing) never pays for it. Handlers build their clients once and keep them.
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodb", config=Config(**RETRY_POLICY))


def eventbridge_client() -> EventBridgeClient:
    import boto3
    from botocore.config import Config

    return boto3.client("events", config=Config(**RETRY_POLICY))
