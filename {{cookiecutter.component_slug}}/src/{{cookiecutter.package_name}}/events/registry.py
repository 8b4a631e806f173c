{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""Every event the {{ A }} aggregate records: its name, its version and who may rely on it.

This registry is the one place that classifies events. A *public* event is a published fact other
squads build on: its contract never breaks (a breaking change is a new version beside the old one).
A *private* event is this component's own business and may change with it. The store records the
name, version and visibility of each event; the publisher routes by visibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, TypeAdapter

from {{ cookiecutter.package_name }}.domain import {{ a }} as domain

# The EventBridge ``source`` of every event this component publishes: part of its contract, not of a
# deployment, so it is fixed here rather than configured.
SOURCE = "{{ cookiecutter.event_source }}"


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


@dataclass(frozen=True)
class EventType:
    model: type[BaseModel]
    version: int
    visibility: Visibility
    # An instance shown on the events page (docs/events/README.md) and in contract examples.
    example: domain.{{ cookiecutter.aggregate }}Event

    @property
    def name(self) -> str:
        return str(self.model.model_fields["kind"].default)


class UnknownEvent(LookupError):
    """No registered event has this name and version: history or a message this code cannot read."""


EVENT_TYPES = (
    EventType(
        domain.{{ A }}Listed,
        version=1,
        visibility=Visibility.PUBLIC,
        example=domain.{{ A }}Listed(
            {{ a }}_id="v-1042",
            title="Blue hatchback, 2021",
            price=1_250_000,
        ),
    ),
    EventType(
        domain.{{ A }}PriceChanged,
        version=1,
        visibility=Visibility.PUBLIC,
        example=domain.{{ A }}PriceChanged(
            {{ a }}_id="v-1042",
            old_price=1_250_000,
            new_price=1_199_900,
        ),
    ),
    # The withdrawal reason is free text written for the squad: kept private so it cannot leak.
    EventType(
        domain.{{ A }}Withdrawn,
        version=1,
        visibility=Visibility.PRIVATE,
        example=domain.{{ A }}Withdrawn(
            {{ a }}_id="v-1042",
            reason="Sold at the branch",
        ),
    ),
)

_BY_MODEL = {event_type.model: event_type for event_type in EVENT_TYPES}
_BY_NAME_AND_VERSION = {(event_type.name, event_type.version): event_type for event_type in EVENT_TYPES}
_EVENT = TypeAdapter[domain.{{ A }}Event](domain.{{ A }}Event)


def event_type_of(event: domain.{{ A }}Event) -> EventType:
    return _BY_MODEL[type(event)]


def to_data(event: domain.{{ A }}Event) -> dict[str, Any]:
    """The event's fields as JSON-ready data; its name travels beside them, not inside."""
    return event.model_dump(mode="json", exclude={"kind"})


def from_data(name: str, version: int, data: dict[str, Any]) -> domain.{{ A }}Event:
    if (name, version) not in _BY_NAME_AND_VERSION:
        known = ", ".join(f"{n} v{v}" for n, v in sorted(_BY_NAME_AND_VERSION))
        raise UnknownEvent(f"no event {name} v{version} is registered (known: {known})")
    return _EVENT.validate_python({**data, "kind": name})
