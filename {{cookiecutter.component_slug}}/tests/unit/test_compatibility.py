"""The compatibility rules, one before/after pair each, in both directions (ADR 0015).

The first table holds JSON Schemas as pydantic writes them; the second builds them from pydantic
models with the edits squads make (an optional field retyped, an enum, a nested model), through the
same generator `make docs` uses, so a change in either the rules or the generator shows here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, PlainSerializer, computed_field

from {{ cookiecutter.package_name }}.events.registry import Visibility

from contracts import schemas
from contracts.compatibility import Break, Direction, breaks, compare, report, since, unreadable

SENT, ACCEPTED = Direction.SENT, Direction.ACCEPTED


def event(
    properties: dict[str, Any],
    required: list[str] | None = None,
    *,
    defs: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required or [], **extra}
    return schema if defs is None else {**schema, "$defs": defs}


def optional(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}], "default": None}


def status(*values: str) -> dict[str, Any]:
    """An event whose optional ``status`` is an enum in ``$defs``, as pydantic writes a StrEnum field."""
    defs = {"Status": {"enum": list(values), "title": "Status", "type": "string"}}
    return event({"status": optional({"$ref": "#/$defs/Status"})}, defs=defs)


def dimensions(length: dict[str, Any], required: list[str], **more: dict[str, Any]) -> dict[str, Any]:
    """An event whose ``size`` is a nested model in ``$defs``."""
    nested = event({"length": length, **more}, required, title="Dimensions")
    return event({"size": {"$ref": "#/$defs/Dimensions"}}, ["size"], defs={"Dimensions": nested})


def sizes(length: dict[str, Any]) -> dict[str, Any]:
    """An event whose ``t`` is a list of nested models."""
    nested = event({"length": length}, ["length"])
    return event(
        {"t": {"type": "array", "items": {"$ref": "#/$defs/Dimensions"}}}, defs={"Dimensions": nested}
    )


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NAME = {"type": "string", "maxLength": 200, "minLength": 1}

# Each: before, after, the direction, and a fragment of the problem (None: compatible).
RULES = [
    # Presence
    pytest.param(
        event({"a": INTEGER}, ["a"]),
        event({"a": INTEGER, "b": STRING}, ["a"]),
        SENT,
        None,
        id="optional field added",
    ),
    pytest.param(
        event({"a": INTEGER}),
        event({"a": INTEGER, "b": STRING}, ["b"]),
        SENT,
        "new required",
        id="required field added",
    ),
    pytest.param(
        event({"a": INTEGER, "b": STRING}),
        event({"a": INTEGER}),
        SENT,
        "removed or renamed",
        id="field removed",
    ),
    pytest.param(
        event({"a": INTEGER}, ["a"]),
        event({"z": INTEGER}, ["z"]),
        SENT,
        "removed or renamed",
        id="field renamed",
    ),
    pytest.param(
        event({"a": INTEGER}, ["a"]),
        event({"a": INTEGER}),
        SENT,
        "no longer required",
        id="required made optional",
    ),
    pytest.param(
        event({"a": INTEGER}, ["a"]),
        event({"a": INTEGER}),
        ACCEPTED,
        None,
        id="required made optional, accepted",
    ),
    pytest.param(
        event({"a": INTEGER}), event({"a": INTEGER}, ["a"]), SENT, "now required", id="optional made required"
    ),
    # Types and anyOf (optional and union fields)
    pytest.param(
        event({"a": INTEGER}),
        event({"a": STRING}),
        SENT,
        "type changed from integer to string",
        id="type changed",
    ),
    pytest.param(
        event({"a": optional(INTEGER)}),
        event({"a": optional(STRING)}),
        SENT,
        "may now be string",
        id="optional retyped",
    ),
    pytest.param(
        event({"a": optional(INTEGER)}),
        event({"a": optional(STRING)}),
        ACCEPTED,
        "no longer accepts integer",
        id="optional retyped, accepted",
    ),
    pytest.param(
        event({"a": INTEGER}), event({"a": optional(INTEGER)}), SENT, "may now be null", id="made nullable"
    ),
    pytest.param(
        event({"a": INTEGER}), event({"a": optional(INTEGER)}), ACCEPTED, None, id="made nullable, accepted"
    ),
    pytest.param(
        event({"a": optional(INTEGER)}), event({"a": INTEGER}), SENT, None, id="null no longer sent"
    ),
    pytest.param(
        event({"a": optional(INTEGER)}),
        event({"a": INTEGER}),
        ACCEPTED,
        "no longer accepts null",
        id="null no longer accepted",
    ),
    pytest.param(
        event({"a": {"anyOf": [INTEGER, STRING]}}),
        event({"a": {"anyOf": [INTEGER, STRING, {"type": "boolean"}]}}),
        SENT,
        "may now be boolean",
        id="union widened",
    ),
    pytest.param(
        event({"a": {"oneOf": [INTEGER, STRING]}}),
        event({"a": {"oneOf": [INTEGER]}}),
        SENT,
        None,
        id="union narrowed",
    ),
    pytest.param(
        event({"a": INTEGER}),
        event({"a": {"type": "number"}}),
        SENT,
        "type changed from integer to number",
        id="integer sent as number",
    ),
    pytest.param(
        event({"a": {"type": "number"}}), event({"a": INTEGER}), SENT, None, id="number sent as integer"
    ),
    pytest.param(
        event({"a": INTEGER}),
        event({"a": {"type": "number"}}),
        ACCEPTED,
        None,
        id="integer accepted as number",
    ),
    # Enums in $defs, as StrEnum fields are written
    pytest.param(status("listed"), status("listed", "reserved"), SENT, None, id="enum value added"),
    pytest.param(
        status("listed", "reserved"),
        status("listed"),
        SENT,
        'enum value(s) "reserved" removed',
        id="enum value removed",
    ),
    pytest.param(
        status("listed", "reserved"), status("listed"), ACCEPTED, "removed", id="enum value removed, accepted"
    ),
    pytest.param(
        status("listed"),
        event({"status": optional(STRING)}),
        SENT,
        "no longer limited",
        id="enum turned free text",
    ),
    pytest.param(
        event({"status": optional(STRING)}), status("listed"), SENT, None, id="free text turned enum"
    ),
    pytest.param(
        event({"status": optional(STRING)}),
        status("listed"),
        ACCEPTED,
        "now limited",
        id="free text turned enum, accepted",
    ),
    pytest.param(
        event({"k": {"const": "a", "type": "string"}}),
        event({"k": {"const": "b", "type": "string"}}),
        SENT,
        '"a" removed',
        id="literal changed",
    ),
    # Nested models ($ref into $defs)
    pytest.param(
        dimensions(INTEGER, ["length"]),
        dimensions(STRING, ["length"]),
        SENT,
        "type changed",
        id="nested field retyped",
    ),
    pytest.param(
        dimensions(INTEGER, ["length"]),
        dimensions(INTEGER, ["length"], width=INTEGER),
        SENT,
        None,
        id="nested optional field added",
    ),
    pytest.param(
        dimensions(INTEGER, ["length"], width=INTEGER),
        dimensions(INTEGER, ["length"]),
        SENT,
        "removed or renamed",
        id="nested field removed",
    ),
    pytest.param(
        dimensions(INTEGER, ["length"]),
        dimensions(INTEGER, []),
        SENT,
        "no longer required",
        id="nested required made optional",
    ),
    pytest.param(
        dimensions(INTEGER, ["length"]),
        event({"size": event({"length": INTEGER}, ["length"])}, ["size"]),
        SENT,
        None,
        id="nested model inlined",
    ),
    # Arrays and their items
    pytest.param(
        event({"t": {"type": "array", "items": STRING}}),
        event({"t": {"type": "array", "items": INTEGER}}),
        SENT,
        "type changed",
        id="items retyped",
    ),
    pytest.param(
        sizes(INTEGER), sizes(STRING), SENT, "field 't[].length': type changed", id="items of a nested model"
    ),
    pytest.param(
        event({"t": {"type": "array", "items": STRING, "maxItems": 3}}),
        event({"t": {"type": "array", "items": STRING, "maxItems": 5}}),
        SENT,
        "maxItems loosened from 3 to 5",
        id="maxItems raised",
    ),
    pytest.param(
        event({"t": {"type": "array", "items": STRING, "maxItems": 5}}),
        event({"t": {"type": "array", "items": STRING, "maxItems": 3}}),
        SENT,
        None,
        id="maxItems lowered",
    ),
    pytest.param(
        event({"t": {"type": "array", "items": STRING}}),
        event({"t": {"type": "array", "items": STRING, "uniqueItems": True}}),
        ACCEPTED,
        "uniqueItems",
        id="uniqueItems added, accepted",
    ),
    # additionalProperties: other fields, and maps
    pytest.param(
        event({"a": INTEGER}, additionalProperties=False),
        event({"a": INTEGER}),
        SENT,
        "now allows fields",
        id="other fields now allowed",
    ),
    pytest.param(
        event({"a": INTEGER}, additionalProperties=False),
        event({"a": INTEGER, "b": STRING}, additionalProperties=False),
        SENT,
        "no others were allowed",
        id="field added to a closed object",
    ),
    pytest.param(
        event({"a": INTEGER}),
        event({"a": INTEGER}, additionalProperties=False),
        SENT,
        None,
        id="object closed",
    ),
    pytest.param(
        event({"a": INTEGER}),
        event({"a": INTEGER}, additionalProperties=False),
        ACCEPTED,
        "no longer accepts fields",
        id="object closed, accepted",
    ),
    pytest.param(
        event({"m": {"type": "object", "additionalProperties": INTEGER}}),
        event({"m": {"type": "object", "additionalProperties": STRING}}),
        SENT,
        "type changed",
        id="map values retyped",
    ),
    pytest.param(
        event({"m": {"type": "object", "additionalProperties": INTEGER}}),
        event({"m": {"type": "object", "additionalProperties": True}}),
        SENT,
        "now allows",
        id="map values made anything",
    ),
    # Formats and constraints: sent data may narrow, accepted data may widen
    pytest.param(
        event({"n": NAME}), event({"n": {**NAME, "maxLength": 100}}), SENT, None, id="maxLength lowered"
    ),
    pytest.param(
        event({"n": NAME}),
        event({"n": {**NAME, "maxLength": 100}}),
        ACCEPTED,
        "maxLength tightened from 200 to 100",
        id="maxLength lowered, accepted",
    ),
    pytest.param(
        event({"n": NAME}),
        event({"n": {**NAME, "maxLength": 300}}),
        SENT,
        "maxLength loosened from 200 to 300",
        id="maxLength raised",
    ),
    pytest.param(
        event({"n": NAME}),
        event({"n": {**NAME, "maxLength": 300}}),
        ACCEPTED,
        None,
        id="maxLength raised, accepted",
    ),
    pytest.param(
        event({"n": NAME}),
        event({"n": {"type": "string", "minLength": 1}}),
        SENT,
        "maxLength 200 removed",
        id="maxLength removed",
    ),
    pytest.param(
        event({"n": NAME}), event({"n": {**NAME, "minLength": 3}}), SENT, None, id="minLength raised"
    ),
    pytest.param(
        event({"n": STRING}), event({"n": {**STRING, "pattern": "^[a-z]+$"}}), SENT, None, id="pattern added"
    ),
    pytest.param(
        event({"n": STRING}),
        event({"n": {**STRING, "pattern": "^[a-z]+$"}}),
        ACCEPTED,
        "pattern '^[a-z]+$' added",
        id="pattern added, accepted",
    ),
    pytest.param(
        event({"n": {**STRING, "pattern": "^[a-z]+$"}}),
        event({"n": STRING}),
        SENT,
        "pattern '^[a-z]+$' removed",
        id="pattern removed",
    ),
    pytest.param(
        event({"n": {**STRING, "pattern": "^[a-z]+$"}}),
        event({"n": {**STRING, "pattern": "^[a-z0-9]+$"}}),
        SENT,
        "pattern changed",
        id="pattern changed",
    ),
    pytest.param(
        event({"at": STRING}), event({"at": {**STRING, "format": "date-time"}}), SENT, None, id="format added"
    ),
    pytest.param(
        event({"at": {**STRING, "format": "date-time"}}),
        event({"at": {**STRING, "format": "date"}}),
        SENT,
        "format changed",
        id="format changed",
    ),
    pytest.param(
        event({"p": {"type": "integer", "minimum": 10}}),
        event({"p": {"type": "integer", "minimum": 5}}),
        SENT,
        "minimum loosened",
        id="minimum lowered",
    ),
    pytest.param(
        event({"p": {"type": "integer", "minimum": 5}}),
        event({"p": {"type": "integer", "minimum": 10}}),
        SENT,
        None,
        id="minimum raised",
    ),
    pytest.param(
        event({"p": {"type": "integer", "minimum": 5}}),
        event({"p": {"type": "integer", "minimum": 10}}),
        ACCEPTED,
        "minimum tightened",
        id="minimum raised, accepted",
    ),
    pytest.param(
        event({"p": {"type": "integer", "exclusiveMinimum": 0}}),
        event({"p": {"type": "integer", "minimum": 1}}),
        SENT,
        None,
        id="exclusive bound written as inclusive",
    ),
    pytest.param(
        event({"p": {"type": "number", "exclusiveMinimum": 0}}),
        event({"p": {"type": "number", "minimum": 0}}),
        SENT,
        "minimum loosened",
        id="exclusive bound lowered",
    ),
    pytest.param(
        event({"p": {"type": "integer", "maximum": 10}}),
        event({"p": INTEGER}),
        SENT,
        "maximum 10 removed",
        id="maximum removed",
    ),
    pytest.param(
        event({"p": {"type": "integer", "multipleOf": 5}}),
        event({"p": {"type": "integer", "multipleOf": 10}}),
        SENT,
        None,
        id="multipleOf made coarser",
    ),
    pytest.param(
        event({"p": {"type": "integer", "multipleOf": 10}}),
        event({"p": {"type": "integer", "multipleOf": 5}}),
        SENT,
        "multipleOf loosened",
        id="multipleOf made finer",
    ),
    pytest.param(
        event({"a": {**INTEGER, "description": "x"}}),
        event({"a": {**INTEGER, "description": "y"}}),
        SENT,
        None,
        id="description edited",
    ),
]


@pytest.mark.parametrize(("before", "after", "direction", "problem"), RULES)
def test_each_rule(
    before: dict[str, Any], after: dict[str, Any], direction: Direction, problem: str | None
) -> None:
    found = [str(b) for b in compare("Thing", 1, before, after, direction)]
    if problem is None:
        assert found == [], f"compatible, yet refused: {found}"
    else:
        assert any(problem in line for line in found), f"expected {problem!r} in {found}"


def test_a_problem_names_the_field_at_its_depth() -> None:
    [problem] = compare("Thing", 2, dimensions(INTEGER, ["length"]), dimensions(STRING, ["length"]))
    assert str(problem) == "Thing v2, field 'size.length': type changed from integer to string"


def test_a_self_referencing_model_is_compared_without_end() -> None:
    node = event({"name": STRING, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}, ["name"])
    before = event({"root": {"$ref": "#/$defs/Node"}}, ["root"], defs={"Node": node})
    assert compare("Tree", 1, before, before) == []


def test_a_reference_that_does_not_resolve_says_how_to_fix_it() -> None:
    broken = event({"status": {"$ref": "#/$defs/Status"}})
    with pytest.raises(ValueError, match=r"'#/\$defs/Status' does not resolve: keep \$defs"):
        compare("Thing", 1, broken, broken)


# ---------------------------------------------------------------- the edits squads make, from models


class Condition(StrEnum):
    NEW = "new"
    USED = "used"


class FewerConditions(StrEnum):
    NEW = "new"


class Size(BaseModel):
    length_mm: int
    width_mm: int | None = None


class SizeInInches(BaseModel):
    length_mm: str
    width_mm: int | None = None


class Released(BaseModel):
    kind: Literal["Thing"] = "Thing"
    mileage: int | None = None
    condition: Condition | None = None
    size: Size | None = None
    tags: list[str] = Field(default_factory=list)


class MileageAsText(Released):
    mileage: str | None = None  # type: ignore[assignment]


class ConditionNarrowed(Released):
    condition: FewerConditions | None = None  # type: ignore[assignment]


class SizeRetyped(Released):
    size: SizeInInches | None = None  # type: ignore[assignment]


class TagsRetyped(Released):
    tags: list[int] = Field(default_factory=list)  # type: ignore[assignment]


class WithColour(Released):
    colour: str | None = None


def generated(model: type[BaseModel]) -> dict[str, Any]:
    return schemas.schema_of(model, "Thing", 1, Visibility.PUBLIC)


@pytest.mark.parametrize(
    ("model", "problem"),
    [
        (MileageAsText, "field 'mileage': may now be string"),
        (ConditionNarrowed, "field 'condition': enum value(s) \"used\" removed"),
        (SizeRetyped, "field 'size.length_mm': type changed from integer to string"),
        (TagsRetyped, "field 'tags[]': type changed from string to integer"),
    ],
    ids=["optional int to str", "enum value removed", "nested model field retyped", "list items retyped"],
)
def test_a_breaking_edit_to_a_model_is_refused(model: type[BaseModel], problem: str) -> None:
    found = [str(b) for b in compare("Thing", 1, generated(Released), generated(model))]
    assert any(problem in line for line in found), found


def test_an_optional_field_added_to_a_model_is_compatible() -> None:
    assert compare("Thing", 1, generated(Released), generated(WithColour)) == []


class Priced(BaseModel):
    kind: Literal["Thing"] = "Thing"
    price: int
    size: Size


class PriceDefaulted(Priced):
    price: int = 0


class PriceLeftOutWhenZero(Priced):
    price: int = Field(default=0, exclude_if=lambda price: price == 0)


class SizeWithWidthLeftOut(BaseModel):
    length_mm: int = Field(default=0, exclude_if=lambda length: length == 0)
    width_mm: int | None = None


class SizeLeftOutWhenZero(Priced):
    size: SizeWithWidthLeftOut  # type: ignore[assignment]


def test_a_required_field_given_a_default_is_still_sent_in_every_event() -> None:
    assert compare("Thing", 1, generated(Priced), generated(PriceDefaulted)) == []
    assert PriceDefaulted(size=Size(length_mm=1)).model_dump()["price"] == 0  # Written all the same.


@pytest.mark.parametrize(
    ("model", "where"), [(PriceLeftOutWhenZero, "price"), (SizeLeftOutWhenZero, "size.length_mm")]
)
def test_a_required_field_left_out_of_some_events_is_refused(model: type[BaseModel], where: str) -> None:
    found = [str(b) for b in compare("Thing", 1, generated(Priced), generated(model))]
    assert any(f"field '{where}': no longer required" in line for line in found), found


def test_generated_schemas_are_self_contained() -> None:
    schema = generated(Released)
    assert schemas.references(schema) == {"#/$defs/Condition", "#/$defs/Size"}
    assert set(schema["$defs"]) == {"Condition", "Size"}
    # Nested models are open to fields consumers do not know, as the event itself is.
    assert "additionalProperties" not in schema["$defs"]["Size"]
    assert "title" not in schema["$defs"]["Size"]["properties"]["length_mm"]


# ---------------------------------------------------------------- what is sent, what is read


class MileageSentAsText(Released):
    # The model still reads an integer; what it sends is a string, and the schema says so.
    mileage: Annotated[int, PlainSerializer(str, return_type=str)] | None = None


class WithComputedField(Released):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        return "thing"


def test_the_schema_is_of_what_is_sent_not_of_what_the_model_reads() -> None:
    found = [str(b) for b in compare("Thing", 1, generated(Released), generated(MileageSentAsText))]
    assert any("field 'mileage': may now be string" in line for line in found), found
    assert "label" in generated(WithComputedField)["properties"]
    read = schemas.schema_of(MileageSentAsText, "Thing", 1, Visibility.PUBLIC, "validation")
    assert compare("Thing", 1, generated(Released), read) == []


def rendered(model: type[BaseModel], visibility: Visibility = Visibility.PUBLIC, **more: Any) -> str:
    return schemas.render({**schemas.schema_of(model, "Thing", 1, visibility), **more})


def test_the_target_branchs_versions_are_held_like_released_ones() -> None:
    name = schemas.file_name("Thing", 1)
    merged = {name: rendered(WithColour)}
    assert since(merged, {name: rendered(Released)}, {name: rendered(Released)})[0].field == "colour"
    assert since(merged, {name: rendered(WithColour)}, {name: rendered(WithColour)}) == []


def test_a_version_gone_from_the_target_branch_is_removed_retired_or_made_private() -> None:
    name = schemas.file_name("Thing", 1)
    merged = {name: rendered(Released)}
    [removed] = since(merged, {}, {})
    assert removed.problem.startswith("the public event was removed")
    [removed] = since(merged, {}, {schemas.file_name("Thing", 2): rendered(Released)})
    assert "make retire-version EVENT=Thing VERSION=1" in removed.problem
    assert since(merged, {}, {name: rendered(Released)}) == []  # retired: registered, not published
    [private] = since(merged, {}, {name: rendered(Released, Visibility.PRIVATE)})
    assert private.problem.startswith("made private")
    assert since({name: rendered(Released, Visibility.PRIVATE)}, {}, {}) == []  # private on the branch


class MileageCapped(Released):
    mileage: Annotated[int, Field(le=500_000)] | None = None


class WithRequiredColour(Released):
    colour: str


def test_recorded_events_must_still_read_with_todays_model() -> None:
    name = schemas.file_name("Thing", 1)
    recorded = {name: rendered(Released)}

    def reader(model: type[BaseModel]) -> dict[str, str]:
        schema = schemas.schema_of(model, "Thing", 1, Visibility.PUBLIC, "validation")
        return {name: schemas.render(schema)}

    assert unreadable(recorded, reader(WithColour)) == []
    assert unreadable(recorded, reader(MileageAsText)) != []  # an integer recorded does not read as str
    [capped] = unreadable(recorded, reader(MileageCapped))
    assert (capped.field, capped.problem.split(":")[0]) == ("mileage", "maximum 500000 added")
    [required] = unreadable(recorded, reader(WithRequiredColour))
    assert (required.field, required.problem) == ("colour", "new required field")
    [gone] = unreadable(recorded, {})
    assert "make retire-version EVENT=Thing VERSION=1" in gone.problem


def test_the_report_says_what_to_do_for_the_version_that_broke() -> None:
    found = [Break("Thing", 1, "size", "removed or renamed"), Break("Other", 2, "a", "removed or renamed")]
    text = report(found, {"Thing": 2, "Other": 2})
    assert "Thing v1 is an earlier version" in text
    assert "events/earlier.py" in text
    assert "`make new-version EVENT=Other`" in text
    assert "EVENT=<" not in text


def test_a_version_released_on_the_branch_only_is_released_again_not_versioned() -> None:
    text = report([Break("Thing", 2, "a", "removed or renamed")], {"Thing": 2}, [("Thing", 2)])
    assert "Thing v2 was released on this branch only" in text
    assert "make new-version" not in text


def test_a_whole_public_event_removed_is_to_be_restored_not_retired() -> None:
    v1, v2 = schemas.file_name("Thing", 1), schemas.file_name("Thing", 2)
    [version_gone] = breaks({v1: rendered(Released)}, {v2: rendered(Released)})
    assert "make retire-version EVENT=Thing VERSION=1" in version_gone.problem
    [event_gone] = breaks({v1: rendered(Released)}, {})
    assert event_gone.problem.startswith("the public event was removed")
    assert "retire-version" not in event_gone.problem
