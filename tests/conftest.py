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
