{%- set A = cookiecutter.aggregate -%}
"""The README's flow diagram: drawn from the synthesized stack, it follows the stack and nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from {{ cookiecutter.package_name }}.events.registry import PUBLISHED, Visibility

from contracts import readme
from contracts.__main__ import main
from infra import flow
from tests.infra.conftest import Synthesized


def drawn_in_readme() -> str:
    found = readme.block("flow").search(readme.README.read_text(encoding="utf-8"))
    assert found is not None, "README.md has lost its flow block"
    return found.group(2)


def test_the_readme_draws_the_stack_as_it_is_synthesized(dev: Synthesized) -> None:
    assert drawn_in_readme() == "\n".join(flow.diagram(dev.json)) + "\n", "run `make docs`"


def test_docs_check_refuses_a_flow_the_stack_no_longer_has(
    dev: Synthesized,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The stack these tests synthesized once, instead of a second synth.
    monkeypatch.setattr(flow, "synthesized", lambda: dev.json)
    text = readme.README.read_text(encoding="utf-8")
    stale = tmp_path / "README.md"
    # An edge drawn as the stack no longer has it.
    drawn = text.replace('-.->|"on failure"| StreamFailures', "--> StreamFailures")
    stale.write_text(drawn, encoding="utf-8")
    monkeypatch.setattr(readme, "README", stale)
    assert main(["docs", "--check"]) == 1
    assert "README.md): run `make docs`" in capsys.readouterr().err
    assert main(["docs"]) == 0
    assert stale.read_text(encoding="utf-8") == text


def test_each_part_of_the_flow_is_drawn_from_the_resource_that_makes_it(dev: Synthesized) -> None:
    drawn = flow.graph(dev.json)
    expected = {
        ("Store", "Publisher"),  # the table's stream feeds the publisher (an event source mapping)
        ("Publisher", "StreamFailures"),  # the mapping's on-failure destination
        ("Publisher", "SharedBus"),  # events:PutEvents on the bus the stack imports by name
        ("Publisher", "ComponentBus"),  # events:PutEvents on the bus the stack owns
{%- if cookiecutter.command_api %}
        ("RestApi", "Api"),  # the API's methods integrate the function
        ("Api", "Store"),  # the function may write the table
{%- endif %}
{%- if cookiecutter.consumer %}
        ("SharedBus", "ConsumerRule"),  # the rule is on the shared bus
        ("ConsumerRule", "ConsumerQueue"),  # its target
        ("ConsumerRule", "ConsumerDeliveryFailures"),  # the target's dead-letter queue
        ("ConsumerQueue", "Consumer"),  # an event source mapping
        ("ConsumerQueue", "ConsumerDlq"),  # the redrive policy
        ("Consumer", "Store"),  # the projection
        ("Consumer", "Idempotency"),
{%- endif %}
    }
    assert drawn.pairs() == expected
    # The words come from the domain: the aggregate's name, the events the registry sends to each bus.
    assert drawn.node("Store").label.startswith("{{ A }} store")
    for bus, visibility in (("SharedBus", Visibility.PUBLIC), ("ComponentBus", Visibility.PRIVATE)):
        (edge,) = [edge for edge in drawn.edges if edge.target == bus]
        assert edge.label.split("<br>")[1:] == list(
            dict.fromkeys(t.name for t in PUBLISHED if t.visibility is visibility),
        )


def test_the_diagram_is_mermaid_whose_edges_join_declared_nodes(dev: Synthesized) -> None:
    lines = flow.diagram(dev.json)
    assert lines[:2] == ["```mermaid", "flowchart LR"]
    assert lines[-1] == "```"
    drawn = flow.graph(dev.json)
    declared = [node.id for node in drawn.nodes]
    assert all(re.fullmatch(r"[A-Za-z]\w*", node_id) for node_id in declared)
    assert len(set(declared)) == len(declared)
    assert {node for pair in drawn.pairs() for node in pair} == set(declared)
    # A double quote would end a Mermaid label early.
    labels = [node.label for node in drawn.nodes] + [edge.label for edge in drawn.edges]
    assert [label for label in labels if '"' in label] == []


def small_stack(*, consumer: bool) -> dict[str, Any]:
    """A stack with the flow's first part (a table whose stream a function publishes to a bus), and a
    rule, a queue and a function fed by it when asked: what the diagram draws is what a stack has."""
    stack = Stack(App(), "Flow")
    table = dynamodb.Table(
        stack,
        "Store",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        stream=dynamodb.StreamViewType.NEW_IMAGE,
    )
    code = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")
    publisher = lambda_.Function(
        stack,
        "Publisher",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=code,
    )
    publisher.add_event_source(
        sources.DynamoEventSource(table, starting_position=lambda_.StartingPosition.TRIM_HORIZON),
    )
    bus = events.EventBus(stack, "ComponentBus")
    bus.grant_put_events_to(publisher)
    if consumer:
        queue = sqs.Queue(stack, "ConsumerQueue")
        events.Rule(
            stack,
            "ConsumerRule",
            event_bus=bus,
            event_pattern=events.EventPattern(detail_type=["{{ A }}Listed"]),
            targets=[targets.SqsQueue(queue)],
        )
        handler = lambda_.Function(
            stack,
            "Consumer",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=code,
        )
        handler.add_event_source(sources.SqsEventSource(queue))
    return dict(Template.from_stack(stack).to_json())


def test_a_stack_without_a_consumer_draws_no_rule_queue_or_consumer() -> None:
    drawn = flow.graph(small_stack(consumer=False))
    assert drawn.pairs() == {("Store", "Publisher"), ("Publisher", "ComponentBus")}
    assert not [node for node in drawn.nodes if "SQS" in node.label or "rule" in node.label]


def test_a_stack_with_a_consumer_draws_its_rule_queue_and_function() -> None:
    drawn = flow.graph(small_stack(consumer=True))
    assert {("ComponentBus", "ConsumerRule"), ("ConsumerRule", "ConsumerQueue")} <= drawn.pairs()
    assert ("ConsumerQueue", "Consumer") in drawn.pairs()
    (rule,) = [edge for edge in drawn.edges if edge.target == "ConsumerRule"]
    assert rule.label == "{{ A }}Listed", "the rule's edge names the events its pattern matches"
