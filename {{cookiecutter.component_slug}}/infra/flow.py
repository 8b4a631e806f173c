"""The component's flow as a Mermaid diagram, drawn from its synthesized stack: README.md's `flow` block.

`make docs` writes it and `make lint` fails while it is stale, like the README's tables
(contracts/readme.py). It is read from the CloudFormation template the CDK app synthesizes, not from
infra/stack.py's code, so it shows what deploys: each resource an event passes through is a node, and
each reference between two of them is an edge:

{%- if cookiecutter.command_api %}
- an API Gateway method: the API -> the function its Lambda integration invokes;
{%- endif %}
- a Lambda event source mapping: a table's stream or a queue -> the function, and the function -> the
  mapping's on-failure destination;
- a function's IAM grants: events:PutEvents -> the bus, a DynamoDB write -> the table;
- an EventBridge rule: its bus -> the rule -> each target;
- a queue's redrive policy: the queue -> its dead-letter queue.

The stack gives the shape, the domain the words: NAMES and WRITES below, and on each bus the events the
registry sends there. A resource added to the stack is drawn under its construct id until it is named here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from {{ cookiecutter.package_name }}.events.registry import PUBLISHED, Visibility
from {{ cookiecutter.package_name }}.settings import PublisherSettings

AGGREGATE = "{{ cookiecutter.aggregate }}"
PACKAGE = "{{ cookiecutter.package_name }}"
# The stage whose stack is drawn: every stage deploys the same resources, under other names.
STAGE = "dev"
BUSES = PublisherSettings.for_stage(STAGE)
# Where the publisher sends each visibility (handlers/publisher.py), by the bus's name.
VISIBILITY_ON = {BUSES.shared_bus_name: Visibility.PUBLIC, BUSES.component_bus_name: Visibility.PRIVATE}

# What each resource is in this component's words, by its construct id in infra/stack.py.
NAMES = {
{%- if cookiecutter.command_api %}
    "RestApi": f"{AGGREGATE} Command API",
    "Api": "commands and queries",
{%- endif %}
    "Store": f"{AGGREGATE} store",
    "Publisher": "publisher",
    "StreamFailures": "stream failures",
    "SharedBus": "shared bus",
    "ComponentBus": "component bus",
{%- if cookiecutter.consumer %}
    "ConsumerRule": "consumer rule",
    "ConsumerQueue": "consumer queue",
    "ConsumerDlq": "consumer DLQ",
    "ConsumerDeliveryFailures": "undelivered events",
    "Consumer": "consumer",
    "Idempotency": "idempotency records",
{%- endif %}
}
# What a function keeps in a table it writes, by construct ids; any other write is drawn as "writes".
{%- if cookiecutter.command_api or cookiecutter.consumer %}
WRITES = {
{%- if cookiecutter.command_api %}
    ("Api", "Store"): "state, events, outbox",
{%- endif %}
{%- if cookiecutter.consumer %}
    # The projection lives in the store's table (ADR 2): the edge goes back to it.
    ("Consumer", "Store"): f"{AGGREGATE} catalogue projection",
    ("Consumer", "Idempotency"): "events handled",
{%- endif %}
}
{%- else %}
WRITES: dict[tuple[str, str], str] = {}
{%- endif %}
# How each kind of resource is drawn: what it is, and the Mermaid shape around its label.
KINDS = {
{%- if cookiecutter.command_api %}
    "AWS::ApiGateway::RestApi": ("API Gateway REST API", '(["', '"])'),
{%- endif %}
    "AWS::Lambda::Function": ("Lambda", '("', '")'),
    "AWS::DynamoDB::Table": ("DynamoDB table", '[("', '")]'),
    "AWS::Events::EventBus": ("EventBridge bus", '>"', '"]'),
    "AWS::Events::Rule": ("EventBridge rule", '{"', '"}'),
    "AWS::SQS::Queue": ("SQS queue", '[["', '"]]'),
}
DYNAMODB_WRITES = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
}
# The CDK ends each logical id with a hash of the construct's path: the construct id is what is left.
HASH = re.compile(r"[0-9A-F]{8}$")


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    shape: tuple[str, str]

    def mermaid(self) -> str:
        opening, closing = self.shape
        return f"{self.id}{opening}{self.label}{closing}"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    # A path taken when something failed: drawn dashed.
    failure: bool = False

    def mermaid(self) -> str:
        arrow = "-.->" if self.failure else "-->"
        label = f'|"{self.label}"|' if self.label else ""
        return f"{self.source} {arrow}{label} {self.target}"


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        (found,) = [node for node in self.nodes if node.id == node_id]
        return found

    def pairs(self) -> set[tuple[str, str]]:
        return {(edge.source, edge.target) for edge in self.edges}


def references(value: object) -> Iterator[str]:
    """The logical ids a value refers to (Ref, Fn::GetAtt), at any depth; AWS's pseudo parameters left out."""
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str) and not value["Ref"].startswith("AWS::"):
            yield value["Ref"]
        if isinstance(value.get("Fn::GetAtt"), list):
            yield str(value["Fn::GetAtt"][0])
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def texts(value: object) -> Iterator[str]:
    """Every literal string in a value, at any depth (an ARN the template joins from parts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


class Drawing:
    """Reads one template into nodes and edges."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.resources: dict[str, dict[str, Any]] = template["Resources"]
        self.edges: list[Edge] = []
        # Buses the stack refers to by name without owning them (the shared bus): node id -> name.
        self.external_buses: dict[str, str] = {}
        ids = [HASH.sub("", logical) or logical for logical in self.resources]
        self.ids = {
            logical: short if ids.count(short) == 1 else logical
            for logical, short in zip(self.resources, ids, strict=True)
        }

    def of_type(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical, resource in self.resources.items():
            if resource["Type"] == kind:
                yield logical, resource.get("Properties", {})

    def referred(self, value: object, kind: str) -> list[str]:
        """The resources of a kind that a value refers to, in order, each once."""
        found = [logical for logical in references(value) if self.kind(logical) == kind]
        return list(dict.fromkeys(found))

    def kind(self, logical: str) -> str:
        return str(self.resources.get(logical, {}).get("Type", ""))

    def add(self, source: str, target: str, label: str = "", *, failure: bool = False) -> None:
        edge = Edge(self.ids.get(source, source), self.ids.get(target, target), label, failure)
        if all((known.source, known.target) != (edge.source, edge.target) for known in self.edges):
            self.edges.append(edge)

    def bus(self, value: object) -> str | None:
        """The bus a value names: the logical id of one the stack owns, else the node of one it imports."""
        owned = self.referred(value, "AWS::Events::EventBus")
        if owned:
            return owned[0]
        for text in texts(value):
            name = text.rsplit("event-bus/", 1)[-1]
            if name and ":" not in name:
                node_id = "SharedBus" if name == BUSES.shared_bus_name else re.sub(r"\W", "_", name)
                self.external_buses[node_id] = name
                return node_id
        return None

    def bus_name(self, bus: str) -> str:
        if bus in self.external_buses:
            return self.external_buses[bus]
        return str(self.resources[bus].get("Properties", {}).get("Name", ""))

    def draw(self) -> Graph:
{%- if cookiecutter.command_api %}
        self.api_methods()
{%- endif %}
        self.event_source_mappings()
        self.grants()
        self.rules()
        self.redrives()
        return self.graph()
{%- if cookiecutter.command_api %}

    def api_methods(self) -> None:
        for _, method in self.of_type("AWS::ApiGateway::Method"):
            for api in self.referred(method.get("RestApiId"), "AWS::ApiGateway::RestApi"):
                for function in self.referred(method.get("Integration"), "AWS::Lambda::Function"):
                    self.add(api, function)
{%- endif %}

    def event_source_mappings(self) -> None:
        for _, mapping in self.of_type("AWS::Lambda::EventSourceMapping"):
            for function in self.referred(mapping.get("FunctionName"), "AWS::Lambda::Function"):
                source = mapping.get("EventSourceArn")
                attribute = source.get("Fn::GetAtt", [None, None])[1] if isinstance(source, dict) else None
                for logical in references(source):
                    self.add(logical, function, "stream" if attribute == "StreamArn" else "")
                failed = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                for logical in references(failed):
                    self.add(function, logical, "on failure", failure=True)

    def grants(self) -> None:
        roles = {
            role: logical
            for logical, function in self.of_type("AWS::Lambda::Function")
            for role in references(function.get("Role"))
        }
        for _, policy in self.of_type("AWS::IAM::Policy"):
            functions = [roles[role] for role in references(policy.get("Roles")) if role in roles]
            for statement in policy.get("PolicyDocument", {}).get("Statement", []):
                actions = set(listed(statement.get("Action")))
                for function in functions:
                    if "events:PutEvents" in actions:
                        for resource in listed(statement.get("Resource")):
                            bus = self.bus(resource)
                            if bus is not None:
                                self.add(function, bus, self.events_on(bus))
                    if actions & DYNAMODB_WRITES:
                        for table in self.referred(statement.get("Resource"), "AWS::DynamoDB::Table"):
                            key = (self.ids[function], self.ids[table])
                            self.add(function, table, WRITES.get(key, "writes"))

    def events_on(self, bus: str) -> str:
        """The events the publisher sends to a bus, by the registry: its public or its private ones."""
        visibility = VISIBILITY_ON.get(self.bus_name(bus))
        if visibility is None:
            return ""
        names = dict.fromkeys(t.name for t in PUBLISHED if t.visibility == visibility)
        return "<br>".join([f"{visibility.value} events", *names])

    def rules(self) -> None:
        for logical, rule in self.of_type("AWS::Events::Rule"):
            # A rule without EventBusName is on the account's default bus.
            bus = self.bus(rule.get("EventBusName", "default"))
            detail_types = dict.fromkeys(detail_type for detail_type in matched(rule.get("EventPattern")))
            if bus is not None:
                self.add(bus, logical, "<br>".join(detail_types))
            for target in rule.get("Targets", []):
                for target_logical in references(target.get("Arn")):
                    self.add(logical, target_logical)
                for dead_letter in references(target.get("DeadLetterConfig", {}).get("Arn")):
                    self.add(logical, dead_letter, "undeliverable", failure=True)

    def redrives(self) -> None:
        for logical, queue in self.of_type("AWS::SQS::Queue"):
            redrive = queue.get("RedrivePolicy", {})
            for dead_letter in references(redrive.get("deadLetterTargetArn")):
                receives = redrive.get("maxReceiveCount")
                self.add(logical, dead_letter, f"after {receives} receives" if receives else "", failure=True)

    def graph(self) -> Graph:
        by_id = {short: logical for logical, short in self.ids.items()}
        order = flow_order(self.edges)
        nodes = [self.node(node_id, by_id.get(node_id)) for node_id in order]
        edges = sorted(self.edges, key=lambda edge: (order.index(edge.source), order.index(edge.target)))
        return Graph(tuple(nodes), tuple(edges))

    def node(self, node_id: str, logical: str | None) -> Node:
        name = NAMES.get(node_id, node_id)
        if logical is None:  # a bus the stack imports
            kind, opening, closing = KINDS["AWS::Events::EventBus"]
            return Node(node_id, f"{name}<br>{kind}, another stack's", (opening, closing))
        resource = self.resources[logical]
        kind, opening, closing = KINDS.get(resource["Type"], (resource["Type"], '["', '"]'))
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Function":
            module = str(properties.get("Handler", "")).rsplit(".", 1)[0].removeprefix(f"{PACKAGE}.")
            kind = f"{kind}: {module.replace('.', '/')}.py"
{%- if cookiecutter.fifo_buffering %}
        if properties.get("FifoQueue"):
            kind = "SQS FIFO queue"
{%- endif %}
        return Node(node_id, f"{name}<br>{kind}", (opening, closing))


def matched(pattern: object) -> Iterator[str]:
    """The detail-types an event pattern matches, at any depth (each version's branch of an `$or`)."""
    if isinstance(pattern, dict):
        for key, value in pattern.items():
            if key == "detail-type":
                yield from (str(item) for item in listed(value))
            else:
                yield from matched(value)
    elif isinstance(pattern, list):
        for item in pattern:
            yield from matched(item)


def flow_order(edges: list[Edge]) -> list[str]:
    """The nodes in the order the flow reaches them, from where it starts: what takes a request from
    outside (nothing leads to it), else the table whose stream starts publishing. Mermaid lays out the
    diagram in the order it reads the nodes, so it reads left to right."""
    nodes = list(dict.fromkeys(node for edge in edges for node in (edge.source, edge.target)))
    targets = {edge.target for edge in edges}
    starts = [node for node in nodes if node not in targets]
    starts += [edge.source for edge in edges if edge.label == "stream" and edge.source not in starts]
    order: list[str] = []
    for node in [*starts, *nodes]:
        queue = [node]
        while queue:
            current = queue.pop(0)
            if current not in order:
                order.append(current)
                queue += sorted(edge.target for edge in edges if edge.source == current)
    return order


def graph(template: dict[str, Any]) -> Graph:
    """The flow a synthesized CloudFormation template deploys."""
    return Drawing(template).draw()


def diagram(template: dict[str, Any]) -> list[str]:
    """The flow as a Mermaid flowchart in a Markdown code block: the lines of the README's block."""
    drawn = graph(template)
    lines = ["```mermaid", "flowchart LR"]
    lines += [f"    {node.mermaid()}" for node in drawn.nodes]
    lines += [f"    {edge.mermaid()}" for edge in drawn.edges]
    return [*lines, "```"]


@functools.cache
def synthesized() -> dict[str, Any]:
    """The dev stack's template, synthesized in this process once (seconds: the CDK runs on Node)."""
    # Imported here: the commands that do not draw the flow need not load the CDK.
    from infra import app
    from infra.naming import Deployment

    return app.template(Deployment(stage=STAGE))
