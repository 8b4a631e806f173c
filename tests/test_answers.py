"""The answer rules of hooks/answers.py, tested directly (both tools call these same functions)."""

from __future__ import annotations

import jinja2
import pytest

from hooks import answers, yes_no
from tests.rendering import LONGEST_NAMES

VALID = {
    "component_name": "Inventory",
    "component_slug": "inventory",
    "package_name": "inventory",
    "owning_team": "example-org/inventory-squad",
    "aggregate": "Vehicle",
    "event_source": "example-org.inventory",
    "aws_region": "eu-west-2",
    "command_api": True,
    "jwt_authoriser": False,
    "consumer": True,
    "fifo_buffering": False,
    "own_repository": True,
}


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Inventory", "inventory"), ("Vehicle Pricing", "vehicle-pricing"), ("StockLevel 2", "stock-level-2")],
)
def test_slugify_derives_the_default_slug(text: str, slug: str) -> None:
    assert answers.slugify(text) == slug


@pytest.mark.parametrize(
    ("text", "snake"),
    [("Vehicle", "vehicle"), ("PriceQuote", "price_quote"), ("vehicle-stock", "vehicle_stock")],
)
def test_snake_case(text: str, snake: str) -> None:
    assert answers.snake_case(text) == snake


@pytest.mark.parametrize(
    ("word", "plural"),
    [("vehicle", "vehicles"), ("delivery", "deliveries"), ("box", "boxes"), ("day", "days")],
)
def test_plural(word: str, plural: str) -> None:
    assert answers.plural(word) == plural


def test_default_event_source_joins_organisation_and_slug() -> None:
    assert answers.default_event_source(VALID) == "example-org.inventory"


def test_the_defaults_are_valid() -> None:
    assert answers.answer_problems(VALID) == []


def test_the_longest_names_of_the_render_matrix_are_at_the_limits() -> None:
    longest = {**VALID, **LONGEST_NAMES}
    assert answers.answer_problems(longest) == []
    assert len(str(longest["component_name"])) == answers.MAX_NAME_LENGTH
    assert len(str(longest["component_slug"])) == answers.MAX_SLUG_LENGTH
    assert len(str(longest["package_name"])) == answers.MAX_SLUG_LENGTH
    assert len(str(longest["aggregate"])) == answers.MAX_AGGREGATE_LENGTH
    assert len(str(longest["event_source"])) == answers.MAX_EVENT_SOURCE_LENGTH


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("component_slug", "Inventory", "a-z, 0-9 and single hyphens"),
        ("component_slug", "a" * 31, "1-30 characters"),
        ("package_name", "json", "standard-library"),
        ("package_name", "match", "keyword"),
        ("package_name", "pydantic", "shadow"),
        ("aggregate", "vehicle", "PascalCase"),
        ("aggregate", "VehicleQuotationsLong", "2-20"),
        ("aws_region", "eu-west-9", "AWS region"),
        ("event_source", "aws.inventory", "reserved by AWS"),
        ("owning_team", "inventory-squad", "organisation/team-slug"),
        ("command_api", "maybe", "true / yes / y / t / on / 1 for yes"),
        ("consumer", "2", "false / no / n / f / off / 0 for no"),
        ("package_name", "contracts", "own top-level packages"),
        ("component_name", 42, "a string"),
    ],
)
def test_each_rule_names_the_field_the_value_and_what_is_allowed(
    field: str, value: object, allowed: str
) -> None:
    problem = answers.answer_problem(value, field, VALID)
    assert problem.startswith(f"{field}={value!r} is not valid; allowed:")
    assert allowed in problem


def test_the_jwt_authoriser_needs_the_command_api() -> None:
    problems = answers.answer_problems({**VALID, "command_api": False, "jwt_authoriser": True})
    assert len(problems) == 1
    assert problems[0].startswith("jwt_authoriser=true is not valid")
    assert "command_api=true" in problems[0]


def test_fifo_buffering_needs_the_consumer() -> None:
    problems = answers.answer_problems({**VALID, "consumer": False, "fifo_buffering": True})
    assert len(problems) == 1
    assert problems[0].startswith("fifo_buffering=true is not valid")
    assert "consumer=true" in problems[0]


def test_every_question_of_copier_yml_has_a_rule_set() -> None:
    from scripts.sync_questions import questions

    assert list(questions()) == list(answers.QUESTIONS)


def test_cookiecutter_gate_raises_cookiecutters_own_failure_with_every_problem() -> None:
    from cookiecutter.exceptions import FailedHookException

    bad = {**VALID, "component_slug": "../x", "aws_region": "mars-1"}
    with pytest.raises(FailedHookException) as raised:
        answers.reject_invalid_answers(bad)
    message = str(raised.value)
    assert "component_slug='../x' is not valid" in message
    assert "aws_region='mars-1' is not valid" in message
    assert answers.reject_invalid_answers(VALID) == ""


@pytest.mark.parametrize(
    "spelling", [*answers.TRUE_SPELLINGS, *answers.FALSE_SPELLINGS, "YES", "Off", "True"]
)
def test_a_yes_no_answer_takes_every_documented_spelling(spelling: str) -> None:
    assert answers.answer_problem(spelling, "command_api", VALID) == ""
    assert answers.as_boolean(spelling) is (spelling.lower() in answers.TRUE_SPELLINGS)


@pytest.mark.parametrize("given", ["maybe", "2", "", "yes please", "none", "null", "~"])
def test_copier_s_reading_of_a_bad_spelling_does_not_let_it_through(given: str) -> None:
    # Copier has turned "maybe" into True before the validator sees it; the raw answer is in its
    # `_copier_conf.data`, and that is what the rule reads.
    copier_context = {**VALID, "_copier_conf": {"data": {"command_api": given}}}
    problem = answers.answer_problem(True, "command_api", copier_context)
    assert problem.startswith(f"command_api={given!r} is not valid; allowed:")


def test_cookiecutter_gate_turns_the_yes_no_answers_into_booleans() -> None:
    context: dict[str, object] = {**VALID, "command_api": "No", "consumer": "on", "fifo_buffering": "0"}
    assert answers.reject_invalid_answers(context) == ""
    assert (context["command_api"], context["consumer"], context["fifo_buffering"]) == (False, True, False)


def test_a_yes_no_answer_that_arrives_as_text_renders_as_its_boolean() -> None:
    # As `cruft update` passes a question added since the component was made: its default's text, with
    # the gate's recorded value replayed instead of the gate. "false" must not render as true.
    environment = jinja2.Environment(extensions=[yes_no.YesNoAnswers], autoescape=False)  # noqa: S701
    template = environment.from_string(
        "{% if cookiecutter.jwt_authoriser %}jwt{% endif %}|{% if cookiecutter.consumer %}consumer{% endif %}"
        "|{{ cookiecutter.command_api }}|{{ cookiecutter.component_name }}"
    )
    context: dict[str, object] = {
        "jwt_authoriser": "false",
        "consumer": "true",
        "command_api": "maybe",
        "component_name": "false",
        "_yes_no": ["command_api", "jwt_authoriser", "consumer"],
    }
    # A bad spelling is the gate's to refuse; a question that is not yes/no keeps its text.
    assert template.render(cookiecutter=context) == "|consumer|maybe|false"
    assert (context["jwt_authoriser"], context["consumer"]) == (False, True)


def test_the_reserved_package_names_come_from_the_component_template() -> None:
    reserved = answers.reserved_package_names()
    own = {
        path.name
        for path in answers.COMPONENT_TEMPLATE.iterdir()
        if path.is_dir() and path.name.isidentifier() and not path.name.startswith(".")
    }
    assert {"contracts", "infra", "local_deploy", "benchmarks", "tests", "src", "scripts"} <= own <= reserved
    # Libraries the component imports are found in its code, not in a list.
    assert {"boto3", "pydantic", "aws_lambda_powertools", "aws_cdk", "pytest"} <= reserved
    # Imported only indented (under `if TYPE_CHECKING:`), and only in files whose names are conditions
    # (`{% if cookiecutter.consumer %}redrive.py{% endif %}`): found all the same.
    assert "mypy_boto3_sqs" in reserved
    assert "json" not in reserved, "standard-library names have their own rule and message"
