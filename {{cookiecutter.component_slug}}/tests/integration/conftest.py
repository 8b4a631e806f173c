{%- set A = cookiecutter.aggregate -%}
"""Integration fixtures: one DynamoDB Local for the session, a fresh table for every test."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest

from {{ cookiecutter.package_name }}.clients import dynamodb_client
{%- if cookiecutter.consumer %}
from {{ cookiecutter.package_name }}.handlers import consumer, publisher
{%- else %}
from {{ cookiecutter.package_name }}.handlers import publisher
{%- endif %}
from {{ cookiecutter.package_name }}.service import {{ A }}Service
from {{ cookiecutter.package_name }}.store.event_store import PARTITION_KEY, SORT_KEY, EventStore

from local_deploy import dynamodb_local, moto_server
from local_deploy.mappings import StreamMapping
from tests.integration import infrastructure
from tests.integration.infrastructure import EventFlow

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


@pytest.fixture(scope="session")
def dynamodb_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = dynamodb_local.start(tmp_path_factory.mktemp("dynamodb-local"))
    # botocore reads endpoints from the environment: production code needs no "local" branch. The
    # streams API has its own variable; DynamoDB Local serves both on one port.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint)
        patch.setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", server.endpoint)
        try:
            yield server.endpoint
        finally:
            server.stop()


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = moto_server.start(tmp_path_factory.mktemp("moto"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", server.endpoint)
        patch.setenv("AWS_ENDPOINT_URL_SQS", server.endpoint)
        try:
            yield server.endpoint
        finally:
            server.stop()


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
{%- if cookiecutter.consumer %}


def create_idempotency_table(client: DynamoDBClient, name: str) -> None:
    """Powertools' idempotency table: key ``id``, as its DynamoDB persistence layer expects."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def idempotency_table(client: DynamoDBClient) -> Iterator[str]:
    name = f"idempotency-{uuid.uuid4().hex[:12]}"
    create_idempotency_table(client, name)
    yield name
    client.delete_table(TableName=name)
{%- endif %}


@pytest.fixture
def sqs(moto_endpoint: str) -> SQSClient:
    return infrastructure.sqs_client()


@pytest.fixture
def flow(
    sqs: SQSClient,
    table_name: str,
{%- if cookiecutter.consumer %}
    idempotency_table: str,
{%- endif %}
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[EventFlow]:
    """The buses, rules and queues on moto, and the functions' settings pointing at them."""
    created = infrastructure.create(sqs)
    monkeypatch.setenv("TABLE_NAME", table_name)
    monkeypatch.setenv("COMPONENT_BUS_NAME", created.component_bus)
    monkeypatch.setenv("SHARED_BUS_NAME", created.shared_bus)
{%- if cookiecutter.consumer %}
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", idempotency_table)
    wired = (publisher.publisher, consumer.apply_once)
{%- else %}
    wired = (publisher.publisher,)
{%- endif %}
    for cached in wired:
        cached.cache_clear()
    yield created
    for cached in wired:
        cached.cache_clear()


@pytest.fixture
def stream(client: DynamoDBClient, table_name: str, sqs: SQSClient, flow: EventFlow) -> StreamMapping:
    """The table's stream wired to the publisher as the stack wires it, failures to its queue."""
    arn = client.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    return StreamMapping(
        boto3.client("dynamodbstreams"),
        arn,
        publisher.lambda_handler,
        event_filter=publisher.STREAM_FILTER,
        batch_size=publisher.BATCH_SIZE,
        maximum_retry_attempts=publisher.MAXIMUM_RETRY_ATTEMPTS,
        on_failure=lambda failure: _send(sqs, flow.stream_failures, failure),
    )


def _send(sqs: SQSClient, queue_url: str, body: object) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
