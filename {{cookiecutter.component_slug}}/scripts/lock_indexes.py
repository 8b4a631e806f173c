"""Every package index uv.lock installs from is one pyproject.toml names (a pre-commit hook and `make lint`).

uv records in the lock the index each package was resolved from, and installs a lock from the files it
records. A lock made on a laptop whose uv settings name a company package mirror records the mirror for
every package: it installs there, and nowhere the mirror cannot be reached, CI among them, where uv says
only that the lock "needs to be updated". This check says it at the commit, with the command that
relocks from PyPI. A package the squad takes from another index on purpose is fine once that index is
named in pyproject.toml (`[[tool.uv.index]]`), as CI needs it to be anyway.
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def named_indexes(pyproject: dict[str, object]) -> set[str]:
    """The index URLs pyproject.toml names, without a trailing slash."""
    tool = pyproject.get("tool", {})
    uv = tool.get("uv", {}) if isinstance(tool, dict) else {}
    indexes = uv.get("index", []) if isinstance(uv, dict) else []
    return {str(index["url"]).rstrip("/") for index in indexes if isinstance(index, dict) and "url" in index}


def foreign_indexes(lock: dict[str, object], named: set[str]) -> Counter[str]:
    """Each index the lock installs from that ``named`` leaves out, with how many packages come from it."""
    found: Counter[str] = Counter()
    packages = lock.get("package", [])
    for package in packages if isinstance(packages, list) else []:
        source = package.get("source", {}) if isinstance(package, dict) else {}
        registry = source.get("registry") if isinstance(source, dict) else None
        if isinstance(registry, str) and registry.rstrip("/") not in named:
            found[registry] += 1
    return found


def problems(root: Path = ROOT) -> list[str]:
    """What is wrong, one line each, with what to do; empty when the lock installs from named indexes."""
    with (root / "pyproject.toml").open("rb") as file:
        named = named_indexes(tomllib.load(file))
    with (root / "uv.lock").open("rb") as file:
        foreign = foreign_indexes(tomllib.load(file), named)
    pypi = next((url for url in sorted(named) if "pypi.org" in url), "https://pypi.org/simple")
    return [
        f"uv.lock: {count} package(s) install from {index}, which pyproject.toml does not name, so CI and "
        f"a teammate without it cannot install them. Relocked through a package mirror? Relock from PyPI "
        f"(versions and hashes stay): scripts/uv lock --default-index {pypi}. From that index on "
        f"purpose? Name it in pyproject.toml ([[tool.uv.index]]) and give CI access to it."
        for index, count in sorted(foreign.items())
    ]


def main() -> int:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
