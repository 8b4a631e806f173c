{%- set A = cookiecutter.aggregate -%}
"""The event/state store: one DynamoDB table holds each aggregate's state, history and outbox.

Items of one aggregate share the partition key ``_pk = <Aggregate>/<id>``; the sort key says what
an item is:

* ``STATE``: the current state and its sequence ``_seq`` (the number of events applied), the read model;
* ``EVENT/<seq>``: every event applied, the history that rebuilds state when the rules change;
* ``OUTBOUND/<seq>/<index>``: the event to publish, one item per version it is published in (index 0
  the recorded version, then each earlier one during a migration, ADR 16), picked up from the table's
  stream and left to expire ("store and forget");
* ``COMMAND/<idempotency key>``: the result of a command, so a repeated command records nothing new.

A command's items are written in one TransactWriteItems: the state only if its sequence is still the
one that was read (optimistic concurrency), every new item only if it does not exist yet. The store
knows nothing of the domain: it keeps state and event data as JSON.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as ConnectionFailed
{%- if cookiecutter.command_api %}

from {{ cookiecutter.package_name }}.clients import OutOfTime
{%- endif %}

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

PARTITION_KEY = "_pk"
SORT_KEY = "_sk"
SEQUENCE = "_seq"
EXPIRES_AT = "_ttl"
STATE = "STATE"
EVENT_PREFIX = "EVENT/"
OUTBOUND_PREFIX = "OUTBOUND/"
COMMAND_PREFIX = "COMMAND/"

# DynamoDB's limits for one TransactWriteItems; checked before writing so nothing is half-tried.
MAX_TRANSACTION_ITEMS = 100
MAX_ITEM_BYTES = 400 * 1024
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024

# Error codes (and transaction cancellation codes) that mean "slow down", not "you are wrong".
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingError",
    }
)

OUTBOUND_RETENTION_SECONDS = 7 * 24 * 3600
COMMAND_RETENTION_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Snapshot:
    """The STATE item: the aggregate's current state and how many events built it."""

    state: dict[str, Any]
    sequence: int


@dataclass(frozen=True)
class OtherVersion:
    """The same event told in an earlier version of it, published beside the recorded one."""

    version: int
    data: dict[str, Any]


@dataclass(frozen=True)
class EventRecord:
    """One event as the store keeps it: the domain's data plus the metadata an audit needs."""

    event_id: str
    name: str
    version: int
    visibility: str
    sequence: int
    occurred_at: str
    data: dict[str, Any]
    correlation_id: str
    causation_id: str
    actor: str
    # Published too, never kept in the history: the history holds the version the domain recorded.
    other_versions: tuple[OtherVersion, ...] = ()


def outbox(record: EventRecord) -> list[EventRecord]:
    """What is published for ``record``: itself, then the same event (same id) in each other version."""
    others = [
        replace(record, version=other.version, data=other.data, other_versions=())
        for other in record.other_versions
    ]
    return [replace(record, other_versions=()), *others]


@dataclass(frozen=True)
class CommandRecord:
    """What a command recorded, kept under its idempotency key."""

    key: str
    fingerprint: str
    sequence: int
    events: tuple[str, ...]
    # The first request's correlation id and event ids: a retry's logs lead to them (a record written
    # before they were kept has neither).
    correlation_id: str = ""
    event_ids: tuple[str, ...] = ()


class ConcurrencyConflict(Exception):
    """Another writer changed the aggregate since it was read; re-read and decide again."""


class DuplicateCommand(Exception):
    """A command with this idempotency key was recorded before; nothing new was written."""

    def __init__(self, record: CommandRecord) -> None:
        super().__init__(f"command {record.key} was already recorded at sequence {record.sequence}")
        self.record = record


class CommandTooLarge(ValueError):
    """The command's items exceed a DynamoDB transaction limit; nothing was written."""


class StoreBusy(Exception):
{%- if cookiecutter.command_api %}
    """DynamoDB kept throttling or did not answer after the client's own retries, or within the
    request's time; send again later (a command with its idempotency key: it may have been recorded)."""
{%- else %}
    """DynamoDB kept throttling or did not answer after the client's own retries; send again later (a
    command with its idempotency key: it may have been recorded)."""
{%- endif %}


class EventStore:
    """The {{ A }} partition of the event/state table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        aggregate: str = "{{ A }}",
    ) -> None:
        self._client = client
        self._table = table_name
        self._aggregate = aggregate

    def key(self, aggregate_id: str, sort_key: str) -> dict[str, AttributeValueTypeDef]:
        return {PARTITION_KEY: {"S": f"{self._aggregate}/{aggregate_id}"}, SORT_KEY: {"S": sort_key}}

    def load(self, aggregate_id: str) -> Snapshot | None:
        with _dynamodb_errors():
            response = self._client.get_item(
                TableName=self._table, Key=self.key(aggregate_id, STATE), ConsistentRead=True
            )
        item = response.get("Item")
        if item is None:
            return None
        return Snapshot(state=json.loads(item["state"]["S"]), sequence=int(item[SEQUENCE]["N"]))

    def history(self, aggregate_id: str) -> list[EventRecord]:
        """Every EVENT item of the aggregate, in sequence order."""
        records: list[EventRecord] = []
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames={"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            ExpressionAttributeValues={
                ":pk": {"S": f"{self._aggregate}/{aggregate_id}"},
                ":prefix": {"S": EVENT_PREFIX},
            },
            ConsistentRead=True,
        )
        with _dynamodb_errors():
            for page in pages:
                records += [event_from_item(item) for item in page.get("Items", [])]
        return records

    def command(self, aggregate_id: str, idempotency_key: str) -> CommandRecord | None:
        with _dynamodb_errors():
            response = self._client.get_item(
                TableName=self._table,
                Key=self.key(aggregate_id, COMMAND_PREFIX + idempotency_key),
                ConsistentRead=True,
            )
        item = response.get("Item")
        return None if item is None else _command_from_item(item)

    def append(
        self,
        aggregate_id: str,
        *,
        expected_sequence: int,
        state: dict[str, Any],
        events: Sequence[EventRecord],
        command: CommandRecord | None = None,
    ) -> None:
        """Write the new state, its events, their outbox items and the command record, all or nothing.

        Raises ConcurrencyConflict when the state moved past ``expected_sequence`` (or DynamoDB saw a
        competing transaction), DuplicateCommand when the idempotency key was used before, and
        CommandTooLarge, before any request, when the items cannot fit in one transaction.
        """
        now = int(time.time())
        new_sequence = expected_sequence + len(events)
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        **self.key(aggregate_id, STATE),
                        SEQUENCE: {"N": str(new_sequence)},
                        "state": {"S": json.dumps(state, separators=(",", ":"))},
                    },
                    "ConditionExpression": "attribute_not_exists(#pk) OR #seq = :expected",
                    "ExpressionAttributeNames": {"#pk": PARTITION_KEY, "#seq": SEQUENCE},
                    "ExpressionAttributeValues": {":expected": {"N": str(expected_sequence)}},
                }
            }
        ]
        for record in events:
            event_key = f"{EVENT_PREFIX}{record.sequence:010d}"
            items.append(self._put_new(aggregate_id, event_key, _event_item(record)))
            for index, published in enumerate(outbox(record)):
                outbound_item: dict[str, AttributeValueTypeDef] = {
                    **_event_item(published),
                    EXPIRES_AT: {"N": str(now + OUTBOUND_RETENTION_SECONDS)},
                }
                outbound_key = f"{OUTBOUND_PREFIX}{record.sequence:010d}/{index}"
                items.append(self._put_new(aggregate_id, outbound_key, outbound_item))
        if command is not None:
            command_item: dict[str, AttributeValueTypeDef] = {
                **_command_item(command),
                EXPIRES_AT: {"N": str(now + COMMAND_RETENTION_SECONDS)},
            }
            put = self._put_new(aggregate_id, COMMAND_PREFIX + command.key, command_item)
            # On a repeat, DynamoDB hands back the first record with the cancellation: no second read.
            put["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            items.append(put)
        _check_limits(items)
        with _dynamodb_errors(with_command=command is not None):
            # One token per append: botocore's own retries of this call cannot apply it twice.
            self._client.transact_write_items(TransactItems=items, ClientRequestToken=str(uuid.uuid4()))

    def put_state(
        self,
        aggregate_id: str,
        *,
        expected_sequence: int,
        sequence: int,
        state: dict[str, Any],
    ) -> None:
        """Replace the STATE item alone, if it is still at ``expected_sequence`` (for projections).

        A projection records no events of its own: its sequence is that of the last event it applied.
        """
        with _dynamodb_errors():
            try:
                self._client.put_item(
                    TableName=self._table,
                    Item={
                        **self.key(aggregate_id, STATE),
                        SEQUENCE: {"N": str(sequence)},
                        "state": {"S": json.dumps(state, separators=(",", ":"))},
                    },
                    ConditionExpression="attribute_not_exists(#pk) OR #seq = :expected",
                    ExpressionAttributeNames={"#pk": PARTITION_KEY, "#seq": SEQUENCE},
                    ExpressionAttributeValues={":expected": {"N": str(expected_sequence)}},
                )
            except self._client.exceptions.ConditionalCheckFailedException as error:
                raise ConcurrencyConflict(f"{aggregate_id} changed while it was projected") from error

    def _put_new(
        self, aggregate_id: str, sort_key: str, attributes: dict[str, AttributeValueTypeDef]
    ) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": self._table,
                "Item": {**self.key(aggregate_id, sort_key), **attributes},
                "ConditionExpression": "attribute_not_exists(#sk)",
                "ExpressionAttributeNames": {"#sk": SORT_KEY},
            }
        }


def _event_item(record: EventRecord) -> dict[str, AttributeValueTypeDef]:
    return {
        SEQUENCE: {"N": str(record.sequence)},
        "event_id": {"S": record.event_id},
        "name": {"S": record.name},
        "version": {"N": str(record.version)},
        "visibility": {"S": record.visibility},
        "occurred_at": {"S": record.occurred_at},
        "data": {"S": json.dumps(record.data, separators=(",", ":"))},
        "correlation_id": {"S": record.correlation_id},
        "causation_id": {"S": record.causation_id},
        "actor": {"S": record.actor},
    }


def event_from_item(item: Mapping[str, Any]) -> EventRecord:
    """An EVENT or OUTBOUND item (as GetItem, Query or a stream image gives it) as an EventRecord."""
    return EventRecord(
        event_id=item["event_id"]["S"],
        name=item["name"]["S"],
        version=int(item["version"]["N"]),
        visibility=item["visibility"]["S"],
        sequence=int(item[SEQUENCE]["N"]),
        occurred_at=item["occurred_at"]["S"],
        data=json.loads(item["data"]["S"]),
        correlation_id=item["correlation_id"]["S"],
        causation_id=item["causation_id"]["S"],
        actor=item["actor"]["S"],
    )


@dataclass(frozen=True)
class OutboundEvent:
    """An event waiting in the outbox, with the aggregate it belongs to."""

    aggregate: str
    aggregate_id: str
    record: EventRecord


def outbound_event(image: Mapping[str, Any]) -> OutboundEvent | None:
    """The event of an OUTBOUND item's stream image; None for any other item."""
    if not image.get(SORT_KEY, {}).get("S", "").startswith(OUTBOUND_PREFIX):
        return None
    aggregate, _, aggregate_id = image[PARTITION_KEY]["S"].partition("/")
    return OutboundEvent(aggregate, aggregate_id, event_from_item(image))


def _command_item(record: CommandRecord) -> dict[str, AttributeValueTypeDef]:
    return {
        "fingerprint": {"S": record.fingerprint},
        SEQUENCE: {"N": str(record.sequence)},
        "events": {"S": json.dumps(list(record.events))},
        "correlation_id": {"S": record.correlation_id},
        "event_ids": {"S": json.dumps(list(record.event_ids))},
    }


def _command_from_item(item: dict[str, Any]) -> CommandRecord:
    return CommandRecord(
        key=item[SORT_KEY]["S"].removeprefix(COMMAND_PREFIX),
        fingerprint=item["fingerprint"]["S"],
        sequence=int(item[SEQUENCE]["N"]),
        events=tuple(json.loads(item["events"]["S"])),
        correlation_id=item.get("correlation_id", {}).get("S", ""),
        event_ids=tuple(json.loads(item.get("event_ids", {}).get("S", "[]"))),
    )


def _check_limits(items: Sequence[TransactWriteItemTypeDef]) -> None:
    if len(items) > MAX_TRANSACTION_ITEMS:
        raise CommandTooLarge(
            f"the command needs {len(items)} items in one transaction; "
            f"DynamoDB allows {MAX_TRANSACTION_ITEMS} (record fewer events per command)"
        )
    sizes = [_item_bytes(item["Put"]["Item"]) for item in items if "Put" in item]
    if max(sizes, default=0) > MAX_ITEM_BYTES:
        raise CommandTooLarge(
            f"an item of the command is {max(sizes)} bytes; DynamoDB allows {MAX_ITEM_BYTES} per item"
        )
    if sum(sizes) > MAX_TRANSACTION_BYTES:
        raise CommandTooLarge(
            f"the command's items total {sum(sizes)} bytes; DynamoDB allows {MAX_TRANSACTION_BYTES}"
        )


def _item_bytes(item: Any) -> int:
    """DynamoDB's item size: attribute names plus values (numbers counted generously)."""
    total = 0
    for name, value in item.items():
        total += len(name.encode())
        if "S" in value:
            total += len(value["S"].encode())
        elif "N" in value:
            total += len(value["N"]) + 1
    return total


@contextmanager
def _dynamodb_errors(*, with_command: bool = False) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        raise _translate(error, with_command) from error
{%- if cookiecutter.command_api %}
    except (OutOfTime, ConnectionFailed, HTTPClientError) as error:
        # No answer: the request's time ran out (ADR 28), or the client's retries did (timeouts,
        # connections refused or reset). A command's transaction may have been applied all the same.
        why = "within the request's time" if isinstance(error, OutOfTime) else "after the client's retries"
{%- else %}
    except (ConnectionFailed, HTTPClientError) as error:
        # No answer after the client's retries (timeouts, connections refused or reset). A command's
        # transaction may have been applied all the same.
        why = "after the client's retries"
{%- endif %}
        again = ", with the same Idempotency-Key: it may have been recorded" if with_command else ""
        raise StoreBusy(f"DynamoDB did not answer {why} ({error}); send it again shortly{again}") from error


def _translate(error: ClientError, with_command: bool) -> Exception:
    """Turn DynamoDB's answer into what it means for the command path."""
    code = error.response.get("Error", {}).get("Code", "")
    if code == "TransactionInProgressException":
        # The same transaction (one request token per append) still running when botocore's retries ran
        # out: it may yet be recorded. A repeat with the command's idempotency key gets its result.
        return StoreBusy(
            "DynamoDB is still applying this command; send it again shortly, with the same Idempotency-Key"
        )
    if code in THROTTLING_CODES:
        return StoreBusy(f"DynamoDB is throttling ({code}) after the client's retries; try again shortly")
    if code != "TransactionCanceledException":
        return error
    reasons: list[Any] = list(error.response.get("CancellationReasons", []))
    if with_command and reasons and reasons[-1].get("Code") == "ConditionalCheckFailed":
        return DuplicateCommand(_command_from_item(reasons[-1]["Item"]))
    codes = {str(reason.get("Code")) for reason in reasons}
    if codes & {"ConditionalCheckFailed", "TransactionConflict"}:
        reported = sorted(codes - {"None"})
        return ConcurrencyConflict(f"the aggregate changed while the command ran ({reported})")
    if codes & THROTTLING_CODES:
        return StoreBusy("DynamoDB throttled the transaction; try again shortly")
    return error
