{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""Carrying out {{ A }} commands and answering queries: load, decide, append.

The command path is where the store's guarantees become the component's behaviour:

* **Optimistic concurrency.** A command is decided against the state it read; if another writer got
  there first, the state is read again and the command decided again, a bounded number of times
  with jittered backoff, then reported as a conflict to the caller. Nothing is ever half-recorded.
* **Idempotency.** A command sent with an idempotency key records its events once. A repeat returns
  the first result, whatever happened since; a different command under the same key is refused.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from {{ cookiecutter.package_name }}.backoff import full_jitter
from {{ cookiecutter.package_name }}.commands import (
    CommandContext,
    CommandResult,
    ConflictPersisted,
    IdempotencyKeyReused,
)
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.store.event_store import (
    CommandRecord,
    ConcurrencyConflict,
    DuplicateCommand,
    EventRecord,
    EventStore,
    OtherVersion,
)

DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 0.005
BACKOFF_CAP_SECONDS = 0.2


class {{ A }}NotFound(LookupError):
    """No {{ A }} has this id."""

    def __init__(self, identity: str) -> None:
        super().__init__(f"{{ A }} {identity} not found: check the id, or list it first")


class {{ A }}Service:
    def __init__(
        self,
        store: EventStore,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._max_attempts = max_attempts
        self._sleep = sleep
        # The one clock of the command path: decide() gets its time from here (a test passes a fixed one).
        self._clock = clock

    def handle(self, command: domain.{{ A }}Command, context: CommandContext) -> CommandResult:
        """Record the events ``command`` decides, or raise why not (the domain's or the store's reason)."""
        identity = command.{{ a }}_id
        fingerprint = hashlib.sha256(command.model_dump_json().encode()).hexdigest()
        for attempt in range(self._max_attempts):
            snapshot = self._store.load(identity)
            state = None if snapshot is None else domain.{{ A }}.model_validate(snapshot.state)
            sequence = 0 if snapshot is None else snapshot.sequence
            # To the millisecond, as `occurred_at` records it: a time decide() puts in an event (a
            # reservation's end, say) is then the same instant, not 0.6 ms past it.
            clock = self._clock()
            now = clock.replace(microsecond=clock.microsecond // 1000 * 1000)
            try:
                events = domain.decide(state, command, now)
            except domain.CommandRejected:
                # A repeat of a command that was recorded is not rejected: it gets its first result.
                repeated = self._repeat_of(identity, context, fingerprint)
                if repeated is not None:
                    return repeated
                raise
            key = context.idempotency_key
            if not events:
                # No event to record: a repeat still gets its first result. A new command with a key has
                # its answer recorded below (the state written back unchanged, at its sequence), so a
                # retry after other commands have moved the aggregate on gets this answer, not a new
                # decision (ADR 3); without a key, or with no aggregate to record it on, it is answered.
                repeated = self._repeat_of(identity, context, fingerprint)
                if repeated is not None:
                    return repeated
                if key is None:
                    return CommandResult(identity, sequence, ())
            records = event_records(events, sequence, context, occurred_at=now)
            new_state = state
            for event in events:
                new_state = domain.evolve(new_state, event)
            if new_state is None:
                return CommandResult(identity, sequence, ())
            command_record = (
                None
                if key is None
                else CommandRecord(
                    key,
                    fingerprint,
                    sequence + len(events),
                    tuple(r.name for r in records),
                    correlation_id=context.correlation_id,
                    event_ids=tuple(r.event_id for r in records),
                )
            )
            try:
                self._store.append(
                    identity,
                    expected_sequence=sequence,
                    state=new_state.model_dump(mode="json"),
                    events=records,
                    command=command_record,
                )
            except DuplicateCommand as duplicate:
                return _first_result(identity, duplicate.record, fingerprint)
            except ConcurrencyConflict:
                self._sleep(full_jitter(attempt, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_CAP_SECONDS))
                continue
            return CommandResult(
                identity,
                sequence + len(events),
                tuple(r.name for r in records),
                event_ids=tuple(r.event_id for r in records),
            )
        raise ConflictPersisted(
            f"{identity} changed under {self._max_attempts} attempts in a row; send the command again",
        )

    def current(self, {{ a }}_id: str) -> tuple[domain.{{ A }}, int]:
        snapshot = self._store.load({{ a }}_id)
        if snapshot is None:
            raise {{ A }}NotFound({{ a }}_id)
        return domain.{{ A }}.model_validate(snapshot.state), snapshot.sequence

    def history(self, {{ a }}_id: str) -> list[EventRecord]:
        records = self._store.history({{ a }}_id)
        if not records:
            raise {{ A }}NotFound({{ a }}_id)
        return records

    def rebuild(self, {{ a }}_id: str) -> domain.{{ A }}:
        """The state replayed from history with today's rules (compare with ``current`` after a change)."""
        history = self.history({{ a }}_id)
        events = [registry.from_data(r.name, r.version, r.data) for r in history]
        state = domain.replay(events)
        if state is None:
            raise {{ A }}NotFound({{ a }}_id)
        return state

    def _repeat_of(self, identity: str, context: CommandContext, fingerprint: str) -> CommandResult | None:
        if context.idempotency_key is None:
            return None
        record = self._store.command(identity, context.idempotency_key)
        return None if record is None else _first_result(identity, record, fingerprint)


def event_records(
    events: list[domain.{{ A }}Event],
    sequence: int,
    context: CommandContext,
    occurred_at: datetime,
) -> list[EventRecord]:
    """The records of a command's events, numbered after ``sequence``: what the store keeps and publishes.

    They occurred when the command was decided: ``occurred_at`` is the time ``decide()`` was given.

    The contract tests build the publisher's messages from these too, so a pact is verified against
    the metadata the component really records.
    """
    occurred = occurred_at.astimezone(UTC).isoformat(timespec="milliseconds")
    causation_id = context.idempotency_key or str(uuid.uuid4())
    records = []
    for offset, event in enumerate(events, start=1):
        (event_type, data), *earlier = registry.published(event)
        records.append(
            EventRecord(
                event_id=str(uuid.uuid4()),
                name=event_type.name,
                version=event_type.version,
                visibility=event_type.visibility.value,
                sequence=sequence + offset,
                occurred_at=occurred,
                data=data,
                correlation_id=context.correlation_id,
                causation_id=causation_id,
                actor=context.actor,
                other_versions=tuple(OtherVersion(t.version, other) for t, other in earlier),
            )
        )
    return records


def _first_result(identity: str, record: CommandRecord, fingerprint: str) -> CommandResult:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"idempotency key {record.key} was used for a different command; use a new key for a new command"
        )
    return CommandResult(
        identity,
        record.sequence,
        record.events,
        repeated=True,
        event_ids=record.event_ids,
        first_correlation_id=record.correlation_id or None,
    )
