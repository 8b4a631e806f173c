"""JSON Schemas of every registered event version, generated from the pydantic models (the one source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import core_schema

from {{ cookiecutter.package_name }}.events.registry import EVENT_TYPES, PUBLISHED, EventType, Visibility

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "events" / "schemas"
BASELINE = ROOT / "docs" / "events" / "baseline"
# Changes the squad checked every recorded event against (compatibility.checked).
CHECKED_HISTORY = ROOT / "docs" / "events" / "checked-history.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def file_name(name: str, version: int) -> str:
    return f"{name}.v{version}.json"


def data_schema(event_type: EventType) -> dict[str, Any]:
    """The schema of the event's ``data``, as consumers see it: self-contained, every ``$ref`` resolves.

    Its name travels as ``detail-type``, not in the data, so ``kind`` is left out; so are pydantic's
    per-field titles. Objects are left open (no ``additionalProperties: false``, nested models included):
    consumers must ignore fields they do not know, which is what lets an optional field be added
    without a new version. Enums and nested models stay in ``$defs``, as pydantic names them.
    """
    return schema_of(event_type.model, event_type.name, event_type.version, event_type.visibility)


def schema_of(
    model: type[BaseModel],
    name: str,
    version: int,
    visibility: Visibility,
    mode: JsonSchemaMode = "serialization",
) -> dict[str, Any]:
    """``data_schema`` of any event model (the registry's, or a test's).

    By default the schema of what is sent: the data ``registry.to_data`` writes (field names, unless the
    model serializes by alias; a serializer's type; an excluded field left out; a computed field in), so
    the gate holds what consumers receive, not what the model would accept. ``mode="validation"`` is
    what the model reads, which the gate holds to the events already recorded (``contracts check``).
    """
    by_alias = bool(model.model_config.get("serialize_by_alias", False)) if mode == "serialization" else True
    generated = model.model_json_schema(by_alias=by_alias, mode=mode)
    if mode == "serialization":
        written = model.model_json_schema(by_alias=by_alias, mode=mode, schema_generator=_AlwaysWritten)
        generated = _defaults_as_presence(generated, written)
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": name,
        "x-version": version,
        "x-visibility": visibility.value,
        "type": "object",
        "properties": {
            field: spec for field, spec in untitled(generated["properties"]).items() if field != "kind"
        },
        "required": [field for field in generated.get("required", []) if field != "kind"],
    }
    if "$defs" in generated:
        schema["$defs"] = {
            type_name: opened(definition) for type_name, definition in sorted(generated["$defs"].items())
        }
    return schema


class _AlwaysWritten(GenerateJsonSchema):
    """Marks as required each field ``to_data`` always writes: all but those with an ``exclude_if``."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        return field.get("serialization_exclude_if") is None


def _defaults_as_presence(generated: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    """``generated`` with a ``default`` only on the fields that are always written.

    ``model_dump`` writes a field with a default like any other, so the gate reads a ``default`` as
    "present in every event" (a required field that gained one still reaches consumers). A field
    with an ``exclude_if`` is left out of some events: its ``default`` is dropped, so the gate sees it
    as what it is, a field consumers may not get.
    """

    def trimmed(schema: dict[str, Any], always: dict[str, Any]) -> dict[str, Any]:
        present = set(always.get("required", []))
        properties = {
            name: spec if name in present else {key: value for key, value in spec.items() if key != "default"}
            for name, spec in schema.get("properties", {}).items()
        }
        return {**schema, "properties": properties} if "properties" in schema else schema

    found = trimmed(generated, written)
    if "$defs" in generated:
        found["$defs"] = {
            name: trimmed(definition, written.get("$defs", {}).get(name, {}))
            for name, definition in generated["$defs"].items()
        }
    return found


def opened(definition: dict[str, Any]) -> dict[str, Any]:
    """A nested model's schema as consumers see it: untitled fields, unknown fields allowed."""
    if "properties" not in definition:
        return definition  # An enum, or another schema with no fields of its own.
    found = {key: value for key, value in definition.items() if key != "additionalProperties"}
    found["properties"] = untitled(definition["properties"])
    return found


def untitled(properties: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's per-field titles repeat the field names in Title Case: noise for a reader, left out."""
    return {
        name: {key: value for key, value in spec.items() if key != "title"}
        for name, spec in properties.items()
    }


def references(schema: Any) -> set[str]:
    """Every ``$ref`` in a schema, at any depth."""
    if isinstance(schema, dict):
        found = {schema["$ref"]} if isinstance(schema.get("$ref"), str) else set()
        return found.union(*(references(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(references(value) for value in schema))
    return set()


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2) + "\n"


def current() -> dict[str, str]:
    """File name -> content of every event version's schema, as the code defines it today."""
    return {file_name(t.name, t.version): render(data_schema(t)) for t in EVENT_TYPES}


def current_public() -> dict[str, str]:
    """The schemas of the public event versions published today: what the baseline is compared with."""
    return {
        file_name(t.name, t.version): render(data_schema(t))
        for t in PUBLISHED
        if t.visibility is Visibility.PUBLIC
    }


def current_versions() -> dict[str, int]:
    """Each event's current version: the one its domain model records."""
    return {t.name: t.version for t in EVENT_TYPES if t.current}


def read(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.json"))}
