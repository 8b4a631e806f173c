"""`make load`'s bounds, its clients' mix of commands, and its verdict (a run itself: tests/e2e)."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from scripts import load


def test_every_bound_is_checked_before_anything_is_sent() -> None:
    for arguments, message in (
        (["--clients", "0"], "CLIENTS=0 is out of bounds: give more than 0 and at most 32"),
        (["--clients", "33"], "CLIENTS=33 is out of bounds"),
        (["--seconds", "301"], "DURATION=301 is out of bounds: give more than 0 and at most 300"),
        (["--settle", "-1"], "SETTLE=-1 is out of bounds"),
        (["--max-commands", "20001"], "MAX_COMMANDS=20001 is out of bounds"),
    ):
        with pytest.raises(SystemExit) as refused:
            load.main([*arguments, "--outputs", "/nonexistent/outputs.json"])
        assert message in str(refused.value)


def test_a_client_lists_then_reprices_then_lists_the_next_until_its_budget_is_spent() -> None:
    calls: list[tuple[str, int, bool]] = []

    def send(identity: str, price: int, new: bool) -> tuple[str, int]:
        calls.append((identity, price, new))
        return "accepted", price - 999

    sent: list[load.Sent] = []
    load.drive(send, "load-x-0", time.monotonic() + 60, load.Budget(6), sent, [])

    assert [(identity, new) for identity, _, new in calls] == [
        ("load-x-0-0", True),
        ("load-x-0-0", False),
        ("load-x-0-0", False),
        ("load-x-0-0", False),
        ("load-x-0-1", True),
        ("load-x-0-1", False),
    ]
    assert len({price for identity, price, new in calls if identity == "load-x-0-0"}) == 4, "each a new price"
    assert [s.sequence for s in sent] == [1, 2, 3, 4, 1, 2]


def test_a_listing_that_was_not_recorded_is_not_repriced() -> None:
    calls: list[tuple[str, bool]] = []

    def refuse_listings(identity: str, price: int, new: bool) -> tuple[str, int]:
        calls.append((identity, new))
        return ("failed", 0) if new else ("accepted", 2)

    load.drive(refuse_listings, "load-x-0", time.monotonic() + 60, load.Budget(3), [], [])

    assert calls == [("load-x-0-0", True), ("load-x-0-1", True), ("load-x-0-2", True)]


def test_a_call_that_raises_is_counted_as_failed_and_the_client_goes_on() -> None:
    def unreachable(identity: str, price: int, new: bool) -> tuple[str, int]:
        raise ConnectionRefusedError("nothing listens")

    sent: list[load.Sent] = []
    errors: list[str] = []
    load.drive(unreachable, "load-x-0", time.monotonic() + 60, load.Budget(2), sent, errors)

    assert [s.outcome for s in sent] == ["failed", "failed"]
    assert errors[0] == "ConnectionRefusedError: nothing listens"


def a_run(**changes: object) -> load.Load:
    published: Counter[tuple[str, int, int]] = Counter({("a", 1, 1): 1, ("a", 2, 1): 1})
    run = load.Load(
        clients=1,
        seconds=2.0,
        sent=[load.Sent("a", "accepted", 0.01, 1), load.Sent("a", "accepted", 0.03, 2)],
        errors=[],
        recorded={"a": 2},
        published=published,
        expected_messages=2,
        published_after=0.5,
{%- if cookiecutter.consumer %}
        consumed={"a": 2},
        consumed_after=1.5,
{%- endif %}
    )
    for name, value in changes.items():
        setattr(run, name, value)
    return run


def test_a_run_whose_events_all_arrived_once_is_complete() -> None:
    done = a_run()
    assert done.complete
    shown = load.report(done, "the local deploy")
    assert "acknowledged       2 (1.0 commands/s)" in shown
    assert "2 of 2 messages (each event in every published version), 0 duplicate(s); all after 0.5 s" in shown
    assert shown.endswith(f"every acknowledged command's events were {load.ARRIVED} once")


def test_a_missing_or_doubled_event_fails_the_run_and_says_where_to_look() -> None:
    missing = a_run(published=Counter({("a", 1, 1): 1}), published_after=None)
    doubled = a_run(published=Counter({("a", 1, 1): 2, ("a", 2, 1): 1}))
    for done in (missing, doubled):
        assert not done.complete
        assert "MISSING OR DOUBLED EVENTS" in load.report(done, "the local deploy")
    assert "1 duplicate(s)" in load.report(doubled, "the local deploy")
    assert "all after not within the wait" in load.report(missing, "the local deploy")
{%- if cookiecutter.consumer %}
    behind = a_run(consumed={"a": 1}, consumed_after=None)
    assert not behind.complete
    assert "events consumed    1 of 2" in load.report(behind, "the local deploy")
{%- endif %}


def test_a_run_that_recorded_nothing_proves_nothing() -> None:
    nothing = a_run(
        sent=[load.Sent("a", "failed", 0.01)],
        recorded={},
        published=Counter(),
        expected_messages=0,
    )
    assert not nothing.complete
    assert "NO COMMAND WAS ACKNOWLEDGED" in load.report(nothing, "the local deploy")


def test_percentiles_of_the_answers() -> None:
    assert load.percentile([], 0.5) == 0.0
    assert load.percentile([7.0], 0.99) == 7.0
    values = [float(n) for n in range(1, 101)]
    assert load.percentile(values, 0.5) == pytest.approx(50.5)
    assert load.percentile(values, 0.99) == pytest.approx(99.01)
