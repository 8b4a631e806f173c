"""Each function's settings, read from the environment once; a missing one names itself.

The stack sets these variables for each function; the local deploy and the tests set the same ones.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


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


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise MissingSetting(
            f"environment variable {name} is not set (the deployment sets it for each function)",
        )
    return value
