{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""`make bench`: the component's figures beside their baselines, on DynamoDB Local.

Machines are noisy, so every figure is compared with its baseline measured in the same run, in
alternating rounds, and read as a ratio:

* store commands/s: the command path (read state, decide, one transaction) against raw boto3 doing
  the same GetItem and the same TransactWriteItems with prebuilt items (goal: ratio >= 0.8);
{%- if cookiecutter.command_api %}
* handler import: importing the API handler module in a fresh interpreter against a bare
  ``import boto3`` (goal: ratio <= 2.0), and the whole cold path to a first DynamoDB answer
  against boto3's own (import, client, GetItem).
{%- endif %}
* layer imports: every handler imported on a build of the dependencies layer with its bytecode, as a
  deploy uploads it, against the same build without (each module compiled at every cold start).
"""

from __future__ import annotations

import argparse
{% if cookiecutter.consumer -%}
import contextlib
import io
{% endif -%}
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from {{ cookiecutter.package_name }}.clients import dynamodb_client
from {{ cookiecutter.package_name }}.commands import CommandContext
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
from {{ cookiecutter.package_name }}.service import {{ A }}Service
from {{ cookiecutter.package_name }}.store.event_store import EventStore

{% if cookiecutter.command_api -%}
from benchmarks.cold_start import bench_cold_starts
{% endif -%}
{% if cookiecutter.consumer -%}
from benchmarks.consuming import bench_consumer
{% endif -%}
from benchmarks.layer import bench_layer_imports
from benchmarks.publishing import bench_publisher
from local_deploy import dynamodb_local, moto_server
from local_deploy.loopback import keep_loopback_off_proxies
from tests.integration.conftest import create_table
from tests.offline_aws import use_offline_credentials

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

AGGREGATES = 20


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def store_round(service: {{ A }}Service, commands: int, offset: int) -> list[float]:
    latencies = []
    for number in range(commands):
        command = domain.Change{{ A }}Price(
            {{ a }}_id=f"store-{number % AGGREGATES}",
            price=offset + number + 1,
        )
        context = CommandContext(correlation_id="bench", actor="bench", idempotency_key=str(uuid.uuid4()))
        started = time.perf_counter()
        service.handle(command, context)
        latencies.append(time.perf_counter() - started)
    return latencies


def raw_round(
    client: DynamoDBClient,
    table: str,
    commands: int,
    sequences: dict[str, int],
) -> list[float]:
    """The same reads and writes as the command path, with items built ahead: the floor for any store."""
    prepared = []
    for number in range(commands):
        aggregate = f"raw-{number % AGGREGATES}"
        sequence = sequences[aggregate] = sequences.get(aggregate, 0) + 1
        prepared.append((aggregate, sequence, _raw_items(table, aggregate, sequence)))
    latencies = []
    for aggregate, _, items in prepared:
        started = time.perf_counter()
        client.get_item(
            TableName=table,
            Key={"_pk": {"S": f"{{ A }}/{aggregate}"}, "_sk": {"S": "STATE"}},
            ConsistentRead=True,
        )
        client.transact_write_items(TransactItems=items, ClientRequestToken=str(uuid.uuid4()))
        latencies.append(time.perf_counter() - started)
    return latencies


def _raw_items(table: str, aggregate: str, sequence: int) -> list[TransactWriteItemTypeDef]:
    key = f"{{ A }}/{aggregate}"
    event: dict[str, AttributeValueTypeDef] = {
        "_seq": {"N": str(sequence)},
        "event_id": {"S": str(uuid.uuid4())},
        "name": {"S": "{{ A }}PriceChanged"},
        "version": {"N": "1"},
        "visibility": {"S": "public"},
        "occurred_at": {"S": "2026-11-26T09:00:00.000+00:00"},
        "data": {"S": json.dumps({"old_price": sequence, "new_price": sequence + 1})},
        "correlation_id": {"S": "bench"},
        "causation_id": {"S": str(uuid.uuid4())},
        "actor": {"S": "bench"},
    }
    state = {
        "{{ a }}_id": aggregate,
        "title": "Blue hatchback",
        "price": sequence,
        "status": "listed",
    }

    def put_new(sort_key: str, attributes: dict[str, AttributeValueTypeDef]) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": table,
                "Item": {"_pk": {"S": key}, "_sk": {"S": sort_key}, **attributes},
                "ConditionExpression": "attribute_not_exists(#sk)",
                "ExpressionAttributeNames": {"#sk": "_sk"},
            }
        }

    return [
        {
            "Put": {
                "TableName": table,
                "Item": {
                    "_pk": {"S": key},
                    "_sk": {"S": "STATE"},
                    "_seq": {"N": str(sequence)},
                    "state": {"S": json.dumps({**state, "sequence": sequence})},
                },
                "ConditionExpression": "attribute_not_exists(#pk) OR #seq = :expected",
                "ExpressionAttributeNames": {"#pk": "_pk", "#seq": "_seq"},
                "ExpressionAttributeValues": {":expected": {"N": str(sequence - 1)}},
            }
        },
        put_new(f"EVENT/{sequence:010d}", event),
        put_new(f"OUTBOUND/{sequence:010d}/0", {**event, "_ttl": {"N": "1900000000"}}),
        put_new(f"COMMAND/{uuid.uuid4()}", {"fingerprint": {"S": "f" * 64}, "_seq": {"N": str(sequence)}}),
    ]


def bench_store(
    client: DynamoDBClient,
    table: str,
    rounds: int,
    commands: int,
) -> list[tuple[str, str, str, str]]:
    service = {{ A }}Service(EventStore(client, table))
    for number in range(AGGREGATES):
        listing = domain.List{{ A }}(
            {{ a }}_id=f"store-{number}",
            title="Blue hatchback",
            price=1,
        )
        service.handle(listing, CommandContext(correlation_id="bench", actor="bench"))
    store: list[float] = []
    raw: list[float] = []
    sequences: dict[str, int] = {}
    for round_number in range(rounds):
        store += store_round(service, commands, offset=round_number * commands + 1)
        raw += raw_round(client, table, commands, sequences)
    store_rate, raw_rate = len(store) / sum(store), len(raw) / sum(raw)
    return [
        (
            f"commands/s, 1 writer, {len(store)} commands (raw: boto3)",
            describe(store_rate, store),
            describe(raw_rate, raw),
            f"{store_rate / raw_rate:.2f} (goal >= 0.8)",
        )
    ]


def describe(rate: float, latencies: list[float]) -> str:
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    return f"{rate:.0f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms"


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("figure", "component", "baseline", "ratio")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(4)]
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description="Component benchmarks, each beside its baseline")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default: 5)")
    parser.add_argument("--commands", type=int, default=100, help="commands per round (default: 100)")
    arguments = parser.parse_args()
    use_offline_credentials()
    keep_loopback_off_proxies()
    with tempfile.TemporaryDirectory(prefix="bench-emulators-") as scratch:
        server = dynamodb_local.start(Path(scratch))
        events = moto_server.start(Path(scratch))
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = server.endpoint
        os.environ["AWS_ENDPOINT_URL_EVENTBRIDGE"] = events.endpoint
        try:
            client = dynamodb_client()
            table = f"bench-{uuid.uuid4().hex[:8]}"
            create_table(client, table)
            rows = bench_store(client, table, arguments.rounds, arguments.commands)
            rows += bench_publisher(arguments.rounds, arguments.commands)
{%- if cookiecutter.consumer %}
            # The handler writes its metrics to stdout as Lambda would: measured, but not shown here.
            with contextlib.redirect_stdout(io.StringIO()):
                rows += bench_consumer(client, table, arguments.rounds, arguments.commands // 2)
{%- endif %}
{%- if cookiecutter.command_api %}
            rows += bench_cold_starts(arguments.rounds * 2 - 1, server.endpoint, table)
{%- endif %}
            rows += bench_layer_imports(arguments.rounds)
        finally:
            events.stop()
            server.stop()
    print_table(rows)


if __name__ == "__main__":
    main()
