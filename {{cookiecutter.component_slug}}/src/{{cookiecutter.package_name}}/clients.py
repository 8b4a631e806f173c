"""The AWS clients every part of the component uses, with the retry policy in one place.

Policy: botocore's "standard" retry mode retries throttling and transient server errors with
exponential backoff and jitter, 4 attempts in all. What it cannot fix is left to the caller's own
policy: a cancelled transaction to the command path (read and decide again), failed PutEvents entries
to the publisher (resend only those). Endpoints come from the environment (AWS_ENDPOINT_URL_DYNAMODB,
AWS_ENDPOINT_URL_EVENTBRIDGE, ... point the same code at emulators), so production code has no "local"
branch.
{%- if cookiecutter.command_api %}

The API, whose caller waits, also gives its calls a deadline, the time Lambda leaves it: a retry whose
worst case would outlast it is not sent, so the request is answered (503, "send it again") and logged
with its correlation id, instead of being stopped at the function's timeout, which API Gateway answers
with a bare 502 and which no line of the component's logs explains (ADR 28).
{%- endif %}
"""

from __future__ import annotations
{% if cookiecutter.command_api %}
import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient

    Client = TypeVar("Client", bound=BaseClient)
{%- else %}
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
{%- endif %}

RETRY_POLICY: dict[str, Any] = {
    "retries": {"mode": "standard", "total_max_attempts": 4},
    "connect_timeout": 2,
    "read_timeout": 5,
}
{%- if cookiecutter.command_api %}
# A first attempt is sent while this much of the deadline is left: most answer in milliseconds, and
# refusing one that might well have fitted would turn a slow moment into a failed request. A retry is
# sent only while its worst case fits: the client's connect and read timeouts. (botocore's backoff before
# it comes first: for DynamoDB at most 25, 50 and 100 ms after a timeout or a server error, 1, 2 and 4 s
# after throttling. A retry it delays past the deadline is not sent.)
FIRST_ATTEMPT_SECONDS = 0.5

# Per request: a context variable, so the local deploy's functions, which share one process and run on
# threads of their own there, do not see the API's.
_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


class OutOfTime(Exception):
    """A call to AWS was not sent: the request's deadline would have passed before it could end."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Calls made inside are not sent once they could end after ``seconds`` from now (see above)."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _within_deadline(request: Any, *, attempt_seconds: float, **_: Any) -> None:
    """botocore's `before-send` hook, run before every attempt of every call: first and retries."""
    ends = _deadline.get()
    if ends is None:
        return
    attempt = int(request.context.get("retries", {}).get("attempt", 1))
    needed = attempt_seconds if attempt > 1 else FIRST_ATTEMPT_SECONDS
    left = ends - time.monotonic()
    if left < needed:
        # Raised inside botocore, which ends the call with it: it retries only the errors it knows.
        what = f"attempt {attempt}" if attempt > 1 else "the call"
        raise OutOfTime(
            f"{what} not sent: {max(left, 0):.1f} s of the request's time left, {needed:g} s needed"
        )
{%- endif %}


def dynamodb_client() -> DynamoDBClient:
    # boto3 is imported on first use, not with the handler module: a request refused before it needs
    # AWS (validation, routing) never pays for it. Handlers build their clients once and keep them.
    import boto3
    from botocore.config import Config
{%- if cookiecutter.command_api %}

    return _within_deadlines(boto3.client("dynamodb", config=Config(**RETRY_POLICY)))
{%- else %}

    return boto3.client("dynamodb", config=Config(**RETRY_POLICY))
{%- endif %}


def eventbridge_client() -> EventBridgeClient:
    import boto3
    from botocore.config import Config
{%- if cookiecutter.command_api %}

    return _within_deadlines(boto3.client("events", config=Config(**RETRY_POLICY)))


def _within_deadlines(client: Client) -> Client:
    """``client``, each attempt held to the request's deadline (a retry's worst case: the timeouts)."""
    attempt_seconds = float(RETRY_POLICY["connect_timeout"]) + float(RETRY_POLICY["read_timeout"])
    hook = functools.partial(_within_deadline, attempt_seconds=attempt_seconds)
    client.meta.events.register("before-send", hook)
    return client
{%- else %}

    return boto3.client("events", config=Config(**RETRY_POLICY))
{%- endif %}
