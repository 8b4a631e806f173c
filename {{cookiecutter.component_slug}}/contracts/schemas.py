"""JSON Schemas of every registered event version, generated from the pydantic models (the one source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.events.registry import EVENT_TYPES, EventType, Visibility

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "events" / "schemas"
BASELINE = ROOT / "docs" / "events" / "baseline"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def file_name(name: str, version: int) -> str:
    return f"{name}.v{version}.json"


def data_schema(event_type: EventType) -> dict[str, Any]:
    """The schema of the event's ``data``, as consumers see it.

    Its name travels as ``detail-type``, not in the data, so ``kind`` is left out; so are pydantic's
    per-field titles. ``additionalProperties`` is left open: consumers must ignore fields they do not
    know, which is what lets an optional field be added without a new version.
    """
    generated = event_type.model.model_json_schema()
    properties = {name: spec for name, spec in untitled(generated["properties"]).items() if name != "kind"}
    return {
        "$schema": DIALECT,
        "title": event_type.name,
        "x-version": event_type.version,
        "x-visibility": event_type.visibility.value,
        "type": "object",
        "properties": properties,
        "required": [name for name in generated.get("required", []) if name != "kind"],
    }


def untitled(properties: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's per-field titles repeat the field names in Title Case: noise for a reader, left out."""
    return {
        name: {key: value for key, value in spec.items() if key != "title"}
        for name, spec in properties.items()
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2) + "\n"


def current() -> dict[str, str]:
    """File name -> content of every event version's schema, as the code defines it today."""
    return {file_name(t.name, t.version): render(data_schema(t)) for t in EVENT_TYPES}


def current_public() -> dict[str, str]:
    return {
        file_name(t.name, t.version): render(data_schema(t))
        for t in EVENT_TYPES
        if t.visibility is Visibility.PUBLIC
    }


def read(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.json"))}
