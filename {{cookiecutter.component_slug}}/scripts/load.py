{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""`make load [CLIENTS=4] [DURATION=20] [TARGET=aws STAGE=... BRANCH=...]`: drive a deployment, then count.

CLIENTS clients send commands for DURATION seconds, each as fast as it is answered: a new
{{ A }} is listed, its price changed three times (PRICE_CHANGES), then the next one.

Then it waits, at most SETTLE seconds, until every acknowledged command's events have been
{% if cookiecutter.consumer -%}
published to the shared bus and applied by the consumer. It prints commands per second, p50 and p99
latency, conflicts and refusals, the events published and consumed beside those the acknowledged
commands recorded, and the lag after the last command, and exits 1 when a count does not match.
{%- else -%}
published to the shared bus. It prints commands per second, p50 and p99 latency, conflicts and
refusals, the events published beside those the acknowledged commands recorded, and the lag after
the last command, and exits 1 when a count does not match.
{%- endif %}

It watches the shared bus through a queue and a rule of its own, removed afterwards, and tells its
own {{ A }}s from any other by their ids (``load-<run>-<client>-<n>``). It is bounded in clients,
time and commands.
{%- if cookiecutter.command_api %} On the local deploy the API is one execution environment, answering
one request at a time: the figures are those of one environment.
{%- endif %}
docs/capacity.md says what the figures mean on AWS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

{% if cookiecutter.command_api and not cookiecutter.jwt_authoriser -%}
import boto3

{% endif -%}
{% if not cookiecutter.command_api -%}
from {{ cookiecutter.package_name }}.commands import CommandContext, ConflictPersisted
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
{%- endif %}
{%- if cookiecutter.consumer or not cookiecutter.command_api %}
from {{ cookiecutter.package_name }}.store.event_store import (
{%- if cookiecutter.consumer %}
    PARTITION_KEY,
    SEQUENCE,
    STATE,
{%- endif %}
    EventStore,
{%- if not cookiecutter.command_api %}
    StoreBusy,
{%- endif %}
)
{%- endif %}

from scripts import targets
{%- if cookiecutter.command_api %}
from scripts.api_client import {% if cookiecutter.jwt_authoriser %}bearer_token, {% endif %}signed_request
{%- endif %}

MAX_CLIENTS = 32
MAX_DURATION_SECONDS = 300
MAX_COMMANDS = 20_000
# How often the wait after the load looks for its events: the figures it reports are this coarse.
POLL_SECONDS = 0.25
# Price changes after each listing: the mix of new aggregates and commands on existing ones.
PRICE_CHANGES = 3
LISTED, PRICE_CHANGED = "{{ A }}Listed", "{{ A }}PriceChanged"
# Where the events of an acknowledged command must arrive, and whose logs say why when they do not.
ARRIVED = "published{% if cookiecutter.consumer %} and consumed{% endif %}"
LOGS = "publisher's{% if cookiecutter.consumer %} and the consumer's{% endif %} logs"


@dataclass(frozen=True)
class Sent:
    """One command: whose, how it ended, how long its answer took, the aggregate's sequence after it."""

    aggregate_id: str
    outcome: str  # accepted, conflicted, refused or failed
    seconds: float
    sequence: int = 0


Send = Callable[[str, int, bool], tuple[str, int]]
{%- if cookiecutter.command_api %}


def through_the_api(target: targets.Target) -> Send:
{%- if cookiecutter.jwt_authoriser %}
    """Commands as the API's callers send them: with an access token (one for the whole run)."""
    url = target.output("ApiUrl").rstrip("/") + api.COLLECTION
    token = bearer_token(target.outputs)

    def send(identity: str, price: int, new: bool) -> tuple[str, int]:
        if new:
            body = {"{{ a }}_id": identity, "title": "Load test listing", "price": price}
            answer = signed_request(url, "POST", token, body)
        else:
            answer = signed_request(f"{url}/{identity}/price", "POST", token, {"price": price})
{%- else %}
    """Commands as the API's callers send them: signed requests."""
    url = target.output("ApiUrl").rstrip("/") + api.COLLECTION
    # The local deploy's region, or your AWS configuration's.
    region = target.region or boto3.Session().region_name or ""
    credentials = target.credentials()

    def send(identity: str, price: int, new: bool) -> tuple[str, int]:
        if new:
            body = {"{{ a }}_id": identity, "title": "Load test listing", "price": price}
            answer = signed_request(url, "POST", region, body, credentials=credentials)
        else:
            path = f"{url}/{identity}/price"
            answer = signed_request(path, "POST", region, {"price": price}, credentials=credentials)
{%- endif %}
        if answer.status in (200, 201):
            return "accepted", int(answer.body["sequence"])
        # The load's commands break no rule: a 409 is a write that lost to a concurrent one every time.
        outcome = {409: "conflicted", 503: "failed"}.get(answer.status, "refused")
        return outcome, 0

    return send
{%- else %}


def through_the_service(target: targets.Target) -> Send:
    """Commands through the service on the deployed table (this component has no API)."""
    service = {{ A }}Service(EventStore(target.client("dynamodb"), target.output("TableName")))
    context = CommandContext(correlation_id=f"load-{uuid.uuid4().hex[:8]}", actor="make load")

    def send(identity: str, price: int, new: bool) -> tuple[str, int]:
        command: domain.{{ A }}Command
        if new:
            command = domain.List{{ A }}({{ a }}_id=identity, title="Load test listing", price=price)
        else:
            command = domain.Change{{ A }}Price({{ a }}_id=identity, price=price)
        try:
            return "accepted", service.handle(command, context).sequence
        except ConflictPersisted:
            return "conflicted", 0
        except StoreBusy:
            return "failed", 0
        except domain.CommandRejected:
            return "refused", 0

    return send
{%- endif %}


@dataclass
class Budget:
    """The commands left to send, shared by the clients."""

    left: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def drive(
    send: Send, prefix: str, deadline: float, budget: Budget, sent: list[Sent], errors: list[str]
) -> None:
    """One client: a listing, then its price changes, then the next listing, until time or budget ends."""
    aggregate, change = 0, 0
    while time.monotonic() < deadline and budget.take():
        identity = f"{prefix}-{aggregate}"
        new = change == 0
        started = time.perf_counter()
        try:
            outcome, sequence = send(identity, 1000 + change, new)
        except Exception as error:  # A failed call is counted, and the client goes on.
            outcome, sequence = "failed", 0
            errors.append(f"{type(error).__name__}: {error}")
        sent.append(Sent(identity, outcome, time.perf_counter() - started, sequence))
        # After a listing that was not recorded there is nothing to reprice: the next one is listed.
        if change == PRICE_CHANGES or (new and outcome != "accepted"):
            aggregate, change = aggregate + 1, 0
        else:
            change += 1


@dataclass
class Load:
    """What a run sent and what arrived."""

    clients: int
    seconds: float
    sent: list[Sent]
    errors: list[str]
    # The aggregate's sequence after its last acknowledged command: how many events it recorded.
    recorded: dict[str, int]
    # Messages on the shared bus by (aggregate, sequence, version), and the versions expected of each event.
    published: Counter[tuple[str, int, int]]
    expected_messages: int
    published_after: float | None
{%- if cookiecutter.consumer %}
    consumed: dict[str, int]
    consumed_after: float | None
{%- endif %}

    @property
    def accepted(self) -> list[Sent]:
        return [s for s in self.sent if s.outcome == "accepted"]

    @property
    def events(self) -> int:
        return sum(self.recorded.values())

    @property
    def published_once(self) -> bool:
        return sum(self.published.values()) == len(self.published) == self.expected_messages
{%- if cookiecutter.consumer %}

    @property
    def consumed_events(self) -> int:
        return sum(min(self.consumed.get(identity, 0), last) for identity, last in self.recorded.items())
{%- endif %}

    @property
    def complete(self) -> bool:
        """Something was acknowledged, and all of it arrived once: an empty run proves nothing."""
        arrived = self.published_once{% if cookiecutter.consumer %} and self.consumed_events == self.events{% endif %}
        return bool(self.accepted) and arrived


def versions_published() -> dict[str, int]:
    """In how many versions each of the load's events is published today (side by side, ADR 16)."""
    return {name: sum(1 for t in registry.PUBLISHED if t.name == name) for name in (LISTED, PRICE_CHANGED)}


class Watcher:
    """Reads the tap while the load runs and after: a queue kept short is a queue that stays fast."""

    def __init__(self, sqs: Any, tap: str, prefix: str) -> None:
        self.published: Counter[tuple[str, int, int]] = Counter()
        self._sqs, self._tap, self._prefix = sqs, tap, prefix
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="tap", daemon=True)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()  # What arrived since the last read: a duplicate would show here too.

    def _watch(self) -> None:
        while not self._stop.is_set():
            if not self._read():
                self._stop.wait(0.2)

    def _read(self) -> int:
        bodies = targets.take(self._sqs, self._tap)
        for body in bodies:
            metadata = body["detail"]["metadata"]
            if metadata["aggregate_id"].startswith(self._prefix):
                self.published[(metadata["aggregate_id"], metadata["sequence"], metadata["version"])] += 1
        return len(bodies)
{%- if cookiecutter.consumer %}


def consumed_sequences(target: targets.Target, identities: list[str]) -> dict[str, int]:
    """Each aggregate's sequence in the consumer's catalogue (0 when it has no entry yet)."""
    client = target.client("dynamodb")
    table = target.output("TableName")
    catalogue = EventStore(client, table, aggregate=consumer.CATALOGUE)
    found = dict.fromkeys(identities, 0)
    by_key = {catalogue.key(identity, STATE)[PARTITION_KEY]["S"]: identity for identity in identities}
    keys = [catalogue.key(identity, STATE) for identity in identities]
    for start in range(0, len(keys), 100):  # BatchGetItem's most
        request: Any = {table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
        while request:
            answer = client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(table, []):
                found[by_key[item[PARTITION_KEY]["S"]]] = int(item[SEQUENCE]["N"])
            request = answer.get("UnprocessedKeys") or None
    return found
{%- endif %}


def run(target: targets.Target, *, clients: int, seconds: float, settle: float, max_commands: int) -> Load:
    """Send the load, then wait up to ``settle`` seconds for its events; what was sent and what arrived."""
{%- if cookiecutter.command_api %}
    send = through_the_api(target)
{%- else %}
    send = through_the_service(target)
{%- endif %}
    prefix = f"load-{uuid.uuid4().hex[:8]}"
    sqs, events = target.client("sqs"), target.client("events")
    sent: list[Sent] = []
    errors: list[str] = []
    with (
        targets.tap(sqs, events, target.output("SharedBusName"), registry.SOURCE, "load") as tap,
        Watcher(sqs, tap, f"{prefix}-") as watcher,
    ):
        budget = Budget(max_commands)
        started = time.monotonic()
        deadline = started + seconds
        threads = [
            threading.Thread(target=drive, args=(send, f"{prefix}-{n}", deadline, budget, sent, errors))
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ended = time.monotonic()
        recorded: dict[str, int] = {}
        for command in sent:
            if command.outcome == "accepted":
                recorded[command.aggregate_id] = max(recorded.get(command.aggregate_id, 0), command.sequence)
        versions = versions_published()
        expected = sum(versions[LISTED] + (last - 1) * versions[PRICE_CHANGED] for last in recorded.values())
        published_after = None
{%- if cookiecutter.consumer %}
        consumed: dict[str, int] = {}
        consumed_after = None
{%- endif %}
        settle_by = ended + settle
        while time.monotonic() < settle_by:
            if published_after is None and sum(watcher.published.values()) >= expected:
                published_after = time.monotonic() - ended
{%- if cookiecutter.consumer %}
            behind = [identity for identity, last in recorded.items() if consumed.get(identity, 0) < last]
            consumed |= consumed_sequences(target, behind)
            if consumed_after is None and all(consumed.get(i, 0) >= last for i, last in recorded.items()):
                consumed_after = time.monotonic() - ended
            if published_after is not None and consumed_after is not None:
                break
{%- else %}
            if published_after is not None:
                break
{%- endif %}
            time.sleep(POLL_SECONDS)
        # A moment more for duplicates: an event published twice would show by now.
        time.sleep(1)
    return Load(
        clients=clients,
        seconds=ended - started,
        sent=sent,
        errors=errors,
        recorded=recorded,
        published=watcher.published,
        expected_messages=expected,
        published_after=published_after,
{%- if cookiecutter.consumer %}
        consumed=consumed,
        consumed_after=consumed_after,
{%- endif %}
    )


def percentile(values: list[float], fraction: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def report(load: Load, where: str) -> str:
    outcomes = Counter(s.outcome for s in load.sent)
    latencies = [s.seconds * 1000 for s in load.accepted]
    per_second = len(load.accepted) / load.seconds if load.seconds else 0.0

    def after(seconds: float | None) -> str:
        return "not within the wait" if seconds is None else f"{seconds:.1f} s"

    duplicates = sum(count - 1 for count in load.published.values() if count > 1)
    rows = [
        ("commands sent", f"{len(load.sent)} by {load.clients} clients in {load.seconds:.1f} s"),
        ("acknowledged", f"{len(load.accepted)} ({per_second:.1f} commands/s)"),
        ("latency p50 / p99", f"{percentile(latencies, 0.5):.0f} ms / {percentile(latencies, 0.99):.0f} ms"),
        ("conflicted", str(outcomes["conflicted"])),
        ("refused / failed", f"{outcomes['refused']} / {outcomes['failed']}"),
        ("events recorded", f"{load.events} (by the acknowledged commands)"),
        (
            "events published",
            f"{len(load.published)} of {load.expected_messages} messages (each event in every published "
            f"version), {duplicates} duplicate(s); all after {after(load.published_after)}",
        ),
{%- if cookiecutter.consumer %}
        (
            "events consumed",
            f"{load.consumed_events} of {load.events}; all after {after(load.consumed_after)}",
        ),
{%- endif %}
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"make load against {where}", ""]
    lines += [f"  {name:<{width}}  {value}" for name, value in rows]
    if load.errors:
        lines += ["", f"first error of {len(load.errors)}: {load.errors[0]}"]
    lines.append("")
    if load.complete:
        lines.append(f"every acknowledged command's events were {ARRIVED} once")
    elif not load.accepted:
        lines.append("NO COMMAND WAS ACKNOWLEDGED: see the first error above; is the deployment running?")
    else:
        lines.append(
            f"MISSING OR DOUBLED EVENTS: the counts above do not match. Look for errors in the {LOGS} "
            "(docs/runbook.md), or wait longer with SETTLE=<seconds>"
        )
    return "\n".join(lines)


def bounded(name: str, value: float, most: float) -> float:
    if not 0 < value <= most:
        raise SystemExit(f"load: {name}={value:g} is out of bounds: give more than 0 and at most {most:g}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4, help=f"concurrent clients (at most {MAX_CLIENTS})")
    parser.add_argument(
        "--seconds", type=float, default=20, help=f"how long (at most {MAX_DURATION_SECONDS})"
    )
    parser.add_argument("--settle", type=float, default=120, help="seconds to wait for the events afterwards")
    parser.add_argument("--max-commands", type=int, default=MAX_COMMANDS, help="stop after this many")
    parser.add_argument("--stack", default="", help="a deployed stack's name (default: the local deploy)")
    parser.add_argument(
        "--outputs", default=str(targets.LOCAL_OUTPUTS), help="the local deploy's outputs file"
    )
    arguments = parser.parse_args(argv)
    clients = int(bounded("CLIENTS", arguments.clients, MAX_CLIENTS))
    seconds = bounded("DURATION", arguments.seconds, MAX_DURATION_SECONDS)
    settle = bounded("SETTLE", arguments.settle, 3600)
    max_commands = int(bounded("MAX_COMMANDS", arguments.max_commands, MAX_COMMANDS))
    target = (
        targets.stack(arguments.stack) if arguments.stack else targets.local(Path(arguments.outputs), "load")
    )
    load = run(target, clients=clients, seconds=seconds, settle=settle, max_commands=max_commands)
    print(report(load, f"stack {arguments.stack}" if arguments.stack else "the local deploy"))
    return 0 if load.complete else 1


if __name__ == "__main__":
    sys.exit(main())
