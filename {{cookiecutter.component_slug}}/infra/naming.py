"""Which deployment this is: stage, branch, stack name and region, from CDK context (ADR 0009).

    cdk synth -c stage=dev                        -> {{ cookiecutter.component_slug }}-dev
    cdk synth -c stage=dev -c branch=feature/x    -> {{ cookiecutter.component_slug }}-dev-feature-x
    cdk synth -c stage=prod                       -> {{ cookiecutter.component_slug }}-prod
    cdk synth -c stage=dev -c tracing=on          -> the dev stack, its functions traced in X-Ray
    cdk synth -c stage=dev -c log_level=DEBUG     -> the dev stack, its functions logging at DEBUG
{%- if cookiecutter.jwt_authoriser %}
    cdk synth -c stage=dev -c jwt_issuer=https://idp.example.net/ -c jwt_audience=x
                                                  -> the dev stack, its API taking that issuer's tokens
{%- endif %}

One stack per stage and branch, so parallel deploys of different branches never collide; production
is one stack, never a branch's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Environment

from {{ cookiecutter.package_name }}.settings import (
    REGION,
    STAGES,
    TRACED_STAGES,
{%- if cookiecutter.jwt_authoriser %}
    JwtSettings,
{%- endif %}
    PublisherSettings,
)

COMPONENT = "{{ cookiecutter.component_slug }}"
PRODUCTION = "prod"
# CloudFormation allows 128 characters in a stack name; the branch gets what the rest leaves.
MAX_STACK_NAME = 128
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# An address SNS can send to: one @, a dot in the domain, no spaces. (SNS confirms it by mail.)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
{%- if cookiecutter.jwt_authoriser %}
# An issuer the JWT verifier accepts: HTTPS, a host, no spaces (its discovery document is fetched from it).
HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\s]*)?")
MAX_AUDIENCE = 512
{%- endif %}


class BadContext(ValueError):
    """A context value the app cannot deploy: the message says which and why."""


@dataclass(frozen=True)
class Deployment:
    stage: str
    branch: str | None = None
    # The organisation's shared bus for this stage (another stack owns it): the one settings.py names
    # for the stage (`shared-<stage>`) unless the context names another.
    shared_bus_name: str = ""
    account: str | None = None
    region: str = REGION
    component: str = COMPONENT
    # Who is told when an alarm fires (an email subscription to the stack's alarm topic); none by default,
    # e.g. `-c alarm_email=squad-oncall@example.org` on the production stage.
    alarm_email: str = ""
    # Whether the functions send traces to X-Ray: the stage's setting (settings.TRACED_STAGES) unless
    # the context says otherwise for this one deploy (`-c tracing=on` or `off`).
    tracing: bool | None = None
    # The functions' log level (Powertools reads POWERTOOLS_LOG_LEVEL): INFO unless the context says
    # otherwise, e.g. `-c log_level=DEBUG` for a deploy that chases a problem.
    log_level: str = "INFO"
{%- if cookiecutter.jwt_authoriser %}
    # Whose access tokens the API takes: the stage's issuer and audience (settings.JWT_ISSUERS and
    # JWT_AUDIENCES) unless the context names others for this deploy.
    jwt_issuer: str = ""
    jwt_audience: str = ""
{%- endif %}

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise BadContext(f"stage={self.stage!r} is not valid; allowed: {', '.join(STAGES)}")
        if not self.shared_bus_name:
            shared = PublisherSettings.for_stage(self.stage).shared_bus_name
            object.__setattr__(self, "shared_bus_name", shared)
        if self.branch is not None and not branch_slug(self.branch, 1):
            raise BadContext(f"branch={self.branch!r} has no letter or digit to name a stack after")
        if self.alarm_email and not EMAIL.fullmatch(self.alarm_email):
            raise BadContext(
                f"alarm_email={self.alarm_email!r} is not an email address; name one like "
                "squad-oncall@example.org, or leave it out for no subscription"
            )
        if unknown := sorted(TRACED_STAGES - set(STAGES)):
            raise BadContext(
                f"settings.TRACED_STAGES names {unknown}, which are not stages ({', '.join(STAGES)})"
            )
        if self.log_level not in LOG_LEVELS:
            raise BadContext(f"log_level={self.log_level!r} is not valid; allowed: {', '.join(LOG_LEVELS)}")
        if self.is_production and self.branch:
            raise BadContext("stage=prod is deployed from the main line only: drop the branch context")
{%- if cookiecutter.jwt_authoriser %}
        stage_tokens = JwtSettings.for_stage(self.stage)
        object.__setattr__(self, "jwt_issuer", self.jwt_issuer or stage_tokens.issuer)
        object.__setattr__(self, "jwt_audience", self.jwt_audience or stage_tokens.audience)
        if not HTTPS_URL.fullmatch(self.jwt_issuer):
            raise BadContext(
                f"jwt_issuer={self.jwt_issuer!r} is not an HTTPS URL; name your identity provider's "
                "issuer as its tokens carry it (`iss`), e.g. https://login.example.org/, in "
                "settings.JWT_ISSUERS or with -c jwt_issuer=..."
            )
        if not self.jwt_audience.strip() or len(self.jwt_audience) > MAX_AUDIENCE:
            raise BadContext(
                f"jwt_audience={self.jwt_audience!r} is not valid; allowed: 1-{MAX_AUDIENCE} characters, "
                "the audience (`aud`) your identity provider puts in this component's tokens"
            )
{%- endif %}

    @classmethod
    def from_context(
        cls,
        context: Mapping[str, object],
        environ: Mapping[str, str] = os.environ,
    ) -> Deployment:
        """The deployment CDK context describes (``-c stage=... -c branch=...``); dev by default."""

        def text(key: str) -> str | None:
            value = context.get(key)
            return str(value).strip() or None if value is not None else None

        return cls(
            stage=text("stage") or "dev",
            branch=text("branch"),
            shared_bus_name=text("shared_bus_name") or "",
            # Unset offline (synth needs no account); `cdk deploy` sets it from the credentials.
            account=environ.get("CDK_DEFAULT_ACCOUNT"),
            region=text("region") or REGION,
            alarm_email=text("alarm_email") or "",
            tracing=switch(text("tracing")),
            log_level=(text("log_level") or "INFO").upper(),
{%- if cookiecutter.jwt_authoriser %}
            jwt_issuer=text("jwt_issuer") or "",
            jwt_audience=text("jwt_audience") or "",
{%- endif %}
        )

    @property
    def traced(self) -> bool:
        return self.stage in TRACED_STAGES if self.tracing is None else self.tracing

    @property
    def is_production(self) -> bool:
        return self.stage == PRODUCTION

    @property
    def stack_name(self) -> str:
        base = f"{self.component}-{self.stage}"
        if not self.branch:
            return base
        return f"{base}-{branch_slug(self.branch, MAX_STACK_NAME - len(base) - 1)}"

    @property
    def environment(self) -> Environment:
        return Environment(account=self.account, region=self.region)


def switch(value: str | None) -> bool | None:
    """An on/off context value (``-c tracing=on``); None when it is not given."""
    if value is None:
        return None
    if value.lower() not in ("on", "off"):
        raise BadContext(
            f"tracing={value!r} is not valid; allowed: on, off (or leave it out for the stage's)"
        )
    return value.lower() == "on"


def branch_slug(branch: str, limit: int) -> str:
    """A branch name as it may appear in a stack name: lower case letters, digits and dashes.

    A name longer than ``limit`` is cut and ends in a hash of the whole name, so two long branches
    that share a beginning still get different stacks.
    """
    slug = _NOT_ALLOWED.sub("-", branch.lower()).strip("-")
    if len(slug) <= limit:
        return slug
    digest = hashlib.sha256(branch.encode()).hexdigest()[:8]
    return f"{slug[: max(limit - len(digest) - 1, 0)].rstrip('-')}-{digest}"


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.naming -c stage=dev -c branch=x``: the stack's name (``make e2e`` looks it up)."""
    parser = argparse.ArgumentParser(prog="python -m infra.naming", description="Print the stack name")
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    arguments = parser.parse_args(argv)
    context = dict(item.partition("=")[::2] for item in arguments.context)
    try:
        print(Deployment.from_context(context).stack_name)
    except BadContext as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
