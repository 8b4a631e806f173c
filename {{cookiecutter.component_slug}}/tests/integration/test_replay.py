{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""`make replay` on DynamoDB Local and moto: stored events published again, marked, and consumed once.

The events are recorded by the service and published once through the stream, as in production; the
replay reads them back from the table's history and sends them through moto's real buses and rules.
"""

from __future__ import annotations

import json
{% if cookiecutter.consumer -%}
import uuid
{% endif -%}
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import EndpointConnectionError

from {{ cookiecutter.package_name }}.clients import eventbridge_client
from {{ cookiecutter.package_name }}.commands import CommandContext
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
from {{ cookiecutter.package_name }}.events import registry
{%- if cookiecutter.consumer %}
from {{ cookiecutter.package_name }}.handlers import consumer
{%- endif %}
from {{ cookiecutter.package_name }}.service import {{ A }}Service
from {{ cookiecutter.package_name }}.store.event_store import EventRecord, EventStore

from local_deploy.mappings import {% if cookiecutter.consumer %}QueueMapping, {% endif %}StreamMapping
from scripts import replay, targets
{%- if cookiecutter.consumer %}
from tests.integration.conftest import create_idempotency_table, create_table
{%- endif %}
from tests.integration.infrastructure import EventFlow, bodies, routed_queue
{%- if cookiecutter.consumer %}
from tests.observability import emitted
{%- endif %}
from tests.offline_aws import REGION

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

CONTEXT = CommandContext(correlation_id="correlation-1", actor="tester")
LISTED = "{{ A }}Listed"
PRICE_CHANGED = "{{ A }}PriceChanged"
FIRST_DAY = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SECOND_DAY = FIRST_DAY + timedelta(days=1)
REPLAYED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def target(
    dynamodb_endpoint: str,
    moto_endpoint: str,
    table_name: str,
    flow: EventFlow,
) -> targets.Target:
    """The test's table and buses as a deployment's outputs, reached as the local deploy is."""
    return targets.Target(
        {"TableName": table_name, "SharedBusName": flow.shared_bus, "ComponentBusName": flow.component_bus},
        endpoints={"dynamodb": dynamodb_endpoint, "eventbridge": moto_endpoint, "sqs": moto_endpoint},
        region=REGION,
    )


@pytest.fixture
def recorded(store: EventStore, stream: StreamMapping) -> dict[str, list[EventRecord]]:
    """Two listings on the first day, a price change on the second, each published once; by aggregate."""
    days = iter([FIRST_DAY, FIRST_DAY, SECOND_DAY])
    service = {{ A }}Service(store, clock=lambda: next(days))
    for identity in ("v-1", "v-2"):
        listing = domain.List{{ A }}(
            {{ a }}_id=identity,
            title="Blue hatchback",
            price=1000,
        )
        service.handle(listing, CONTEXT)
    repricing = domain.Change{{ A }}Price(
        {{ a }}_id="v-1",
        price=900,
    )
    service.handle(repricing, CONTEXT)
    stream.poll()
    return {identity: service.history(identity) for identity in ("v-1", "v-2")}


@pytest.fixture
def fresh_queue(sqs: SQSClient, flow: EventFlow, recorded: dict[str, list[EventRecord]]) -> str:
    """A consumer's queue created after the events were first published: it sees only replays."""
    return routed_queue(sqs, flow.shared_bus, {"source": [registry.SOURCE]})


def versions_of(record: EventRecord) -> list[int]:
    """The versions the component publishes ``record``'s event in today: one, or two side by side."""
    event = registry.from_data(record.name, record.version, record.data)
    return [event_type.version for event_type, _ in registry.published(event)]


def published_versions(records: list[EventRecord]) -> int:
    """How many entries the component publishes for ``records`` today (each version side by side)."""
    return sum(len(versions_of(record)) for record in records)


def as_sent(records: list[EventRecord]) -> list[tuple[str, int]]:
    """Each record's event id and sequence, once per version it is published in, in the order sent."""
    return [(record.event_id, record.sequence) for record in records for _ in versions_of(record)]


def run(target: targets.Target, selection: replay.Selection, *, dry_run: bool = False) -> replay.Replay:
    return replay.replay(target, selection, bus=None, dry_run=dry_run, limit=100, now=REPLAYED_AT)


def test_a_dry_run_lists_the_selected_events_and_publishes_nothing(
    target: targets.Target,
    sqs: SQSClient,
    fresh_queue: str,
    recorded: dict[str, list[EventRecord]],
) -> None:
    done = run(target, replay.Selection(aggregate_id="v-1"), dry_run=True)

    assert done.entries == published_versions(recorded["v-1"])
    assert done.published == 0
    assert [entry.split()[0] for entry in done.selected] == [i for i, _ in as_sent(recorded["v-1"])]
    assert bodies(sqs, fresh_queue) == []
    assert "dry run: nothing was published" in replay.report(done, bus=None, dry_run=True)


def test_an_aggregate_s_events_reach_a_fresh_consumer_once_each_marked_as_replays(
    target: targets.Target,
    sqs: SQSClient,
    flow: EventFlow,
    fresh_queue: str,
    recorded: dict[str, list[EventRecord]],
) -> None:
    first = bodies(sqs, flow.shared_tap)
    assert first
    assert all("replayed_at" not in body["detail"]["metadata"] for body in first)

    done = run(target, replay.Selection(aggregate_id="v-1"))

    assert done.published == done.entries == published_versions(recorded["v-1"])
    received = bodies(sqs, fresh_queue)
    metadata = [body["detail"]["metadata"] for body in received]
    # The first publication's ids and order, so idempotent consumers recognise each event.
    assert [(m["event_id"], m["sequence"]) for m in metadata] == as_sent(recorded["v-1"])
    assert {m["replayed_at"] for m in metadata} == {"2026-06-01T12:00:00.000+00:00"}
    assert {m["correlation_id"] for m in metadata} == {"correlation-1"}, "the journey's id is kept"
    names = [record.name for record in recorded["v-1"] for _ in versions_of(record)]
    assert [body["detail-type"] for body in received] == names
    assert received[-1]["detail"]["data"] == recorded["v-1"][-1].data


def test_events_are_selected_by_name_version_and_time(
    target: targets.Target,
    client: DynamoDBClient,
    table_name: str,
    recorded: dict[str, list[EventRecord]],
) -> None:
    def selected(**criteria: Any) -> list[tuple[str, str]]:
        found = replay.stored_events(client, table_name, replay.Selection(**criteria))
        return [(o.record.name, o.aggregate_id) for o in found]

    assert selected(event=PRICE_CHANGED) == [(PRICE_CHANGED, "v-1")]
    assert selected(event=LISTED) == [(LISTED, "v-1"), (LISTED, "v-2")]
    assert selected(since=SECOND_DAY) == [(PRICE_CHANGED, "v-1")]
    assert selected(until=SECOND_DAY) == [(LISTED, "v-1"), (LISTED, "v-2")]
    assert selected(aggregate_id="v-2") == [(LISTED, "v-2")]
    assert selected(aggregate_id="v-3") == []
    # In one version only: each selected event once, in that version.
    (version, *_) = sorted(t.version for t in registry.PUBLISHED if t.name == LISTED)
    done = run(target, replay.Selection(event=LISTED, version=version), dry_run=True)
    assert done.entries == 2
    assert all(f"{LISTED} v{version} " in entry for entry in done.selected)


def test_a_refused_entry_stops_the_replay_and_says_to_run_it_again(
    target: targets.Target,
    sqs: SQSClient,
    fresh_queue: str,
    recorded: dict[str, list[EventRecord]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # moto accepts every entry; EventBridge can refuse one (throttling, an internal error): injected here.
    events = target.client("events")
    real_put_events = events.put_events

    refused_event = recorded["v-1"][1].event_id

    def refuse_one_event(**request: Any) -> Any:
        sent = [entry for entry in request["Entries"] if refused_event not in entry["Detail"]]
        accepted = iter(real_put_events(Entries=sent)["Entries"] if sent else [])
        refused = {"ErrorCode": "InternalFailure", "ErrorMessage": "injected"}
        answers = [refused if refused_event in e["Detail"] else next(accepted) for e in request["Entries"]]
        return {"FailedEntryCount": len(request["Entries"]) - len(sent), "Entries": answers}

    monkeypatch.setattr(events, "put_events", refuse_one_event)
    real_client = targets.Target.client
    monkeypatch.setattr(
        targets.Target,
        "client",
        lambda self, service: events if service == "events" else real_client(self, service),
    )
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # The publisher's backoff between attempts.

    done = run(target, replay.Selection(aggregate_id="v-1"))

    before_it = published_versions(recorded["v-1"][:1])
    assert (done.published, done.entries) == (before_it, published_versions(recorded["v-1"]))
    assert done.failed_at is not None
    assert refused_event in done.failed_at
    assert len(bodies(sqs, fresh_queue)) == before_it, "the events before the refused one were sent"
    assert "Run the same replay again" in replay.report(done, bus=None, dry_run=False)


def test_an_error_from_eventbridge_ends_the_replay_with_what_was_sent_and_what_to_do(
    target: targets.Target,
    recorded: dict[str, list[EventRecord]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `make replay BUS=no-such-bus` on the running local deploy: not a refused entry, an error of the call.
    outputs = tmp_path / "outputs.json"
    written = {**target.outputs, "Endpoints": target.endpoints, "Region": target.region}
    outputs.write_text(json.dumps(written), encoding="utf-8")

    exit_code = replay.main(["--aggregate-id", "v-1", "--bus", "no-such-bus", "--outputs", str(outputs)])

    printed = capsys.readouterr().out
    assert exit_code == 1
    entries = published_versions(recorded["v-1"])
    assert printed.startswith(f"published 0 of {entries} event(s) again to no-such-bus"), printed
    assert f"stopped at {recorded['v-1'][0].event_id} (" in printed
    assert "ResourceNotFoundException" in printed
    assert "run the same replay again" in printed
    assert "Traceback" not in printed


def test_a_replay_stopped_by_an_error_counts_what_it_sent_before(
    target: targets.Target,
    sqs: SQSClient,
    fresh_queue: str,
    recorded: dict[str, list[EventRecord]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The connection lost after the first call (`make local` stopped mid-replay), one entry a call.
    events = target.client("events")
    real_put_events = events.put_events
    calls: list[Any] = []

    def lost_after_the_first_call(**request: Any) -> Any:
        calls.append(request)
        if len(calls) > 1:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        return real_put_events(**request)

    monkeypatch.setattr(events, "put_events", lost_after_the_first_call)
    real_client = targets.Target.client
    monkeypatch.setattr(
        targets.Target,
        "client",
        lambda self, service: events if service == "events" else real_client(self, service),
    )
    monkeypatch.setattr(replay, "batches", lambda entries: [[position] for position in range(len(entries))])

    done = run(target, replay.Selection(aggregate_id="v-1"))

    assert (done.published, done.entries) == (1, published_versions(recorded["v-1"]))
    assert len(bodies(sqs, fresh_queue)) == 1
    shown = replay.report(done, bus=None, dry_run=False)
    assert shown.startswith(f"published 1 of {done.entries} event(s)")
    assert f"stopped at {done.selected[1]} by an error: Could not connect" in shown


def test_to_another_bus_private_events_go_only_when_told_to(
    target: targets.Target,
    store: EventStore,
    stream: StreamMapping,
    sqs: SQSClient,
    flow: EventFlow,
    recorded: dict[str, list[EventRecord]],
) -> None:
    # A private event: the withdrawal's reason is free text, kept off the shared bus so it cannot leak.
    service = {{ A }}Service(store, clock=lambda: SECOND_DAY + timedelta(hours=1))
    withdrawal = domain.Withdraw{{ A }}(
        {{ a }}_id="v-1",
        reason="Sold to the neighbour, Mrs Example",
    )
    service.handle(withdrawal, CONTEXT)
    stream.poll()
    withdrawn = service.history("v-1")[-1]
    another = f"another-{flow.shared_bus}"
    eventbridge_client().create_event_bus(Name=another)
    watching = routed_queue(sqs, another, {"source": [registry.SOURCE]})
    selection = replay.Selection(aggregate_id="v-1")

    def run_to_another_bus(*, dry_run: bool = False, private: bool = False) -> replay.Replay:
        return replay.replay(
            target, selection, bus=another, dry_run=dry_run, limit=100, now=REPLAYED_AT, private=private
        )

    looked = run_to_another_bus(dry_run=True)

    assert [entry.split()[0] for entry in looked.withheld] == [withdrawn.event_id] * len(
        versions_of(withdrawn)
    )
    shown = replay.report(looked, bus=another, dry_run=True)
    assert (
        f"left out {len(looked.withheld)} private event(s): private events go to the component's own" in shown
    )
    assert f"PRIVATE=1 sends them to {another} too" in shown

    done = run_to_another_bus()

    assert done.published == done.entries == published_versions(recorded["v-1"])
    received = bodies(sqs, watching)
    assert withdrawn.event_id not in {body["detail"]["metadata"]["event_id"] for body in received}
    assert "Mrs Example" not in json.dumps(received)

    told = run_to_another_bus(private=True)

    assert told.withheld == []
    received = bodies(sqs, watching)
    assert withdrawn.event_id in {body["detail"]["metadata"]["event_id"] for body in received}
{%- if cookiecutter.consumer %}


def test_a_consumer_skips_a_replay_it_applied_rebuilds_a_removed_entry_and_a_new_one_applies_each_once(
    target: targets.Target,
    sqs: SQSClient,
    flow: EventFlow,
    client: DynamoDBClient,
    table_name: str,
    recorded: dict[str, list[EventRecord]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def drain() -> dict[str, tuple[str, list[float]]]:
        capsys.readouterr()
        QueueMapping(
            sqs, flow.consumer_queue, consumer.lambda_handler, batch_size=consumer.BATCH_SIZE
        ).drain()
        return emitted(capsys.readouterr().out)

    def applied(metrics: dict[str, tuple[str, list[float]]]) -> float:
        return sum(metrics.get("EventsApplied", ("Count", []))[1])

    def skipped(metrics: dict[str, tuple[str, list[float]]], name: str = "StaleEventsSkipped") -> float:
        return sum(metrics.get(name, ("Count", []))[1])

    events = sum(len(history) for history in recorded.values())
    assert applied(drain()) == events, "the consumer read the first publication"

    run(target, replay.Selection(since=FIRST_DAY))
    seen = drain()
    # A replay is a delivery of its own (it passes the idempotency check); the projection's sequence
    # skips what it has.
    assert (applied(seen), skipped(seen)) == (0, events), "nothing is applied twice"

    # A projection entry removed to be rebuilt (runbook) is rebuilt by replaying its aggregate.
    catalogue = EventStore(client, table_name, aggregate=consumer.CATALOGUE)
    before = catalogue.load("v-1")
    client.delete_item(TableName=table_name, Key=catalogue.key("v-1", "STATE"))
    later = REPLAYED_AT + timedelta(hours=1)
    rebuild = replay.Selection(aggregate_id="v-1")
    replay.replay(target, rebuild, bus=None, dry_run=False, limit=100, now=later)
    assert applied(drain()) == len(recorded["v-1"])
    assert catalogue.load("v-1") == before
    # The same replay delivered again (its replayed_at too) is a duplicate.
    replay.replay(target, rebuild, bus=None, dry_run=False, limit=100, now=later)
    assert skipped(drain(), "DuplicatesSkipped") == len(recorded["v-1"])

    # A consumer deployed since: its own empty tables.
    projections, applied_ids = (f"new-consumer-{uuid.uuid4().hex[:8]}-{part}" for part in ("p", "i"))
    create_table(client, projections)
    create_idempotency_table(client, applied_ids)
    monkeypatch.setenv("TABLE_NAME", projections)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", applied_ids)
    consumer.apply_once.cache_clear()

    run(target, replay.Selection(since=FIRST_DAY))
    new = drain()
    assert (applied(new), skipped(new)) == (events, 0)
    catalogue = EventStore(client, projections, aggregate=consumer.CATALOGUE)
    entries = {identity: catalogue.load(identity) for identity in recorded}
    assert {identity: s and (s.state["price"], s.sequence) for identity, s in entries.items()} == {
        "v-1": (900, 2),
        "v-2": (1000, 1),
    }
{%- endif %}
