{%- set A = cookiecutter.aggregate -%}
"""Reading a producer's published AsyncAPI document (contracts/producers.py), with this component's own
document standing in for another squad's: every public event version is found as it was generated, and
what cannot be subscribed to is refused with the reason."""

from __future__ import annotations

import copy
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.registry import PUBLISHED, Visibility

from contracts import asyncapi, producers, schemas

LISTED = "{{ A }}Listed"
WITHDRAWN = "{{ A }}Withdrawn"
# This component, as the producer its own document names.
PRODUCER = "{{ cookiecutter.component_slug }}"
# What the component publishes today, as the refusals list it: these grow as the squad adds events
# and versions, so the expected messages are built from the registry, not written out.
PUBLIC = [t for t in PUBLISHED if t.visibility is Visibility.PUBLIC]
LISTED_VERSIONS = ", ".join(f"v{t.version}" for t in PUBLIC if t.name == LISTED)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi.build()


def test_each_public_event_version_is_offered_as_it_was_generated(document: dict[str, Any]) -> None:
    assert PUBLIC, "the component publishes public events"
    for event_type in PUBLIC:
        offered = producers.choose(document, event_type.name, event_type.version)
        assert (offered.producer, offered.source) == (PRODUCER, registry.SOURCE)
        assert (offered.name, offered.version) == (event_type.name, event_type.version)
        generated = {k: v for k, v in schemas.data_schema(event_type).items() if k != "$schema"}
        assert offered.schema == generated


@pytest.mark.parametrize(
    ("name", "version", "refusal"),
    [
        (
            "NoSuchEvent",
            1,
            f"{PRODUCER} sends no event NoSuchEvent; its public events: "
            + ", ".join(f"{t.name} v{t.version}" for t in PUBLIC),
        ),
        (LISTED, 99, f"{PRODUCER} sends {LISTED} in {LISTED_VERSIONS}, not v99: choose one of those"),
        (WITHDRAWN, 1, f"{WITHDRAWN} is private to {PRODUCER}: it goes to"),
    ],
)
def test_what_cannot_be_subscribed_to_is_refused_with_the_reason(
    name: str, version: int, refusal: str, document: dict[str, Any]
) -> None:
    with pytest.raises(producers.ContractRefused) as refused:
        producers.choose(document, name, version)
    assert str(refused.value).startswith(refusal), str(refused.value)


def test_a_nested_models_references_are_local_again(document: dict[str, Any]) -> None:
    # As the document holds a schema with $defs (an enum or nested model): rebased under components.
    nested = {
        "title": LISTED,
        "x-version": 1,
        "x-visibility": "public",
        "type": "object",
        "properties": {"size": {"$ref": "#/$defs/Size"}},
        "$defs": {"Size": {"type": "object", "properties": {"length_mm": {"type": "integer"}}}},
    }
    changed = copy.deepcopy(document)
    changed["components"]["schemas"][f"{LISTED}.v1"] = asyncapi.rebase(
        nested, f"#/components/schemas/{LISTED}.v1/"
    )
    assert producers.choose(changed, LISTED, 1).schema == nested


def test_the_producer_is_named_from_the_title_when_the_document_does_not_say(
    document: dict[str, Any],
) -> None:
    other = copy.deepcopy(document)
    del other["info"]["x-component"]
    other["info"]["title"] = "Vehicle Pricing"
    assert producers.choose(other, LISTED, 1).producer == "vehicle-pricing"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("asyncapi: 2.6.0\ninfo: {}\n", "is not an AsyncAPI 3 document (asyncapi: '2.6.0')"),
        ("asyncapi: [unclosed\n", "is not YAML"),
        (None, "is not a file: give the producer's docs/events/asyncapi.yaml"),
    ],
)
def test_a_document_that_is_no_asyncapi_3_is_refused(text: str | None, refusal: str, tmp_path: Path) -> None:
    path = tmp_path / "asyncapi.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(producers.ContractRefused, match=refusal.replace("(", r"\(").replace(")", r"\)")):
        producers.load(str(path))


def test_the_committed_document_loads_as_written() -> None:
    loaded = producers.load(str(asyncapi.DOCUMENT))
    assert producers.offered(loaded) == producers.offered(asyncapi.build()), "run `make docs`"
    # Named by a file:// URL, as a browser or an IDE copies a path, it is the same file.
    assert producers.load(asyncapi.DOCUMENT.as_uri()) == loaded


def test_a_document_served_on_this_machine_is_fetched_behind_a_company_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `make subscribe CONTRACT=http://127.0.0.1:...`: a producer's document served locally, on a laptop
    # whose proxy (one that answers nothing here) NO_PROXY does not bypass for loopback.
    for variable in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variable, ".corp.example")
    body = asyncapi.DOCUMENT.read_bytes()

    class Document(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass  # Not the test's output.

    server = ThreadingHTTPServer(("127.0.0.1", 0), Document)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        loaded = producers.load(f"http://127.0.0.1:{server.server_port}/asyncapi.yaml")
    finally:
        server.shutdown()
        server.server_close()
    assert producers.offered(loaded) == producers.offered(asyncapi.build()), "run `make docs`"
