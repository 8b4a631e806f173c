{%- set authority = "bearer_token(deployment.outputs)" if cookiecutter.jwt_authoriser else "deployment.region" -%}
{%- set A = cookiecutter.aggregate -%}
{%- set a = A | snake_case -%}
"""The whole flow on a deployed component: command -> stored -> published -> routed{% if cookiecutter.consumer %} -> consumed{% endif %}.

Run against the local deploy (``make e2e-local``) or a stack on AWS (``make e2e``), unchanged.
"""

from __future__ import annotations

{% if cookiecutter.consumer or cookiecutter.command_api -%}
import json
{% endif -%}
import time
import uuid
from collections.abc import Callable, Iterator
{%- if cookiecutter.jwt_authoriser %}
from pathlib import Path
{%- endif %}
from typing import Any, TypeVar
{%- if cookiecutter.command_api %}
from urllib.error import HTTPError
from urllib.request import Request, urlopen
{%- endif %}

{% if cookiecutter.jwt_authoriser -%}
import jwt
{% endif -%}
import pytest

{% if not cookiecutter.command_api -%}
from {{ cookiecutter.package_name }}.commands import CommandContext
from {{ cookiecutter.package_name }}.domain import {{ a }} as domain
{% endif -%}
from {{ cookiecutter.package_name }}.events import registry
{%- if cookiecutter.command_api and cookiecutter.consumer %}
from {{ cookiecutter.package_name }}.handlers import api, consumer
{%- elif cookiecutter.command_api %}
from {{ cookiecutter.package_name }}.handlers import api
{%- elif cookiecutter.consumer %}
from {{ cookiecutter.package_name }}.handlers import consumer
{%- endif %}
{%- if not cookiecutter.command_api %}
from {{ cookiecutter.package_name }}.service import {{ A }}Service
from {{ cookiecutter.package_name }}.store.event_store import EventStore
{%- endif %}

{% if cookiecutter.command_api -%}
from local_deploy.api import REQUEST_ID_HEADER
{% endif -%}
{% if cookiecutter.jwt_authoriser -%}
from local_deploy.tokens import LocalIssuer
{% endif -%}
{% if cookiecutter.consumer and cookiecutter.jwt_authoriser -%}
from scripts import access_token, load, redrive, targets
{% elif cookiecutter.consumer -%}
from scripts import load, redrive, targets
{% elif cookiecutter.jwt_authoriser -%}
from scripts import access_token, load, targets
{% else -%}
from scripts import load, targets
{% endif -%}
{% if cookiecutter.jwt_authoriser -%}
from scripts.api_client import bearer_token, signed_request
{% elif cookiecutter.command_api -%}
from scripts.api_client import signed_request
{% endif -%}
from tests.e2e.conftest import PATIENCE_SECONDS, Deployment
{%- if cookiecutter.jwt_authoriser %}
from tests.forged_tokens import hs256_with_the_public_key, unsigned
{%- endif %}

T = TypeVar("T")


def eventually(check: Callable[[], T | None], what: str, seconds: float = PATIENCE_SECONDS) -> T:
    """The first non-None answer of ``check``, asked until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not seen within {seconds:.0f} s")


@pytest.fixture
def tap(deployment: Deployment) -> Iterator[str]:
    """A queue that receives every event this component publishes to the shared bus, for the test only."""
    sqs, events = deployment.client("sqs"), deployment.client("events")
    with targets.tap(sqs, events, deployment.outputs["SharedBusName"], registry.SOURCE, "e2e") as queue_url:
        yield queue_url


def received(
    deployment: Deployment,
    queue_url: str,
    wanted: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """The ``wanted`` messages of one receive from the queue; every message looked at is removed."""
    return [body for body in targets.take(deployment.client("sqs"), queue_url) if wanted(body)]
{%- if cookiecutter.command_api %}


def call(
    deployment: Deployment,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    """A {% if cookiecutter.jwt_authoriser %}request with an access token (the JWT authoriser){% else %}SigV4-signed request to the API (IAM authorisation){% endif %}: its status and its body."""
    status, answer, _ = send(deployment, method, path, body)
    return status, answer


def send(
    deployment: Deployment,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any, str]:
    """A {% if cookiecutter.jwt_authoriser %}request with an access token{% else %}SigV4-signed request{% endif %} to the API, as another service makes it: status, body and request id."""
    url = deployment.outputs["ApiUrl"].rstrip("/") + path
    answer = signed_request(url, method, {{ authority }}, body)
    return answer.status, answer.body, answer.request_id


def list_one(deployment: Deployment, identity: str) -> str:
    """List ``identity`` through the API; the correlation id of its journey (API Gateway's request id)."""
    status, answer, request_id = send(
        deployment,
        "POST",
        api.COLLECTION,
        {"{{ a }}_id": identity, "title": "End-to-end listing", "price": 1500},
    )
    assert status == 201, answer
    assert request_id, f"API Gateway answers with the request id in {REQUEST_ID_HEADER}"
    return request_id


def change_price(deployment: Deployment, identity: str, price: int) -> None:
    status, answer = call(deployment, "POST", f"{api.COLLECTION}/{identity}/price", {"price": price})
    assert status == 200, answer


def test_a_command_is_stored_and_readable_through_the_api(deployment: Deployment) -> None:
    identity = f"e2e-{uuid.uuid4().hex[:12]}"
    list_one(deployment, identity)

    status, state = call(deployment, "GET", f"{api.COLLECTION}/{identity}")
    assert status == 200, state
    assert state["sequence"] == 1
    status, history = call(deployment, "GET", f"{api.COLLECTION}/{identity}/history")
    assert [entry["event"] for entry in history] == ["{{ A }}Listed"]
{%- if cookiecutter.jwt_authoriser %}


def test_a_request_without_a_token_is_refused(deployment: Deployment) -> None:
    url = deployment.outputs["ApiUrl"].rstrip("/") + api.COLLECTION + "/anything"
    with pytest.raises(HTTPError) as refusal:
        urlopen(Request(url), timeout=30)  # noqa: S310
    assert refusal.value.code == 401


def forger(deployment: Deployment, folder: Path) -> LocalIssuer:
    """Tokens for the deployment's issuer and audience, signed by a key that is not the issuer's."""
    return LocalIssuer.create(
        folder, issuer=deployment.outputs["JwtIssuer"], audience=deployment.outputs["JwtAudience"]
    )


def test_only_tokens_of_the_stage_s_issuer_for_this_component_are_taken(
    deployment: Deployment, tmp_path: Path
) -> None:
    stranger = f"e2e-{uuid.uuid4().hex[:12]}"
    listing = {"{{ a }}_id": stranger, "title": "End-to-end listing", "price": 1500}
    other_key = forger(deployment, tmp_path)
    # Locally the deploy's own issuer signs each case, so each is refused for its own reason; on AWS
    # only the issuer can, so there every case is (also) signed by another key.
    tokens = deployment.outputs.get("Tokens")
    issuer = LocalIssuer.from_outputs(tokens) if tokens else other_key
    intruder = {
        "sub": "intruder",
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "exp": int(time.time()) + 600,
    }
    refused = {
        "expired": (issuer.token(lifetime_seconds=-600), "token_expired"),
        "for another audience": (issuer.token(aud="https://another-component.example.org"), "invalid_claims"),
        "of another issuer": (issuer.token(iss="https://elsewhere.example.org/"), "invalid_claims"),
        "without a subject": (issuer.token(subject=None), "invalid_claims"),
        "signed by another key": (other_key.token(), "invalid_signature"),
        "unsigned (alg none)": (unsigned(intruder), "invalid_token"),
        "HS256 with the public key as secret": (hs256_with_the_public_key(issuer, intruder), "invalid_token"),
        "not a JWT": ("not-a-token", "invalid_token"),
    }
    url = deployment.outputs["ApiUrl"].rstrip("/") + api.COLLECTION
    for case, (token, reason) in refused.items():
        answer = signed_request(url, "POST", token, listing)
        assert answer.status == 403, f"a token {case}: {answer.status} {answer.body}"
        if deployment.log_path is not None:
            assert refusal_reasons(deployment, answer.request_id) == [reason], f"a token {case}"
    assert call(deployment, "GET", f"{api.COLLECTION}/{stranger}")[0] == 404, "nothing was recorded"


def refusal_reasons(deployment: Deployment, request_id: str) -> list[str]:
    """The reasons the authoriser logged for refusing the request ``request_id``."""

    def logged() -> list[dict[str, Any]] | None:
        return deployment.log_lines(request_id) or None

    lines = eventually(logged, f"the authoriser's log line of request {request_id}")
    return [line["reason"] for line in lines if line.get("message") == "token refused"]


def test_the_local_deploy_says_how_it_checks_tokens_and_make_token_prints_one_it_takes(
    deployment: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if deployment.log_path is None:  # On AWS only the stage's identity provider signs tokens.
        assert "Tokens" not in deployment.outputs
        return
    report = deployment.log_path.read_text(encoding="utf-8")
    assert f"issuer   {deployment.outputs['JwtIssuer']}" in report, "the issuer as synthesized"
    assert f"audience {deployment.outputs['JwtAudience']}" in report, "the audience as synthesized"
    assert "signed here by the local key" in report
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(deployment.outputs), encoding="utf-8")
    capsys.readouterr()
    assert access_token.main(["--outputs", str(outputs_file), "--subject", "make-token-user"]) == 0
    token = capsys.readouterr().out.strip()
    url = deployment.outputs["ApiUrl"].rstrip("/") + f"{api.COLLECTION}/never-listed"
    assert signed_request(url, "GET", token).status == 404, "taken: the API itself answers"


def test_the_actor_of_a_command_is_the_subject_of_its_token(deployment: Deployment, tap: str) -> None:
    identity = f"e2e-{uuid.uuid4().hex[:12]}"
    list_one(deployment, identity)

    def about_it(body: dict[str, Any]) -> bool:
        return bool(body["detail"]["metadata"]["aggregate_id"] == identity)

    (event, *_) = eventually(lambda: received(deployment, tap, about_it) or None, f"{identity} listed")
    claims = jwt.decode(bearer_token(deployment.outputs), options={"verify_signature": False})
    assert event["detail"]["metadata"]["actor"] == claims["sub"]
{%- else %}


def test_an_unsigned_request_is_refused(deployment: Deployment) -> None:
    url = deployment.outputs["ApiUrl"].rstrip("/") + api.COLLECTION + "/anything"
    with pytest.raises(HTTPError) as refusal:
        urlopen(Request(url), timeout=30)  # noqa: S310
    assert refusal.value.code == 403
{%- endif %}


def test_hostile_requests_are_refused_as_documented_and_record_nothing(deployment: Deployment) -> None:
    identity = f"e2e-{uuid.uuid4().hex[:12]}"
    list_one(deployment, identity)
    stranger = f"e2e-{uuid.uuid4().hex[:12]}"
    listing = {"{{ a }}_id": stranger, "title": "End-to-end listing", "price": 1500}
    url = deployment.outputs["ApiUrl"].rstrip("/")
    authority = {{ authority }}

    def status_of(path: str, body: dict[str, Any] | bytes, **options: Any) -> int:
        answer = signed_request(url + path, "POST", authority, body, **options)
        assert set(answer.body) == {"message"}, f"a Problem body, as the OpenAPI document says: {answer.body}"
        return answer.status

    price = f"{api.COLLECTION}/{identity}/price"
    assert status_of(api.COLLECTION, {**listing, "title": "x" * 20_000}) == 413
    assert status_of(api.COLLECTION, json.dumps(listing).encode(), content_type="text/plain") == 415
    assert status_of(api.COLLECTION, json.dumps(listing).encode(), content_type=None) == 415
    assert status_of(api.COLLECTION, {**listing, **{f"field_{index}": index for index in range(600)}}) == 422
    assert status_of(api.COLLECTION, b"[" * 5_000 + b"]" * 5_000) == 422
    assert status_of(api.COLLECTION, {**listing, "owner": "someone-else"}) == 422
    assert status_of(api.COLLECTION, {**listing, "price": 10**40}) == 422
    # A look-alike of the id (a Unicode hyphen), sent percent-encoded in the path.
    assert status_of(f"{api.COLLECTION}/{identity}%E2%80%90x/price", {"price": 5}) == 422
    # An idempotency key replayed with another body is not a retry of the first.
    key = {"idempotency-key": f"k-{identity}"}
    assert signed_request(url + price, "POST", authority, {"price": 1600}, headers=key).status == 200
    assert status_of(price, {"price": 1700}, headers=key) == 422

    assert call(deployment, "GET", f"{api.COLLECTION}/{stranger}")[0] == 404, "nothing was recorded for it"
    status, history = call(deployment, "GET", f"{api.COLLECTION}/{identity}/history")
    assert status == 200
    assert [entry["event"] for entry in history] == [
        "{{ A }}Listed",
        "{{ A }}PriceChanged",
    ]
{%- else %}


def service(deployment: Deployment) -> {{ A }}Service:
    """No API in this component: commands go through the service, on the deployed table."""
    return {{ A }}Service(EventStore(deployment.client("dynamodb"), deployment.outputs["TableName"]))


def list_one(deployment: Deployment, identity: str) -> str:
    """List ``identity`` through the service; the correlation id of its journey."""
    command = domain.List{{ A }}(
        {{ a }}_id=identity,
        title="End-to-end listing",
        price=1500,
    )
    correlation_id = f"e2e-{identity}"
    service(deployment).handle(command, CommandContext(correlation_id=correlation_id, actor="e2e"))
    return correlation_id


def change_price(deployment: Deployment, identity: str, price: int) -> None:
    command = domain.Change{{ A }}Price(
        {{ a }}_id=identity,
        price=price,
    )
    service(deployment).handle(command, CommandContext(correlation_id=f"e2e-{identity}", actor="e2e"))
{%- endif %}


def test_a_command_s_event_is_published_to_the_shared_bus_in_every_published_version(
    deployment: Deployment, tap: str
) -> None:
    identity = f"e2e-{uuid.uuid4().hex[:12]}"
    list_one(deployment, identity)
    # One version, or two side by side while consumers move to a new one (ADR 0016).
    expected = {t.version for t in registry.PUBLISHED if t.name == "{{ A }}Listed"}
    seen: dict[int, dict[str, Any]] = {}

    def about_it(body: dict[str, Any]) -> bool:
        return bool(body["detail"]["metadata"]["aggregate_id"] == identity)

    def every_version() -> dict[int, dict[str, Any]] | None:
        for event in received(deployment, tap, about_it):
            seen[event["detail"]["metadata"]["version"]] = event
        return seen if set(seen) == expected else None

    eventually(every_version, f"{identity} listed on the shared bus in versions {sorted(expected)}")

    assert len({event["detail"]["metadata"]["event_id"] for event in seen.values()}) == 1, "one event"
    for event in seen.values():
        assert event["source"] == registry.SOURCE
        assert event["detail-type"] == "{{ A }}Listed"
        assert event["detail"]["data"]["{{ a }}_id"] == identity


def test_one_command_is_followed_by_its_correlation_id_through_every_log_and_its_event(
    deployment: Deployment, tap: str
) -> None:
    # As docs/runbook.md follows a command: from the id its caller got back, through every function's log.
    identity = f"e2e-{uuid.uuid4().hex[:12]}"
    correlation_id = list_one(deployment, identity)

    def about_it(body: dict[str, Any]) -> bool:
        return bool(body["detail"]["metadata"]["aggregate_id"] == identity)

    (event, *_) = eventually(lambda: received(deployment, tap, about_it) or None, f"{identity} listed")
    metadata = event["detail"]["metadata"]
    assert metadata["correlation_id"] == correlation_id, "the event carries the command's correlation id"
    event_id = metadata["event_id"]
    journey = {
{%- if cookiecutter.jwt_authoriser %}
        "token accepted",
{%- endif %}
{%- if cookiecutter.command_api %}
        "command accepted",
{%- endif %}
        "event published",
{%- if cookiecutter.consumer %}
        "event applied",
{%- endif %}
    }

    def every_step() -> list[dict[str, Any]] | None:
        lines = deployment.log_lines(correlation_id)
        return lines if journey <= {line.get("message") for line in lines} else None

    lines = eventually(every_step, f"the log lines of {correlation_id}: {sorted(journey)}")
    for line in lines:
{%- if cookiecutter.jwt_authoriser %}
        if line["message"] == "token accepted":
            continue  # The authoriser knows the request, not yet the aggregate or its event.
{%- endif %}
        assert line["aggregate_id"] == identity, line
        assert event_id in line.get("event_ids", [line.get("event_id")]), line
{%- if cookiecutter.consumer %}


def projection(deployment: Deployment, identity: str) -> dict[str, Any] | None:
    item = deployment.client("dynamodb").get_item(
        TableName=deployment.outputs["TableName"],
        Key={"_pk": {"S": f"{consumer.CATALOGUE}/{identity}"}, "_sk": {"S": "STATE"}},
        ConsistentRead=True,
    )
    found: dict[str, Any] | None = item.get("Item")
    return found


def test_published_events_are_routed_to_the_consumer_and_update_its_projection(
    deployment: Deployment,
) -> None:
    identity = f"e2e-{uuid.uuid4().hex[:12]}"
    list_one(deployment, identity)
    eventually(lambda: projection(deployment, identity), f"the catalogue entry of {identity}")

    change_price(deployment, identity, 1750)

    def repriced() -> dict[str, Any] | None:
        entry = projection(deployment, identity)
        return entry if entry is not None and entry["_seq"] == {"N": "2"} else None

    entry = eventually(repriced, f"the new price of {identity} in the catalogue")
    assert "1750" in json.dumps(entry)


def test_a_poison_message_ends_in_the_dead_letter_queue(deployment: Deployment) -> None:
    sqs = deployment.client("sqs")
    queue_url = deployment.outputs["ConsumerQueueUrl"]
    marker = f"poison-{uuid.uuid4().hex[:12]}"
    message: dict[str, Any] = {
        "QueueUrl": queue_url,
        "MessageBody": json.dumps({"not": "an event", "marker": marker}),
    }
{%- if cookiecutter.fifo_buffering %}
    message |= {"MessageGroupId": "e2e", "MessageDeduplicationId": marker}
{%- endif %}
    sent = sqs.send_message(**message)["MessageId"]

    dead_letters = deployment.outputs["ConsumerDlqUrl"]
    queues = redrive.Queues(dead_letters=dead_letters, source=queue_url)

    def listed() -> redrive.Redrive | None:
        looked = redrive.redrive(sqs, queues, dry_run=True, limit=100)
        return looked if f"{sent} (not an event)" in looked.seen else None

    # As `make redrive DRY_RUN=1` shows it on this deployment: listed, moved nowhere.
    looked = eventually(listed, "the poison message in the DLQ, as a dry-run redrive lists it")
    assert looked.moved == []
    dead = eventually(
        lambda: received(deployment, dead_letters, lambda body: body.get("marker") == marker) or None,
        "the poison message in the DLQ",
    )
    assert [body["not"] for body in dead] == ["an event"]
{%- endif %}


def test_under_load_every_acknowledged_command_s_events_are_published{% if cookiecutter.consumer %}_and_consumed{% endif %}_once(
    deployment: Deployment,
) -> None:
    # `make load`, briefly: two clients at once for a second (some 80 commands), on this deployment.
    # A longer load only builds a backlog for the publisher and the consumer to drain.
    done = load.run(deployment.target, clients=2, seconds=1, settle=PATIENCE_SECONDS, max_commands=500)

    shown = load.report(done, "this deployment")
    assert done.accepted, shown
    assert done.events == len(done.accepted), shown
    assert done.published_once, shown
{%- if cookiecutter.consumer %}
    assert done.consumed_events == done.events, shown
{%- endif %}
    assert done.complete, shown
