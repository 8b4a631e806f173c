"""Two squads' components on one local bus: the producer the quickstart made, and a consumer of its events.

The consumer squad renders Pricing (aggregate PriceQuote, no API), subscribes to the producer's
``VehicleListed`` v1 from the producer's published AsyncAPI document with `make subscribe`, and completes
the projection it is given. Both components then run on one set of emulators: the producer's `make
local`, and the consumer's `make local JOIN=<the producer's outputs>`, as the component README says.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tests.rendering import CONSUMER_ONLY_OPTIONS

# Its options are CONSUMER_ONLY_OPTIONS (tests/rendering.py): this test is that combination's full check.
PRICING: dict[str, object] = {"component_name": "Pricing", "aggregate": "PriceQuote", **CONSUMER_ONLY_OPTIONS}
EVENT, PRODUCER = "VehicleListed", "inventory"
MODULE = "inventory_vehicle_listed"
START_SECONDS = 180

# What the consumer squad writes in the projection `make subscribe` gave it: the title and price.
KEPT_FIELDS = (
    "    sequence: int\n    # Complete: the fields this component keeps of the event.\n",
    "    sequence: int\n    title: str\n    price: int\n",
)
PROJECTED = (
    '    raise NotImplementedError("project VehicleListed v1: return the entry after it")\n',
    "    return VehicleListedCopy(sequence=sequence, title=event.title, price=event.price)\n",
)
TESTED = (
    "    # Complete: what the entry keeps, e.g.\n"
    "    # assert entry == projection.VehicleListedCopy(sequence=1, ...)\n"
    "    assert entry is not None\n",
    "    assert entry == projection.VehicleListedCopy(sequence=1, title=event.title, price=event.price)\n"
    '    assert projection.project(entry, event, 1) is None, "a message delivered twice changes nothing"\n',
)

# Run in the producer's environment (its boto3, its end-to-end helpers): a command to its API, signed as
# IAM authorisation requires, then the consumer's projection entry, waited for; printed as JSON.
FLOW = """
import json, sys, time, uuid
from pathlib import Path

from inventory.store.event_store import EventStore
from scripts.targets import Target
from tests.e2e.conftest import Deployment
from tests.e2e.test_flow import call

def deployment(outputs_file):
    outputs = json.loads(Path(outputs_file).read_text(encoding="utf-8"))
    target = Target(outputs, endpoints=outputs["Endpoints"], region=outputs["Region"])
    return Deployment(target, region=outputs["Region"])

producer, consumer = deployment(sys.argv[1]), deployment(sys.argv[2])
identity = f"two-squads-{uuid.uuid4().hex[:8]}"
listing = {"vehicle_id": identity, "title": "Two squads", "price": 1500}
status, answer = call(producer, "POST", "/vehicles", listing)
assert status == 201, answer
store = EventStore(producer.client("dynamodb"), producer.outputs["TableName"], aggregate="Vehicle")
(stored,) = store.history(identity)
key = {"_pk": {"S": f"inventory.VehicleListed/{identity}"}, "_sk": {"S": "STATE"}}
table, dynamodb = consumer.outputs["TableName"], consumer.client("dynamodb")
deadline, item = time.monotonic() + 60, None
while item is None and time.monotonic() < deadline:
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    time.sleep(0.3)
entry = None if item is None else json.loads(item["state"]["S"])
print(json.dumps({"identity": identity, "correlation_id": stored.correlation_id, "entry": entry}))
"""


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def complete_the_projection(consumer: Path) -> None:
    """What the consumer squad writes where `make subscribe` left the projection to complete."""
    projection = consumer / "src" / "pricing" / "domain" / f"{MODULE}.py"
    edit(projection, *KEPT_FIELDS)
    edit(projection, *PROJECTED)
    edit(consumer / "tests" / "unit" / f"test_{MODULE}.py", *TESTED)


@contextlib.contextmanager
def running(
    command: list[str], cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` in its own process group, its output in ``log``; Ctrl-C to the group when done, as a
    squad stops `make local`, and a kill if that does not stop it."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop(process, output)


def stop(process: subprocess.Popen[bytes], output: IO[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    output.flush()


def started(process: subprocess.Popen[bytes], outputs: Path, log: Path) -> dict[str, object]:
    """The local deploy's outputs once written; its log if it stops or takes too long first."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the local deploy stopped ({process.returncode}):\n{log.read_text()[-4000:]}"
            )
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            written: dict[str, object] = json.loads(outputs.read_text(encoding="utf-8"))
            return written
        time.sleep(0.2)
    raise AssertionError(f"the local deploy was not ready in {START_SECONDS} s:\n{log.read_text()[-4000:]}")


def json_lines(text: str) -> list[dict[str, object]]:
    """The JSON log records among a local deploy's output."""
    records = []
    for line in text.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            record = json.loads(line)
            if isinstance(record, dict):
                records.append(record)
    return records
