"""Faults DynamoDB Local cannot produce, injected at the client's HTTP layer.

DynamoDB Local never throttles and serialises transactions, so it never answers
ThrottlingException or cancels a transaction with TransactionConflict. These helpers make the client
receive exactly the HTTP answer DynamoDB gives in those cases, so botocore's real retry policy and the
store's real error handling run on it; every other call goes to DynamoDB Local unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.httpsession import URLLib3Session

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DYNAMODB_ERROR = "com.amazonaws.dynamodb.v20120810#"
Fault = Callable[[AWSPreparedRequest], AWSResponse]


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def error_response(request: AWSPreparedRequest, status: int, body: dict[str, Any]) -> AWSResponse:
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.0"
    headers["x-amzn-RequestId"] = "injected-fault"
    return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


def throttling(request: AWSPreparedRequest) -> AWSResponse:
    return error_response(
        request, 400, {"__type": DYNAMODB_ERROR + "ThrottlingException", "message": "Rate exceeded"}
    )


def transaction_conflict(items: int) -> Fault:
    def respond(request: AWSPreparedRequest) -> AWSResponse:
        reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
        reasons += [{"Code": "None"}] * (items - 1)
        return error_response(
            request,
            400,
            {
                "__type": DYNAMODB_ERROR + "TransactionCanceledException",
                "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
                "[TransactionConflict]",
                "CancellationReasons": reasons,
            },
        )

    return respond


def lost_response(request: AWSPreparedRequest) -> AWSResponse:
    """The request reaches DynamoDB and is applied, but the answer is lost on the way back."""
    URLLib3Session().send(request)
    return error_response(
        request, 500, {"__type": DYNAMODB_ERROR + "InternalServerError", "message": "connection reset"}
    )


@dataclass
class Injection:
    """Answers the first ``times`` calls of ``operation`` with ``fault``; counts every call."""

    operation: str
    fault: Fault
    times: int
    calls: int = 0
    faults_sent: int = 0

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        self.calls += 1
        if self.faults_sent < self.times:
            self.faults_sent += 1
            return self.fault(request)
        return None  # None: botocore sends the request to DynamoDB Local as usual.


def inject(client: DynamoDBClient, operation: str, fault: Fault, times: int) -> Injection:
    injection = Injection(operation, fault, times)
    # botocore's stubs type handlers as returning None; a before-send handler may return a response.
    client.meta.events.register(f"before-send.dynamodb.{operation}", cast("Callable[..., None]", injection))
    return injection
