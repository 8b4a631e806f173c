"""`python -m contracts docs [--check] | check | release`: see the package's docstring."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

REGISTRY = "src/{{ cookiecutter.package_name }}/events/registry.py"


def example_refused(error: ValidationError) -> str:
    """Why the registry cannot be read: an event's example no longer fits the model it was changed to."""
    found = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'the example'}: {e['msg']}" for e in error.errors())
    return (
        f"contracts: the example of {error.title} in {REGISTRY} no longer fits its model ({found}): make"
        " it an event of the model as it is now, then run this again."
    )


# Each command imports what it needs when it runs: a scaffold or a refusal need not wait for the
# document builders (the AsyncAPI and OpenAPI ones import the handlers and their validators). The
# registry builds each event's example as it is imported: a model changed without its example stops
# every command here, so that is said plainly, not as a traceback.
try:
    from contracts import schemas
except ValidationError as error:
    sys.exit(example_refused(error))
except SyntaxError as error:
    # Mid-merge, a file with conflict markers; or a typo: the file and line, not a traceback.
    marker = "a merge conflict's markers: resolve it" if "<<<<<<<" in (error.text or "") else "fix it"
    sys.exit(
        f"contracts: {error.filename}:{error.lineno} is not valid Python ({error.msg}), {marker}, then run"
        " this again."
    )


def shown(path: Path) -> str:
    """A path as messages show it: from the component's root when it is inside it."""
    return str(path.relative_to(schemas.ROOT)) if path.is_relative_to(schemas.ROOT) else str(path)


def documents() -> dict[Path, str]:
    """Every generated document but the schemas, with its content as the code defines it today."""
    from contracts import asyncapi, events_page{% if cookiecutter.command_api %}, openapi{% endif %}, readme

    return {
        events_page.PAGE: events_page.render(),
        asyncapi.DOCUMENT: asyncapi.render(),
        readme.README: readme.render(),
{%- if cookiecutter.command_api %}
        openapi.DOCUMENT: openapi.render(),
{%- endif %}
    }


def docs(check: bool) -> int:
    wanted, written = schemas.current(), schemas.read(schemas.SCHEMAS)
    pages = documents()
    stale_pages = [
        path for path, text in pages.items() if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if wanted == written and not stale_pages:
        return 0
    if check:
        stale = sorted(set(wanted) ^ set(written) | {n for n in wanted if written.get(n) != wanted[n]})
        stale += [shown(path) for path in stale_pages]
        print(f"generated docs are stale ({', '.join(stale)}): run `make docs`", file=sys.stderr)
        return 1
    schemas.SCHEMAS.mkdir(parents=True, exist_ok=True)
    for stale_file in set(written) - set(wanted):
        (schemas.SCHEMAS / stale_file).unlink()
    for name, text in wanted.items():
        (schemas.SCHEMAS / name).write_text(text, encoding="utf-8")
    for path in stale_pages:
        path.write_text(pages[path], encoding="utf-8")
    print(f"wrote {len(wanted)} schemas and {', '.join(shown(path) for path in pages)}")
    return 0


def check(*, releasing: bool = False) -> int:
    """Refuse a break of a published version, and a baseline that no longer holds what was released.

    A public version is held to its baseline (what it was released as) and to the target branch (what
    was merged since: an optional field added after the release is relied on too), both for what it
    sends and for what it reads of the events recorded under it. A private version's recorded events
    that would no longer read are a warning. Versions not released yet are named with the command that
    releases them, unless that is what runs.
    """
    from contracts import compatibility, released, versions

    current, baseline = schemas.current_public(), schemas.read(schemas.BASELINE)
    found = compatibility.breaks(baseline, current)
    problems: list[str] = []
    base = released.base()
    try:
        held = released.target(base)
    except released.CannotCompare as error:
        held = released.Target([], {}, None)
        problems.append(str(error))
    changed, merged, on_base = held.changed, held.merged, held.released
    found = compatibility.unique(found + compatibility.since(merged, current, schemas.current()))
    if found:
        released_here_only = [
            (json.loads(text)["title"], json.loads(text)["x-version"])
            for name, text in baseline.items()
            if on_base is not None and name not in on_base
        ]
        problems.insert(0, compatibility.report(found, schemas.current_versions(), released_here_only))
    if changed:
        problems.append(released.report(changed, base))
    # The events recorded are held to what wrote them: the target branch's models (a version released
    # before a bound was added there was held to it when that bound was merged), like with like: what
    # they wrote against what today's models write (a serializer's type on both sides). That today's
    # models read what they write is each version's round trip (tests/unit/test_contracts.py).
    unreadable = compatibility.unreadable(merged, schemas.current())
    visibility = {name: json.loads(text).get("x-visibility") for name, text in merged.items()}
    unreadable_public = [
        b for b in unreadable if visibility.get(schemas.file_name(b.event, b.version)) == "public"
    ]
    unreadable_private = [b for b in unreadable if b not in unreadable_public]
    try:
        entries = (
            json.loads(schemas.CHECKED_HISTORY.read_text(encoding="utf-8"))
            if schemas.CHECKED_HISTORY.exists()
            else []
        )
        unreadable_public, already_checked = compatibility.checked(unreadable_public, entries)
    except ValueError as error:  # Not JSON, or not the entries the gate writes.
        problems.append(f"contracts: docs/events/checked-history.json cannot be used: {error}")
        already_checked = []
    if unreadable_public:
        problems.append(compatibility.history_report(unreadable_public, public=True))
    problems += versions.retired_problems()
    if problems:
        if unreadable_private:  # Shown with the failures too: the next run would show it anyway.
            problems.append(compatibility.history_report(unreadable_private, public=False))
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(compatibility.report(found))
    if already_checked:
        shown_checked = "; ".join(str(b) for b in already_checked)
        print(
            f"contracts: checked against recorded events (docs/events/checked-history.json): {shown_checked}"
        )
    if unreadable_private:
        print(compatibility.history_report(unreadable_private, public=False))
    unreleased = sorted(set(current) - set(baseline))
    if unreleased and not releasing:
        print(
            f"contracts: not released yet: {', '.join(unreleased)}. Until a version is in the baseline, only"
            f" the target branch ({base}) holds it, once merged: run `make release-contracts` and commit"
            " docs/events/baseline in the pull request that adds it."
        )
    return 0


def release() -> int:
    """Add the public versions not yet released to the baseline; a released file is never rewritten.

    The gate compares each version with the schema it was released with, for as long as it is published:
    compatible additions since (an optional field) are checked against that first promise, not folded in.
    """
    from contracts import versions

    if check(releasing=True) != 0:
        print("refused: a released version may not change incompatibly; add a new version", file=sys.stderr)
        return 1
    released = set(schemas.read(schemas.BASELINE)) | {path.name for path in versions.RETIRED.glob("*.json")}
    new = {name: text for name, text in schemas.current_public().items() if name not in released}
    if not new:
        print("nothing to release: every public version published today is in docs/events/baseline")
        return 0
    schemas.BASELINE.mkdir(parents=True, exist_ok=True)
    for name, text in new.items():
        (schemas.BASELINE / name).write_text(text, encoding="utf-8")
    print(f"released {', '.join(sorted(new))}: commit docs/events/baseline")
    return 0


def new_version(event: str) -> int:
    from contracts import versions

    try:
        current = versions.current_entry(event)
        written = versions.new_version(event)
    except versions.Refused as refusal:
        print(f"new-version: {refusal}; nothing was written", file=sys.stderr)
        return 1
    print(f"wrote {', '.join(str(path.relative_to(schemas.ROOT)) for path in written)}")
    print(versions.next_steps(event, current.version))
    return 0


def retire_version(event: str, version: str) -> int:
    if not event or not version.isdigit():
        example = "make retire-version EVENT={{ cookiecutter.aggregate }}Listed VERSION=1"
        print(
            f"retire-version: name the event and the earlier version to retire, e.g. {example} "
            f"(got EVENT={event!r} VERSION={version!r}); nothing was changed",
            file=sys.stderr,
        )
        return 2
    from contracts import versions

    try:
        changed = versions.retire(event, int(version))
    except versions.Refused as refusal:
        print(f"retire-version: {refusal}; nothing was changed", file=sys.stderr)
        return 1
    print(f"{event} v{version} is retired: no longer published, still readable in history.")
    print(f"changed {', '.join(sorted({str(path.relative_to(schemas.ROOT)) for path in changed}))}")
    print("Next: make docs && make verify, then commit; the pull request shows it to the event owners.")
    return 0


def scaffolded(
    what: str,
    make: Callable[[], tuple[list[Path], list[str]]],
    refusals: tuple[type[Exception], ...] = (),
) -> int:
    """Run a command that writes code; print what it wrote and the steps left, or why it wrote nothing."""
    from contracts import scaffold, versions

    caught = refusals or (scaffold.Refused, versions.Refused)
    try:
        written, steps = make()
    except caught as refusal:
        print(f"{what}: {refusal}; nothing was written", file=sys.stderr)
        return 1
    print(f"wrote {', '.join(shown(path) for path in written)}")
    print("Next:")
    print("\n".join(f"  {number}. {step}" for number, step in enumerate(steps, start=1)))
    return 0


{%- if cookiecutter.consumer %}


def subscribed(contract: str, event: str, version: str) -> int:
    if not version.isdigit() or int(version) < 1:
        print(
            f"subscribe: VERSION must be a whole number from 1, not {version!r}; nothing was written",
            file=sys.stderr,
        )
        return 2
    from contracts import subscribe
    from contracts.producers import ContractRefused

    return scaffolded(
        "subscribe",
        lambda: subscribe.subscribe(contract, event, int(version)),
        (ContractRefused,),
    )
{%- endif %}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts", description="Event contracts")
    commands = parser.add_subparsers(dest="command", required=True)
    docs_parser = commands.add_parser("docs", help="write the generated documents")
    docs_parser.add_argument("--check", action="store_true", help="fail when they are stale instead")
    commands.add_parser("check", help="refuse changes that would break consumers")
    commands.add_parser("release", help="add the public versions not yet released to the baseline")
    new_parser = commands.add_parser("new-version", help="publish a public event's next version beside it")
    new_parser.add_argument("event", help="the event's name, e.g. {{ cookiecutter.aggregate }}Listed")
    retire_parser = commands.add_parser("retire-version", help="stop publishing an earlier version")
    retire_parser.add_argument("event", help="the event's name")
    retire_parser.add_argument("version", help="the earlier version to retire")
    command_parser = commands.add_parser("new-command", help="scaffold a command of the aggregate")
    command_parser.add_argument("name", help="PascalCase, e.g. Reserve{{ cookiecutter.aggregate }}")
{%- if cookiecutter.command_api %}
    command_parser.add_argument("--route", choices=("yes", "no"), default="yes", help="add an API route")
{%- endif %}
    event_parser = commands.add_parser("new-event", help="scaffold an event of the aggregate")
    event_parser.add_argument("name", help="PascalCase, e.g. {{ cookiecutter.aggregate }}Reserved")
    event_parser.add_argument("--visibility", default="", help="public or private")
{%- if cookiecutter.consumer %}
    subscribe_parser = commands.add_parser("subscribe", help="subscribe to another component's event")
    subscribe_parser.add_argument("contract", help="the producer's AsyncAPI document: a path or http(s) URL")
    subscribe_parser.add_argument("event", help="the event's name, its detail-type")
    subscribe_parser.add_argument("--version", default="1", help="the version to read (default 1)")
{%- endif %}
    arguments = parser.parse_args(argv)
    if arguments.command == "docs":
        return docs(arguments.check)
    if arguments.command == "new-version":
        return new_version(arguments.event)
    if arguments.command == "new-command":
        from contracts import scaffold

        name = arguments.name
{%- if cookiecutter.command_api %}
        route = arguments.route == "yes"
        return scaffolded("new-command", lambda: scaffold.new_command(name, route))
{%- else %}
        return scaffolded("new-command", lambda: scaffold.new_command(name))
{%- endif %}
    if arguments.command == "new-event":
        from contracts import scaffold

        name, visibility = arguments.name, arguments.visibility
        return scaffolded("new-event", lambda: scaffold.new_event(name, visibility))
    if arguments.command == "retire-version":
        return retire_version(arguments.event, arguments.version)
{%- if cookiecutter.consumer %}
    if arguments.command == "subscribe":
        return subscribed(arguments.contract, arguments.event, arguments.version)
{%- endif %}
    return check() if arguments.command == "check" else release()


if __name__ == "__main__":
    sys.exit(main())
