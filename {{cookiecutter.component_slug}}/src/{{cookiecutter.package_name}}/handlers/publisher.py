"""Publisher: the event/state table's stream -> this function -> EventBridge.

The event source mapping delivers only inserted OUTBOUND items (its filter); the check here is a
second line, so a change of filter can never publish state or history items. The function reports the
first record it could not publish as a batch item failure: the stream retries from there (bisecting,
up to the mapping's retry and age limits), in order. Past those limits the stream gives the batch up
to its on-failure queue, which raises an alarm, and the runbook replays it from the table's history.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from {{ cookiecutter.package_name }}.clients import eventbridge_client
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.publisher import EventPublisher
from {{ cookiecutter.package_name }}.events.registry import Visibility
from {{ cookiecutter.package_name }}.settings import METRICS_NAMESPACE, PublisherSettings
from {{ cookiecutter.package_name }}.store.event_store import (
    OUTBOUND_PREFIX,
    PARTITION_KEY,
    SORT_KEY,
    OutboundEvent,
    outbound_event,
)
from {{ cookiecutter.package_name }}.tracing import Tracing

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

# The event source mapping's filter (the stack reads it from here): inserted OUTBOUND items only.
STREAM_FILTER: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {"Keys": {SORT_KEY: {"S": [{"prefix": OUTBOUND_PREFIX}]}}},
}
# The event source mapping's other settings (the stack and the local stand-in read them from here):
# records per invocation, retries of a failed batch (bisected), and the age after which a record is
# given up to the on-failure queue. The OUTBOUND item stays in the table for a week after that.
BATCH_SIZE = 100
MAXIMUM_RETRY_ATTEMPTS = 3
MAXIMUM_RECORD_AGE_SECONDS = 3600

logger = Logger()
# Under the component's namespace (embedded metric format): events published, and events a batch left
# unpublished for the stream to retry.
metrics = Metrics(namespace=METRICS_NAMESPACE)
# X-Ray traces where the stage switches them on (tracing.py).
tracing = Tracing()


@functools.cache
def publisher() -> EventPublisher:
    settings = PublisherSettings.from_environment()
    return EventPublisher(
        eventbridge_client(),
        source=registry.SOURCE,
        buses={Visibility.PUBLIC: settings.shared_bus_name, Visibility.PRIVATE: settings.component_bus_name},
    )


@logger.inject_lambda_context
@tracing.handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    sequence_numbers: list[str] = []
    outbound_events: list[OutboundEvent] = []
    entries: list[PutEventsRequestEntryTypeDef] = []
    unreadable: str | None = None  # The sequence number of a record no entry can be made of.
    for record in event.get("Records", []):
        try:
            outbound = outbound_event(record["dynamodb"].get("NewImage", {}))
            if record.get("eventName") != "INSERT" or outbound is None:
                continue
            entry = publisher().entry(outbound)
        except (KeyError, TypeError, ValueError):
            # A corrupt item: the records before it are published, the stream retries from it (and at
            # its limits gives it up to the failure queue). The log names the item, never its data.
            unreadable = record["dynamodb"]["SequenceNumber"]
            logger.exception(
                "stored event not publishable; the stream retries from it",
                extra={"sequence_number": unreadable, "item": item_key(record)},
            )
            metrics.add_metric(name="PublishFailures", unit=MetricUnit.Count, value=1)
            break
        sequence_numbers.append(record["dynamodb"]["SequenceNumber"])
        outbound_events.append(outbound)
        entries.append(entry)
    sent = publisher().send(entries)
    for position in sent.accepted:
        outbound = outbound_events[position]
        logger.info(
            "event published", extra={**described(outbound), "bus": entries[position]["EventBusName"]}
        )
        tracing.mark(
            f"published {outbound.record.name}",
            aggregate_id=outbound.aggregate_id,
            event_id=outbound.record.event_id,
        )
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=len(sent.accepted))
    failed = sent.stopped_at
    if failed is None:
        return {"batchItemFailures": [] if unreadable is None else [{"itemIdentifier": unreadable}]}
    metrics.add_metric(name="PublishFailures", unit=MetricUnit.Count, value=len(sent.refused))
    logger.warning(
        "publishing stopped at a failed event; the stream retries from it",
        extra={
            **described(outbound_events[failed]),
            "published": len(sent.accepted),
            "refused": len(sent.refused),
            "retried": len(entries) - failed,
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": sequence_numbers[failed]}]}


def item_key(record: dict[str, Any]) -> str:
    """The stored item a stream record is of, as ``<partition key> <sort key>``."""
    keys = record["dynamodb"].get("Keys", {})
    return " ".join(str(keys.get(name, {}).get("S", "?")) for name in (PARTITION_KEY, SORT_KEY))


def described(outbound: OutboundEvent) -> dict[str, Any]:
    """What the logs say of an event: which one and whose journey it is on, never its data."""
    record = outbound.record
    return {
        "event_id": record.event_id,
        "event": record.name,
        "version": record.version,
        "aggregate_id": outbound.aggregate_id,
        "correlation_id": record.correlation_id,
    }
