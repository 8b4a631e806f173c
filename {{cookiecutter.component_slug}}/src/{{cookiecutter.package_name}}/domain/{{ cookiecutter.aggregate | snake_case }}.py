{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""The {{ A }} aggregate.

The commands it accepts, the events it records and the state they build. Deciding a command is a pure
function of the current state, the command and the time it is decided at; the state is a fold of the
events. Events are small and
specific (a price change, not an "updated" event with every field), so consumers subscribe to exactly
the facts they need.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, TypeAlias, assert_never

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

# What an id may be, here once: the API's path parameter takes the same limits.
IDENTITY_MAX_LENGTH = 64
IDENTITY_PATTERN = r"^[A-Za-z0-9_-]+$"
Identity = Annotated[str, Field(min_length=1, max_length=IDENTITY_MAX_LENGTH, pattern=IDENTITY_PATTERN)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
# A bound far above any price, so that a number no price is (10**40, which DynamoDB cannot even store)
# is refused as invalid input instead of failing the write.
Price = Annotated[
    PositiveInt,
    Field(le=1_000_000_000_000, description="Price in minor units of the currency (pence for GBP)"),
]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class _Message(BaseModel):
    # Frozen: a command or an event is a value; changing one after the fact would rewrite history.
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- commands


class List{{ A }}(_Message):
    kind: Literal["List{{ A }}"] = "List{{ A }}"
    {{ a }}_id: Identity
    title: Title
    price: Price


class Change{{ A }}Price(_Message):
    kind: Literal["Change{{ A }}Price"] = "Change{{ A }}Price"
    {{ a }}_id: Identity
    price: Price


class Withdraw{{ A }}(_Message):
    kind: Literal["Withdraw{{ A }}"] = "Withdraw{{ A }}"
    {{ a }}_id: Identity
    reason: Reason


{{ A }}Command: TypeAlias = Annotated[
    List{{ A }} | Change{{ A }}Price | Withdraw{{ A }},
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------- events


class {{ A }}Listed(_Message):
    kind: Literal["{{ A }}Listed"] = "{{ A }}Listed"
    {{ a }}_id: Identity
    title: Title
    price: Price


class {{ A }}PriceChanged(_Message):
    kind: Literal["{{ A }}PriceChanged"] = "{{ A }}PriceChanged"
    {{ a }}_id: Identity
    old_price: Price
    new_price: Price


class {{ A }}Withdrawn(_Message):
    kind: Literal["{{ A }}Withdrawn"] = "{{ A }}Withdrawn"
    {{ a }}_id: Identity
    reason: Reason


{{ A }}Event: TypeAlias = Annotated[
    {{ A }}Listed | {{ A }}PriceChanged | {{ A }}Withdrawn,
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------- state


class {{ A }}Status(StrEnum):
    LISTED = "listed"
    WITHDRAWN = "withdrawn"


class {{ A }}(BaseModel):
    """Current state of one {{ A }}; ``sequence`` counts the events folded into it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    {{ a }}_id: Identity
    title: Title
    price: Price
    status: {{ A }}Status
    sequence: PositiveInt


class CommandRejected(Exception):
    """The command is well formed but not allowed in the current state; nothing is recorded."""


class Unknown{{ A }}(CommandRejected):
    """The command needs a {{ A }} that does not exist."""


def decide(
    state: {{ A }} | None,
    command: {{ A }}Command,
    now: datetime,
) -> list[{{ A }}Event]:
    """The events ``command`` records against ``state`` (``None`` before the first event) at ``now``.

    The time is passed in, never read here: a rule that depends on it (a reservation that expires)
    stays a pure function, tested at any moment. The service reads its clock once per attempt.
    """
    identity = command.{{ a }}_id
    match command:
        case List{{ A }}():
            if state is not None:
                raise CommandRejected(f"{identity} is already listed: list the new one under a new id")
            return [
                {{ A }}Listed(
                    {{ a }}_id=identity,
                    title=command.title,
                    price=command.price,
                ),
            ]
        case Change{{ A }}Price():
            current = _require_listed(state, identity)
            if current.price == command.price:
                return []  # Asking for the price it already has is not a change worth an event.
            return [
                {{ A }}PriceChanged(
                    {{ a }}_id=identity,
                    old_price=current.price,
                    new_price=command.price,
                ),
            ]
        case Withdraw{{ A }}():
            _require_listed(state, identity)
            return [
                {{ A }}Withdrawn(
                    {{ a }}_id=identity,
                    reason=command.reason,
                ),
            ]
        case _:
            # mypy names a command this match leaves out ("Argument 1 to assert_never"): add its case.
            assert_never(command)


def evolve(
    state: {{ A }} | None,
    event: {{ A }}Event,
) -> {{ A }}:
    """The state after ``event``; events are facts, so this never refuses one."""
    match event:
        case {{ A }}Listed():
            return {{ A }}(
                {{ a }}_id=event.{{ a }}_id,
                title=event.title,
                price=event.price,
                status={{ A }}Status.LISTED,
                sequence=1 if state is None else state.sequence + 1,
            )
        case {{ A }}PriceChanged():
            current = _require_state(state, event.kind)
            return current.model_copy(
                update={"price": event.new_price, "sequence": current.sequence + 1},
            )
        case {{ A }}Withdrawn():
            current = _require_state(state, event.kind)
            return current.model_copy(
                update={"status": {{ A }}Status.WITHDRAWN, "sequence": current.sequence + 1},
            )
        case _:
            # mypy names an event this match leaves out: add its case.
            assert_never(event)


def replay(events: Iterable[{{ A }}Event]) -> {{ A }} | None:
    """Rebuild state from history: the same fold that produced it, so a rule change can be replayed."""
    state: {{ A }} | None = None
    for event in events:
        state = evolve(state, event)
    return state


def _require_listed(state: {{ A }} | None, identity: str) -> {{ A }}:
    if state is None:
        raise Unknown{{ A }}(f"{identity} does not exist: list it first")
    if state.status is not {{ A }}Status.LISTED:
        raise CommandRejected(f"{identity} is {state.status.value}: only a listed one can change")
    return state


def _require_state(state: {{ A }} | None, kind: str) -> {{ A }}:
    if state is None:
        raise ValueError(f"{kind} cannot be the first event of a history")
    return state
