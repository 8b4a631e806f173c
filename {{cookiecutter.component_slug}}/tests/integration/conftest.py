{%- set A = cookiecutter.aggregate -%}
"""Integration fixtures: one DynamoDB Local for the session, a fresh table for every test."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from {{ cookiecutter.package_name }}.clients import dynamodb_client
from {{ cookiecutter.package_name }}.service import {{ A }}Service
from {{ cookiecutter.package_name }}.store.event_store import PARTITION_KEY, SORT_KEY, EventStore

from tests.integration import dynamodb_local

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture(scope="session")
def dynamodb_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = dynamodb_local.start(tmp_path_factory.mktemp("dynamodb-local"))
    previous = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    # botocore reads the endpoint from the environment: production code needs no "local" branch.
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = server.endpoint
    try:
        yield server.endpoint
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        else:
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = previous


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits botocore's retry policy asks for, recorded instead of slept: the policy is what is tested."""
    asked: list[float] = []
    monkeypatch.setattr(time, "sleep", asked.append)
    return asked


@pytest.fixture
def client(dynamodb_endpoint: str) -> DynamoDBClient:
    return dynamodb_client()


def create_table(client: DynamoDBClient, name: str) -> None:
    """The event/state table as the stack defines it: the two keys and a stream of new images."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )


@pytest.fixture
def table_name(client: DynamoDBClient) -> Iterator[str]:
    name = f"events-{uuid.uuid4().hex[:12]}"
    create_table(client, name)
    yield name
    client.delete_table(TableName=name)


@pytest.fixture
def store(client: DynamoDBClient, table_name: str) -> EventStore:
    return EventStore(client, table_name)


@pytest.fixture
def service(store: EventStore) -> {{ A }}Service:
    return {{ A }}Service(store)
