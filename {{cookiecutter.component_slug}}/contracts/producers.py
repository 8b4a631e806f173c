"""Another component's published contract: the events its AsyncAPI document says it sends.

A consumer subscribes from the producer's document, never from its code: the document is the promise
(its gate keeps each released version compatible, ADR 15). This module reads one (a path, or an
http(s) URL) and finds one event version in it, with what a subscription needs: the producer's
component name (its pacts' provider), the EventBridge ``source`` and ``detail-type`` a rule matches,
the version, and the data's JSON Schema, self-contained again (its ``$defs`` as they were before the
document rebased them, ADR 13).

It reads documents of the shape this template writes (one channel per event version, a ``send``
operation for each, the source and detail-type as header constants, the data under the payload's
``data``) and any AsyncAPI 3 document that follows it. What it cannot use it refuses, saying why and
what to do: not AsyncAPI 3, an event or version the producer does not send, a private event.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

from local_deploy.loopback import keep_loopback_off_proxies

# How long to wait for a document behind a URL before saying so.
FETCH_SECONDS = 20
COMPONENT_NAME = re.compile(r"[^a-z0-9]+")


class ContractRefused(ValueError):
    """The document cannot be subscribed from as asked; the message says why and what to do."""


@dataclass(frozen=True)
class OfferedEvent:
    """One event version a producer sends, as its document describes it."""

    producer: str
    source: str
    name: str
    version: int
    public: bool
    schema: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


def load(location: str) -> dict[str, Any]:
    """The AsyncAPI 3 document at ``location`` (a file or an http(s) URL), parsed."""
    return parse(text_of(location), location)


def text_of(location: str) -> str:
    """The text at ``location``: a file, or an http(s) URL."""
    if location.startswith(("https://", "http://")):
        keep_loopback_off_proxies()  # a producer's contract served on this machine, behind a proxy
        try:
            with urllib.request.urlopen(location, timeout=FETCH_SECONDS) as response:  # noqa: S310 - http(s) only
                text: str = response.read().decode("utf-8")
        except OSError as error:
            raise ContractRefused(f"{location} could not be fetched ({error}): check the URL") from error
        return text
    # A file:// URL names a file too (what a browser's address bar or an IDE copies).
    path = (
        Path(urllib.request.url2pathname(urllib.parse.urlsplit(location).path))
        if location.startswith("file://")
        else Path(location)
    )
    if not path.is_file():
        raise ContractRefused(
            f"{location} is not a file: give the producer's docs/events/asyncapi.yaml (a path, a file:// or"
            " an http(s) URL)"
        )
    return path.read_text(encoding="utf-8")


def parse(text: str, location: str) -> dict[str, Any]:
    """``text`` read as an AsyncAPI 3 document, or refused saying what it is instead."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ContractRefused(f"{location} is not YAML: {error}") from error
    if not isinstance(document, dict) or not str(document.get("asyncapi", "")).startswith("3."):
        found = document.get("asyncapi") if isinstance(document, dict) else None
        raise ContractRefused(
            f"{location} is not an AsyncAPI 3 document (asyncapi: {found!r}); give the producer's "
            "docs/events/asyncapi.yaml"
        )
    return document


def producer_name(document: dict[str, Any]) -> str:
    """The producer's component name: ``info.x-component``, else its title in lower case with dashes."""
    info = document.get("info", {})
    named = info.get("x-component")
    if isinstance(named, str) and named:
        return named
    return COMPONENT_NAME.sub("-", str(info.get("title", "")).lower()).strip("-") or "producer"


def offered(document: dict[str, Any]) -> list[OfferedEvent]:
    """Every event version the document's ``send`` operations name, in the document's order."""
    producer = producer_name(document)
    found = []
    for operation in document.get("operations", {}).values():
        if operation.get("action") != "send":
            continue
        for reference in operation.get("messages", []):
            message = resolve(document, reference)
            found.append(offered_event(document, producer, message))
    return found


def offered_event(document: dict[str, Any], producer: str, message: dict[str, Any]) -> OfferedEvent:
    headers = resolve(document, message.get("headers", {})).get("properties", {})
    source = headers.get("source", {}).get("const")
    name = headers.get("detail-type", {}).get("const") or message.get("name")
    payload = resolve(document, message.get("payload", {}))
    data = payload.get("properties", {}).get("data", {})
    reference = data.get("$ref", "")
    schema = resolve(document, data)
    version = schema.get("x-version")
    if not (isinstance(source, str) and isinstance(name, str) and isinstance(version, int)):
        raise ContractRefused(
            f"message {message.get('name')!r} does not say its source, detail-type and version the way "
            "this template writes them (headers source and detail-type as const, data's x-version)"
        )
    prefix = reference.removeprefix("#") + "/" if reference.startswith("#/") else ""
    return OfferedEvent(
        producer=producer,
        source=source,
        name=name,
        version=version,
        public=schema.get("x-visibility", "public") == "public",
        schema=unbase(schema, prefix),
    )


def choose(document: dict[str, Any], name: str, version: int) -> OfferedEvent:
    """The event version a consumer asked for, or why it cannot subscribe to it."""
    events = offered(document)
    producer = producer_name(document)
    public = [event for event in events if event.public]
    named = [event for event in events if event.name == name]
    if not named:
        listed = ", ".join(str(event) for event in public) or "none"
        raise ContractRefused(f"{producer} sends no event {name}; its public events: {listed}")
    if not any(event.public for event in named):
        raise ContractRefused(
            f"{name} is private to {producer}: it goes to {producer}'s own bus, not the shared one, and may "
            "change without notice; ask its squad to make it public"
        )
    for event in named:
        if event.version == version and event.public:
            return event
    versions = ", ".join(f"v{event.version}" for event in named if event.public)
    raise ContractRefused(f"{producer} sends {name} in {versions}, not v{version}: choose one of those")


def resolve(document: dict[str, Any], node: Any) -> Any:
    """``node``, or what its local ``$ref`` points to (followed until it is no reference)."""
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        reference = node["$ref"]
        if not reference.startswith("#/") or reference in seen:
            raise ContractRefused(f"reference {reference!r} cannot be followed: only local references are")
        seen.add(reference)
        node = document
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise ContractRefused(f"reference {reference!r} points to nothing in the document")
            node = node[part]
    return node


def unbase(schema: Any, prefix: str) -> Any:
    """``schema`` with references into itself (``#/components/schemas/X/$defs/Y``) made local again
    (``#/$defs/Y``): the schema as the producer generated it, before its document rebased it."""
    if isinstance(schema, dict):
        return {
            key: "#/" + value.removeprefix("#" + prefix)
            if key == "$ref" and isinstance(value, str) and prefix and value.startswith("#" + prefix)
            else unbase(value, prefix)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [unbase(value, prefix) for value in schema]
    return schema
