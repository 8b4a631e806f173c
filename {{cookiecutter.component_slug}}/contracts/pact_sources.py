"""Consumers' pacts for this component without a Pact Broker: ``pacts/`` and the places ``PACT_SOURCES``
names (ADR 21). The provider verification reads them (`make verify-pacts`), and so does the retirement
of an event version, which asks who still reads it (``versions.readers``).

``PACT_SOURCES="../pricing/pacts https://example.org/pacts/pricing.json"``: folders (a consumer
component's ``pacts/``, written by its `make test-contract`; or one both squads point at) and http(s)
URLs of pact files, separated by spaces. Only the pacts whose provider is this component are
kept, and a place that holds none is an error: a mistyped folder would otherwise verify nothing and pass.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

from contracts.versions import PACTS, PROVIDER


class PactSourceError(LookupError):
    """A place PACT_SOURCES names that cannot be read, or holds no pact for this component."""


def pact_files(folder: Path = PACTS) -> list[Path]:
    """The pact files in ``folder`` for this component (the folder may hold pacts for others)."""
    return [path for path in sorted(folder.glob("*.json")) if for_this_component(path)]


def provider_of(pact_file: Path) -> Any:
    try:
        return json.loads(pact_file.read_text(encoding="utf-8")).get("provider", {}).get("name")
    except (ValueError, AttributeError):
        return None


def consumer_of(pact_file: Path) -> str:
    return str(
        json.loads(pact_file.read_text(encoding="utf-8")).get("consumer", {}).get("name", "a consumer")
    )


def for_this_component(pact_file: Path) -> bool:
    return bool(provider_of(pact_file) == PROVIDER)


def shared_pact_files(download: Path, sources: str) -> list[Path]:
    """This component's pacts from the places ``sources`` names; a URL's pact is downloaded first."""
    found: list[Path] = []
    for number, source in enumerate(sources.split()):
        if source.startswith(("http://", "https://")):
            fetched = download / f"{number}-{Path(urlsplit(source).path).name or 'pact.json'}"
            try:
                with urlopen(source, timeout=30) as response:  # noqa: S310 - http(s) only, checked above
                    fetched.write_bytes(response.read())
            except OSError as error:
                raise PactSourceError(
                    f"PACT_SOURCES: the pact at {source} cannot be read ({error})"
                ) from error
            provider = provider_of(fetched)
            if provider is None:
                raise PactSourceError(
                    f"PACT_SOURCES: {source} is not a pact file (JSON with a provider): name the URL of a"
                    " pact file itself, not of a folder or page"
                )
            if provider != PROVIDER:
                raise PactSourceError(
                    f"PACT_SOURCES: {source} is a pact for {provider}, not for {PROVIDER}: name the pact a"
                    f" consumer wrote for this component (<consumer>-{PROVIDER}.json)"
                )
            found.append(fetched)
        elif Path(source).is_dir():
            mine = pact_files(Path(source))
            if not mine:
                raise PactSourceError(
                    f"PACT_SOURCES: {source} holds no pact for {PROVIDER} (its .json files name other"
                    " providers, or there are none): name the consumer's pacts/ folder, where its `make"
                    f" test-contract` writes <consumer>-{PROVIDER}.json"
                )
            found += mine
        elif Path(source).name == "pacts" and Path(source).parent.is_dir():
            raise PactSourceError(
                f"PACT_SOURCES: {source} does not exist: pacts are not committed (the Pact Broker shares them"
                f" when there is one), so run `make test-contract` in {Path(source).parent} first"
            )
        else:
            raise PactSourceError(
                f"PACT_SOURCES: {source} is neither a folder nor an http(s) URL of a pact file; name a "
                "consumer's pacts/ folder or a pact file's URL"
            )
    return found


def known_pacts() -> list[tuple[dict[str, Any], str]]:
    """Each pact for this component in ``pacts/`` and ``PACT_SOURCES`` (read), with where it came from."""
    found = [(path, f"pacts/{path.name}") for path in pact_files()]
    with tempfile.TemporaryDirectory(prefix="pact-sources-") as download:
        sources = os.environ.get("PACT_SOURCES", "")
        found += [(path, f"PACT_SOURCES: {path.name}") for path in shared_pact_files(Path(download), sources)]
        return [(json.loads(path.read_text(encoding="utf-8")), where) for path, where in found]
