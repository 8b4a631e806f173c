"""How long to wait before trying again: one rule for every retry loop of the component."""

from __future__ import annotations

import random


def full_jitter(attempt: int, *, base: float, cap: float) -> float:
    """A random wait up to ``base * 2**attempt`` seconds, never above ``cap``.

    Full jitter spreads competing retries (writers on one aggregate, publishers on one bus) instead of
    letting them collide again in step.
    """
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 - timing, not security
