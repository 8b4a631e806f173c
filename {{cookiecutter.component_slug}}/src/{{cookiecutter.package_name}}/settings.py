"""Each function's settings, read from the environment once; a missing one names itself.

The stack sets these variables for each function; the local deploy and the tests set the same ones.
The names it sets them to per stage are made here too, so the stack and the event docs agree.
"""

from __future__ import annotations

{% if cookiecutter.jwt_authoriser -%}
import json
{% endif -%}
import os
from collections.abc import Mapping
from dataclasses import dataclass
{%- if cookiecutter.jwt_authoriser %}
from typing import Any
{%- endif %}

# Where the component runs: its region and its stages. The deployment names its resources after them.
REGION = "{{ cookiecutter.aws_region }}"
STAGES = ("dev", "prod")
# The organisation's bus for public events, one per stage; every component publishes to it.
SHARED_BUS_PREFIX = "shared"
# The CloudWatch namespace of the component's metrics (Powertools, embedded metric format).
METRICS_NAMESPACE = "{{ cookiecutter.component_slug }}"
# The stages whose functions send traces to AWS X-Ray (tracing.py): none until a squad needs them, say
# {"prod"} while chasing a slow path. Traces cost per trace recorded, and the X-Ray SDK's import adds to
# every cold start of a traced stage (`make bench`).
TRACED_STAGES: frozenset[str] = frozenset()
{%- if cookiecutter.jwt_authoriser %}
# Whose access tokens the command API takes (the JWT authoriser, ADR 0025), per stage: the identity
# provider's issuer, an HTTPS URL that serves OpenID Connect discovery (where its signing keys are
# published), and the audience its tokens name for this component. Placeholders until the squad names
# its provider: they verify no real token. A deploy can name others: `-c jwt_issuer=...` and
# `-c jwt_audience=...` (infra/naming.py).
JWT_ISSUERS = dict.fromkeys(STAGES, "https://identity.example.org/")
JWT_AUDIENCES = {stage: f"https://{{ cookiecutter.component_slug }}.example.org/{stage}" for stage in STAGES}
{%- endif %}


class MissingSetting(RuntimeError):
    pass


@dataclass(frozen=True)
class StoreSettings:
    table_name: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> StoreSettings:
        return cls(table_name=_required(environ, "TABLE_NAME"))


@dataclass(frozen=True)
class PublisherSettings:
    component_bus_name: str
    shared_bus_name: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> PublisherSettings:
        return cls(
            component_bus_name=_required(environ, "COMPONENT_BUS_NAME"),
            shared_bus_name=_required(environ, "SHARED_BUS_NAME"),
        )

    @classmethod
    def for_stage(cls, stage: str) -> PublisherSettings:
        """The buses of ``stage``'s own stack, as the documents name them: its stack sets the variables
        above to these. A branch's stack has a component bus of its own, named after the branch's stack
        (infra/naming.py), and shares the stage's shared bus."""
        return cls(
            component_bus_name=f"{{ cookiecutter.component_slug }}-{stage}",
            shared_bus_name=f"{SHARED_BUS_PREFIX}-{stage}",
        )
{%- if cookiecutter.consumer %}


@dataclass(frozen=True)
class ConsumerSettings:
    table_name: str
    idempotency_table_name: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ConsumerSettings:
        return cls(
            table_name=_required(environ, "TABLE_NAME"),
            idempotency_table_name=_required(environ, "IDEMPOTENCY_TABLE_NAME"),
        )
{%- endif %}


{%- if cookiecutter.jwt_authoriser %}


@dataclass(frozen=True)
class JwtSettings:
    """What the JWT authoriser accepts: tokens of ``issuer`` for ``audience``, signed by the issuer's keys."""

    issuer: str
    audience: str
    # A JSON Web Key Set to check signatures with instead of the keys the issuer publishes: the local
    # deploy's own key (`make local`). Never set on AWS, where the keys come from the issuer's discovery.
    keys: dict[str, Any] | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> JwtSettings:
        keys = environ.get("JWT_KEYS", "").strip()
        return cls(
            issuer=_required(environ, "JWT_ISSUER"),
            audience=_required(environ, "JWT_AUDIENCE"),
            keys=json.loads(keys) if keys else None,
        )

    @classmethod
    def for_stage(cls, stage: str) -> JwtSettings:
        """The stage's issuer and audience, as named above: the stack sets the variables to these."""
        return cls(issuer=JWT_ISSUERS[stage], audience=JWT_AUDIENCES[stage])
{%- endif %}


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise MissingSetting(
            f"environment variable {name} is not set (the deployment sets it for each function)",
        )
    return value
