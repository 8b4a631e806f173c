{%- set A = cookiecutter.aggregate -%}
"""`make replay`'s choices and report (the replays themselves: tests/integration/test_replay.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.events import registry

from scripts import replay
from tests.unit.test_targets import local_outputs, stopped

LISTED = "{{ A }}Listed"


def refusal(*arguments: str) -> str:
    """What `python -m scripts.replay ARGUMENTS` says before it reaches any deployment."""
    with pytest.raises(SystemExit) as refused:
        replay.main(["--outputs", "/nonexistent/outputs.json", *arguments])
    return str(refused.value)


def test_it_refuses_to_replay_everything_unless_told_to() -> None:
    assert "say which events to publish again: AGGREGATE_ID=, EVENT= (and VERSION=)" in refusal()
    assert "or ALL=1 for every stored event" in refusal()
    # With ALL=1 it goes on, to look for the deployment.
    assert "no local deploy's outputs in /nonexistent/outputs.json" in refusal("--all")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--event", "NoSuchThing"], "EVENT='NoSuchThing' is not an event of this component; known: "),
        (["--version", "1"], "VERSION= needs EVENT= (the event whose version to publish)"),
        (["--event", LISTED, "--version", "99"], f"{LISTED} is not published in v99; it is published in v"),
        (["--since", "yesterday"], "SINCE='yesterday' is not a time; give ISO 8601, e.g. 2026-03-01"),
        (["--until", "2026-13-01"], "UNTIL='2026-13-01' is not a time"),
        (["--since", "2026-03-02", "--until", "2026-03-01"], "SINCE= must be before UNTIL="),
    ],
)
def test_a_choice_that_names_nothing_real_is_refused_with_what_is_allowed(
    arguments: list[str], message: str
) -> None:
    assert message in refusal(*arguments)


def test_private_is_refused_without_another_bus() -> None:
    assert "PRIVATE=1 goes with BUS=" in refusal("--all", "--private")


def test_the_known_events_are_listed_when_an_unknown_one_is_named() -> None:
    named = refusal("--event", "NoSuchThing")
    assert all(event_type.name in named for event_type in registry.EVENT_TYPES)


def test_a_local_deploy_that_stopped_is_named_before_anything_is_read(tmp_path: Path) -> None:
    outputs = local_outputs(tmp_path, {"dynamodb": stopped(), "eventbridge": stopped()})

    message = refusal("--all", "--outputs", str(outputs))

    assert message.startswith(f"replay: the local deploy of {outputs} is not running")
    assert "start it with `make local`" in message


def test_times_without_a_zone_are_utc() -> None:
    assert replay.parse_time("SINCE", "2026-03-01") == datetime(2026, 3, 1, tzinfo=UTC)
    assert replay.parse_time("SINCE", "2026-03-01T09:30:00Z") == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_the_report_says_what_was_sent_where_and_what_to_do_next() -> None:
    sent = replay.Replay(selected=["e-1 (x)", "e-2 (y)"], entries=2, published=2)
    stopped = replay.Replay(selected=["e-1 (x)", "e-2 (y)"], entries=2, published=1, failed_at="e-2 (y)")

    assert replay.report(sent, bus=None, dry_run=False).splitlines() == [
        "published 2 of 2 event(s) again to the buses they were first published to, "
        "marked metadata.replayed_at",
        "  e-1 (x)",
        "  e-2 (y)",
    ]
    assert "would publish 2 of 2 event(s) again to other-bus" in replay.report(
        sent, bus="other-bus", dry_run=True
    )
    assert (
        "EventBridge refused e-2 (y); the ones before it were sent. Run the same replay again"
        in replay.report(stopped, bus=None, dry_run=False)
    )
    assert "no stored event matches" in replay.report(replay.Replay(), bus=None, dry_run=False)
    left_out = replay.Replay(selected=["e-1 (x)"], entries=1, withheld=["e-2 (private)"])
    shown = replay.report(left_out, bus="other-bus", dry_run=True).splitlines()
    assert shown[2:] == [
        "left out 1 private event(s): private events go to the component's own bus only, so that they "
        "cannot leak; PRIVATE=1 sends them to other-bus too, for every rule on it to read",
        "  e-2 (private)",
        "dry run: nothing was published. Without DRY_RUN=1 they are published again.",
    ]
