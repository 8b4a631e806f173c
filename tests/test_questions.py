"""The questions: written once (copier.yml), each with help and a default, each changing the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.sync_questions import COOKIECUTTER_JSON, cookiecutter_json, prompt, questions
from tests.rendering import DEFAULT_OPTIONS, OPTIONS, render_cookiecutter, tree_differences

# A valid answer other than the default for every question.
ALTERNATIVES: dict[str, object] = {
    "component_name": "Stock",
    "component_slug": "stock-levels",
    "package_name": "stock_levels",
    "owning_team": "example-org/stock-squad",
    "aggregate": "Listing",
    "event_source": "example-org.stock",
    "aws_region": "us-east-1",
    "command_api": False,
    "jwt_authoriser": True,
    "consumer": False,
    "fifo_buffering": True,
    "own_repository": False,
}


def test_cookiecutter_json_is_generated_from_copier_yml() -> None:
    assert COOKIECUTTER_JSON.read_text(encoding="utf-8") == cookiecutter_json(), "run `make questions`"


def test_every_question_has_help_a_type_a_default_and_a_validator() -> None:
    for name, spec in questions().items():
        assert spec.get("help"), name
        assert spec.get("type") in {"str", "bool"}, name
        assert "default" in spec, name
        assert f"answer_problem('{name}'" in spec.get("validator", ""), name


def test_cookiecutter_json_carries_the_help_text_as_prompts() -> None:
    context = json.loads(COOKIECUTTER_JSON.read_text(encoding="utf-8"))
    assert context["__prompts__"] == {name: prompt(spec) for name, spec in questions().items()}
    for name, spec in questions().items():
        assert context["__prompts__"][name].startswith(spec["help"])


def test_cookiecutter_asks_the_yes_no_questions_as_text_so_the_shared_rules_see_the_answer() -> None:
    # With a boolean default cookiecutter converts the answer itself, and a bad one ends in a traceback.
    context = json.loads(COOKIECUTTER_JSON.read_text(encoding="utf-8"))
    for name, spec in questions().items():
        if spec["type"] == "bool":
            assert context[name] == str(spec["default"]).lower(), name
            assert context["__prompts__"][name].endswith("(yes/no)"), name


def test_the_alternatives_cover_every_question() -> None:
    assert set(ALTERNATIVES) == set(questions())


def test_the_options_the_quickstart_verifies_in_full_are_the_defaults() -> None:
    # The render matrix leaves the default combination's full check to the quickstart's test.
    assert {name: questions()[name]["default"] for name in OPTIONS} == DEFAULT_OPTIONS


@pytest.fixture(scope="module")
def default_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_cookiecutter({}, tmp_path_factory.mktemp("default"))


@pytest.mark.parametrize("question", list(ALTERNATIVES))
def test_every_question_changes_the_rendered_component(
    question: str, default_render: Path, tmp_path: Path
) -> None:
    answers = {question: ALTERNATIVES[question]}
    if question == "fifo_buffering":
        answers["consumer"] = True  # FIFO is a setting of the consumer's queue.
    changed = render_cookiecutter(answers, tmp_path)
    if question == "own_repository":  # It changes no file, only whether the folder is a repository.
        assert (default_render / ".git").is_dir()
        assert not (changed / ".git").exists()
        return
    assert tree_differences(default_render, changed), f"{question} changed nothing"
