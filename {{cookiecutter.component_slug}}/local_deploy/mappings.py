{%- if cookiecutter.consumer -%}
"""Stand-ins for Lambda's event source mappings, so real handlers run on real streams and queues.

In AWS, Lambda reads the table's stream and the consumer's queue and invokes the functions. Here these
two classes do it with the same settings (batch size, filter, partial batch responses, bisection,
retries, record age and the on-failure destination for the stream; redrive to the DLQ through the
queue's own policy), against DynamoDB Local's stream and moto's SQS. The local deploy takes the
settings from the synthesized template; the integration tests give them directly. One shortcut, said
where it is taken: a message that failed is made visible again at once instead of after the queue's
visibility timeout.
"""
{%- else -%}
"""A stand-in for Lambda's stream event source mapping, so the real publisher runs on the real stream.

In AWS, Lambda reads the table's stream and invokes the publisher. Here this class does it with the
same settings (batch size, filter, partial batch responses, bisection, retries, record age and the
on-failure destination), against DynamoDB Local's stream. The local deploy takes the settings from the
synthesized template; the integration tests give them directly.
"""
{%- endif %}

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
{%- if cookiecutter.consumer %}
    from mypy_boto3_sqs import SQSClient
{%- endif %}

Handler = Callable[[dict[str, Any], Any], Any]

# A function's exception, with its traceback: in the terminal of `make local`, as Lambda logs it.
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LambdaContext:
    """What Powertools reads of the context Lambda passes a function (the real one exists only there)."""

    function_name: str = "local-function"
    memory_limit_in_mb: int = 256
    timeout_seconds: int = 60
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    invoked_function_arn: str = "arn:aws:lambda:{{ cookiecutter.aws_region }}:000000000000:function:local-function"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


def matches(pattern: Any, value: Any) -> bool:
    """Lambda's event filtering for the shapes the component uses: nested keys, lists, prefixes."""
    if isinstance(pattern, Mapping):
        return isinstance(value, Mapping) and all(
            key in value and matches(wanted, value[key]) for key, wanted in pattern.items()
        )
    if isinstance(pattern, list):
        return any(
            isinstance(value, str) and value.startswith(option["prefix"])
            if isinstance(option, Mapping)
            else value == option
            for option in pattern
        )
    return bool(pattern == value)


class StreamMapping:
    """Lambda's DynamoDB stream mapping: read new records, filter, invoke, retry, then give up to a queue."""

    def __init__(
        self,
        streams: DynamoDBStreamsClient,
        stream_arn: str,
        handler: Handler,
        *,
        event_filter: Mapping[str, Any],
        on_failure: Callable[[dict[str, Any]], None],
        batch_size: int = 100,
        maximum_retry_attempts: int = 3,
        maximum_record_age_seconds: int | None = None,
        bisect_on_error: bool = False,
        context: LambdaContext | None = None,
    ) -> None:
        self._streams = streams
        self._arn = stream_arn
        self._handler = handler
        self._filter = event_filter
        self._on_failure = on_failure
        self._batch_size = batch_size
        self._retries = maximum_retry_attempts
        self._max_age = maximum_record_age_seconds
        self._bisect = bisect_on_error
        self._context = context or LambdaContext()
        self._iterators: dict[str, str] = {}
        # The sequence number of the last record read from each shard: where a renewed iterator resumes.
        self._last_read: dict[str, str] = {}
        self.invocations = 0

    def poll(self) -> int:
        """Deliver every record written since the last poll; the number of records delivered."""
        delivered = 0
        # Lambda reads each shard on its own: a batch holds one shard's records.
        for shard_id, read in self._read().items():
            records = [record for record in read if matches(self._filter, record)]
            for start in range(0, len(records), self._batch_size):
                self._deliver(shard_id, records[start : start + self._batch_size])
            delivered += len(records)
        return delivered

    def _read(self) -> dict[str, list[dict[str, Any]]]:
        """The records written since the last read, by shard."""
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"].get("Shards", [])
        by_shard: dict[str, list[dict[str, Any]]] = {}
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._iterator(shard_id)
            records = by_shard.setdefault(shard_id, [])
            renewed = False
            while True:
                try:
                    page = self._streams.get_records(ShardIterator=self._iterators[shard_id], Limit=1000)
                except (
                    self._streams.exceptions.ExpiredIteratorException,
                    self._streams.exceptions.TrimmedDataAccessException,
                ):
                    # An iterator expires (15 minutes on AWS), and DynamoDB Local's can report "trimmed"
                    # for a young, idle stream, notably once another table is created beside it: resume
                    # after the last record read, as Lambda's mapping does; once per poll, then next poll.
                    if renewed:
                        break
                    self._iterators[shard_id], renewed = self._iterator(shard_id), True
                    continue
                self._iterators[shard_id] = page.get("NextShardIterator", self._iterators[shard_id])
                if page["Records"]:
                    self._last_read[shard_id] = page["Records"][-1]["dynamodb"]["SequenceNumber"]
                records += [self._lambda_record(record) for record in page["Records"]]
                if not page["Records"]:
                    break
        return by_shard

    def _iterator(self, shard_id: str) -> str:
        """An iterator from just after the last record read from the shard, or its oldest record."""
        last = self._last_read.get(shard_id)
        if last is not None:
            with contextlib.suppress(self._streams.exceptions.TrimmedDataAccessException):
                return self._streams.get_shard_iterator(
                    StreamArn=self._arn,
                    ShardId=shard_id,
                    ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                    SequenceNumber=last,
                )["ShardIterator"]
        return self._streams.get_shard_iterator(
            StreamArn=self._arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def _lambda_record(self, record: Any) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        change["ApproximateCreationDateTime"] = change["ApproximateCreationDateTime"].timestamp()
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion", "ddblocal"),
            "dynamodb": change,
            "eventSourceARN": self._arn,
        }

    def _deliver(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        pending = batch
        condition, invoked = "RetryAttemptsExhausted", 0
        for _ in range(1 + self._retries):
            if self._max_age is not None:
                # Lambda gives up on records older than the mapping's maximum age, retries or not.
                oldest = time.time() - self._max_age
                if pending[0]["dynamodb"]["ApproximateCreationDateTime"] < oldest:
                    condition = "RecordAgeExceeded"
                    break
            self.invocations += 1
            invoked += 1
            try:
                failures = self._handler({"Records": pending}, self._context)["batchItemFailures"]
            except Exception:
                logger.exception(
                    "%s failed on a batch of %d stream record(s); the mapping retries it",
                    self._context.function_name,
                    len(pending),
                )
                if self._bisect and len(pending) > 1:
                    # A function error with bisection on: each half is retried on its own.
                    half = len(pending) // 2
                    self._deliver(shard_id, pending[:half])
                    self._deliver(shard_id, pending[half:])
                    return
                continue
            if not failures:
                return
            # Lambda retries from the first failed record: nothing after it was skipped.
            failed_at = next(
                index
                for index, record in enumerate(pending)
                if record["dynamodb"]["SequenceNumber"] == failures[0]["itemIdentifier"]
            )
            pending = pending[failed_at:]
        # The on-failure record Lambda writes for a stream: where the records are, never the records.
        self._on_failure(
            {
                "requestContext": {
                    "functionArn": self._context.invoked_function_arn,
                    "condition": condition,
                    "approximateInvokeCount": invoked,
                },
                "version": "1.0",
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "DDBStreamBatchInfo": {
                    "shardId": shard_id,
                    "startSequenceNumber": pending[0]["dynamodb"]["SequenceNumber"],
                    "endSequenceNumber": pending[-1]["dynamodb"]["SequenceNumber"],
                    "approximateArrivalOfFirstRecord": _arrival(pending[0]),
                    "approximateArrivalOfLastRecord": _arrival(pending[-1]),
                    "batchSize": len(pending),
                    "streamArn": self._arn,
                },
            }
        )


def _arrival(record: dict[str, Any]) -> str:
    """When a record reached the stream, as the on-failure record gives it: UTC, to the second."""
    created = datetime.fromtimestamp(record["dynamodb"]["ApproximateCreationDateTime"], UTC)
    return created.strftime("%Y-%m-%dT%H:%M:%SZ")
{%- if cookiecutter.consumer %}


class QueueMapping:
    """Lambda's SQS mapping: receive a batch, invoke, delete what succeeded, leave failures to redrive."""

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        handler: Handler,
        *,
        batch_size: int = 10,
        context: LambdaContext | None = None,
    ) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._handler = handler
        self._batch_size = batch_size
        self._context = context or LambdaContext()
        self._arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def drain(self, timeout_seconds: float = 30.0) -> int:
        """Invoke the handler until the queue is empty; the number of messages handled successfully."""
        done = 0
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            received, handled = self.poll()
            done += handled
            if not received:
                return done
        raise TimeoutError(f"queue {self._url} was not drained in {timeout_seconds} s")

    def poll(self) -> tuple[int, int]:
        """Receive one batch and invoke the handler with it: (messages received, handled successfully)."""
        messages = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0, 0
        event = {"Records": [self._lambda_record(message) for message in messages]}
        try:
            answer = self._handler(event, self._context)
            failures = {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}
        except Exception:
            logger.exception(
                "%s failed on a batch of %d message(s); they come back to the queue",
                self._context.function_name,
                len(messages),
            )
            # A function error fails the whole batch: every message comes back, as from Lambda.
            failures = {message["MessageId"] for message in messages}
        handled = 0
        for message in messages:
            if message["MessageId"] in failures:
                # Shortcut: visible again now, not after the visibility timeout; moto's redrive
                # policy still counts the receive and moves the message to the DLQ in the end.
                self._sqs.change_message_visibility(
                    QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1
        return len(messages), handled

    def _lambda_record(self, message: Any) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": self._arn.split(":")[3],
        }
{%- endif %}
