"""Pact message contracts of the component's events: where pacts live and how a message is described.

On the bus an event is an EventBridge event: ``source`` and ``detail-type`` route it and ``detail`` (the
envelope: metadata and data) is what a consumer reads. In a pact, a message's contents are the
envelope and its metadata carries ``source`` and ``detail-type``. Whoever writes a pact against this
component describes each message as ``a <EventName> v<version> event``: the provider verification
finds the event by that description, so other squads' pacts need nothing else from this code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pact import match
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.registry import PUBLISHED, EventType

from contracts import versions

# Pact files (PACTS): written there by the consumer tests, read from there (and from a Pact Broker when one
# is configured) by the provider verification. Drop another squad's pact files there to verify them
# locally. The retirement of an event version reads them too (contracts/versions.py).
PACTS = versions.PACTS
PROVIDER = versions.PROVIDER
DESCRIPTION = re.compile(r"\b(?P<name>[A-Z][A-Za-z0-9]*) v(?P<version>[1-9][0-9]*)\b")
# ISO 8601 with an offset, as the store records occurred_at (2026-01-15T09:30:00.000+00:00).
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def description(event_type: EventType) -> str:
    return f"a {event_type.name} v{event_type.version} event"


def described(text: str) -> EventType:
    """The registered event a message description names, or an error that says how to name one."""
    found = DESCRIPTION.search(text)
    if found is not None:
        for event_type in PUBLISHED:
            if (event_type.name, event_type.version) == (found["name"], int(found["version"])):
                return event_type
    known = ", ".join(description(event_type) for event_type in PUBLISHED)
    raise LookupError(f"no published event matches the message {text!r}; describe one of: {known}")


def routing(event_type: EventType) -> dict[str, object]:
    """The message metadata: what EventBridge routes on."""
    return {"source": registry.SOURCE, "detail-type": event_type.name}


def expected_envelope(event_type: EventType) -> dict[str, Any]:
    """What a consumer needs of one of this component's events (see ``envelope_of``)."""
    example = event_type.example.model_dump(mode="json")
    return envelope_of(event_type.name, event_type.version, event_type.model, example)


def envelope_of(
    name: str,
    version: int,
    model: type[BaseModel],
    example: Mapping[str, Any],
    *,
    own: bool = True,
) -> dict[str, Any]:
    """What a consumer needs of an event: the whole metadata and every required field of the data.

    Values are matched by type (by format for ids and times), except the event's name and version,
    which must be exactly these. Optional fields are left out: a consumer that needs one adds it.
    ``model`` is the event's model (the registry's, or one `make subscribe` generated from another
    component's contract) and ``example`` its data, as the producer shows it. For another component's
    event (``own=False``) the aggregate's examples are neutral: this component does not know its name.
    """
    required = [field for field in model.model_json_schema().get("required", []) if field != "kind"]
    missing = [field for field in required if field not in example]
    if missing:
        raise LookupError(
            f"the example of {name} v{version} lacks its required {', '.join(missing)}: a pact is built on "
            "the producer's example (for another component's event, its contract's; run `make subscribe` "
            "again once the producer publishes a complete one)"
        )
    return {
        "metadata": {
            "event_id": match.uuid("5f0c7e6a-2d7e-4c1e-9a55-2b1d3f6c9e01"),
            "name": name,
            "version": version,
            "occurred_at": match.regex("2026-01-15T09:30:00.000+00:00", regex=TIMESTAMP),
            "aggregate": match.str("{{ cookiecutter.aggregate }}" if own else "an-aggregate"),
            "aggregate_id": match.str("v-1042" if own else "an-aggregate-id"),
            "sequence": match.int(1, min=1),
            "correlation_id": match.str("a-correlation-id"),
            "causation_id": match.str("a-causation-id"),
            "actor": match.str("an-actor"),
        },
        "data": {field: match.like(example[field]) for field in required},
    }
