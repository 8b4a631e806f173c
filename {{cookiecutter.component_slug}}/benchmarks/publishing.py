{%- set A = cookiecutter.aggregate -%}
"""Publisher throughput on moto's EventBridge: batched PutEvents beside one call per record."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from {{ cookiecutter.package_name }}.clients import eventbridge_client
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.publisher import EventPublisher
from {{ cookiecutter.package_name }}.events.registry import Visibility
from {{ cookiecutter.package_name }}.store.event_store import EventRecord, OutboundEvent

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

Row = tuple[str, str, str, str]


def _outbound(number: int) -> OutboundEvent:
    record = EventRecord(
        event_id=str(uuid.uuid4()),
        name="{{ A }}PriceChanged",
        version=1,
        visibility=Visibility.PUBLIC.value,
        sequence=number + 1,
        occurred_at="2026-11-26T09:00:00.000+00:00",
        data={"old_price": number + 1, "new_price": number + 2},
        correlation_id="bench",
        causation_id="bench",
        actor="bench",
    )
    return OutboundEvent("{{ A }}", f"bench-{number % 20}", record)


def bench_publisher(rounds: int, records: int) -> list[Row]:
    client = eventbridge_client()
    suffix = uuid.uuid4().hex[:8]
    buses = {Visibility.PUBLIC: f"bench-shared-{suffix}", Visibility.PRIVATE: f"bench-component-{suffix}"}
    for bus in buses.values():
        client.create_event_bus(Name=bus)
    publisher = EventPublisher(client, source=registry.SOURCE, buses=buses)
    calls = [0]

    def count(**_: Any) -> None:
        calls[0] += 1

    client.meta.events.register("before-send.eventbridge.PutEvents", count)
    timings: dict[str, list[float]] = {"batched": [], "one per record": []}
    call_counts: dict[str, int] = {"batched": 0, "one per record": 0}
    for _ in range(rounds):
        entries = [publisher.entry(_outbound(number)) for number in range(records)]
        for variant in timings:
            calls[0] = 0
            started = time.perf_counter()
            if variant == "batched":
                if publisher.publish(entries) is not None:
                    raise RuntimeError("the batched publisher failed to publish")
            else:
                _one_call_per_record(client, entries)
            timings[variant].append(time.perf_counter() - started)
            call_counts[variant] += calls[0]
    total = rounds * records
    batched, single = (
        (total / sum(timings[variant]), 100 * call_counts[variant] / total)
        for variant in ("batched", "one per record")
    )
    return [
        (
            f"publisher events/s, {total} events (moto EventBridge)",
            f"{batched[0]:.0f}/s, {batched[1]:.0f} PutEvents per 100 events",
            f"{single[0]:.0f}/s, {single[1]:.0f} per 100 (a call per record)",
            f"{batched[0] / single[0]:.1f}x (goal >= 5x, <= 10 calls per 100)",
        )
    ]


def _one_call_per_record(client: Any, entries: list[PutEventsRequestEntryTypeDef]) -> None:
    for entry in entries:
        client.put_events(Entries=[entry])
