"""What a command carries besides its domain data, what it returns, and how the command path fails.

Kept apart from the service so callers import these few names without the aggregate's own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandContext:
    """Who asked, under which correlation id, and the key that makes a retry safe."""

    correlation_id: str
    actor: str
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CommandResult:
    aggregate_id: str
    sequence: int
    events: tuple[str, ...]
    repeated: bool = False
    # The ids of the events this command recorded, for the logs and traces (a repeat: the first's).
    event_ids: tuple[str, ...] = ()
    # A repeat: the correlation id of the request that recorded the command, which its events carry.
    first_correlation_id: str | None = None


class ConflictPersisted(Exception):
    """Every attempt met a concurrent writer; the command was not recorded and may be sent again."""


class IdempotencyKeyReused(ValueError):
    """The idempotency key was used before for a different command; nothing was recorded."""
