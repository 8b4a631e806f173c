"""The store on DynamoDB Local: items, optimistic concurrency, limits, idempotent commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from {{ cookiecutter.package_name }}.store.event_store import (
    MAX_TRANSACTION_ITEMS,
    CommandRecord,
    CommandTooLarge,
    ConcurrencyConflict,
    DuplicateCommand,
    EventRecord,
    EventStore,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def event(sequence: int, **data: object) -> EventRecord:
    return EventRecord(
        event_id=f"event-{sequence}",
        name="Noted",
        version=1,
        visibility="public",
        sequence=sequence,
        occurred_at="2026-11-26T09:00:00.000+00:00",
        data=dict(data),
        correlation_id="correlation-1",
        causation_id="command-1",
        actor="arn:aws:iam::123456789012:user/tester",
    )


def sort_keys(client: DynamoDBClient, table_name: str, aggregate_id: str) -> list[str]:
    response = client.query(
        TableName=table_name,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": "_pk"},
        ExpressionAttributeValues={":pk": {"S": f"{{ cookiecutter.aggregate }}/{aggregate_id}"}},
    )
    return [item["_sk"]["S"] for item in response["Items"]]


def test_one_append_writes_state_events_outbox_and_command(
    store: EventStore, client: DynamoDBClient, table_name: str
) -> None:
    command = CommandRecord("key-1", "fingerprint", 2, ("Noted", "Noted"))
    store.append("a-1", expected_sequence=0, state={"n": 2}, events=[event(1), event(2)], command=command)
    assert sort_keys(client, table_name, "a-1") == [
        "COMMAND/key-1",
        "EVENT/0000000001",
        "EVENT/0000000002",
        "OUTBOUND/0000000001/0",
        "OUTBOUND/0000000002/0",
        "STATE",
    ]
    snapshot = store.load("a-1")
    assert snapshot is not None
    assert (snapshot.state, snapshot.sequence) == ({"n": 2}, 2)
    assert store.history("a-1") == [event(1), event(2)]
    assert store.command("a-1", "key-1") == command


def test_a_stale_append_is_a_concurrency_conflict_and_writes_nothing(
    store: EventStore, client: DynamoDBClient, table_name: str
) -> None:
    store.append("a-1", expected_sequence=0, state={"n": 1}, events=[event(1)])
    before = sort_keys(client, table_name, "a-1")
    with pytest.raises(ConcurrencyConflict):
        store.append("a-1", expected_sequence=0, state={"n": 1}, events=[event(1, other=True)])
    assert sort_keys(client, table_name, "a-1") == before
    assert store.history("a-1") == [event(1)]


def test_a_repeated_command_key_hands_back_the_first_record(store: EventStore) -> None:
    first = CommandRecord("key-1", "fingerprint", 1, ("Noted",))
    store.append("a-1", expected_sequence=0, state={"n": 1}, events=[event(1)], command=first)
    repeat = CommandRecord("key-1", "fingerprint", 2, ("Noted",))
    with pytest.raises(DuplicateCommand) as raised:
        store.append("a-1", expected_sequence=1, state={"n": 2}, events=[event(2)], command=repeat)
    assert raised.value.record == first
    assert len(store.history("a-1")) == 1


def test_too_many_items_for_one_transaction_are_refused_before_writing(store: EventStore) -> None:
    # Each event is an EVENT and an OUTBOUND item, plus the STATE item: 50 events need 101 items.
    events = [event(sequence) for sequence in range(1, 51)]
    expected = f"101 items in one transaction; DynamoDB allows {MAX_TRANSACTION_ITEMS}"
    with pytest.raises(CommandTooLarge, match=expected):
        store.append("a-1", expected_sequence=0, state={}, events=events)
    assert store.load("a-1") is None
    assert store.history("a-1") == []


def test_an_item_over_400_kb_is_refused_before_writing(store: EventStore) -> None:
    with pytest.raises(CommandTooLarge, match="DynamoDB allows 409600 per item"):
        store.append("a-1", expected_sequence=0, state={}, events=[event(1, text="x" * 410_000)])
    assert store.load("a-1") is None


def test_history_reads_past_one_page(store: EventStore) -> None:
    # About 80 KB per event: DynamoDB pages a query at 1 MB, so twenty events need two pages.
    sequence = 0
    for _ in range(4):
        batch = [event(sequence + offset, text="y" * 80_000) for offset in range(1, 6)]
        store.append("a-1", expected_sequence=sequence, state={}, events=batch)
        sequence += len(batch)
    assert [record.sequence for record in store.history("a-1")] == list(range(1, 21))
