"""The published documents checked by the parsers their readers use: `python -m contracts.documents`.

docs/events/asyncapi.yaml goes through the official AsyncAPI parser and catalog-info.yaml through
Backstage's entity validators and default policies (contracts/validate-documents.mjs, on Node, with the
versions pinned in package.json). The catalog's YAML is read here, with PyYAML (a pinned
development dependency), so the Node script needs no YAML parser that package.json does not declare.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

from contracts.asyncapi import DOCUMENT
from contracts.schemas import ROOT

CATALOG = ROOT / "catalog-info.yaml"
SCRIPT = Path(__file__).with_name("validate-documents.mjs")
VALIDATORS = ROOT / "node_modules" / "@asyncapi" / "parser"


class ValidatorMissing(RuntimeError):
    """Node or the pinned validators are not installed: the check cannot run, which is not a pass."""


@dataclass(frozen=True)
class Verdict:
    valid: bool
    # One line per problem (`path: where: message`), then one summary line per document.
    report: str


def validate(asyncapi_files: Iterable[Path] = (), catalogs: Iterable[Path] = ()) -> Verdict:
    node = shutil.which("node")
    if node is None:
        raise ValidatorMissing(
            "node is not on PATH: install Node.js 20.19+ or 22.7+ (package.json: engines),"
            " then run `make validate-docs`"
        )
    if not VALIDATORS.is_dir():
        raise ValidatorMissing(f"{VALIDATORS} is missing: run `make validate-docs` (it runs `npm ci` first)")
    documents: list[dict[str, Any]] = [
        {"path": shown(path), "type": "asyncapi", "text": path.read_text("utf-8")} for path in asyncapi_files
    ]
    documents += [
        {"path": shown(path), "type": "catalog", "entities": yaml_documents(path)} for path in catalogs
    ]
    result = subprocess.run(  # noqa: S603 - our own script, run by the node found on PATH
        [node, str(SCRIPT)],
        input=json.dumps({"documents": documents}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    # The report is what the script prints. Node's own notices on stderr are not about the documents
    # (Node 22.7 warns that a dependency was parsed as an ES module, 22.11 does not): they join the report
    # only when the script failed, where they say why.
    report = result.stdout.strip()
    if result.returncode != 0:
        report = f"{report}\n{result.stderr.strip()}".strip()
    return Verdict(valid=result.returncode == 0, report=report)


def shown(path: Path) -> str:
    """A path as the report shows it: relative to the component when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def yaml_documents(path: Path) -> list[Any]:
    """Every document of a YAML file, as Backstage reads a catalog file (an empty one is skipped)."""
    with path.open(encoding="utf-8") as text:
        return [entity for entity in yaml.safe_load_all(text) if entity is not None]


def main() -> int:
    verdict = validate([DOCUMENT], [CATALOG])
    print(verdict.report, file=sys.stdout if verdict.valid else sys.stderr)
    return 0 if verdict.valid else 1


if __name__ == "__main__":
    sys.exit(main())
