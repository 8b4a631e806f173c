"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every rendered component a worker type-checks: mypy revalidates each module by
    content, and without it each component type-checks aws-cdk-lib again (about two minutes on two cores).
    """
    return tmp_path_factory.mktemp("mypy-cache")


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
