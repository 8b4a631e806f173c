"""Traces: nothing of X-Ray where the stage does not trace; searchable subsegments to X-Ray where it does.

Each case runs in a fresh interpreter: Powertools' Tracer patches botocore for the whole process, and
what matters off is what an import loads. The traced case sends to a stand-in X-Ray daemon (a UDP socket
on loopback, where the real X-Ray SDK sends its documents) under the variables Lambda sets. Both
interpreters start together, when the first of these tests asks for one: each spends its time importing
the handlers, which two cores do side by side.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.tracing import TRACING_VARIABLE

HANDLERS = [
{%- if cookiecutter.command_api %}
    "{{ cookiecutter.package_name }}.handlers.api",
{%- endif %}
{%- if cookiecutter.consumer %}
    "{{ cookiecutter.package_name }}.handlers.consumer",
{%- endif %}
    "{{ cookiecutter.package_name }}.handlers.publisher",
]
# A sampled trace, as Lambda passes it to the function when active tracing is on.
TRACE_HEADER = "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1"

UNTRACED = f"""
    import importlib, sys
    for handler in {HANDLERS!r}:
        importlib.import_module(handler)
    print(sorted(name for name in sys.modules if name.startswith("aws_xray_sdk")))
    """

TRACED = """
    from types import SimpleNamespace

    from {{ cookiecutter.package_name }}.handlers import publisher
    from {{ cookiecutter.package_name }}.tracing import Tracing

    tracing = Tracing()
    assert tracing.on and publisher.tracing.on

    @tracing.handler
    def lambda_handler(event, context):
        tracing.annotate(aggregate_id="v-1")
        with tracing.span("apply Listed", aggregate_id="v-1", event_id="e-1"):
            pass
        tracing.mark("published Listed", aggregate_id="v-1", event_id="e-1")
        return "done"

    context = SimpleNamespace(
        function_name="publisher",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:{{ cookiecutter.aws_region }}:123456789012:function:publisher",
        aws_request_id="request-1",
    )
    print(lambda_handler({}, None), publisher.lambda_handler({"Records": []}, context))
    """


def start(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def printed(interpreter: subprocess.Popen[str]) -> str:
    stdout, stderr = interpreter.communicate(timeout=120)
    assert interpreter.returncode == 0, stderr
    return stdout


@pytest.fixture(scope="module")
def daemon() -> Iterator[socket.socket]:
    """Where the X-Ray SDK sends its documents: one UDP datagram each, on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listening:
        listening.bind(("127.0.0.1", 0))
        yield listening


@pytest.fixture(scope="module")
def interpreters(
    daemon: socket.socket, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """The untraced and the traced case, each in its own interpreter, both started now."""
    host, port = daemon.getsockname()
    traced_env = {
        **os.environ,
        TRACING_VARIABLE: "on",
        # What Lambda sets: without its task root, Powertools' Tracer disables itself.
        "LAMBDA_TASK_ROOT": str(tmp_path_factory.mktemp("task-root")),
        "_X_AMZN_TRACE_ID": TRACE_HEADER,
        "AWS_XRAY_DAEMON_ADDRESS": f"{host}:{port}",
        "POWERTOOLS_SERVICE_NAME": "{{ cookiecutter.component_slug }}",
        # The publisher's settings; an empty batch sends nothing to EventBridge.
        "COMPONENT_BUS_NAME": "{{ cookiecutter.component_slug }}-dev",
        "SHARED_BUS_NAME": "shared-dev",
    }
    untraced_env = {name: value for name, value in os.environ.items() if name != TRACING_VARIABLE}
    started = {"untraced": start(UNTRACED, untraced_env), "traced": start(TRACED, traced_env)}
    yield started
    for interpreter in started.values():  # A test that failed early leaves no interpreter behind.
        interpreter.kill()
        interpreter.communicate()


def documents(listening: socket.socket) -> list[dict[str, Any]]:
    """Every document the daemon received (a JSON header line, then the segment or subsegment).

    Read after the traced interpreter has exited: on loopback a datagram is queued by the time its
    send returns, so a short wait for one more only confirms there is none."""
    listening.settimeout(0.1)
    received: list[dict[str, Any]] = []
    while True:
        try:
            datagram = listening.recv(65536).decode()
        except TimeoutError:
            return received
        header, _, body = datagram.partition("\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        received.append(json.loads(body))


def test_a_stage_that_does_not_trace_loads_nothing_of_x_ray(
    interpreters: dict[str, subprocess.Popen[str]],
) -> None:
    assert printed(interpreters["untraced"]).strip() == "[]"


def test_a_traced_stage_sends_each_invocation_and_event_with_searchable_annotations(
    interpreters: dict[str, subprocess.Popen[str]], daemon: socket.socket
) -> None:
    output = printed(interpreters["traced"])

    assert output.splitlines()[-1] == "done {'batchItemFailures': []}"
    sent = documents(daemon)
    trace_ids = {document["trace_id"] for document in sent}
    assert trace_ids == {"1-67a1b2c3-0123456789abcdef01234567"}, "every document joins Lambda's trace"
    by_name = {document["name"]: document for document in sent}
    invocations = [document for document in sent if document["name"] == "## lambda_handler"]
    assert len(invocations) == 2, "the publisher's real handler is traced as well"
    assert {"aggregate_id": "v-1"}.items() <= invocations[0]["annotations"].items()
    assert by_name["apply Listed"]["annotations"] == {"aggregate_id": "v-1", "event_id": "e-1"}
    assert by_name["published Listed"]["annotations"] == {"aggregate_id": "v-1", "event_id": "e-1"}
