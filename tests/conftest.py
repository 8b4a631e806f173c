"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.machine import described, seconds_for_additions
from tests.scratch import Scratch

SCRATCH = pytest.StashKey[Scratch]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """The run's base folder outside pytest's shared one, and the last runs' files deleted when it ends
    (tests/scratch.py says why). Before pytest's own tmp_path set-up reads `--basetemp`, which a run
    that gives one keeps; workers take theirs from the controller."""
    if hasattr(config, "workerinput") or config.option.basetemp or config.option.help:
        return
    scratch = Scratch()
    config.option.basetemp = str(scratch.basetemp)
    config.stash[SCRATCH] = scratch
    config.add_cleanup(scratch.close)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that passed leaves nothing behind; a failed one leaves its files for a look."""
    scratch = session.config.stash.get(SCRATCH, None)
    if scratch is not None:
        scratch.passed = exitstatus == pytest.ExitCode.OK


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """After a distributed run (`make test`, `make test-fast`), the machine's speed beside its durations:
    the suite's time follows it (docs/benchmarks.md). Measured once the workers are done, on an idle
    machine; a run of one file does not pay the few seconds."""
    if not hasattr(config, "workerinput") and config.getoption("numprocesses", None):
        terminalreporter.write_line(described(seconds_for_additions()))


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every rendered component a worker type-checks: mypy revalidates each module by
    content, and without it each component type-checks its libraries again (pydantic, boto3's stubs, the
    CDK modules its stack uses: most of a cold type check's 25 s on this machine; component ADR 26).
    """
    return tmp_path_factory.mktemp("mypy-cache")


# The groups that take longest, in the order they start: on two workers the quickstart's chain (its
# setup and three tests, most of a run's length on one worker) must start at once, and the bootstrap's
# full checks beside it, or the suite waits for a chain that began late (docs/benchmarks.md). xdist
# hands out work in the order of the collection when `--no-loadscope-reorder` is given (`make test`
# does); otherwise it sorts groups by their number of tests, which put the quickstart behind ten
# render-matrix groups.
LONGEST_FIRST = ("quickstart", "bootstrap-full-checks")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        marker = item.get_closest_marker("xdist_group")
        group = str(marker.args[0]) if marker is not None and marker.args else ""
        if group in LONGEST_FIRST:
            return LONGEST_FIRST.index(group)
        return len(LONGEST_FIRST) + (0 if item.get_closest_marker("slow") is not None else 1)

    items.sort(key=rank)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail, before its fixtures are built, a grouped test that a distributed run did not group.

    Tests that share an expensive session fixture (the quickstart's component, a full render's install)
    carry an `xdist_group` mark, and `--dist loadgroup` sends each group to one worker by adding the
    group's name to the test ids. When an upgrade breaks that (pytest 9.2 with pytest-xdist 3.8 did,
    without a word), every worker builds the fixture again: minutes lost and nothing failing.
    """
    grouped = item.get_closest_marker("xdist_group") is not None
    if grouped and getattr(item.config.option, "loadgroup", False) and "@" not in item.nodeid:
        pytest.fail(
            "--dist loadgroup ignored this test's xdist_group: this pytest and pytest-xdist no longer "
            "work together. Pin one of them in pyproject.toml to a version that does, run `uv lock`, "
            "then run the suite again.",
            pytrace=False,
        )
