{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""Every event the {{ A }} aggregate records: its name, its version and who may rely on it.

This registry is the one place that classifies events. A *public* event is a published fact other
squads build on: its contract never breaks (a breaking change is a new version beside the old one).
A *private* event is this component's own business and may change with it. The store records the
name, version and visibility of each event; the publisher routes by visibility.

Versions side by side (ADR 16): the domain records the current version of an event (its model's
``kind`` is the event's name, its ``detail-type``). An earlier version of a public event stays
registered with its own model (events/earlier.py), the same name, and two functions: ``downcast``
tells a current event in the earlier version, so both versions are published while consumers move;
``upcast`` reads an event recorded or received in the earlier version as a current one, so history
and late messages stay readable. ``make new-version EVENT=<name>`` writes both.
"""

from __future__ import annotations

from collections.abc import Callable
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
    example: BaseModel
    # An earlier version only: its name (its model has no ``kind``), and how a current event is told in
    # it (published beside the current version; a retired version has none) and read back from it
    # (history recorded in it, late messages).
    earlier_of: str | None = None
    downcast: Callable[[Any], BaseModel] | None = None
    upcast: Callable[[Any], domain.{{ cookiecutter.aggregate }}Event] | None = None

    @property
    def name(self) -> str:
        return self.earlier_of or str(self.model.model_fields["kind"].default)

    @property
    def current(self) -> bool:
        return self.earlier_of is None

    @property
    def retired(self) -> bool:
        """An earlier version no longer published, kept so that history recorded in it stays readable."""
        return self.earlier_of is not None and self.downcast is None


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

# Every version published today: the events page, the AsyncAPI document and the pacts describe these.
PUBLISHED = tuple(event_type for event_type in EVENT_TYPES if not event_type.retired)
_BY_MODEL = {event_type.model: event_type for event_type in EVENT_TYPES if event_type.current}
_BY_NAME_AND_VERSION = {(event_type.name, event_type.version): event_type for event_type in EVENT_TYPES}
_EVENT = TypeAdapter[domain.{{ A }}Event](domain.{{ A }}Event)


class UnregisteredEvent(LookupError):
    """The domain recorded an event no entry of EVENT_TYPES names: it could be neither stored nor sent."""


def event_type_of(event: domain.{{ A }}Event) -> EventType:
    try:
        return _BY_MODEL[type(event)]
    except KeyError:
        raise UnregisteredEvent(
            f"{type(event).__name__} is not registered: add an EventType for it to EVENT_TYPES in "
            "events/registry.py (name, version, public or private, an example)"
        ) from None


def to_data(event: BaseModel) -> dict[str, Any]:
    """The event's fields (of any version) as JSON-ready data; its name travels beside them, not inside."""
    return event.model_dump(mode="json", exclude={"kind"})


def published(event: domain.{{ A }}Event) -> list[tuple[EventType, dict[str, Any]]]:
    """Every version ``event`` is published in, with its data: the current one first, then earlier ones."""
    current = event_type_of(event)
    found = [(current, to_data(event))]
    for other in EVENT_TYPES:
        if other.earlier_of == current.name and other.downcast is not None:
            found.append((other, other.downcast(event).model_dump(mode="json")))
    return found


def from_data(name: str, version: int, data: dict[str, Any]) -> domain.{{ A }}Event:
    """The current event that data of version ``version`` of ``name`` tells (an earlier one is upcast)."""
    event_type = _BY_NAME_AND_VERSION.get((name, version))
    if event_type is None:
        known = ", ".join(f"{n} v{v}" for n, v in sorted(_BY_NAME_AND_VERSION))
        raise UnknownEvent(f"no event {name} v{version} is registered (known: {known})")
    if event_type.upcast is not None:
        return event_type.upcast(event_type.model.model_validate(data))
    return _EVENT.validate_python({**data, "kind": name})
