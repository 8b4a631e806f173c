{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""Stored events reach their bus through the real stream and moto's EventBridge: none lost, none altered.

Every test counts: messages stored = messages on a bus + messages held in the stream's failure queue,
where an event published in two versions during a migration (ADR 0016) is two messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from {{ cookiecutter.package_name }}.commands import CommandContext
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.publisher import DEFAULT_MAX_ATTEMPTS
from {{ cookiecutter.package_name }}.handlers import publisher
from {{ cookiecutter.package_name }}.service import {{ A }}Service

from local_deploy.mappings import StreamMapping
from tests.integration import faults
from tests.integration.infrastructure import EventFlow, bodies
from tests.observability import emitted, log_lines

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

CONTEXT = CommandContext(correlation_id="correlation-1", actor="tester")
LISTED = "{{ A }}Listed"
PRICE_CHANGED = "{{ A }}PriceChanged"
WITHDRAWN = "{{ A }}Withdrawn"


def versions(name: str) -> int:
    """How many versions of the event are published: one, or two while consumers move to a new one."""
    return len([t for t in registry.PUBLISHED if t.name == name])


def current_version(name: str) -> int:
    return next(t.version for t in registry.PUBLISHED if t.current and t.name == name)


def record_history(service: {{ A }}Service, aggregates: int = 1) -> int:
    """List, reprice and withdraw each aggregate (2 public events and 1 private): the messages stored."""
    for number in range(aggregates):
        identity = f"v-{number}"
        listing = domain.List{{ A }}(
            {{ a }}_id=identity,
            title="Hatchback",
            price=1000,
        )
        service.handle(listing, CONTEXT)
        repricing = domain.Change{{ A }}Price(
            {{ a }}_id=identity,
            price=900,
        )
        service.handle(repricing, CONTEXT)
        withdrawal = domain.Withdraw{{ A }}(
            {{ a }}_id=identity,
            reason="sold",
        )
        service.handle(withdrawal, CONTEXT)
    return aggregates * (versions(LISTED) + versions(PRICE_CHANGED) + versions(WITHDRAWN))


def on_buses(sqs: SQSClient, flow: EventFlow) -> tuple[list[Any], list[Any]]:
    return bodies(sqs, flow.shared_tap), bodies(sqs, flow.component_tap)


def test_public_events_reach_the_shared_bus_and_private_ones_the_components(
    service: {{ A }}Service, stream: StreamMapping, sqs: SQSClient, flow: EventFlow
) -> None:
    stored = record_history(service)
    assert stream.poll() == stored
    shared, component = on_buses(sqs, flow)
    names = [event["detail-type"] for event in shared]
    assert sorted(names) == sorted([LISTED] * versions(LISTED) + [PRICE_CHANGED] * versions(PRICE_CHANGED))
    assert names.index(LISTED) < names.index(PRICE_CHANGED), "in the order they happened"
    assert [event["detail-type"] for event in component] == [WITHDRAWN] * versions(WITHDRAWN)
    [listed] = [
        event
        for event in shared
        if event["detail-type"] == LISTED
        and event["detail"]["metadata"]["version"] == current_version(LISTED)
    ]
    assert listed["source"] == registry.SOURCE
    assert set(listed["detail"]) == {"metadata", "data"}
    sent = {
        "{{ a }}_id": "v-0",
        "title": "Hatchback",
        "price": 1000,
    }
    # Fields added to the event later (optional ones, in null) come along; these arrive as sent.
    assert {name: listed["detail"]["data"].get(name) for name in sent} == sent
    metadata = listed["detail"]["metadata"]
    assert (metadata["name"], metadata["sequence"]) == (LISTED, 1)
    assert (metadata["aggregate"], metadata["aggregate_id"]) == ("{{ A }}", "v-0")
    assert (metadata["correlation_id"], metadata["actor"]) == ("correlation-1", "tester")
    # No trace of the table reaches the bus: no key names, no DynamoDB types.
    assert "_pk" not in str(listed)
    assert "'S'" not in str(listed["detail"])


def test_only_the_refused_entries_are_sent_again(
    service: {{ A }}Service, stream: StreamMapping, sqs: SQSClient, flow: EventFlow
) -> None:
    # 12 messages (16 during a migration): a call of 10, then the rest.
    stored = record_history(service, aggregates=4)
    client = publisher.publisher().client
    sent: list[int] = []
    client.meta.events.register(
        "before-send.eventbridge.PutEvents",
        lambda request, **_: sent.append(request.body.count(b'"DetailType"')),
    )
    # EventBridge may refuse some entries of a call; moto never does, so refusals are injected.
    faults.inject(client, "PutEvents", faults.partial_put_events({1, 4}), times=1)
    stream.poll()
    assert sent == [10, 2, stored - 10], "the first call's two refused entries, and only they, are sent again"
    shared, component = on_buses(sqs, flow)
    published = [
        (event["detail"]["metadata"]["event_id"], event["detail"]["metadata"]["version"])
        for event in shared + component
    ]
    assert len(published) == stored
    assert len(set(published)) == stored, "every message exactly once"
    assert bodies(sqs, flow.stream_failures) == []


def test_events_that_cannot_be_published_end_in_the_failure_queue(
    service: {{ A }}Service,
    stream: StreamMapping,
    sqs: SQSClient,
    flow: EventFlow,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stored = record_history(service, aggregates=2)
    client = publisher.publisher().client
    faults.inject(client, "PutEvents", faults.partial_put_events(set(range(10))), times=1_000)
    with log_lines(publisher.logger) as lines:
        stream.poll()
    shared, component = on_buses(sqs, flow)
    failures = bodies(sqs, flow.stream_failures)
    assert shared == []
    assert component == []
    assert len(failures) == 1
    assert failures[0]["DDBStreamBatchInfo"]["batchSize"] == stored
    assert stream.invocations == 4, "the first try and the mapping's 3 retries"
    # Each try counted its failure and published nothing; each logged where it stopped, and whose it is.
    assert emitted(capsys.readouterr().out) == {
        "EventsPublished": ("Count", [0.0] * 4),
        "PublishFailures": ("Count", [float(stored)] * 4),
    }
    stopped = [line for line in lines if line["message"].startswith("publishing stopped")]
    assert len(stopped) == 4
    assert all(line["correlation_id"] == "correlation-1" for line in stopped)


def test_entries_accepted_beside_a_refused_one_are_logged_as_published(
    service: {{ A }}Service,
    stream: StreamMapping,
    sqs: SQSClient,
    flow: EventFlow,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stored = record_history(service, aggregates=4)
    client = publisher.publisher().client
    # The first call's first two entries are refused on each of its attempts (EventBridge can refuse
    # entries for good; moto never does, so refusals are injected): the eight accepted beside them went
    # out, so they are logged and counted, and the stream retries from the first refused one.
    faults.inject(client, "PutEvents", faults.partial_put_events({0, 1}), times=DEFAULT_MAX_ATTEMPTS)
    with log_lines(publisher.logger) as lines:
        stream.poll()
    metrics = emitted(capsys.readouterr().out)
    assert metrics["PublishFailures"] == ("Count", [2.0])
    assert metrics["EventsPublished"] == ("Count", [8.0, float(stored)])
    [stopped] = [line for line in lines if line["message"].startswith("publishing stopped")]
    assert (stopped["published"], stopped["refused"], stopped["retried"]) == (8, 2, stored)
    assert len([line for line in lines if line["message"] == "event published"]) == 8 + stored
    shared, component = on_buses(sqs, flow)
    published = {
        (event["detail"]["metadata"]["event_id"], event["detail"]["metadata"]["version"])
        for event in shared + component
    }
    assert len(published) == stored, "every message"
    assert len(shared + component) == stored + 8, "and the eight again on the retry: consumers skip them"


def test_a_stored_event_that_cannot_be_read_stops_publishing_at_it_and_is_named(
    service: {{ A }}Service,
    client: DynamoDBClient,
    table_name: str,
    stream: StreamMapping,
    sqs: SQSClient,
    flow: EventFlow,
) -> None:
    before = record_history(service)
    # An OUTBOUND item the store could not have written (a visibility no bus is for), then a good one.
    corrupt = {
        "_pk": {"S": "{{ A }}/v-corrupt"},
        "_sk": {"S": "OUTBOUND/0000000001/0"},
        **{
            key: value
            for key, value in outbound_item(client, table_name).items()
            if key not in {"_pk", "_sk"}
        },
        "visibility": {"S": "secret"},
    }
    client.put_item(TableName=table_name, Item=corrupt)
    listing = domain.List{{ A }}(
        {{ a }}_id="v-1",
        title="Hatchback",
        price=1000,
    )
    service.handle(listing, CONTEXT)  # An event stored after the corrupt one.
    after = versions(LISTED)
    with log_lines(publisher.logger) as lines:
        stream.poll()
    shared, component = on_buses(sqs, flow)
    # What came before it went out; it and what follows wait in the stream until its limits, then the
    # whole rest of the batch is in the failure queue, for the runbook's replay.
    assert len(shared + component) == before
    [failure] = bodies(sqs, flow.stream_failures)
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1 + after
    named = [line for line in lines if line["message"].startswith("stored event not publishable")]
    assert named, [line["message"] for line in lines]
    assert all(line["item"] == "{{ A }}/v-corrupt OUTBOUND/0000000001/0" for line in named)
    assert all("Hatchback" not in str(line) for line in named), "never the event's data"


def outbound_item(client: DynamoDBClient, table_name: str) -> dict[str, Any]:
    """A stored OUTBOUND item, as the store wrote it."""
    items = client.scan(TableName=table_name)["Items"]
    return next(item for item in items if item["_sk"]["S"].startswith("OUTBOUND/"))


@pytest.mark.parametrize("entries", [1, 10, 11, 25])
def test_calls_hold_at_most_ten_entries_and_keep_their_order(entries: int) -> None:
    batch = [{"Source": "s", "DetailType": "d", "Detail": str(n)} for n in range(entries)]
    groups = publisher_batches(batch)
    assert [position for group in groups for position in group] == list(range(entries))
    assert all(len(group) <= 10 for group in groups)


def publisher_batches(entries: list[Any]) -> list[list[int]]:
    from {{ cookiecutter.package_name }}.events.publisher import batches

    return batches(entries)


def test_each_event_published_is_logged_and_counted(
    service: {{ A }}Service,
    stream: StreamMapping,
    sqs: SQSClient,
    flow: EventFlow,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stored = record_history(service)
    with log_lines(publisher.logger) as lines:
        stream.poll()

    assert emitted(capsys.readouterr().out) == {"EventsPublished": ("Count", [float(stored)])}
    logged = [line for line in lines if line["message"] == "event published"]
    assert len(logged) == stored
    for line in logged:
        assert (line["correlation_id"], line["aggregate_id"]) == ("correlation-1", "v-0")
        assert {"event_id", "event", "version", "bus"} <= set(line)
        assert "data" not in line, "never the event's data"
    assert {line["bus"] for line in logged} == {flow.shared_bus, flow.component_bus}
    on_buses(sqs, flow)
