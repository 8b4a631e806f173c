"""Publisher: the event/state table's stream -> this function -> EventBridge.

The event source mapping delivers only inserted OUTBOUND items (its filter); the check here is a
second line, so a change of filter can never publish state or history items. The function reports the
first record it could not publish as a batch item failure: the stream retries from there (bisecting,
up to the mapping's retry and age limits, then to its on-failure queue), so no event is skipped.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from {{ cookiecutter.package_name }}.clients import eventbridge_client
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.publisher import EventPublisher
from {{ cookiecutter.package_name }}.events.registry import Visibility
from {{ cookiecutter.package_name }}.settings import PublisherSettings
from {{ cookiecutter.package_name }}.store.event_store import OUTBOUND_PREFIX, SORT_KEY, outbound_event

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


@functools.cache
def publisher() -> EventPublisher:
    settings = PublisherSettings.from_environment()
    return EventPublisher(
        eventbridge_client(),
        source=registry.SOURCE,
        buses={Visibility.PUBLIC: settings.shared_bus_name, Visibility.PRIVATE: settings.component_bus_name},
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    sequence_numbers: list[str] = []
    entries = []
    for record in event.get("Records", []):
        outbound = outbound_event(record["dynamodb"].get("NewImage", {}))
        if record.get("eventName") != "INSERT" or outbound is None:
            continue
        sequence_numbers.append(record["dynamodb"]["SequenceNumber"])
        entries.append(publisher().entry(outbound))
    failed = publisher().publish(entries)
    if failed is None:
        logger.info("events published", extra={"count": len(entries)})
        return {"batchItemFailures": []}
    logger.warning(
        "publishing stopped at a failed event; the stream retries from it",
        extra={"published": failed, "pending": len(entries) - failed},
    )
    return {"batchItemFailures": [{"itemIdentifier": sequence_numbers[failed]}]}
