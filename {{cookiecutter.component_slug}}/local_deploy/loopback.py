"""Requests to this machine's loopback address never go through an HTTP proxy.

A laptop behind a company proxy has HTTP_PROXY and HTTPS_PROXY set, and NO_PROXY, if set at all, often
without 127.0.0.1. botocore, urllib and the Pact FFI send every request through the proxy unless
NO_PROXY names the host, and no proxy can reach this machine's loopback: the tests stopped after 30 s
with "dynamodb-local was not ready", and every pact with "error sending request for url
(http://localhost:.../_pact/message)". Each process that talks to an emulator, the local deploy or a
test's own server calls this before its first request: the test session (tests/conftest.py), the local
deploy, the tools that act on it (scripts/targets.py), the benchmarks and `make subscribe`'s fetch.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Both spellings are read, each by some clients (urllib prefers the lower-case one, Rust's the upper).
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")


def keep_loopback_off_proxies(environment: MutableMapping[str, str] = os.environ) -> None:
    """Add the loopback names to NO_PROXY and no_proxy, keeping every host they already list."""
    listed: list[str] = []
    for variable in NO_PROXY_VARIABLES:
        for host in environment.get(variable, "").split(","):
            if host.strip() and host.strip() not in listed:
                listed.append(host.strip())
    merged = ",".join([*listed, *(host for host in LOOPBACK if host not in listed)])
    for variable in NO_PROXY_VARIABLES:
        environment[variable] = merged
