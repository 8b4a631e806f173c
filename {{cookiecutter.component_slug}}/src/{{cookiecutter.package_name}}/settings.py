"""The component's settings, read from the environment once; a missing one names itself."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class MissingSetting(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    table_name: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(table_name=_required(environ, "TABLE_NAME"))


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise MissingSetting(
            f"environment variable {name} is not set (the deployment sets it for each function)",
        )
    return value
