"""Shared by every unit test."""

from __future__ import annotations

import pytest

from contracts import readme


@pytest.fixture(autouse=True)
def flow_as_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's flow diagram as it is drawn: redrawing it synthesizes the stack, seconds on the CDK's
    Node runtime, which the unit tests do without. tests/infra/test_flow.py compares it with the stack
    those tests synthesize anyway, and `make lint` redraws it (`python -m contracts docs --check`)."""

    def as_drawn() -> list[str]:
        found = readme.block("flow").search(readme.README.read_text(encoding="utf-8"))
        return found.group(2).splitlines() if found else []

    monkeypatch.setitem(readme.TABLES, "flow", as_drawn)
