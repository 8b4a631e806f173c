"""Bad answers: each is refused by both tools with a message naming the field, and nothing is written."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.rendering import Answers, run_cookiecutter, run_copier

BAD_ANSWERS: list[tuple[str, str, str]] = [
    # (field, value, why it is bad)
    ("component_slug", "../x", "path traversal"),
    ("component_slug", "../../tmp/escape", "path traversal, two levels"),
    ("package_name", "../x", "path traversal into src/"),
    ("component_slug", "inv;rm -rf ~", "shell metacharacters"),
    ("aggregate", "Vehicle$(id)", "shell command substitution"),
    ("component_name", "Inventory`whoami`", "shell backticks"),
    ("component_slug", "", "empty string"),
    ("component_name", "", "empty string"),
    ("event_source", "", "empty string"),
    ("component_name", "\u0406nventory", "Cyrillic I look-alike"),
    ("package_name", "inv\u0435ntory", "Cyrillic e look-alike"),
    ("aggregate", "Vehic\u0142e", "Latin l with stroke look-alike"),
    ("package_name", "class", "Python keyword"),
    ("package_name", "match", "Python soft keyword"),
    ("package_name", "json", "standard-library module"),
    ("package_name", "pydantic", "shadows a dependency"),
    ("aggregate", "vehicle", "not PascalCase"),
    ("aggregate", "Vehicle_Listing", "underscore in PascalCase"),
    ("component_slug", "a" * 31, "too long for AWS names"),
    ("aggregate", "A" + "b" * 20, "too long for event names"),
    ("component_name", "N" * 41, "too long"),
    ("aws_region", "eu-west-9", "region that does not exist"),
    ("aws_region", "EU-WEST-2", "region in the wrong case"),
    ("owning_team", "../../etc/passwd", "not a GitHub team"),
    ("event_source", "aws.inventory", "reserved source prefix"),
    ("package_name", "contracts", "one of the component's own packages"),
    ("package_name", "local_deploy", "one of the component's own packages"),
    ("package_name", "aws_cdk", "a library the component imports"),
    ("command_api", "maybe", "not a yes/no spelling (copier alone would read it as true)"),
    ("consumer", "2", "not a yes/no spelling (copier alone would read it as true)"),
    ("own_repository", "sure", "not a yes/no spelling"),
]


def test_there_are_at_least_fifteen_bad_answers() -> None:
    assert len(BAD_ANSWERS) >= 15


# What each tool adds around the shared rule's message (copier words it as its validation error).
Runner = Callable[[Answers, Path], subprocess.CompletedProcess[str]]
TOOLS: dict[str, tuple[Runner, str]] = {
    "cookiecutter": (run_cookiecutter, "Invalid answers, nothing was written"),
    "copier": (run_copier, "Validation error for question '{field}'"),
}


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize(
    ("field", "value"),
    [pytest.param(field, value, id=f"{field}-{why}") for field, value, why in BAD_ANSWERS],
)
def test_each_tool_refuses_and_writes_nothing(tool: str, field: str, value: str, tmp_path: Path) -> None:
    run, preamble = TOOLS[tool]
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    result = run({field: value}, workspace / "component")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert preamble.format(field=field) in output
    assert f"{field}={value!r} is not valid; allowed:" in output
    if tool == "cookiecutter":  # Our gate raises cookiecutter's own failure type: a message, no traceback.
        assert "Traceback" not in output
    assert list(tmp_path.rglob("*")) == [workspace], "something was written"


@pytest.mark.parametrize("tool", TOOLS)
def test_each_tool_takes_the_documented_yes_no_spellings_alike(tool: str, tmp_path: Path) -> None:
    run, _ = TOOLS[tool]
    result = run({"command_api": "No", "consumer": "OFF", "fifo_buffering": "n"}, tmp_path / "component")
    assert result.returncode == 0, result.stdout + result.stderr
    handlers = {path.name for path in tmp_path.rglob("handlers/*.py")}
    assert handlers == {"__init__.py", "publisher.py"}, "both options read as off"
