"""Traces (AWS X-Ray, through Powertools Tracer) for the stages that switch them on.

A stage traces when ``settings.TRACED_STAGES`` names it: the stack then turns on active tracing for
each function and sets ``TRACING=on`` in its environment. Everywhere else this module imports nothing
of X-Ray: Powertools' Tracer loads the X-Ray SDK and patches botocore when it is built, even when it is
disabled, which would add a few hundred milliseconds to every cold start of a stage that does not trace
(`make bench` shows the API handler's import both ways).

Annotations are what X-Ray can search by: the aggregate and the event, the same ids the logs carry.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

# The variable the stack sets on the functions of a traced stage.
TRACING_VARIABLE = "TRACING"

Handler = TypeVar("Handler", bound=Callable[..., Any])
# X-Ray indexes strings, numbers and booleans; the ids annotated here are strings.
Annotation = str | bool


class Tracing:
    """A handler's tracing: Powertools Tracer when the stage traces, nothing at all when it does not."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self._tracer: Tracer | None = None
        if environ.get(TRACING_VARIABLE, "off") == "on":
            # Imported here, not above: only where the stage traces.
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer()

    @property
    def on(self) -> bool:
        return self._tracer is not None

    def handler(self, function: Handler) -> Handler:
        """``function`` traced as the invocation's subsegment (with a ColdStart annotation), or as it is."""
        if self._tracer is None:
            return function
        return cast("Handler", self._tracer.capture_lambda_handler(function))

    def annotate(self, **annotations: Annotation) -> None:
        """Searchable keys on the invocation's trace (the aggregate, the event)."""
        if self._tracer is not None:
            for key, value in annotations.items():
                self._tracer.put_annotation(key=key, value=value)

    @contextlib.contextmanager
    def span(self, name: str, **annotations: Annotation) -> Iterator[None]:
        """A subsegment of its own for one piece of a batch (one event applied), with its annotations."""
        if self._tracer is None:
            yield
            return
        with self._tracer.provider.in_subsegment(name) as subsegment:
            for key, value in annotations.items():
                subsegment.put_annotation(key, value)
            yield

    def mark(self, name: str, **annotations: Annotation) -> None:
        """A searchable mark on the trace for one item of a batch (an event published), at this moment."""
        with self.span(name, **annotations):
            pass
