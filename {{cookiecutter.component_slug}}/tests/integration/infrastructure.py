"""The buses, rules and queues of the event flow, created on moto for one test.

The same resources the stack defines: the component's bus (private events) and the shared bus
(public events), the stream's on-failure queue{% if cookiecutter.consumer %}, and the consumer's rule -> queue -> DLQ{% endif %}. Each
bus also gets a "tap": a catch-all rule into a queue, so a test can see everything that was published.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from {{ cookiecutter.package_name }}.clients import eventbridge_client
from {{ cookiecutter.package_name }}.events import registry
{%- if cookiecutter.consumer %}
from {{ cookiecutter.package_name }}.handlers import consumer
{%- endif %}

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import TargetTypeDef
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

{%- if cookiecutter.consumer %}

# The stack's redrive setting: a message received this many times without success goes to the DLQ.
MAX_RECEIVES = consumer.MAX_RECEIVES
{%- endif %}


@dataclass(frozen=True)
class EventFlow:
    component_bus: str
    shared_bus: str
    component_tap: str
    shared_tap: str
    stream_failures: str
{%- if cookiecutter.consumer %}
    consumer_queue: str
    consumer_dlq: str
{%- endif %}


def create(sqs: SQSClient) -> EventFlow:
    events = eventbridge_client()
    suffix = uuid.uuid4().hex[:8]
    component_bus = f"component-{suffix}"
    shared_bus = f"shared-{suffix}"
    for bus in (component_bus, shared_bus):
        events.create_event_bus(Name=bus)
    component_tap = _queue(sqs, f"component-tap-{suffix}")
    shared_tap = _queue(sqs, f"shared-tap-{suffix}")
    _route(events, sqs, component_bus, "tap", {"source": [registry.SOURCE]}, component_tap)
    _route(events, sqs, shared_bus, "tap", {"source": [registry.SOURCE]}, shared_tap)
{%- if cookiecutter.consumer %}
{%- if cookiecutter.fifo_buffering %}
    dlq = _queue(sqs, f"consumer-dlq-{suffix}.fifo")
    queue = _queue(sqs, f"consumer-{suffix}.fifo", dead_letters=dlq)
{%- else %}
    dlq = _queue(sqs, f"consumer-dlq-{suffix}")
    queue = _queue(sqs, f"consumer-{suffix}", dead_letters=dlq)
{%- endif %}
    _route(events, sqs, shared_bus, "consumer", consumer.EVENT_PATTERN, queue)
{%- endif %}
    return EventFlow(
        component_bus=component_bus,
        shared_bus=shared_bus,
        component_tap=component_tap,
        shared_tap=shared_tap,
        stream_failures=_queue(sqs, f"stream-failures-{suffix}"),
{%- if cookiecutter.consumer %}
        consumer_queue=queue,
        consumer_dlq=dlq,
{%- endif %}
    )


def routed_queue(sqs: SQSClient, bus: str, pattern: dict[str, Any]) -> str:
    """A new queue that receives what ``pattern`` matches on ``bus``."""
    name = f"routed-{uuid.uuid4().hex[:8]}"
    queue_url = _queue(sqs, name)
    _route(eventbridge_client(), sqs, bus, name, pattern, queue_url)
    return queue_url


def sqs_client() -> SQSClient:
    return boto3.client("sqs")


def _queue(sqs: SQSClient, name: str{% if cookiecutter.consumer %}, *, dead_letters: str | None = None{% endif %}) -> str:
    attributes: dict[QueueAttributeNameType, str] = {}
{%- if cookiecutter.fifo_buffering %}
    if name.endswith(".fifo"):
        attributes |= {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
{%- endif %}
{%- if cookiecutter.consumer %}
    if dead_letters is not None:
        redrive = {"deadLetterTargetArn": _arn(sqs, dead_letters), "maxReceiveCount": MAX_RECEIVES}
        attributes["RedrivePolicy"] = json.dumps(redrive)
{%- endif %}
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def _arn(sqs: SQSClient, queue_url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _route(
    events: EventBridgeClient,
    sqs: SQSClient,
    bus: str,
    name: str,
    pattern: dict[str, Any],
    queue_url: str,
) -> None:
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    target: TargetTypeDef = {"Id": name, "Arn": _arn(sqs, queue_url)}
{%- if cookiecutter.fifo_buffering %}
    if queue_url.endswith(".fifo"):
        # EventBridge takes one fixed message group per FIFO target (ADR 0007).
        target["SqsParameters"] = {"MessageGroupId": "{{ cookiecutter.component_slug }}"}
{%- endif %}
    events.put_targets(Rule=name, EventBusName=bus, Targets=[target])


def bodies(sqs: SQSClient, queue_url: str) -> list[Any]:
    """Every message body in a queue, parsed, removing them (for queues the tests only observe)."""
    found: list[Any] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
