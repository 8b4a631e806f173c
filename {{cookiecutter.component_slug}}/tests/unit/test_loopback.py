"""On a laptop behind a company proxy, requests to the emulators on loopback skip the proxy, and the
hosts the squad's NO_PROXY already lists stay (the integration and contract tests run behind one)."""

from __future__ import annotations

from local_deploy.loopback import keep_loopback_off_proxies


def test_loopback_is_added_to_both_spellings_keeping_every_host_already_listed() -> None:
    environment = {"no_proxy": ".corp.example, localhost", "NO_PROXY": "10.0.0.0/8", "HTTP_PROXY": "x"}
    keep_loopback_off_proxies(environment)
    expected = "10.0.0.0/8,.corp.example,localhost,127.0.0.1,::1"
    assert environment == {"no_proxy": expected, "NO_PROXY": expected, "HTTP_PROXY": "x"}
    keep_loopback_off_proxies(environment)
    assert environment["NO_PROXY"] == expected, "a second call adds nothing"


def test_without_a_no_proxy_the_loopback_names_are_the_list() -> None:
    environment: dict[str, str] = {}
    keep_loopback_off_proxies(environment)
    assert environment == {"NO_PROXY": "127.0.0.1,localhost,::1", "no_proxy": "127.0.0.1,localhost,::1"}
