"""Least privilege, proven against the code (infra/least_privilege.py): each function's role allows the
AWS calls its code can make and what Lambda does for it, and nothing else.

The control is the comparison: without it, a grant added "to make it work" or a call added without its
grant would reach a deploy. The tests below show it catching each, on copies of the synthesized stack
and of the source.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra import least_privilege
from infra.stack import PACKAGE, SOURCE_DIR
from tests.infra.conftest import Synthesized


@pytest.fixture(scope="module")
def code() -> least_privilege.Code:
    return least_privilege.Code(PACKAGE)


def test_every_function_is_granted_exactly_what_its_code_and_lambda_use(
    stacks: dict[str, Synthesized], code: least_privilege.Code
) -> None:
    for name, synthesized in stacks.items():
        assert least_privilege.differences(synthesized.json, code) == [], name


def publisher_of(template: dict[str, Any]) -> str:
    (function_id,) = [
        function_id
        for function_id, handler in least_privilege.functions(template).items()
        if handler == f"{PACKAGE}.handlers.publisher.lambda_handler"
    ]
    return function_id


def policy_of(template: dict[str, Any], function_id: str) -> dict[str, Any]:
    role_id = template["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = [
        resource["Properties"]["PolicyDocument"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]
    ]
    return dict(policy)


def component_bus(template: dict[str, Any]) -> str:
    (bus,) = [
        str(logical_id)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Events::EventBus"
    ]
    return bus


def edited_source(
    tmp_path: Path, module: str, old: str, new: str, *more: tuple[str, str]
) -> tuple[least_privilege.Code, str]:
    """The code read from a copy of the source whose ``module`` has ``old`` replaced by ``new`` (and
    each further pair of ``more`` likewise)."""
    source = tmp_path / "src"
    shutil.copytree(SOURCE_DIR / PACKAGE, source / PACKAGE)
    path = source / PACKAGE / module
    edited = path.read_text(encoding="utf-8")
    for before, after in [(old, new), *more]:
        assert before in edited
        edited = edited.replace(before, after)
    path.write_text(edited, encoding="utf-8")
    return least_privilege.Code(PACKAGE, source), edited


def test_a_widened_policy_fails_naming_the_function_and_the_action(
    dev: Synthesized, code: least_privilege.Code
) -> None:
    template = copy.deepcopy(dev.json)
    publisher = publisher_of(template)
    bus = component_bus(template)
    # What a grant "to make it work" adds: more on a resource the function already uses, and a wildcard.
    policy_of(template, publisher)["Statement"] += [
        {"Effect": "Allow", "Action": "events:PutRule", "Resource": {"Fn::GetAtt": [bus, "Arn"]}},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
    ]
    assert least_privilege.differences(template, code) == [
        f"{publisher}: events:PutRule on {bus} is granted, and neither its code nor Lambda uses it: "
        "remove the grant from infra/stack.py",
        f"{publisher}: sqs:SendMessage on * is granted, and neither its code nor Lambda uses it: "
        "remove the grant from infra/stack.py",
    ]


def test_a_grant_taken_away_fails_naming_the_call_that_needs_it(
    dev: Synthesized, code: least_privilege.Code
) -> None:
    template = copy.deepcopy(dev.json)
    publisher = publisher_of(template)
    statements = policy_of(template, publisher)["Statement"]
    statements[:] = [statement for statement in statements if statement["Action"] != "events:PutEvents"]
    found = least_privilege.differences(template, code)
    assert len(found) == 2, found  # the component's bus and the shared bus
    for problem in found:
        assert problem.startswith(f"{publisher}: events.publisher.EventPublisher.")
        assert "calls events:PutEvents on " in problem
        assert problem.endswith(
            "which its role does not grant: grant it in infra/stack.py, on that resource only"
        )


def test_a_call_added_to_the_code_without_its_grant_fails(dev: Synthesized, tmp_path: Path) -> None:
    # A squad's edit: the publisher now also creates a rule when it sends (and nobody granted it).
    sent = "response = self._client.put_events("
    edited, _ = edited_source(
        tmp_path, "events/publisher.py", sent, 'self._client.put_rule(Name="x")\n            ' + sent
    )
    found = least_privilege.differences(dev.json, edited)
    publisher = publisher_of(dev.json)
    assert len(found) == 2, found  # the rule would be created on both buses the publisher is given
    assert all(f"{publisher}: events.publisher.EventPublisher." in problem for problem in found)
    assert all("calls events:PutRule on " in problem for problem in found)


def test_lambda_s_own_needs_are_required_too(dev: Synthesized, code: least_privilege.Code) -> None:
    template = copy.deepcopy(dev.json)
    publisher = publisher_of(template)
    statements = policy_of(template, publisher)["Statement"]
    statements[:] = [statement for statement in statements if statement["Action"] != "sqs:SendMessage"]
    found = least_privilege.differences(template, code)
    assert len(found) == 1, found
    why = "Lambda sends the records it gave up on to the destination"
    assert found[0].startswith(f"{publisher}: {why}, which needs sqs:SendMessage on "), found


def test_a_class_built_in_c_is_read_as_making_no_calls(dev: Synthesized, tmp_path: Path) -> None:
    # A squad's edit: the handler builds a Decimal (DynamoDB's numbers are Decimals), a class with no
    # Python source to read; on Python 3.13 neither has functools.partial (the consumer builds one).
    # Neither can call AWS: the gate reads them as making no calls instead of stopping.
    imports = "import functools\n"
    settings = "    settings = PublisherSettings.from_environment()\n"
    code, _ = edited_source(
        tmp_path,
        "handlers/publisher.py",
        imports,
        imports + "from decimal import Decimal\n",
        (settings, settings + '    Decimal("1")\n'),
    )
    assert least_privilege.differences(dev.json, code) == []


def test_a_python_class_without_its_source_stops_the_check(code: least_privilege.Code) -> None:
    # Made at run time, its methods may call AWS where no source shows it: not read as making no calls.
    def send(self: object) -> None:
        del self

    made = type("Sender", (), {"send": send})
    with pytest.raises(ValueError, match=r"^library\.Sender is a Python class whose source this check"):
        least_privilege._read_library_calls(code, "library.Sender", made)


def test_a_call_is_on_the_resource_its_own_arguments_name(dev: Synthesized, tmp_path: Path) -> None:
    # A squad's edit in the handler module: a call that names its bus from a setting, not through an object.
    settings = "    settings = PublisherSettings.from_environment()\n"
    added = '    eventbridge_client().put_rule(Name="x", EventBusName=settings.component_bus_name)\n'
    code, edited = edited_source(tmp_path, "handlers/publisher.py", settings, settings + added)
    line = edited.splitlines().index(added.rstrip("\n")) + 1
    found = least_privilege.differences(dev.json, code)
    bus = component_bus(dev.json)
    assert found == [
        f"{publisher_of(dev.json)}: handlers.publisher.publisher, line {line} calls events:PutRule on {bus}, "
        "which its role does not grant: grant it in infra/stack.py, on that resource only"
    ]
