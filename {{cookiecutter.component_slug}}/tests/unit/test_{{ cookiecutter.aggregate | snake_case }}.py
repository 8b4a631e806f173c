{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

# The module, not its names: tests read as `domain.decide(...)`, close to how the handlers use it.
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain

# The moment each command is decided at: the domain reads no clock (see decide()).
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LISTING = domain.List{{ A }}(
    {{ a }}_id="v-1",
    title="Blue hatchback",
    price=1_250_000,
)
LISTED = domain.{{ A }}Listed(
    {{ a }}_id="v-1",
    title="Blue hatchback",
    price=1_250_000,
)


def listed_state() -> domain.{{ A }} | None:
    return domain.replay(domain.decide(None, LISTING, NOW))


def test_listing_a_new_one_records_one_listed_event() -> None:
    assert domain.decide(None, LISTING, NOW) == [LISTED]


def test_listing_twice_is_rejected() -> None:
    with pytest.raises(domain.CommandRejected, match="already listed"):
        domain.decide(listed_state(), LISTING, NOW)


def test_a_price_change_records_old_and_new_price() -> None:
    change = domain.Change{{ A }}Price(
        {{ a }}_id="v-1",
        price=1_199_900,
    )
    assert domain.decide(listed_state(), change, NOW) == [
        domain.{{ A }}PriceChanged(
            {{ a }}_id="v-1",
            old_price=1_250_000,
            new_price=1_199_900,
        ),
    ]


def test_the_same_price_again_records_nothing() -> None:
    same_price = domain.Change{{ A }}Price(
        {{ a }}_id="v-1",
        price=1_250_000,
    )
    assert domain.decide(listed_state(), same_price, NOW) == []


def test_commands_on_an_unknown_one_are_rejected() -> None:
    withdrawal = domain.Withdraw{{ A }}(
        {{ a }}_id="v-404",
        reason="sold elsewhere",
    )
    with pytest.raises(domain.CommandRejected, match="does not exist"):
        domain.decide(None, withdrawal, NOW)


def test_a_withdrawn_one_accepts_no_price_change() -> None:
    withdrawal = domain.Withdraw{{ A }}(
        {{ a }}_id="v-1",
        reason="sold elsewhere",
    )
    history = [LISTED, *domain.decide(listed_state(), withdrawal, NOW)]
    change = domain.Change{{ A }}Price(
        {{ a }}_id="v-1",
        price=1,
    )
    with pytest.raises(domain.CommandRejected, match="withdrawn"):
        domain.decide(domain.replay(history), change, NOW)


def test_state_is_the_fold_of_its_events() -> None:
    history: list[domain.{{ A }}Event] = [
        LISTED,
        domain.{{ A }}PriceChanged(
            {{ a }}_id="v-1",
            old_price=1_250_000,
            new_price=1_199_900,
        ),
        domain.{{ A }}Withdrawn(
            {{ a }}_id="v-1",
            reason="sold elsewhere",
        ),
    ]
    state = domain.replay(history)
    assert state is not None
    assert state.price == 1_199_900
    assert state.status is domain.{{ A }}Status.WITHDRAWN
    assert state.sequence == len(history)


def test_an_event_cannot_start_a_history_unless_it_lists() -> None:
    never_listed = domain.{{ A }}Withdrawn(
        {{ a }}_id="v-1",
        reason="never listed",
    )
    with pytest.raises(ValueError, match="cannot be the first event"):
        domain.evolve(None, never_listed)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("{{ a }}_id", ""),
        ("{{ a }}_id", "has spaces"),
        ("title", ""),
        ("price", 0),
        ("price", -5),
    ],
)
def test_malformed_commands_are_refused_by_the_model(field: str, value: object) -> None:
    arguments: dict[str, object] = {
        "{{ a }}_id": "v-1",
        "title": "Blue hatchback",
        "price": 100,
        field: value,
    }
    with pytest.raises(ValidationError, match=field):
        domain.List{{ A }}.model_validate(arguments)
