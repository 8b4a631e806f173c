"""The envelope every published event travels in: one definition for the publisher and the consumer.

On the bus, an event is ``source`` = this component's event source, ``detail-type`` = the event's name,
``detail`` = ``{"metadata": {...}, "data": {...}}``. The metadata carries what an audit or a consumer
needs (which event, which version, when, which aggregate at which sequence, the correlation and
causation ids, who acted, and when it was replayed, if it was); the data is the domain event's own
fields. Nothing of the table (``_pk``, ``_seq``, DynamoDB types) is ever in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The longest id or name the metadata may carry (an IAM role session's ARN stays well under it).
MAX_ID_LENGTH = 512


class Metadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    occurred_at: str
    aggregate: str
    aggregate_id: str
    sequence: int = Field(ge=1)
    correlation_id: str
    causation_id: str
    actor: str
    # When `make replay` published the event again (ISO 8601, UTC); absent from its first publication.
    # Its event id is the first one's: a consumer that applied the event skips the replay.
    replayed_at: str | None = Field(
        default=None,
        description="When the event was published again by a replay; absent from its first publication",
    )

    @field_validator("event_id", "aggregate", "aggregate_id", "correlation_id", "causation_id", "actor")
    @classmethod
    def _bounded(cls, value: str) -> str:
        # Every log line of the message carries these, and a projection is keyed by the aggregate id
        # (DynamoDB's keys end at 2 KB): a forged message cannot make them as large as the body. The
        # longest the component writes is an actor's ARN. A validator, not a maxLength in the schema:
        # the published schemas stay as released.
        if len(value) > MAX_ID_LENGTH:
            raise ValueError(f"at most {MAX_ID_LENGTH} characters")
        return value

    @field_validator("occurred_at", "replayed_at")
    @classmethod
    def _an_instant(cls, value: str | None) -> str | None:
        # Consumers compute an event's age from these: a time that is no instant (no offset, or no
        # time at all, as a forged message may carry) is refused with the envelope, before any write.
        # A validator, not a format in the schema: the published schemas stay as released.
        if value is None:
            return value
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None:
            raise ValueError("must be an ISO 8601 time with its offset, e.g. 2026-11-26T09:00:00.000+00:00")
        return value


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    metadata: Metadata
    data: dict[str, Any]
