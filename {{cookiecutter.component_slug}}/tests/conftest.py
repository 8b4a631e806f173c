from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from local_deploy.loopback import keep_loopback_off_proxies
from tests.offline_aws import REGION, use_offline_credentials

# The emulators, the local deploy and the tests' own servers are on loopback: never through a proxy.
keep_loopback_off_proxies()
# Every test runs offline, except the end-to-end tests against a stack on AWS (`make e2e`), which need
# the caller's real credentials.
if os.environ.get("E2E_TARGET") != "aws":
    use_offline_credentials()

FUNCTION_NAME = "{{ cookiecutter.component_slug }}-test"


@dataclass(frozen=True)
class FakeLambdaContext:
    """The attributes Powertools reads from the Lambda context; the real one exists only in Lambda."""

    function_name: str = FUNCTION_NAME
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION_NAME}"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def without_git_configuration(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git as on a machine with no configuration: a test's repositories do not run the machine's hooks
    (a global core.hooksPath ran a company's on every test commit) or sign its tags and commits."""
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def no_git_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git as on a machine with no configuration, for one test."""
    without_git_configuration(tmp_path, monkeypatch)


@pytest.fixture
def behind_a_company_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A laptop behind a company proxy (one that answers nothing here) whose NO_PROXY does not name
    loopback, after what this session does at its start (above)."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variable, ".corp.example")
    keep_loopback_off_proxies()


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
