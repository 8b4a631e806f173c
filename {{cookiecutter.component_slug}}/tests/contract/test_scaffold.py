{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""`make new-command` and `make new-event` on a copy of this component, as a squad runs them.

A refusal changes nothing. A scaffolded command and event land where they belong and fail loudly until
completed; the template's own tests complete them as the onboarding guide says and run `make verify`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.domain import {{ a }} as domain

from contracts.scaffold import NAME, snake
from tests.copies import component_copy, contracts, run, snapshot


def untaken(name: str) -> str:
    """``name``, or with a number after it if this component uses it already."""
    candidates = [name, *(f"{name}{number}" for number in range(2, 100))]
    return next(candidate for candidate in candidates if not hasattr(domain, candidate))


EVENT = untaken("{{ A }}Inspected")
COMMAND = untaken("Inspect{{ A }}")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return component_copy(tmp_path)


@pytest.mark.parametrize(
    ("arguments", "refusal"),
    [
        (
            ("new-command", ""),
            "name the command: make new-command NAME=<PascalCase name>",
        ),
        (
            ("new-command", "reserve_it"),
            "command name 'reserve_it' is not PascalCase",
        ),
        (
            ("new-command", "List{{ A }}"),
            "List{{ A }} is taken",
        ),
        (
            ("new-event", "{{ A }}Listed", "--visibility", "public"),
            "{{ A }}Listed is taken",
        ),
        (
            ("new-event", "{{ A }}Sold", "--visibility", ""),
            "VISIBILITY='': say public",
        ),
        (
            ("new-event", "{{ A }}Sold", "--visibility", "internal"),
            "VISIBILITY='internal'",
        ),
{%- if cookiecutter.command_api %}
        (
            # Its route's path would be withdraw's: the API would answer it with one of the two.
            ("new-command", "Withdrawal"),
            "handlers/api.py already has a route POST .../<{{ a }}_id>/withdrawal",
        ),
{%- endif %}
    ],
    ids=[
        "no name",
        "not pascal case",
        "taken command",
        "taken event",
        "no visibility",
        "bad visibility",
{%- if cookiecutter.command_api %}
        "taken route",
{%- endif %}
    ],
)
def test_a_bad_or_taken_name_is_refused_and_nothing_is_written(
    copy: Path, arguments: tuple[str, ...], refusal: str
) -> None:
    before = snapshot(copy)
    result = contracts(copy, *arguments)
    assert result.returncode == 1
    assert refusal in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(copy) == before


@pytest.mark.parametrize(
    ("name", "snake_name"),
    [
        ("Reserve{{ A }}", "reserve_{{ a }}"),
        ("ReserveForVIP", "reserve_for_vip"),
        ("VIPReservationMade", "vip_reservation_made"),
        ("Reserve2Days", "reserve2_days"),
    ],
)
def test_an_acronym_is_one_word_of_a_name(name: str, snake_name: str) -> None:
    assert NAME.match(name)
    assert snake(name) == snake_name


# Run in the copy: the scaffolded command (argv[1]) and event (argv[2]), as the domain sees them.
INSPECT = """
import json, sys, typing
from datetime import UTC, datetime
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
from {{ cookiecutter.package_name }}.events import registry

def members(union):
    return [model.__name__ for model in typing.get_args(typing.get_args(union)[0])]

def refusal(call):
    try:
        call()
    except NotImplementedError as error:
        return str(error)
    return None

command, event = getattr(domain, sys.argv[1]), getattr(domain, sys.argv[2])
NOW = datetime.now(UTC)
print(json.dumps({
    "commands": members(domain.{{ A }}Command),
    "events": members(domain.{{ A }}Event),
    "registered": [(t.name, t.version, t.visibility.value) for t in registry.EVENT_TYPES],
    "decide": refusal(lambda: domain.decide(None, command({{ a }}_id="v-1"), NOW)),
    "evolve": refusal(lambda: domain.evolve(None, event({{ a }}_id="v-1"))),
}))
"""


def test_a_scaffolded_event_and_command_land_where_they_belong_and_fail_until_completed(copy: Path) -> None:
    for arguments in (
        ("new-event", EVENT, "--visibility", "private"),
        ("new-command", COMMAND),
    ):
        result = contracts(copy, *arguments)
        assert result.returncode == 0, result.stderr
        assert "Next:" in result.stdout
    inspected = run(copy, "-c", INSPECT, COMMAND, EVENT)
    assert inspected.returncode == 0, inspected.stderr
    found = json.loads(inspected.stdout)
    assert COMMAND in found["commands"]
    assert EVENT in found["events"]
    assert [EVENT, 1, "private"] in found["registered"]
    assert found["decide"] == f"decide {COMMAND}: return its events, or raise CommandRejected"
    assert found["evolve"] == f"evolve {EVENT}: return the state after it"
    tests = {path.name for path in (copy / "tests" / "unit").glob("test_*.py")}
    assert {f"test_{snake(COMMAND)}.py", f"test_{snake(EVENT)}.py"} <= tests
