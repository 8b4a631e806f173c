"""The local deploy takes every setting from the template: change the stack, and the local run changes.

A small template in the shape CDK synthesizes (a table with a stream, a function, a stream mapping
with a filter, a batch size and an on-failure queue) is deployed to the emulators the integration
tests run; the function is a recorder defined here.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from local_deploy.deploy import LocalDeployment
from local_deploy.template import Stack, TemplateError

BATCHES: list[list[str]] = []


def remember(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function under the mapping: records each batch's keys, fails the records marked "poison"."""
    keys = [record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]]
    BATCHES.append(keys)
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


def test_the_filter_retries_and_on_failure_queue_come_from_the_template(tmp_path: Path) -> None:
    deployment = deploy(tmp_path, template(10))
    write(deployment, "ok", "poison")
    boto3.client("dynamodb").delete_item(
        TableName=deployment.stack.values[("Table", "Ref")], Key={"pk": {"S": "ok"}}
    )

    deployment.poll()

    # The REMOVE is filtered out; the poison record is tried once and retried once, then given up.
    assert BATCHES == [["ok", "poison"], ["poison"]]
    failures_url = deployment.stack.resolve({"Ref": "Failures"})
    messages = boto3.client("sqs").receive_message(QueueUrl=failures_url).get("Messages", [])
    assert json.loads(messages[0]["Body"])["DDBStreamBatchInfo"]["batchSize"] == 1


def test_a_resource_type_it_neither_runs_nor_lists_is_refused_by_name(tmp_path: Path) -> None:
    document = template(10, extra={"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}})

    with pytest.raises(TemplateError, match="neither emulates nor lists: AWS::SNS::Topic"):
        deploy(tmp_path, document)


def test_an_unsupported_intrinsic_function_is_refused_naming_it(tmp_path: Path) -> None:
    stack = Stack.load(_written(tmp_path, template(10)), region="eu-west-2")

    with pytest.raises(TemplateError, match="Fn::ImportValue is not supported"):
        stack.resolve({"Fn::ImportValue": "shared-bus"})


def _written(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "local-test.template.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_ctrl_c_stops_every_process_the_local_deploy_started(tmp_path: Path) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    _written(assembly, template(10))
    manifest = {
        "artifacts": {
            "local-test": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "local-test.template.json"},
            }
        }
    }
    (assembly / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    outputs = tmp_path / "outputs.json"
    command = [sys.executable, "-m", "local_deploy", str(assembly), "--outputs", str(outputs)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not outputs.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    endpoints = json.loads(outputs.read_text(encoding="utf-8"))["Endpoints"]

    process.send_signal(signal.SIGINT)
    printed, _ = process.communicate(timeout=30)

    assert process.returncode == 0, printed
    assert "Not emulated:" in printed
    assert "AWS::IAM::Role" in printed
    for endpoint in {endpoints["dynamodb"], endpoints["sqs"]}:
        address = urlsplit(endpoint)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address.hostname, address.port), timeout=2).close()
