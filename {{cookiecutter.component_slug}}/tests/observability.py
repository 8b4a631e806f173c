"""What a handler tells its operators: its metrics, as CloudWatch reads them, and its JSON log lines."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools import Logger

from {{ cookiecutter.package_name }}.settings import METRICS_NAMESPACE


def emitted(output: str) -> dict[str, tuple[str, list[float]]]:
    """Each metric's unit and values, over every EMF record in ``output`` (one per invocation).

    Every record must be under the component's namespace with the one dimension Powertools adds (the
    service), so a dashboard and an alarm find every metric where they look.
    """
    found: dict[str, tuple[str, list[float]]] = {}
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        record = json.loads(line)
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == METRICS_NAMESPACE, directive
        assert directive["Dimensions"] == [["service"]], directive
        assert record["service"], "the service dimension has a value"
        for metric in directive["Metrics"]:
            values = record[metric["Name"]]
            unit, seen = found.setdefault(metric["Name"], (metric["Unit"], []))
            assert unit == metric["Unit"], f"{metric['Name']} is sent in {unit} and in {metric['Unit']}"
            seen += values if isinstance(values, list) else [values]
    return found


@contextlib.contextmanager
def log_lines(logger: Logger) -> Iterator[list[dict[str, Any]]]:
    """The JSON lines ``logger`` writes inside the block (Powertools binds its stream when created)."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    lines: list[dict[str, Any]] = []
    try:
        yield lines
    finally:
        handler.setStream(previous)
        lines += [json.loads(line) for line in written.getvalue().splitlines()]
