{%- set slug = cookiecutter.component_slug -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""Provider verification: the publisher's real messages against every pact written for its events.

The pacts come from three places: the pact files in ``pacts/`` whose provider is this component (the
consumer tests write theirs there; drop another squad's pact files in to verify them locally), a Pact
Broker when ``PACT_BROKER_BASE_URL`` is set (CI), and the published contract, a pact of every public
event derived from the event models, so the publisher is verified against what any subscriber may rely
on even before the first consumer has written a pact. Each message is built by the code that builds it
in Lambda: the service's event records and the publisher's PutEvents entry.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pact import Pact, Verifier
from pact.types import Message

from {{ cookiecutter.package_name }}.commands import CommandContext
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.envelope import Envelope
from {{ cookiecutter.package_name }}.handlers import publisher
from {{ cookiecutter.package_name }}.service import event_records
from {{ cookiecutter.package_name }}.store.event_store import OutboundEvent, outbox

from contracts import pact_sources
from tests.contract import pacts

# The consumer named in the published-contract pact: "whoever subscribes". It is never published.
ANY_SUBSCRIBER = "{{ slug }}-subscribers"
Producer = Callable[[str], Message]


@pytest.fixture(autouse=True)
def buses(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings the publisher function gets from its stack."""
    monkeypatch.setenv("COMPONENT_BUS_NAME", "{{ slug }}-events")
    monkeypatch.setenv("SHARED_BUS_NAME", "shared-events")
    publisher.publisher.cache_clear()
    yield
    publisher.publisher.cache_clear()


def published_message(name: str) -> Message:
    """The message the publisher sends for the event a pact describes, with the example's data."""
    event_type = pacts.described(name)
    # The domain records the current version; an earlier one is published beside it (its example is
    # read as a current event first, as a late message would be, then published in every version).
    event = registry.from_data(event_type.name, event_type.version, registry.to_data(event_type.example))
    context = CommandContext(correlation_id="pact-verification", actor="pact-verifier")
    (record,) = event_records([event], sequence=0, context=context, occurred_at=datetime.now(UTC))
    (version,) = [published for published in outbox(record) if published.version == event_type.version]
    outbound = OutboundEvent(
        aggregate="{{ cookiecutter.aggregate }}",
        aggregate_id=version.data["{{ a }}_id"],
        record=version,
    )
    entry = publisher.publisher().entry(outbound)
    return {
        "contents": entry["Detail"].encode(),
        "metadata": {"source": entry["Source"], "detail-type": entry["DetailType"]},
        "content_type": "application/json",
    }


@pytest.fixture(scope="module")
def published_contract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pact of every public event as the event models define it."""
    folder = tmp_path_factory.mktemp("published-contract")
    pact = Pact(ANY_SUBSCRIBER, pacts.PROVIDER).with_specification("V4")
    public = [t for t in registry.PUBLISHED if t.visibility is registry.Visibility.PUBLIC]
    for event_type in public:
        (
            pact.upon_receiving(pacts.description(event_type), "Async")
            .with_body(pacts.expected_envelope(event_type), content_type="application/json")
            .with_metadata(pacts.routing(event_type))
        )

    def subscriber(body: str | bytes | None, metadata: dict[str, object]) -> None:
        envelope = Envelope.model_validate_json(body or b"")
        registry.from_data(envelope.metadata.name, envelope.metadata.version, envelope.data)

    pact.verify(subscriber, "Async")
    pact.write_file(folder, overwrite=True)
    (path,) = folder.glob("*.json")
    return path


def verify(produce: Producer, sources: list[Path], *, broker: bool = False) -> None:
    """Run the Pact verifier; on failure, fail with its own report (which message, which field)."""
    unknown = [
        f"{source.name}: {text!r}" for source in sources for text in descriptions(source) if not known(text)
    ]
    if unknown:
        pytest.fail(
            "pacts describe messages this component does not publish "
            f"(describe them as 'a <EventName> v<version> event'): {'; '.join(unknown)}",
            pytrace=False,
        )
    verifier = Verifier(pacts.PROVIDER).message_handler(produce).set_coloured_output(enabled=False)
    for source in sources:
        verifier.add_source(source)
    if broker:
        verifier = with_broker(verifier)
    try:
        verifier.verify()
    except RuntimeError:
        pytest.fail(f"provider verification failed:\n{verifier.output(strip_ansi=True)}", pytrace=False)


def with_broker(verifier: Verifier) -> Verifier:
    """The consumers' pacts from the broker (URL and token from PACT_BROKER_* variables).

    With PACT_PUBLISH_VERIFICATION_RESULTS=true, the results go back to the broker as PACT_PROVIDER_VERSION
    of PACT_PROVIDER_BRANCH, which is what can-i-deploy asks about.

    Verified: the consumers' main branches, what is deployed or released, and the same branch as this
    build; pending pacts do not fail the build until their consumer has seen them verified once.
    """
    branch = os.environ.get("PACT_PROVIDER_BRANCH")
    selection = (
        verifier.broker_source(selector=True)
        .include_pending()
        .consumer_version(main_branch=True)
        .consumer_version(deployed_or_released=True)
    )
    if branch:
        selection = selection.consumer_version(matching_branch=True).provider_branch(branch)
    verifier = selection.build()
    version = os.environ.get("PACT_PROVIDER_VERSION")
    if version and os.environ.get("PACT_PUBLISH_VERIFICATION_RESULTS") == "true":
        verifier = verifier.set_publish_options(version=version, branch=branch)
    return verifier


def descriptions(pact_file: Path) -> list[str]:
    interactions = json.loads(pact_file.read_text(encoding="utf-8")).get("interactions", [])
    return [interaction["description"] for interaction in interactions]


def known(text: str) -> bool:
    try:
        pacts.described(text)
    except LookupError:
        return False
    return True


def test_a_pact_run_reports_nothing_to_the_pact_foundation() -> None:
    # The Pact library checks the variable each time it would report (on this machine, with it unset,
    # `strace` saw a DNS query for www.google-analytics.com per pact run; with it set, none).
    assert os.environ.get("PACT_DO_NOT_TRACK") == "true", (
        "PACT_DO_NOT_TRACK is not `true`: the Pact library reports every contract run (ADR 0023); "
        "tests/contract/__init__.py sets it unless the environment says otherwise: unset it, "
        "or set it to true"
    )


def test_the_publisher_honours_every_pact(
    published_contract: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broker = bool(os.environ.get("PACT_BROKER_BASE_URL"))
    shared = pact_sources.shared_pact_files(tmp_path, os.environ.get("PACT_SOURCES", ""))
    consumers = [*pact_sources.pact_files(), *shared]
    verify(published_message, [published_contract, *consumers], broker=broker)
    # What was verified, shown however pytest captures output: `make verify-pacts` says which pacts.
    names = ", ".join(f"{path.name} ({pact_sources.consumer_of(path)})" for path in consumers) or "none"
    with capsys.disabled():
        print(f"\nverified the consumers' pacts: {names}{'; and the Pact Broker' if broker else ''}")


@pytest.mark.usefixtures("behind_a_company_proxy")
def test_the_pacts_are_verified_on_a_laptop_behind_a_company_proxy(published_contract: Path) -> None:
    # The verifier (Rust) sends each message request to this process over loopback; through a proxy,
    # every pact failed with "error sending request for url (http://localhost:.../_pact/message)".
    verify(published_message, [published_contract])


def test_pacts_from_a_consumer_s_folder_or_url_are_verified_without_a_broker(tmp_path: Path) -> None:
    """PACT_SOURCES: another squad's pacts/ folder, and a pact file served over HTTP."""
    folder, served = tmp_path / "consumer-pacts", tmp_path / "served"
    folder.mkdir()
    served.mkdir()
    listed = next(t for t in registry.PUBLISHED if t.visibility is registry.Visibility.PUBLIC)
    for consumer, where in (("squad-a", folder), ("squad-b", served)):
        pact = Pact(consumer, pacts.PROVIDER).with_specification("V4")
        (
            pact.upon_receiving(pacts.description(listed), "Async")
            .with_body(pacts.expected_envelope(listed), content_type="application/json")
            .with_metadata(pacts.routing(listed))
        )
        pact.write_file(where, overwrite=True)
    elsewhere = Pact("squad-a", "another-producer").with_specification("V4")
    elsewhere.upon_receiving("a ShipmentDispatched v1 event", "Async").with_body({"shipment_id": "s-1"})
    elsewhere.write_file(folder, overwrite=True)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=served)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/squad-b-{pacts.PROVIDER}.json"
        shared = pact_sources.shared_pact_files(tmp_path, f"{folder} {url}")
    finally:
        server.shutdown()
        server.server_close()

    # The pact for another producer in the same folder is left out; the two for this one are verified.
    assert [json.loads(path.read_text(encoding="utf-8"))["consumer"]["name"] for path in shared] == [
        "squad-a",
        "squad-b",
    ]
    verify(published_message, shared)


def test_a_pact_source_that_is_neither_folder_nor_url_is_named(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match=r"PACT_SOURCES: \.\./pricing/pact is neither a folder nor an http"):
        pact_sources.shared_pact_files(tmp_path, "../pricing/pact")


def test_a_pact_source_that_holds_no_pact_for_this_component_is_refused_not_passed(tmp_path: Path) -> None:
    # A mistyped source used to verify nothing, and pass: each place must hold a pact for this component.
    consumer = tmp_path / "pricing"
    (consumer / "src").mkdir(parents=True)
    other = Pact("pricing", "another-producer").with_specification("V4")
    other.upon_receiving("a ShipmentDispatched v1 event", "Async").with_body({"shipment_id": "s-1"})
    other.write_file(tmp_path / "served", overwrite=True)
    (tmp_path / "served" / "index.html").write_text("<html>a folder, not a pact</html>", encoding="utf-8")
    with pytest.raises(LookupError, match=f"PACT_SOURCES: {consumer} holds no pact for {pacts.PROVIDER}"):
        pact_sources.shared_pact_files(tmp_path, str(consumer))
    with pytest.raises(
        LookupError, match=r"does not exist: pacts are not committed .* run `make test-contract` in"
    ):
        pact_sources.shared_pact_files(tmp_path, str(consumer / "pacts"))
    handler = functools.partial(SimpleHTTPRequestHandler, directory=tmp_path / "served")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with pytest.raises(LookupError, match=f"is a pact for another-producer, not for {pacts.PROVIDER}"):
            pact_sources.shared_pact_files(tmp_path, f"{base}/pricing-another-producer.json")
        with pytest.raises(LookupError, match="is not a pact file"):
            pact_sources.shared_pact_files(tmp_path, f"{base}/")
    finally:
        server.shutdown()
        server.server_close()


def test_a_publisher_that_drops_a_field_fails_verification_with_the_verifiers_report(
    published_contract: Path,
) -> None:
    def without_first_field(name: str) -> Message:
        message = published_message(name)
        envelope = json.loads(message["contents"])
        envelope["data"].pop("{{ a }}_id")
        return {**message, "contents": json.dumps(envelope).encode()}

    with pytest.raises(pytest.fail.Exception) as failure:
        verify(without_first_field, [published_contract])

    report = str(failure.value)
    assert "provider verification failed" in report
    assert "$.data -> Actual map is missing the following keys: {{ a }}_id" in report


def test_a_pact_for_an_event_the_component_does_not_publish_is_named(tmp_path: Path) -> None:
    pact = Pact("another-squad", pacts.PROVIDER).with_specification("V4")
    pact.upon_receiving("a ShipmentDispatched v1 event", "Async").with_body({"shipment_id": "s-1"})
    pact.write_file(tmp_path, overwrite=True)

    with pytest.raises(pytest.fail.Exception) as failure:
        verify(published_message, sorted(tmp_path.glob("*.json")))

    assert "'a ShipmentDispatched v1 event'" in str(failure.value)
    assert "a <EventName> v<version> event" in str(failure.value)


def test_with_a_broker_configured_its_pacts_are_verified_too(
    published_contract: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No broker runs here: one that cannot be reached shows the verifier asked it for pacts.
    monkeypatch.setenv("PACT_BROKER_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PACT_BROKER_TOKEN", "not-a-token")

    with pytest.raises(pytest.fail.Exception) as failure:
        verify(published_message, [published_contract], broker=True)

    assert "pact broker 'http://127.0.0.1:9'" in str(failure.value)
