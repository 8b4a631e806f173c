{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""The contract gate: each rule refuses a breaking change and lets a compatible one through."""

from __future__ import annotations

import copy
import json
import re
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # it ships no type information
import pytest

from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
from {{ cookiecutter.package_name }}.events import registry
{%- if cookiecutter.consumer %}
from {{ cookiecutter.package_name }}.handlers.consumer import SUBSCRIBED
from {{ cookiecutter.package_name }}.subscriptions import SUBSCRIPTIONS
{%- endif %}

from contracts import asyncapi, compatibility, documents, events_page, readme, released, schemas
from contracts.__main__ import main

LISTED = schemas.file_name("{{ A }}Listed", 1)
ID = "{{ a }}_id"


def baseline() -> dict[str, Any]:
    return dict(json.loads(schemas.current_public()[LISTED]))


def gate(change: Callable[[dict[str, Any]], object]) -> list[compatibility.Break]:
    old = baseline()
    new = copy.deepcopy(old)
    change(new)
    return compatibility.breaks({LISTED: json.dumps(old)}, {LISTED: json.dumps(new)})


def add_optional(schema: dict[str, Any]) -> None:
    schema["properties"]["colour"] = {"type": "string"}


def test_the_committed_schemas_are_generated_from_the_models() -> None:
    assert schemas.read(schemas.SCHEMAS) == schemas.current(), "run `make docs`"


def test_every_event_the_domain_records_is_registered() -> None:
    # The union is Annotated[A | B | ..., Field(discriminator=...)]: its first argument lists the events.
    union, _ = typing.get_args(domain.{{ A }}Event)
    registered = {event_type.model for event_type in registry.EVENT_TYPES if event_type.current}
    missing = [model.__name__ for model in typing.get_args(union) if model not in registered]
    assert missing == [], (
        f"register {', '.join(missing)} in EVENT_TYPES in events/registry.py "
        "(its version, public or private, an example)"
    )


def test_each_released_version_sends_what_its_release_promised() -> None:
    """Today's example of each event, as each of its released versions sends it (an earlier one through its
    downcaster), against the schema that version was released with: consumers get what they were promised."""
    released = schemas.read(schemas.BASELINE)
    checked = []
    for event_type in registry.PUBLISHED:
        release = released.get(schemas.file_name(event_type.name, event_type.version))
        if release is None:
            continue  # Not released yet: nothing promised (make check-contracts names it).
        current = next(t for t in registry.PUBLISHED if t.current and t.name == event_type.name)
        told = current.example if event_type.downcast is None else event_type.downcast(current.example)
        validator = jsonschema.Draft202012Validator(json.loads(release))
        problems = [error.message for error in validator.iter_errors(registry.to_data(told))]
        assert problems == [], f"{event_type.name} v{event_type.version} sends {problems}"
        checked.append(event_type)
    assert checked, "the released public events are checked"


def test_a_public_version_not_yet_released_is_named_with_what_to_do_until_it_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in schemas.read(schemas.BASELINE).items():
        if name != LISTED:
            (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(schemas, "BASELINE", tmp_path)
    monkeypatch.setattr(released, "changes", lambda *_: [])  # this baseline is not the committed one
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "not released yet: " in out
    assert LISTED in out
    assert "run `make release-contracts`" in out
    # Releasing it says what it did, not to run itself.
    assert main(["release"]) == 0
    out = capsys.readouterr().out
    # (With the other public versions not released yet, after a squad's new event, say.)
    said = rf"^released (.+, )?{re.escape(LISTED)}(, .+)?: commit docs/events/baseline$"
    assert re.search(said, out, re.MULTILINE), out
    assert "not released yet" not in out
    assert (tmp_path / LISTED).is_file()


def test_the_events_page_is_generated_from_the_registry() -> None:
    page = events_page.PAGE.read_text(encoding="utf-8")
    assert page == events_page.render(), "run `make docs`"
    for event_type in registry.PUBLISHED:
        assert f"## {event_type.name} v{event_type.version}" in page
        assert f"(schemas/{schemas.file_name(event_type.name, event_type.version)})" in page


def test_the_asyncapi_document_is_generated_from_the_registry() -> None:
    assert asyncapi.DOCUMENT.read_text(encoding="utf-8") == asyncapi.render(), "run `make docs`"
    # Its YAML is written without a library: it must read back as the document it was made from.
    assert documents.yaml_documents(asyncapi.DOCUMENT) == [asyncapi.build()]


def test_docs_check_fails_while_the_asyncapi_document_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "asyncapi.yaml"
    stale.write_text(asyncapi.render().replace('version: "0.1.0"', 'version: "0.0.9"'), encoding="utf-8")
    monkeypatch.setattr(asyncapi, "DOCUMENT", stale)
    assert main(["docs", "--check"]) == 1
    assert "asyncapi.yaml): run `make docs`" in capsys.readouterr().err
    assert main(["docs"]) == 0
    assert stale.read_text(encoding="utf-8") == asyncapi.render()


def test_the_readme_s_tables_are_generated_and_a_stale_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert text == readme.render(), "run `make docs`"
    stale = tmp_path / "README.md"
    # A target added to the Makefile but not to the README: exactly the drift the generation prevents.
    stale.write_text(text.replace("| `make clean` |", "| `make cleanup` |"), encoding="utf-8")
    monkeypatch.setattr(readme, "README", stale)
    assert main(["docs", "--check"]) == 1
    assert "README.md): run `make docs`" in capsys.readouterr().err
    assert main(["docs"]) == 0
    assert stale.read_text(encoding="utf-8") == text
{%- if cookiecutter.consumer %}


def test_the_asyncapi_document_receives_what_the_consumer_subscribes_to() -> None:
    operations = asyncapi.build()["operations"].values()
    received = {operation["channel"]["$ref"] for operation in operations if operation["action"] == "receive"}
    own = {f"#/channels/{name}.v{version}" for name, version in SUBSCRIBED.items()}
    # And each event of another component subscribed to with `make subscribe`, keyed by its producer.
    others = {f"#/channels/{asyncapi.subscribed_id(s)}" for s in SUBSCRIPTIONS}
    assert received == own | others
{%- else %}


def test_the_asyncapi_document_only_sends() -> None:
    operations = asyncapi.build()["operations"].values()
    assert {operation["action"] for operation in operations} == {"send"}
{%- endif %}


def test_the_committed_baseline_is_compatible() -> None:
    assert compatibility.breaks(schemas.read(schemas.BASELINE), schemas.current_public()) == []


def test_an_optional_field_added_is_compatible() -> None:
    assert gate(add_optional) == []


Change = Callable[[dict[str, Any]], None]


def setting(field: str, keyword: str, value: Any) -> Change:
    def change(schema: dict[str, Any]) -> None:
        schema["properties"][field][keyword] = value

    return change


def removing(field: str) -> Change:
    return lambda schema: schema["properties"].pop(field)


def renaming(field: str, to: str) -> Change:
    def change(schema: dict[str, Any]) -> None:
        schema["properties"][to] = schema["properties"].pop(field)

    return change


def unrequiring(field: str) -> Change:
    return lambda schema: schema["required"].remove(field)


def requiring_a_new_field(schema: dict[str, Any]) -> None:
    add_optional(schema)
    schema["required"].append("colour")


BREAKING: list[tuple[str, Change, str, str]] = [
    ("removed", removing("title"), "title", "removed or renamed"),
    ("renamed", renaming("title", "name"), "title", "removed or renamed"),
    ("type changed", setting("price", "type", "string"), "price", "type changed"),
    ("new required field", requiring_a_new_field, "colour", "new required field"),
    ("no longer required", unrequiring("title"), "title", "no longer required"),
    ("maximum length loosened", setting("title", "maxLength", 500), "title", "maxLength loosened"),
    ("minimum length loosened", setting("title", "minLength", 0), "title", "minLength loosened"),
    ("range loosened", setting("price", "exclusiveMinimum", -1), "price", "minimum loosened"),
    ("pattern changed", setting(ID, "pattern", "^[a-z]+$"), ID, "pattern changed"),
    ("pattern removed", lambda schema: schema["properties"][ID].pop("pattern"), ID, "pattern"),
    ("made nullable", setting("price", "type", ["integer", "null"]), "price", "may now be null"),
]


@pytest.mark.parametrize(("why", "change", "field", "problem"), BREAKING, ids=[row[0] for row in BREAKING])
def test_a_breaking_change_is_refused_naming_event_version_and_field(
    why: str, change: Change, field: str, problem: str
) -> None:
    found = gate(change)
    assert found, why
    text = str(found[0])
    assert text.startswith(f"{{ A }}Listed v1, field '{field}':")
    assert problem in text


def test_an_enum_narrowed_is_refused_and_widened_is_not() -> None:
    old = baseline()
    setting("title", "enum", ["Hatchback", "Estate"])(old)
    for values, refused in ((["Hatchback"], True), (["Hatchback", "Estate", "Coupe"], False)):
        new = copy.deepcopy(old)
        setting("title", "enum", values)(new)
        found = compatibility.breaks({LISTED: json.dumps(old)}, {LISTED: json.dumps(new)})
        assert bool(found) is refused, values


def test_tightened_limits_on_what_is_published_are_compatible() -> None:
    # Every event the producer sends under the tighter rule is one the baseline's consumers could read.
    def tighten(schema: dict[str, Any]) -> None:
        schema["properties"]["title"]["maxLength"] = 100
        schema["properties"]["title"]["minLength"] = 5
        schema["properties"]["price"]["exclusiveMinimum"] = 100
        schema["properties"][ID]["format"] = "uuid"
        schema["properties"]["title"]["enum"] = ["Hatchback"]

    assert gate(tighten) == []


def test_a_published_version_may_not_disappear() -> None:
    found = compatibility.breaks({LISTED: json.dumps(baseline())}, {})
    [problem] = [str(problem) for problem in found]
    assert problem.startswith("{{ A }}Listed v1: the public event was removed")
    assert "restore it" in problem
    # With a later version published, the earlier one is retired once nobody reads it.
    later = {schemas.file_name("{{ A }}Listed", 2): "{}"}
    found = compatibility.breaks({LISTED: json.dumps(baseline())}, later)
    [problem] = [str(problem) for problem in found]
    assert problem.startswith("{{ A }}Listed v1: the published event version was removed")
    assert "make retire-version EVENT={{ A }}Listed VERSION=1" in problem


def test_the_report_says_how_to_make_a_breaking_change() -> None:
    text = compatibility.report(gate(lambda s: s["properties"].pop("price")))
    assert "{{ A }}Listed v1, field 'price': removed or renamed" in text
    assert "new version" in text


def test_release_refuses_while_a_change_breaks_and_records_a_compatible_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = baseline()
    broken["properties"]["new_field"] = {"type": "string"}
    broken["required"].append("new_field")  # the baseline knows nothing of it: today's code lacks it
    (tmp_path / LISTED).write_text(json.dumps(broken), encoding="utf-8")
    monkeypatch.setattr(schemas, "BASELINE", tmp_path)
    assert main(["release"]) == 1
    (tmp_path / LISTED).unlink()
    assert main(["release"]) == 0
    assert schemas.read(tmp_path) == schemas.current_public()


@pytest.mark.parametrize(
    "event_type", registry.EVENT_TYPES, ids=[f"{t.name}.v{t.version}" for t in registry.EVENT_TYPES]
)
def test_each_version_reads_what_it_writes(event_type: registry.EventType) -> None:
    # The gate compares what versions write (a serializer's type included); this is the other half:
    # what a version writes, today's code reads back (an alias or a serializer could break that).
    event = registry.from_data(event_type.name, event_type.version, registry.to_data(event_type.example))
    if event_type.current:
        assert event == event_type.example
