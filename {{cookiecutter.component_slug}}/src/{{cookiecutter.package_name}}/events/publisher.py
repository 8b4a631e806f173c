"""Publishing stored events to EventBridge: in stream order, in full batches, resending only failures.

PutEvents takes at most 10 entries and 256 KB per call and can accept some entries while refusing
others (``FailedEntryCount``). The publisher fills each call as far as both limits allow, resends only
the refused entries with capped exponential backoff, and, when an entry still fails, stops and reports
its position: the stream is then retried from that record, so nothing after it is skipped. Entries of
the same call that were accepted are sent again on that retry; consumers are idempotent on the event
id, so a duplicate is harmless while a gap would not be.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from {{ cookiecutter.package_name }}.backoff import full_jitter
from {{ cookiecutter.package_name }}.events.envelope import Envelope, Metadata
from {{ cookiecutter.package_name }}.events.registry import Visibility
from {{ cookiecutter.package_name }}.store.event_store import OutboundEvent

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

MAX_ENTRIES_PER_CALL = 10
MAX_REQUEST_BYTES = 256 * 1024
# EventBridge counts 14 bytes for an entry's time, whether or not it is set.
TIME_BYTES = 14
DEFAULT_MAX_ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0


def entry_bytes(entry: PutEventsRequestEntryTypeDef) -> int:
    """An entry's size as EventBridge counts it against the 256 KB limit."""
    parts = [entry.get("Source", ""), entry.get("DetailType", ""), entry.get("Detail", "")]
    parts += list(entry.get("Resources", []))
    return TIME_BYTES + sum(len(part.encode()) for part in parts)


def batches(entries: Sequence[PutEventsRequestEntryTypeDef]) -> list[list[int]]:
    """Consecutive positions of ``entries`` grouped as PutEvents calls allow: order is kept."""
    groups: list[list[int]] = []
    size = 0
    for position, entry in enumerate(entries):
        entry_size = entry_bytes(entry)
        if not groups or len(groups[-1]) == MAX_ENTRIES_PER_CALL or size + entry_size > MAX_REQUEST_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(position)
        size += entry_size
    return groups


@dataclass(frozen=True)
class Sent:
    """What a ``send`` did: the positions EventBridge accepted, and those it refused to the end.

    Publishing stops at the first refused position; accepted positions after it (of the same call) are
    published all the same, and sent again when the stream retries from the refused one.
    """

    accepted: tuple[int, ...]
    refused: tuple[int, ...] = ()

    @property
    def stopped_at(self) -> int | None:
        """The first position not published, where the stream must retry from; None when all were."""
        return self.refused[0] if self.refused else None


class EventPublisher:
    def __init__(
        self,
        client: EventBridgeClient,
        *,
        source: str,
        buses: Mapping[Visibility, str],
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._source = source
        self._buses = buses
        self._max_attempts = max_attempts
        self._sleep = sleep

    @property
    def client(self) -> EventBridgeClient:
        """The EventBridge client it sends with (tests attach faults to it)."""
        return self._client

    def entry(
        self, outbound: OutboundEvent, *, replayed_at: str | None = None
    ) -> PutEventsRequestEntryTypeDef:
        """The PutEvents entry of a stored event: public events to the shared bus, private ones to ours.

        A replay (`make replay`) says when it was sent again; a first publication carries no such key.
        """
        record = outbound.record
        envelope = Envelope(
            metadata=Metadata(
                event_id=record.event_id,
                name=record.name,
                version=record.version,
                occurred_at=record.occurred_at,
                aggregate=outbound.aggregate,
                aggregate_id=outbound.aggregate_id,
                sequence=record.sequence,
                correlation_id=record.correlation_id,
                causation_id=record.causation_id,
                actor=record.actor,
                replayed_at=replayed_at,
            ),
            data=record.data,
        )
        return {
            "Source": self._source,
            "DetailType": record.name,
            "Detail": envelope.model_dump_json(
                exclude=None if replayed_at else {"metadata": {"replayed_at"}}
            ),
            "EventBusName": self._buses[Visibility(record.visibility)],
        }

    def publish(self, entries: Sequence[PutEventsRequestEntryTypeDef]) -> int | None:
        """Send ``entries`` in order; the position of the first one that could not be sent, or None."""
        return self.send(entries).stopped_at

    def send(self, entries: Sequence[PutEventsRequestEntryTypeDef]) -> Sent:
        """Send ``entries`` in order, call by call, up to the first call that leaves an entry refused."""
        accepted: list[int] = []
        for group in batches(entries):
            if entry_bytes(entries[group[0]]) > MAX_REQUEST_BYTES:
                # Larger than any call may be: it can only fail, and must not be skipped.
                return Sent(tuple(accepted), (group[0],))
            refused = self._send(group, entries)
            accepted += [position for position in group if position not in refused]
            if refused:
                return Sent(tuple(accepted), tuple(refused))
        return Sent(tuple(accepted))

    def _send(self, group: list[int], entries: Sequence[PutEventsRequestEntryTypeDef]) -> list[int]:
        pending = group
        for attempt in range(self._max_attempts):
            if attempt:
                self._sleep(full_jitter(attempt, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_CAP_SECONDS))
            response = self._client.put_events(Entries=[entries[position] for position in pending])
            if response.get("FailedEntryCount", 0) == 0:
                return []
            results = zip(pending, response["Entries"], strict=True)
            pending = [position for position, result in results if "ErrorCode" in result]
        return pending
