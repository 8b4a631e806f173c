"""The DynamoDB client every part of the component uses, with its retry policy in one place.

Policy: botocore's "standard" retry mode retries throttling (ThrottlingException,
ProvisionedThroughputExceededException) and transient server errors with exponential backoff and
jitter, up to 4 attempts in all; a cancelled transaction is not retried here but by the command path,
which must read and decide again. Endpoints come from the environment (AWS_ENDPOINT_URL_DYNAMODB
points the same code at DynamoDB Local), so production code has no "local" branch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RETRY_POLICY: dict[str, Any] = {
    "retries": {"mode": "standard", "total_max_attempts": 4},
    "connect_timeout": 2,
    "read_timeout": 5,
}


def dynamodb_client() -> DynamoDBClient:
    # boto3 is imported on first use, not with the handler module: a request refused before it needs
    # DynamoDB (validation, routing) never pays for it. Handlers build their client once and keep it.
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodb", config=Config(**RETRY_POLICY))
