"""Faults the emulators cannot produce, injected at the client's HTTP layer.

DynamoDB Local never throttles and serialises transactions, so it never answers ThrottlingException
or cancels a transaction with TransactionConflict; moto's EventBridge never refuses a PutEvents entry.
These helpers make the client receive exactly the HTTP answer AWS gives in those cases, so botocore's
real retry policy and the component's real error handling run on it; every other call goes to the
emulator unchanged. Nor can an emulator be made to go silent: `silent_endpoint` is a real socket that
takes each request and never answers, so botocore's own timeouts end each attempt.
"""

from __future__ import annotations

import json
import select
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HeadersDict
from botocore.compat import HTTPHeaders
from botocore.httpsession import URLLib3Session

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient

DYNAMODB_ERROR = "com.amazonaws.dynamodb.v20120810#"
Fault = Callable[[AWSPreparedRequest], AWSResponse]
REFUSED = {"ErrorCode": "InternalFailure", "ErrorMessage": "injected"}


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def json_response(request: AWSPreparedRequest, status: int, body: dict[str, Any]) -> AWSResponse:
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.0"
    headers["x-amzn-RequestId"] = "injected-fault"
    return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


def throttling(request: AWSPreparedRequest) -> AWSResponse:
    return json_response(
        request, 400, {"__type": DYNAMODB_ERROR + "ThrottlingException", "message": "Rate exceeded"}
    )


def transaction_in_progress(request: AWSPreparedRequest) -> AWSResponse:
    """What DynamoDB answers a retry of a transaction (same request token) it is still applying."""
    return json_response(
        request,
        400,
        {"__type": DYNAMODB_ERROR + "TransactionInProgressException", "message": "Transaction in progress"},
    )


def transaction_conflict(items: int) -> Fault:
    def respond(request: AWSPreparedRequest) -> AWSResponse:
        reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
        reasons += [{"Code": "None"}] * (items - 1)
        return json_response(
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


def partial_put_events(failing: set[int]) -> Fault:
    """PutEvents accepts the entries at other positions and refuses those in ``failing``.

    moto always accepts every entry; EventBridge can refuse some (FailedEntryCount). The accepted
    entries really go to moto's bus, the refused ones never do, and the answer says which is which.
    """

    def respond(request: AWSPreparedRequest) -> AWSResponse:
        body = json.loads(cast("bytes", request.body))
        entries = body["Entries"]
        accepted = [entry for position, entry in enumerate(entries) if position not in failing]
        event_ids: Iterator[Any] = iter(())
        if accepted:
            forwarded_body = json.dumps({**body, "Entries": accepted}).encode()
            headers = HeadersDict(request.headers.items())
            headers["Content-Length"] = str(len(forwarded_body))
            # botocore's stubs say HTTPHeaders; botocore itself prepares requests with a HeadersDict.
            typed_headers = cast("HTTPHeaders", headers)
            forwarded = AWSPreparedRequest(request.method, request.url, typed_headers, forwarded_body, False)
            answer = URLLib3Session().send(forwarded)
            event_ids = iter(json.loads(answer.content)["Entries"])
        results = [REFUSED if position in failing else next(event_ids) for position in range(len(entries))]
        failed = sum(1 for result in results if "ErrorCode" in result)
        return json_response(request, 200, {"FailedEntryCount": failed, "Entries": results})

    return respond


def lost_response(request: AWSPreparedRequest) -> AWSResponse:
    """The request reaches DynamoDB and is applied, but the answer is lost on the way back."""
    URLLib3Session().send(request)
    return json_response(
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


def inject(client: DynamoDBClient | EventBridgeClient, operation: str, fault: Fault, times: int) -> Injection:
    injection = Injection(operation, fault, times)
    service = client.meta.service_model.service_id.hyphenize()
    # botocore's stubs type handlers as returning None; a before-send handler may return a response.
    client.meta.events.register(f"before-send.{service}.{operation}", cast("Callable[..., None]", injection))
    return injection


class SilentEndpoint:
    """Where a client sends its requests; ``attempts`` counts them (botocore drops a connection whose
    read timed out, so each attempt opens one of its own)."""

    def __init__(self, listener: socket.socket) -> None:
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self._listener = listener
        self._held: list[socket.socket] = []  # open, never read from or answered
        self._lock = threading.Lock()

    @property
    def attempts(self) -> int:
        """Every connection made so far. Those the kernel still holds for accepting are taken first: a
        call that returned has made all of its own, whether or not the accepting thread ran since (on a
        busy machine it may not have)."""
        self.accept_waiting()
        return len(self._held)

    def accept_waiting(self) -> None:
        with self._lock:
            while self._listener.fileno() != -1:  # closed: everything was taken as it closed
                try:
                    connection, _ = self._listener.accept()
                except BlockingIOError:
                    return
                self._held.append(connection)

    def close(self) -> None:
        self.accept_waiting()
        self._listener.close()
        for connection in self._held:
            connection.close()


@contextmanager
def silent_endpoint() -> Iterator[SilentEndpoint]:
    """A loopback endpoint that accepts every connection and answers none: a network path gone silent."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    endpoint = SilentEndpoint(listener)
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            ready, _, _ = select.select([listener], [], [], 0.05)
            if ready:
                endpoint.accept_waiting()

    accepting = threading.Thread(target=accept, name="silent-endpoint", daemon=True)
    accepting.start()
    try:
        yield endpoint
    finally:
        stopping.set()
        accepting.join()
        endpoint.close()
