"""A laptop behind a company proxy: HTTP_PROXY and HTTPS_PROXY set, NO_PROXY without the loopback
address. Every request went to the proxy, which cannot reach this machine's loopback, and the tests
stopped after 30 s with "dynamodb-local was not ready". The test session keeps loopback off proxies
(tests/conftest.py); here, behind a proxy that answers nothing, an emulator starts and answers."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from local_deploy import moto_server


@pytest.mark.usefixtures("behind_a_company_proxy")
def test_an_emulator_starts_and_answers_behind_a_proxy(dynamodb_endpoint: str, tmp_path: Path) -> None:
    # Its start waits for an answer to a request (the readiness probe), which went to the proxy.
    server = moto_server.start(tmp_path)
    try:
        assert "EventBuses" in boto3.client("events", endpoint_url=server.endpoint).list_event_buses()
    finally:
        server.stop()
    assert "TableNames" in boto3.client("dynamodb", endpoint_url=dynamodb_endpoint).list_tables()
