"""A laptop behind a company proxy: HTTP_PROXY and HTTPS_PROXY set, NO_PROXY without the loopback
address. Every request used to go to the proxy, which cannot reach this machine's loopback, and the
tests stopped after 30 s with "dynamodb-local was not ready". The test session keeps loopback off
proxies (tests/conftest.py); here a proxy that answers nothing is set, and the emulators still answer."""

from __future__ import annotations

import boto3
import pytest

# A proxy nobody listens on: any request sent through it fails at once.
DEAD_PROXY = "http://127.0.0.1:9"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


@pytest.fixture
def behind_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in PROXY_VARIABLES:
        monkeypatch.setenv(variable, DEAD_PROXY)


@pytest.mark.usefixtures("behind_a_proxy")
def test_the_emulators_answer_behind_a_proxy(dynamodb_endpoint: str, moto_endpoint: str) -> None:
    assert "TableNames" in boto3.client("dynamodb", endpoint_url=dynamodb_endpoint).list_tables()
    assert "EventBuses" in boto3.client("events", endpoint_url=moto_endpoint).list_event_buses()
