"""Create the synthesized stack's resources on the emulators and wire its functions to their sources.

Every setting comes from the template: key schemas and streams of the tables, queue attributes and
redrive policies, rule patterns and targets, each function's handler and environment, each event
source mapping's batch size, filter, retries, record age, bisection, partial batch responses and
on-failure destination, the API's routes. Change a batch size in the stack and the local run changes
with it. What cannot run here is listed with the reason, never skipped silently.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from local_deploy.mappings import Handler, LambdaContext{% if cookiecutter.consumer %}, QueueMapping{% endif %}, StreamMapping
from local_deploy.template import Resource, Stack, TemplateError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import CreateTableInputTypeDef
    from mypy_boto3_sqs import SQSClient

# Resource types the local deploy creates or runs.
EMULATED = {
    "AWS::DynamoDB::Table": "DynamoDB Local (table, stream, time to live)",
    "AWS::Events::EventBus": "moto server",
    "AWS::Events::Rule": "moto server (pattern and SQS targets)",
    "AWS::SQS::Queue": "moto server (attributes, redrive policy)",
    "AWS::Lambda::Function": "its handler, in this process",
    "AWS::Lambda::EventSourceMapping": "polled here with the mapping's settings",
{%- if cookiecutter.command_api %}
    "AWS::ApiGateway::RestApi": "served on a loopback port",
    "AWS::ApiGateway::Resource": "a route of the local API",
{%- if cookiecutter.jwt_authoriser %}
    "AWS::ApiGateway::Method": "a route of the local API, guarded by its authoriser",
    "AWS::ApiGateway::Authorizer": "its function asked about each request (local signing key)",
{%- else %}
    "AWS::ApiGateway::Method": "a route of the local API (IAM: a signature is required, not verified)",
{%- endif %}
    "AWS::ApiGateway::Stage": "the path prefix of the local API",
    "AWS::ApiGateway::GatewayResponse": "the local API's answer when its function fails (5XX)",
{%- endif %}
}
# Resource types that have no local counterpart, and why that is acceptable.
NOT_EMULATED = {
    "AWS::IAM::Role": "IAM is not enforced locally; cdk-nag and tests/infra check the policies",
    "AWS::IAM::Policy": "IAM is not enforced locally; cdk-nag and tests/infra check the policies",
    "AWS::Lambda::Permission": "IAM is not enforced locally",
    "AWS::SQS::QueuePolicy": "queue policies (TLS only) are not enforced by moto",
    "AWS::Logs::LogGroup": "function logs go to this terminal, as JSON",
    "AWS::CloudWatch::Alarm": "no metrics locally",
    "AWS::CloudWatch::Dashboard": "no metrics locally",
    "AWS::SNS::Topic": "the alarm topic: no alarms fire locally",
    "AWS::SNS::TopicPolicy": "the alarm topic's TLS-only policy",
    "AWS::SNS::Subscription": "the alarm topic's subscriber",
    "AWS::KMS::Key": "the alarm topic's key (encryption is not emulated)",
    "AWS::Lambda::LayerVersion": "the dependencies layer: this process imports the same locked packages",
{%- if cookiecutter.command_api %}
    "AWS::ApiGateway::Deployment": "the local API serves the current routes",
    "AWS::ApiGateway::RequestValidator": "the handler validates requests itself (Powertools)",
    "AWS::ApiGateway::Account": "API Gateway's logging role",
{%- endif %}
    "AWS::CDK::Metadata": "CDK's own bookkeeping",
}
# Settings that exist in AWS only: encryption, backups{% if cookiecutter.command_api %}, throttling{% endif %}, deletion protection;
# and the process of its own each function has there (here they share one, and the logger's state).
NOT_EMULATED_SETTINGS = (
    "encryption at rest (SSE, KMS)",
    "point-in-time recovery and deletion protection",
{%- if cookiecutter.command_api %}
    "API throttling and access logs",
{%- endif %}
    "a process per function: a line logged while another function runs may carry its function_name",
)
EVENT_BUS_ARN = "event-bus/"
# Properties of AWS::SQS::Queue that are not attributes of the queue (encryption is not emulated).
NOT_QUEUE_ATTRIBUTES = {
    "QueueName",
    "Tags",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
}


class AlreadyDeployed(RuntimeError):
    """The stack's resources exist on the emulators already: a second deploy would mix with the first."""


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    handler: Handler
    context: LambdaContext


@dataclass
class Poller:
    """One event source mapping, as it runs here."""

    description: str
    poll: Callable[[], int]


class LocalDeployment:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.functions: dict[str, Function] = {}
        self.pollers: list[Poller] = []
        self.queues_by_arn: dict[str, str] = {}
        self.imported_buses: list[str] = []
        # Imported buses another component's local deploy on the same emulators created first (--join).
        self.joined_buses: list[str] = []
        self.problems: list[str] = []
        # What this deploy created, for teardown(): a deploy that joined another's emulators removes
        # its own resources when it stops, so it can start there again (and what it half-created when
        # it could not start).
        self.created: list[tuple[str, str, str]] = []
        self._dynamodb = boto3.client("dynamodb")
        self._events = boto3.client("events")
        self._sqs: SQSClient = boto3.client("sqs")

    def provision(self) -> None:
        """Every emulated resource, in an order where each one's references already exist."""
        for table in self.stack.of_type("AWS::DynamoDB::Table"):
            self._table(table)
        for bus in self.stack.of_type("AWS::Events::EventBus"):
            self._bus(bus)
        for queue in self._queues_in_dependency_order():
            self._queue(queue)
        self._imported_buses()
        for rule in self.stack.of_type("AWS::Events::Rule"):
            self._rule(rule)
        self._set_environment()
        for function in self.stack.of_type("AWS::Lambda::Function"):
            self._function(function)
        for mapping in self.stack.of_type("AWS::Lambda::EventSourceMapping"):
            self._mapping(mapping)
        unknown = sorted({r.type for r in self.stack.resources.values()} - set(EMULATED) - set(NOT_EMULATED))
        if unknown:
            raise TemplateError(
                f"resource types the local deploy neither emulates nor lists: {', '.join(unknown)}; "
                "add them to local_deploy/deploy.py (EMULATED or NOT_EMULATED, with the reason)"
            )

    def poll(self) -> int:
        """Run every event source mapping once; how many records or messages they delivered."""
        return sum(poller.poll() for poller in self.pollers)

    def teardown(self) -> list[str]:
        """Remove what this deploy created, newest first; what could not be removed, and why.

        A rule goes before its queues and buses, a queue before the table: nothing is left pointing at
        something gone. An emulator that is gone already (the deploy that started them stopped) leaves
        nothing to remove.
        """
        failed: list[str] = []
        for kind, name, bus in reversed(self.created):
            try:
                if kind == "rule":
                    targets = self._events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
                    if targets:
                        ids = [target["Id"] for target in targets]
                        self._events.remove_targets(Rule=name, EventBusName=bus, Ids=ids)
                    self._events.delete_rule(Name=name, EventBusName=bus)
                elif kind == "queue":
                    self._sqs.delete_queue(QueueUrl=name)
                elif kind == "bus":
                    self._events.delete_event_bus(Name=name)
                else:
                    self._dynamodb.delete_table(TableName=name)
            except Exception as error:  # each is tried; what failed is reported, not raised
                failed.append(f"{kind} {name}: {error}")
        self.created.clear()
        return failed

    # ---------------------------------------------------------------- tables, buses, queues, rules

    def _table(self, resource: Resource) -> None:
        properties = self.stack.resolve(resource.properties)
        name = self.stack.physical_name(resource, "TableName")
        request: CreateTableInputTypeDef = {
            "TableName": name,
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "KeySchema": properties["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if "GlobalSecondaryIndexes" in properties:
            request["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
        view = properties.get("StreamSpecification", {}).get("StreamViewType")
        if view is not None:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
        try:
            description = self._dynamodb.create_table(**request)["TableDescription"]
        except self._dynamodb.exceptions.ResourceInUseException as exists:
            raise AlreadyDeployed(
                f"table {name} exists on the emulators already: this component's local deploy runs there "
                "already (stop it first), or two components joined with the same table names, or a joined "
                "deploy of it was killed before it could remove its resources (restart the deploy that "
                "started the emulators)"
            ) from exists
        self.created.append(("table", name, ""))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            self._dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        self.stack.record(
            resource.logical_id,
            name,
            Arn=description["TableArn"],
            StreamArn=description.get("LatestStreamArn"),
        )

    def _bus(self, resource: Resource) -> None:
        name = self.stack.physical_name(resource, "Name")
        try:
            self._events.create_event_bus(Name=name)
        except self._events.exceptions.ResourceAlreadyExistsException as exists:
            raise AlreadyDeployed(
                f"event bus {name} exists on the emulators already: this component's local deploy runs "
                "there already (stop it first), or another component's bus has its name"
            ) from exists
        self.created.append(("bus", name, ""))
        self.stack.record(
            resource.logical_id, name, Name=name, Arn=self.stack.arn("events", EVENT_BUS_ARN + name)
        )

    def _queues_in_dependency_order(self) -> list[Resource]:
        queues = self.stack.of_type("AWS::SQS::Queue")
        ordered: list[Resource] = []
        while len(ordered) < len(queues):
            ready = [
                queue
                for queue in queues
                if queue not in ordered
                and self.stack.references(queue.properties) <= {q.logical_id for q in ordered}
            ]
            if not ready:
                raise TemplateError("the queues' redrive policies refer to each other in a cycle")
            ordered += ready
        return ordered

    def _queue(self, resource: Resource) -> None:
        properties = self.stack.resolve(resource.properties)
        name = self.stack.physical_name(resource, "QueueName")
{%- if cookiecutter.fifo_buffering %}
        # CloudFormation ends the names it generates for these queues in ".fifo", as SQS requires.
        if properties.get("FifoQueue") and not name.endswith(".fifo"):
            name = name[: 80 - len(".fifo")] + ".fifo"
{%- endif %}
        # Every other property of AWS::SQS::Queue is a queue attribute of the same name and meaning.
        attributes = {
            key: _attribute(value) for key, value in properties.items() if key not in NOT_QUEUE_ATTRIBUTES
        }
        url = self._sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self.created.append(("queue", url, ""))
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.queues_by_arn[arn] = url
        self.stack.record(resource.logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)

    def _imported_buses(self) -> None:
        """Buses the stack uses but another stack owns (the shared bus): created here as stand-ins.

        They are found where the stack names them: a rule's bus and the buses its policies allow.
        """
        own = {
            self.stack.values[(bus.logical_id, "Ref")] for bus in self.stack.of_type("AWS::Events::EventBus")
        }
        wanted = {
            str(self.stack.resolve(rule.properties.get("EventBusName", "default")))
            for rule in self.stack.of_type("AWS::Events::Rule")
        }
        for policy in self.stack.of_type("AWS::IAM::Policy"):
            text = json.dumps(self._resolvable(policy.properties.get("PolicyDocument", {})))
            wanted |= {found.split('"')[0] for found in text.split(EVENT_BUS_ARN)[1:]}
        existing = {bus["Name"] for bus in self._events.list_event_buses().get("EventBuses", [])}
        for name in sorted(wanted - own - {"default"}):
            if name in existing:
                self.joined_buses.append(name)
                continue
            self._events.create_event_bus(Name=name)
            self.created.append(("bus", name, ""))
            self.imported_buses.append(name)

    def _resolvable(self, value: Any) -> Any:
        """``value`` resolved as far as it can be now; what cannot be is left out."""
        try:
            return self.stack.resolve(value)
        except TemplateError:
            if isinstance(value, list):
                return [self._resolvable(item) for item in value]
            if isinstance(value, dict):
                return {key: self._resolvable(item) for key, item in value.items()}
            return None

    def _rule(self, resource: Resource) -> None:
        properties = self.stack.resolve(resource.properties)
        name = self.stack.physical_name(resource, "Name")
        bus = properties.get("EventBusName", "default")
        self._events.put_rule(
            Name=name,
            EventBusName=bus,
            EventPattern=json.dumps(properties["EventPattern"]),
            State=properties.get("State", "ENABLED"),
        )
        self.created.append(("rule", name, bus))
        targets = []
        for target in properties.get("Targets", []):
            if target["Arn"] not in self.queues_by_arn:
                self.problems.append(
                    f"rule {resource.logical_id}: target {target['Arn']} is not an emulated queue"
                )
                continue
            targets.append(
                {
                    key: value
                    for key, value in target.items()
                    if key in {"Id", "Arn", "SqsParameters", "InputPath", "Input"}
                }
            )
        if targets:
            self._events.put_targets(Rule=name, EventBusName=bus, Targets=targets)  # type: ignore[arg-type]
        self.stack.record(
            resource.logical_id, f"{bus}|{name}", Arn=self.stack.arn("events", f"rule/{bus}/{name}")
        )

    # ---------------------------------------------------------------- functions and their sources

    def _set_environment(self) -> None:
        """The functions' environment variables, for this process: they must agree where they overlap."""
        seen: dict[str, tuple[str, str]] = {}
        for resource in self.stack.of_type("AWS::Lambda::Function"):
            variables = self.stack.resolve(resource.properties.get("Environment", {})).get("Variables", {})
            for key, value in variables.items():
                if key in seen and seen[key][1] != str(value):
                    raise TemplateError(
                        f"{resource.logical_id} and {seen[key][0]} set {key} differently "
                        f"({value!r}, {seen[key][1]!r}); the local deploy runs all functions in one process"
                    )
                seen[key] = (resource.logical_id, str(value))
        for key, (_, value) in seen.items():
            os.environ[key] = value

    def _function(self, resource: Resource) -> None:
        properties = resource.properties
        name = self.stack.physical_name(resource, "FunctionName")
        asset = resource.metadata.get("aws:asset:path")
        if asset is not None and str(self.stack.folder / asset) not in sys.path:
            # The code the stack would upload, not a copy of it.
            sys.path.insert(0, str(self.stack.folder / asset))
        module_name, _, attribute = str(properties["Handler"]).rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
        context = LambdaContext(
            function_name=name,
            memory_limit_in_mb=int(properties.get("MemorySize", 128)),
            timeout_seconds=int(properties.get("Timeout", 3)),
            invoked_function_arn=self.stack.arn("lambda", f"function:{name}"),
        )
        self.functions[resource.logical_id] = Function(resource.logical_id, name, handler, context)
        self.stack.record(resource.logical_id, name, Arn=context.invoked_function_arn)

    def _mapping(self, resource: Resource) -> None:
        properties = self.stack.resolve(resource.properties)
        function = next(f for f in self.functions.values() if f.name == properties["FunctionName"])
        source = str(properties["EventSourceArn"])
        partial = "ReportBatchItemFailures" in properties.get("FunctionResponseTypes", [])
        handler = function.handler if partial else _whole_batch(function.handler)
        filters = [
            json.loads(item["Pattern"]) for item in properties.get("FilterCriteria", {}).get("Filters", [])
        ]
        if ":dynamodb:" in source:
            if len(filters) > 1:
                raise TemplateError(
                    f"{resource.logical_id}: the local deploy supports one stream filter pattern"
                )
            destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            mapping = StreamMapping(
                boto3.client("dynamodbstreams"),
                source,
                handler,
                event_filter=filters[0] if len(filters) == 1 else {},
                on_failure=self._on_failure(destination),
                batch_size=int(properties.get("BatchSize", 100)),
                # -1 is "until the record expires": the stream's own 24 hours bound it in AWS.
                maximum_retry_attempts=max(int(properties.get("MaximumRetryAttempts", -1)), 0) or 10_000,
                maximum_record_age_seconds=_positive(properties.get("MaximumRecordAgeInSeconds")),
                bisect_on_error=bool(properties.get("BisectBatchOnFunctionError", False)),
                context=function.context,
            )
            self.pollers.append(Poller(f"{function.name} <- stream of {source.split('/')[1]}", mapping.poll))
{%- if cookiecutter.consumer %}
        elif source in self.queues_by_arn:
            if filters:
                raise TemplateError(f"{resource.logical_id}: SQS event filters are not emulated")
            queue = QueueMapping(
                self._sqs,
                self.queues_by_arn[source],
                handler,
                batch_size=int(properties.get("BatchSize", 10)),
                context=function.context,
            )

            def receive(queue: QueueMapping = queue) -> int:
                return queue.poll()[0]

            self.pollers.append(Poller(f"{function.name} <- queue {source.rsplit(':', 1)[-1]}", receive))
{%- endif %}
        else:
            raise TemplateError(f"{resource.logical_id}: event source {source} is not emulated")

    def _on_failure(self, destination: str | None) -> Callable[[dict[str, Any]], None]:
        if destination is None:
            return lambda failure: None
        if destination not in self.queues_by_arn:
            raise TemplateError(f"on-failure destination {destination} is not an emulated queue")
        url = self.queues_by_arn[destination]
        return lambda failure: self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(failure)) and None


def _attribute(value: Any) -> str:
    """A queue attribute as SQS takes it: text, with policies as JSON and booleans in lower case."""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _whole_batch(handler: Handler) -> Handler:
    """Without ReportBatchItemFailures, Lambda takes any answer as success for the whole batch."""

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        handler(event, context)
        return {"batchItemFailures": []}

    return invoke


def _positive(value: Any) -> int | None:
    return None if value is None or int(value) < 0 else int(value)
