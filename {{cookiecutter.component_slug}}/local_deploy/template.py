"""The synthesized CloudFormation template, read as the local deploy needs it.

CloudFormation resolves intrinsic functions (``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ...) while it
deploys; so does this module, against the values the local deploy records as it creates each resource.
A value that is asked for before its resource exists, or of a resource that is not emulated, is an
error that names both, never a silent default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Physical names CloudFormation would generate are unknown until a real deploy: locally a resource
# without a name is called <stack>-<logical id>, within the length AWS allows for its kind.
NAME_LIMITS = {
    "AWS::DynamoDB::Table": 255,
    "AWS::SQS::Queue": 80,
    "AWS::Events::Rule": 64,
    "AWS::Lambda::Function": 64,
}


class TemplateError(ValueError):
    """The template asks for something the local deploy cannot give; the message says what and where."""


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    metadata: dict[str, Any]


@dataclass
class Stack:
    """A template and the values of the resources created from it so far."""

    name: str
    region: str
    account: str
    resources: dict[str, Resource]
    outputs: dict[str, Any]
    parameters: dict[str, Any]
    folder: Path
    values: dict[tuple[str, str], Any] = field(default_factory=dict)

    @classmethod
    def load(cls, template_file: Path, *, region: str, account: str = "000000000000") -> Stack:
        document = json.loads(template_file.read_text(encoding="utf-8"))
        resources = {
            logical_id: Resource(
                logical_id=logical_id,
                type=resource["Type"],
                properties=resource.get("Properties", {}),
                metadata=resource.get("Metadata", {}),
            )
            for logical_id, resource in document.get("Resources", {}).items()
        }
        return cls(
            name=template_file.name.removesuffix(".template.json"),
            region=region,
            account=account,
            resources=resources,
            outputs=document.get("Outputs", {}),
            parameters=document.get("Parameters", {}),
            folder=template_file.parent,
        )

    def of_type(self, resource_type: str) -> list[Resource]:
        return [resource for resource in self.resources.values() if resource.type == resource_type]

    def physical_name(self, resource: Resource, name_property: str) -> str:
        given = resource.properties.get(name_property)
        if given is not None:
            return str(self.resolve(given))
        limit = NAME_LIMITS.get(resource.type, 64)
        return f"{self.name}-{resource.logical_id}"[:limit]

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def record(self, logical_id: str, ref: Any, **attributes: Any) -> None:
        """What ``Ref`` and each ``Fn::GetAtt`` of a created resource give."""
        self.values[(logical_id, "Ref")] = ref
        for name, value in attributes.items():
            self.values[(logical_id, name)] = value

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by what it stands for here."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self._value(logical_id, attribute)
            if key == "Fn::Join":
                separator, parts = argument
                return str(separator).join(str(part) for part in self.resolve(parts))
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = argument
                return str(self.resolve(text)).split(separator)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key.startswith("Fn::"):
                raise TemplateError(
                    f"{key} is not supported by the local deploy (in {json.dumps(value)[:200]})"
                )
        return {key: self.resolve(item) for key, item in value.items()}

    def references(self, value: Any) -> set[str]:
        """The logical ids a value refers to (through Ref, Fn::GetAtt and Fn::Sub)."""
        found: set[str] = set()
        if isinstance(value, list):
            for item in value:
                found |= self.references(item)
        elif isinstance(value, Mapping):
            for key, argument in value.items():
                if key == "Ref" and isinstance(argument, str) and argument in self.resources:
                    found.add(argument)
                elif key == "Fn::GetAtt":
                    logical_id = argument[0] if isinstance(argument, list) else argument.split(".", 1)[0]
                    found.add(logical_id)
                elif key == "Fn::Sub":
                    text = argument if isinstance(argument, str) else argument[0]
                    names = {name.split(".", 1)[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                    found |= names & set(self.resources)
                else:
                    found |= self.references(argument)
        return found

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.name,
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            # Deploy-time parameters (e.g. an SSM parameter's value) have no local value;
            # nothing the local run uses may depend on one.
            return self.parameters[name].get("Default", f"<parameter {name}>")
        return self._value(name, "Ref")

    def _value(self, logical_id: str, attribute: str) -> Any:
        if (logical_id, attribute) in self.values:
            return self.values[(logical_id, attribute)]
        if logical_id not in self.resources:
            raise TemplateError(f"{logical_id} is not a resource of stack {self.name}")
        kind = self.resources[logical_id].type
        what = "Ref" if attribute == "Ref" else f"Fn::GetAtt {attribute}"
        raise TemplateError(
            f"{what} of {logical_id} ({kind}) has no local value: not emulated, or not created yet"
        )

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        resolved = {name: self.resolve(item) for name, item in variables.items()}

        def replace(found: re.Match[str]) -> str:
            name = found[1]
            if name in resolved:
                return str(resolved[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return str(self._value(logical_id, attribute))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def stack_template(cloud_assembly: Path) -> Path:
    """The template of the one stack in a synthesized cloud assembly (``cdk.out/<stage>``)."""
    manifest = json.loads((cloud_assembly / "manifest.json").read_text(encoding="utf-8"))
    stacks = [
        artifact["properties"]["templateFile"]
        for artifact in manifest.get("artifacts", {}).values()
        if artifact.get("type") == "aws:cloudformation:stack"
    ]
    if len(stacks) != 1:
        raise TemplateError(f"expected one stack in {cloud_assembly}, found {len(stacks)}: run `make synth`")
    return cloud_assembly / str(stacks[0])
