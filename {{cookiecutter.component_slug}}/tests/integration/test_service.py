{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""The command path on DynamoDB Local: concurrency, idempotency, faults, replay."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from {{ cookiecutter.package_name }}.clients import RETRY_POLICY, {% if cookiecutter.command_api %}deadline, {% endif %}dynamodb_client
from {{ cookiecutter.package_name }}.commands import (
    CommandContext,
    CommandResult,
    ConflictPersisted,
    IdempotencyKeyReused,
)
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.service import {{ A }}NotFound, {{ A }}Service
from {{ cookiecutter.package_name }}.store.event_store import EventStore, StoreBusy

from tests.integration import faults

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LISTING = domain.List{{ A }}(
    {{ a }}_id="v-1",
    title="Blue hatchback",
    price=1_250_000,
)


def context(key: str | None = None, correlation_id: str = "correlation-1") -> CommandContext:
    return CommandContext(correlation_id=correlation_id, actor="tester", idempotency_key=key)


def price_change(price: int) -> domain.Change{{ A }}Price:
    return domain.Change{{ A }}Price(
        {{ a }}_id="v-1",
        price=price,
    )


def test_commands_record_events_and_state(service: {{ A }}Service) -> None:
    listed = service.handle(LISTING, context())
    changed = service.handle(price_change(999), context())
    state, sequence = service.current("v-1")
    assert (state.price, sequence) == (999, 2)
    history = service.history("v-1")
    # Each result names the events it recorded, and their ids (which the API's log line carries).
    assert listed == CommandResult(
        "v-1",
        1,
        ("{{ A }}Listed",),
        event_ids=(history[0].event_id,),
    )
    assert changed == CommandResult(
        "v-1",
        2,
        ("{{ A }}PriceChanged",),
        event_ids=(history[1].event_id,),
    )
    # The history keeps each event in the version the domain recorded it: the current one.
    current = {t.name: t.version for t in registry.PUBLISHED if t.current}
    assert [(r.sequence, r.name, r.version, r.visibility) for r in history] == [
        (1, "{{ A }}Listed", current["{{ A }}Listed"], "public"),
        (2, "{{ A }}PriceChanged", current["{{ A }}PriceChanged"], "public"),
    ]
    assert history[1].data == {"{{ a }}_id": "v-1", "old_price": 1_250_000, "new_price": 999}
    assert {(r.correlation_id, r.actor) for r in history} == {("correlation-1", "tester")}


def test_events_occur_at_the_time_the_service_decided_them(store: EventStore) -> None:
    # One clock for the command path: the time decide() is given is the time its events record.
    decided_at = datetime(2026, 3, 1, 9, 0, 0, 250_000, tzinfo=UTC)
    service = {{ A }}Service(store, clock=lambda: decided_at)
    service.handle(LISTING, context())
    (listed,) = service.history("v-1")
    assert listed.occurred_at == "2026-03-01T09:00:00.250+00:00"


def test_decide_is_given_the_time_to_the_millisecond_the_events_record(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A time decide() puts in an event (a reservation's end) is then the same instant as its occurred_at.
    given: list[datetime] = []
    decide = domain.decide

    def recording(state: Any, command: Any, now: datetime) -> Any:
        given.append(now)
        return decide(state, command, now)

    monkeypatch.setattr(domain, "decide", recording)
    clock = datetime(2026, 3, 1, 9, 0, 0, 250_999, tzinfo=UTC)
    service = {{ A }}Service(store, clock=lambda: clock)
    service.handle(LISTING, context())
    assert given == [datetime(2026, 3, 1, 9, 0, 0, 250_000, tzinfo=UTC)]
    (listed,) = service.history("v-1")
    assert datetime.fromisoformat(listed.occurred_at) == given[0]


def test_a_rejected_command_records_nothing(service: {{ A }}Service, store: EventStore) -> None:
    with pytest.raises(domain.Unknown{{ A }}):
        service.handle(price_change(5), context())
    assert store.load("v-1") is None
    with pytest.raises({{ A }}NotFound):
        service.current("v-1")


def test_the_same_command_twice_with_one_key_records_one_event(service: {{ A }}Service) -> None:
    service.handle(LISTING, context("listing-1"))
    first = service.handle(price_change(999), context("change-1"))
    # The retry is a request of its own; its answer leads to the first request and its events.
    repeat = service.handle(price_change(999), context("change-1", correlation_id="retry-1"))
    assert len(service.history("v-1")) == 2
    assert repeat == CommandResult(
        "v-1",
        first.sequence,
        first.events,
        repeated=True,
        event_ids=first.event_ids,
        first_correlation_id="correlation-1",
    )
    assert [r.event_id for r in service.history("v-1")][-1:] == list(first.event_ids)


def test_a_repeat_gets_its_first_result_even_after_later_commands(
    service: {{ A }}Service,
) -> None:
    listed = service.handle(LISTING, context("listing-1"))
    service.handle(price_change(999), context("change-1"))
    # Listing again would be rejected by the domain; as a repeat it is answered with the first result.
    assert service.handle(LISTING, context("listing-1")) == CommandResult(
        "v-1",
        listed.sequence,
        listed.events,
        repeated=True,
        event_ids=listed.event_ids,
        first_correlation_id="correlation-1",
    )
    assert len(service.history("v-1")) == 2


def test_a_repeat_of_a_command_that_changed_nothing_still_changes_nothing_after_later_commands(
    service: {{ A }}Service,
) -> None:
    listed = service.handle(LISTING, context("listing-1"))
    # The price it already has: nothing to record but the answer.
    unchanged = service.handle(price_change(LISTING.price), context("same-price"))
    assert unchanged == CommandResult("v-1", listed.sequence, ())
    service.handle(price_change(999), context("change-1"))
    # Decided again, it would now set the price back; as a repeat it gets its first answer.
    assert service.handle(price_change(LISTING.price), context("same-price")) == CommandResult(
        "v-1", listed.sequence, (), repeated=True, first_correlation_id="correlation-1"
    )
    assert len(service.history("v-1")) == 2
    assert service.current("v-1")[0].price == 999


def test_a_key_reused_for_another_command_is_refused(service: {{ A }}Service) -> None:
    service.handle(LISTING, context("listing-1"))
    service.handle(price_change(999), context("change-1"))
    with pytest.raises(IdempotencyKeyReused, match="change-1"):
        service.handle(price_change(1_000), context("change-1"))
    assert len(service.history("v-1")) == 2


def test_state_rebuilt_from_history_equals_the_stored_state(service: {{ A }}Service) -> None:
    service.handle(LISTING, context())
    service.handle(price_change(999), context())
    withdrawal = domain.Withdraw{{ A }}(
        {{ a }}_id="v-1",
        reason="sold",
    )
    service.handle(withdrawal, context())
    assert service.rebuild("v-1") == service.current("v-1")[0]


def test_eight_writers_on_one_aggregate_lose_and_duplicate_nothing(table_name: str) -> None:
    writers, commands_each = 8, 25
    {{ A }}Service(EventStore(dynamodb_client(), table_name)).handle(LISTING, context("listing"))
    acknowledged: dict[str, CommandResult] = {}
    failed: list[str] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        # One client per thread, as separate Lambda invocations would have.
        service = {{ A }}Service(EventStore(dynamodb_client(), table_name))
        for index in range(commands_each):
            key = f"writer-{number}-command-{index}"
            try:
                result = service.handle(price_change(10_000 + number * 1_000 + index), context(key))
            except ConflictPersisted:
                with lock:
                    failed.append(key)
                continue
            with lock:
                acknowledged[key] = result

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    service = {{ A }}Service(EventStore(dynamodb_client(), table_name))
    history = service.history("v-1")
    _, state_sequence = service.current("v-1")
    # Every command was either acknowledged or reported failed to its caller...
    assert len(acknowledged) + len(failed) == writers * commands_each
    assert acknowledged, "no writer succeeded"
    # ...the state's sequence counts the events, and the sequences have no gap...
    assert state_sequence == len(history)
    assert [record.sequence for record in history] == list(range(1, len(history) + 1))
    # ...each acknowledged command is recorded exactly once, at the sequence it was told...
    by_command = Counter(record.causation_id for record in history)
    assert all(by_command[key] == 1 for key in acknowledged)
    assert {key: history[result.sequence - 1].causation_id for key, result in acknowledged.items()} == {
        key: key for key in acknowledged
    }
    # ...and a failed command recorded nothing.
    assert not any(by_command[key] for key in failed)
    assert len(history) == 1 + len(acknowledged)
    print(f"\n{len(acknowledged)} acknowledged, {len(failed)} reported failed after retries")


def test_throttling_is_retried_by_the_client_policy(
    client: DynamoDBClient, table_name: str, retry_sleeps: list[float]
) -> None:
    # DynamoDB Local never throttles: the answer DynamoDB gives when it does is injected instead.
    service = {{ A }}Service(EventStore(client, table_name))
    injection = faults.inject(client, "TransactWriteItems", faults.throttling, times=2)
    assert service.handle(LISTING, context()).sequence == 1
    assert injection.calls == 3
    assert len(retry_sleeps) == 2, "botocore backs off before each retry"
    assert len(service.history("v-1")) == 1


def test_throttling_beyond_the_retries_is_store_busy_and_records_nothing(
    client: DynamoDBClient, table_name: str, retry_sleeps: list[float]
) -> None:
    service = {{ A }}Service(EventStore(client, table_name))
    injection = faults.inject(client, "TransactWriteItems", faults.throttling, times=100)
    with pytest.raises(StoreBusy):
        service.handle(LISTING, context())
    assert injection.calls == 4, "the policy allows 4 attempts in all"
    with pytest.raises({{ A }}NotFound):
        service.history("v-1")


def test_a_transaction_still_in_progress_after_the_retries_is_store_busy(
    client: DynamoDBClient, table_name: str, retry_sleeps: list[float]
) -> None:
    # DynamoDB Local applies a transaction before it answers: the answer to a retry that overtook its
    # own first attempt is injected instead.
    service = {{ A }}Service(EventStore(client, table_name))
    faults.inject(client, "TransactWriteItems", faults.transaction_in_progress, times=100)
    with pytest.raises(StoreBusy, match="send it again shortly, with the same Idempotency-Key"):
        service.handle(LISTING, context("listing-1"))
    assert retry_sleeps, "botocore retried it first"


def test_a_store_that_never_answers_ends_the_call{% if cookiecutter.command_api %}_by_the_request_s_deadline{% else %}_as_store_busy{% endif %}(
    monkeypatch: pytest.MonkeyPatch, retry_sleeps: list[float]
) -> None:
    # No emulator can be made to go silent: a loopback endpoint takes each request and never answers.
    # The client's timeouts are shortened (the policy's: 2 s to connect, 5 s to read) to take a second.
    monkeypatch.setitem(RETRY_POLICY, "connect_timeout", 0.2)
    monkeypatch.setitem(RETRY_POLICY, "read_timeout", 0.3)
    with faults.silent_endpoint() as silent:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", silent.url)
        service = {{ A }}Service(EventStore(dynamodb_client(), "events"))
{%- if cookiecutter.command_api %}
        # Time for one attempt (0.5 s at worst), not for a retry after it: the retry is not sent.
        with deadline(0.7), pytest.raises(StoreBusy, match="did not answer within the request's time"):
            service.handle(LISTING, context("listing-1"))
        assert silent.attempts == 1
        # Time for them all (a publisher's or a consumer's call has no deadline): the policy's four
        # attempts, then the same answer, where botocore's read timeout used to escape unexplained.
{%- else %}
        # The policy's four attempts, then a refusal that says what to do, where botocore's read
        # timeout used to escape unexplained.
{%- endif %}
        with pytest.raises(StoreBusy, match="did not answer after the client's retries"):
            service.handle(LISTING, context("listing-1"))
        assert silent.attempts == {% if cookiecutter.command_api %}1 + {% endif %}4


def test_a_transaction_conflict_is_decided_again(client: DynamoDBClient, table_name: str) -> None:
    # DynamoDB Local serialises transactions, so it never cancels one for a conflict: injected.
    service = {{ A }}Service(EventStore(client, table_name), sleep=lambda _: None)
    service.handle(LISTING, context())
    injection = faults.inject(client, "TransactWriteItems", faults.transaction_conflict(items=3), times=2)
    assert service.handle(price_change(999), context("change-1")).sequence == 2
    assert injection.calls == 3
    assert len(service.history("v-1")) == 2


def test_conflicts_on_every_attempt_are_reported_and_record_nothing(
    client: DynamoDBClient, table_name: str
) -> None:
    store = EventStore(client, table_name)
    service = {{ A }}Service(store, max_attempts=3, sleep=lambda _: None)
    service.handle(LISTING, context())
    faults.inject(client, "TransactWriteItems", faults.transaction_conflict(items=3), times=3)
    with pytest.raises(ConflictPersisted, match="3 attempts"):
        service.handle(price_change(999), context())
    assert len(service.history("v-1")) == 1


def test_a_lost_response_is_retried_without_recording_twice(client: DynamoDBClient, table_name: str) -> None:
    # The write reaches DynamoDB Local but its answer is lost: botocore retries the same request, and
    # the transaction's ClientRequestToken makes DynamoDB answer it without applying it again.
    service = {{ A }}Service(EventStore(client, table_name))
    faults.inject(client, "TransactWriteItems", faults.lost_response, times=1)
    assert service.handle(LISTING, context()).sequence == 1
    assert [record.sequence for record in service.history("v-1")] == [1]
