"""Tests and benchmarks never reach AWS: a region and dummy credentials make boto3 behave the same in
any shell, and real credentials in the environment are never used by accident."""

from __future__ import annotations

import os

REGION = "{{ cookiecutter.aws_region }}"


def use_offline_credentials() -> None:
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
            "AWS_SESSION_TOKEN": "testing",
            "POWERTOOLS_SERVICE_NAME": "{{ cookiecutter.component_slug }}",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
