"""`python -m contracts docs [--check] | check | release`: see the package's docstring."""

from __future__ import annotations

import argparse
import sys

from contracts import asyncapi, compatibility, events_page, schemas


def docs(check: bool) -> int:
    wanted, written = schemas.current(), schemas.read(schemas.SCHEMAS)
    page = events_page.render()
    page_written = events_page.PAGE.read_text(encoding="utf-8") if events_page.PAGE.exists() else ""
    if wanted == written and page == page_written:
        return 0
    if check:
        stale = sorted(set(wanted) ^ set(written) | {n for n in wanted if written.get(n) != wanted[n]})
        stale += [] if page == page_written else ["README.md"]
        print(f"docs/events is stale ({', '.join(stale)}): run `make docs`", file=sys.stderr)
        return 1
    schemas.SCHEMAS.mkdir(parents=True, exist_ok=True)
    for stale_file in set(written) - set(wanted):
        (schemas.SCHEMAS / stale_file).unlink()
    for name, text in wanted.items():
        (schemas.SCHEMAS / name).write_text(text, encoding="utf-8")
    events_page.PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {len(wanted)} schemas and the events page to docs/events")
    return 0


def asyncapi_document(check: bool) -> int:
    """docs/events/asyncapi.yaml, generated like the schemas: written, or with --check only compared."""
    wanted = asyncapi.render()
    if asyncapi.DOCUMENT.exists() and asyncapi.DOCUMENT.read_text(encoding="utf-8") == wanted:
        return 0
    if check:
        print("docs/events/asyncapi.yaml is stale: run `make docs`", file=sys.stderr)
        return 1
    asyncapi.DOCUMENT.write_text(wanted, encoding="utf-8")
    print("wrote the AsyncAPI document to docs/events/asyncapi.yaml")
    return 0


def check() -> int:
    found = compatibility.breaks(schemas.read(schemas.BASELINE), schemas.current_public())
    print(compatibility.report(found), file=sys.stderr if found else sys.stdout)
    return 1 if found else 0


def release() -> int:
    """Add today's public schemas to the baseline; a published version is never taken out of it."""
    if check() != 0:
        print("refused: a released version may not change incompatibly; add a new version", file=sys.stderr)
        return 1
    schemas.BASELINE.mkdir(parents=True, exist_ok=True)
    for name, text in schemas.current_public().items():
        (schemas.BASELINE / name).write_text(text, encoding="utf-8")
    print("baseline updated: commit docs/events/baseline")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts", description="Event contracts")
    commands = parser.add_subparsers(dest="command", required=True)
    docs_parser = commands.add_parser("docs", help="write the event schemas")
    docs_parser.add_argument("--check", action="store_true", help="fail when they are stale instead")
    commands.add_parser("check", help="refuse changes that would break consumers")
    commands.add_parser("release", help="make today's public schemas the baseline")
    arguments = parser.parse_args(argv)
    if arguments.command == "docs":
        return docs(arguments.check) | asyncapi_document(arguments.check)
    return check() if arguments.command == "check" else release()


if __name__ == "__main__":
    sys.exit(main())
