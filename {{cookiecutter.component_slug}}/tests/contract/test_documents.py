"""The published documents pass the parsers their readers use; a broken one fails naming its problem.

Node and the validators pinned in package.json are required, not optional: the make targets that run
these tests install them first (`npm ci`), and without them these tests fail saying so (a skipped
check would read as a passed one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contracts import asyncapi, documents, schemas

COMPONENT = "{{ cookiecutter.component_slug }}"
LISTED = "{{ cookiecutter.aggregate }}Listed.v1"

Change = Callable[[Any], None]


def test_the_committed_asyncapi_document_and_catalog_entry_are_valid_whatever_node_prints_besides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Node's own notices on stderr are not part of the report: Node 22.7 warns there that a dependency
    # was parsed as an ES module. Here a notice of the same kind comes from a module loaded first
    # (NODE_OPTIONS), on this machine's Node; one run of the validators checks both.
    notice = tmp_path / "notice.cjs"
    notice.write_text('process.emitWarning("a notice from Node, not about the documents");\n', "utf-8")
    monkeypatch.setenv("NODE_OPTIONS", f"--require={notice}")
    verdict = documents.validate([asyncapi.DOCUMENT], [documents.CATALOG])
    assert verdict.valid, verdict.report
    assert verdict.report.splitlines() == ["docs/events/asyncapi.yaml: valid", "catalog-info.yaml: valid"]


def operation_on_a_missing_channel(document: dict[str, Any]) -> None:
    document["operations"][f"send.{LISTED}"]["channel"] = {"$ref": "#/channels/Missing.v1"}


def payload_that_is_no_schema(document: dict[str, Any]) -> None:
    document["components"]["messages"][LISTED]["payload"] = "the envelope"


def unknown_version(document: dict[str, Any]) -> None:
    document["asyncapi"] = "3.9.0"


def without_owner(entities: list[Any]) -> None:
    del entities[0]["spec"]["owner"]


def named(name: str) -> Change:
    def change(entities: list[Any]) -> None:
        entities[0]["metadata"]["name"] = name

    return change


def definition_of_no_file(entities: list[Any]) -> None:
    entities[1]["spec"]["definition"]["$text"] = "./docs/events/missing.yaml"


def providing_an_unknown_api(entities: list[Any]) -> None:
    entities[0]["spec"]["providesApis"].append(f"{COMPONENT}-evnets")


NAME_RULE = '"metadata.name" is not valid; expected a string that is sequences of [a-zA-Z0-9]'
# (why, change, where, message): where is the JSON path the parser reports or the entity named.
BROKEN_ASYNCAPI: list[tuple[str, Change, str, str]] = [
    (
        "operation on a missing channel",
        operation_on_a_missing_channel,
        f"/operations/send.{LISTED}/channel/$ref",
        "'#/channels/Missing.v1' does not exist",
    ),
    (
        "payload that is no schema",
        payload_that_is_no_schema,
        f"/components/messages/{LISTED}/payload",
        '"payload" property type must be object,boolean',
    ),
    ("unknown asyncapi version", unknown_version, "/", 'Version "3.9.0" is not supported'),
]
BROKEN_CATALOG: list[tuple[str, Change, str, str]] = [
    ("no owner", without_owner, f"Component {COMPONENT}", "/spec must have required property 'owner'"),
    ("name with spaces", named("my component"), "Component my component", NAME_RULE),
    ("name too long", named("n" * 64), f"Component {'n' * 64}", NAME_RULE),
    (
        "definition of no file",
        definition_of_no_file,
        f"API {COMPONENT}-events",
        "spec.definition: $text ./docs/events/missing.yaml names no file",
    ),
    (
        "unknown provided API",
        providing_an_unknown_api,
        f"Component {COMPONENT}",
        f"spec.providesApis: {COMPONENT}-evnets is not an API entity of this file",
    ),
]
CASES = BROKEN_ASYNCAPI + BROKEN_CATALOG


def written(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def broken_catalog(change: Change) -> str:
    entities = documents.yaml_documents(documents.CATALOG)
    for entity in entities:
        definition = entity["spec"].get("definition")
        if isinstance(definition, dict):
            # Absolute, so the copy in another folder still finds the component's files.
            definition["$text"] = str(schemas.ROOT / definition["$text"])
    change(entities)
    # JSON is YAML: one entity per document, as in a catalog file.
    return "\n---\n".join(json.dumps(entity) for entity in entities)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each broken document's report lines, from one run of the validators over all of them."""
    root = tmp_path_factory.mktemp("broken")
    asyncapi_files, catalogs = [], []
    for why, change, _, _ in BROKEN_ASYNCAPI:
        document = asyncapi.build()
        change(document)
        asyncapi_files.append(written(root / why / "asyncapi.yaml", asyncapi.dump(document)))
    for why, change, _, _ in BROKEN_CATALOG:
        catalogs.append(written(root / why / "catalog-info.yaml", broken_catalog(change)))
    verdict = documents.validate(asyncapi_files, catalogs)
    assert not verdict.valid, verdict.report
    return {
        path.parent.name: [line for line in verdict.report.splitlines() if line.startswith(f"{path}: ")]
        for path in asyncapi_files + catalogs
    }


@pytest.mark.parametrize(
    ("why", "where", "message"),
    [(why, where, message) for why, _, where, message in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_broken_document_fails_naming_its_problem(
    reports: dict[str, list[str]], why: str, where: str, message: str
) -> None:
    lines = reports[why]
    assert any(f": {where}" in line and message in line for line in lines), "\n".join(lines)
    assert lines[-1].endswith("problem(s)")


def test_without_node_the_check_fails_saying_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(documents.ValidatorMissing, match=r"node is not on PATH: install Node\.js 20"):
        documents.validate([asyncapi.DOCUMENT])


def test_without_the_validators_the_check_fails_saying_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(documents, "VALIDATORS", tmp_path / "node_modules" / "@asyncapi" / "parser")
    with pytest.raises(documents.ValidatorMissing, match=r"is missing: run `make validate-docs`"):
        documents.validate([asyncapi.DOCUMENT])
