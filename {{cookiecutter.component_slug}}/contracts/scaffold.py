{%- set A = cookiecutter.aggregate -%}
{%- set a = cookiecutter.aggregate | snake_case -%}
"""`make new-command NAME=...` and `make new-event NAME=... VISIBILITY=...`: the places a new one goes.

A command or an event touches several files in a fixed way; the scaffold writes each part where it
belongs, and leaves only the decisions to the squad, each one failing loudly until it is made:

* a command: its model (in the domain module) with the aggregate's id, its place in the command
  union, a case in ``decide`` that raises until it says which events it records, a test of
  ``decide`` to complete
{%- if cookiecutter.command_api %}, and a route in handlers/api.py (``ROUTE=no`` to leave it out){% endif %};
* an event: its model, its place in the event union, a case in ``evolve`` that raises until it
  says how the state changes, its entry in events/registry.py (version 1, public or private, an
  example), a test of ``evolve`` to complete
{%- if cookiecutter.consumer %}, and a case in the catalogue's projection (not projected
  until the consumer subscribes to it){% endif %}.

A name that is not PascalCase, or that the domain already uses, is refused and nothing is written. Every
file is written only once all of them could be prepared; the edits are found with Python's parser, not
line numbers, so they hold as the code grows.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from {{ cookiecutter.package_name }}.domain import {{ a }} as domain

from contracts import schemas, versions

PACKAGE = "{{ cookiecutter.package_name }}"
SOURCE = schemas.ROOT / "src" / PACKAGE
TESTS = schemas.ROOT / "tests" / "unit"
AGGREGATE = "{{ A }}"
IDENTITY = "{{ a }}_id"
DOMAIN_FILE = "domain/{{ a }}.py"
NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
# One rule for the words of a name, the events' and the commands' (an acronym is one word).
words, snake = versions.words, versions.snake


class Refused(ValueError):
    """The scaffold cannot write this; nothing was written."""


@dataclass(frozen=True)
class Edit:
    """The new text of one file."""

    path: Path
    text: str


def checked_name(name: str, kind: str) -> str:
    if not name:
        raise Refused(f"name the {kind}: make new-{kind} NAME=<PascalCase name>")
    if not NAME.match(name):
        raise Refused(
            f"{kind} name {name!r} is not PascalCase: letters and digits, starting with a capital "
            f"(e.g. Reserve{AGGREGATE} for a command, {AGGREGATE}Reserved for an event)"
        )
    if hasattr(domain, name):
        raise Refused(f"{name} is taken: {DOMAIN_FILE} already defines it; choose another name")
    return name


def function_of(tree: ast.Module, name: str) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise Refused(f"no function {name}() found: the scaffold expects the layout it was written for")


def before_wildcard_case(function: ast.FunctionDef) -> int:
    """The line index of ``case _:`` in the function's match: new cases go right before it."""
    for node in ast.walk(function):
        if isinstance(node, ast.Match):
            last = node.cases[-1]
            if isinstance(last.pattern, ast.MatchAs) and last.pattern.pattern is None:
                return last.pattern.lineno - 1
    raise Refused(f"{function.name}() has no `case _:` ending its match: add one (with assert_never)")


def union_end(tree: ast.Module, alias: str) -> tuple[int, int]:
    """Where the union inside ``alias: TypeAlias = Annotated[A | B, ...]`` ends (line index, column)."""
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == alias:
            value = node.value
            if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Tuple):
                union = value.slice.elts[0]
                if union.end_lineno is not None and union.end_col_offset is not None:
                    return union.end_lineno - 1, union.end_col_offset
    raise Refused(f"no `{alias}: TypeAlias = Annotated[... | ..., Field(...)]` found in {DOMAIN_FILE}")


def alias_line(tree: ast.Module, alias: str) -> int:
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == alias:
            return node.lineno - 1
    raise Refused(f"no `{alias}` found in {DOMAIN_FILE}")


class Lines:
    """A file's lines, edited from the bottom up so earlier positions stay right."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.inserts: list[tuple[int, int, str]] = []

    def insert(self, line: int, text: str, column: int | None = None) -> None:
        self.inserts.append((line, -1 if column is None else column, text))

    def text(self) -> str:
        for line, column, text in sorted(self.inserts, reverse=True):
            if column < 0:
                self.lines[line:line] = [text]
            else:
                current = self.lines[line]
                self.lines[line] = current[:column] + text + current[column:]
        return "".join(self.lines)


def domain_with(kind: str, name: str) -> str:
    """The domain module with the new command or event: its model, its place in the union, its case."""
    path = SOURCE / "domain" / "{{ a }}.py"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = Lines(source)
    alias, function = (
        (f"{AGGREGATE}Command", "decide") if kind == "command" else (f"{AGGREGATE}Event", "evolve")
    )
    model = (
        f"class {name}(_Message):\n"
        f'    kind: Literal["{name}"] = "{name}"\n'
        f"    {IDENTITY}: Identity\n"
        f"    # Add its fields here, each with a type from the top of this module or a new one.\n"
        "\n\n"
    )
    lines.insert(alias_line(tree, alias), model)
    end_line, end_column = union_end(tree, alias)
    lines.insert(end_line, f" | {name}", end_column)
    todo = (
        f"decide {name}: return its events, or raise CommandRejected"
        if kind == "command"
        else f"evolve {name}: return the state after it"
    )
    case = f'        case {name}():\n            raise NotImplementedError("{todo}")\n'
    lines.insert(before_wildcard_case(function_of(tree, function)), case)
    return lines.text()


def registry_with(name: str, visibility: str) -> str:
    """events/registry.py with version 1 of the new event registered, at the end of EVENT_TYPES."""
    path = SOURCE / "events" / "registry.py"
    source = path.read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "EVENT_TYPES" for target in node.targets
        ):
            if not isinstance(node.value, ast.Tuple) or node.value.end_lineno is None:
                break
            lines = Lines(source)
            entry = (
                "    EventType(\n"
                f"        domain.{name},\n"
                "        version=1,\n"
                f"        visibility=Visibility.{visibility.upper()},\n"
                f'        example=domain.{name}({IDENTITY}="v-1042"),\n'
                "    ),\n"
            )
            # The tuple's closing parenthesis is alone on its line: the entry goes right before it.
            lines.insert(node.value.end_lineno - 1, entry)
            return lines.text()
    raise Refused("no `EVENT_TYPES = (...)` found in events/registry.py")
{%- if cookiecutter.consumer %}


def catalogue_with(name: str) -> str:
    """domain/catalogue.py with a case for the new event: not projected until the consumer reads it."""
    path = SOURCE / "domain" / "catalogue.py"
    source = path.read_text(encoding="utf-8")
    lines = Lines(source)
    case = (
        f"        case domain.{name}():\n"
        "            # Not projected: to project it, subscribe to it (SUBSCRIBED in handlers/consumer.py)\n"
        "            # and say here how it changes the entry.\n"
        "            return None\n"
    )
    lines.insert(before_wildcard_case(function_of(ast.parse(source), "project")), case)
    return lines.text()
{%- endif %}
{%- if cookiecutter.command_api %}


def api_with(name: str) -> tuple[str, str]:
    """handlers/api.py with a route for the new command; the route's path segment."""
    path = SOURCE / "handlers" / "api.py"
    source = path.read_text(encoding="utf-8")
    segment = "-".join(part for part in words(name).split() if part != AGGREGATE.lower()) or "command"
    handler = snake(name)
    operation = handler.split("_")[0] + "".join(part.title() for part in handler.split("_")[1:])
    if f'operation_id="{operation}"' in source:
        raise Refused(f"handlers/api.py already has an operation {operation}; choose another name")
    path_text = "{COLLECTION}/<" + IDENTITY + ">/" + segment + '"'
    if path_text in source:
        raise Refused(
            f"handlers/api.py already has a route POST .../<{IDENTITY}>/{segment}; choose another name,"
            f" or ROUTE=no to add {name} without a route"
        )
    route = (
        f"class {name}Body(_Body):\n"
        f'    """The body of {name}: its fields but the id, which is in the path."""\n'
        "\n\n"
        "@app.post(\n"
        '    f"{COLLECTION}/<' + IDENTITY + ">/" + segment + '",\n'
        f'    operation_id="{operation}",\n'
        f'    summary="{words(name).capitalize()}",\n'
        '    responses={200: {"description": "Accepted"}, **refusals(404, 409, 422, 503, *BODY_REFUSALS)},\n'
        ")\n"
        f"def {handler}(\n"
        f"    {IDENTITY}: {AGGREGATE}IdPath,\n"
        f"    body: {name}Body,\n"
        "    idempotency_key: IdempotencyKey = None,\n"
        ") -> Response[CommandAccepted]:\n"
        f"    command = domain.{name}(\n"
        f"        {IDENTITY}={IDENTITY},\n"
        "        # Complete: the body's fields, as name=body.name\n"
        "    )\n"
        "    return _accepted(service().handle(command, _context(idempotency_key)))\n"
        "\n\n"
    )
    anchor = "def _context("
    if anchor not in source:
        raise Refused("no `def _context(` found in handlers/api.py: the scaffold puts new routes before it")
    return source.replace(anchor, route + anchor, 1), operation
{%- endif %}


def command_test(name: str) -> str:
    function = snake(name)
    return f'''"""Complete this test as you write the case of {name} in decide() ({DOMAIN_FILE})."""

from __future__ import annotations

from datetime import UTC, datetime

from {PACKAGE}.domain import {{ a }} as domain

# The moment the command is decided at: the domain reads no clock, so a test sets it.
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_{function}_records_what_it_decides() -> None:
    # Complete: the state the command meets (None: before the first event; domain.replay([...]) for more).
    state = None
    events = domain.decide(state, domain.{name}({IDENTITY}="v-1042"), NOW)
    # Complete: the events it records, e.g. `assert events == [domain.{AGGREGATE}Something(...)]`.
    assert events, "{name} records at least one event here"
'''


def event_test(name: str) -> str:
    function = snake(name)
    return f'''"""Complete this test as you write the case of {name} in evolve() ({DOMAIN_FILE})."""

from __future__ import annotations

from {PACKAGE}.domain import {{ a }} as domain


def test_{function}_changes_the_state() -> None:
    # Complete: the state before the event (None: before the first event; domain.replay([...]) for more).
    before = None
    after = domain.evolve(before, domain.{name}({IDENTITY}="v-1042"))
    # Complete: what the event changes, e.g. `assert after.<the field it sets> == <the event's value>`.
    assert after.{IDENTITY} == "v-1042"
'''
{%- if cookiecutter.command_api %}


def with_valid_body(source: str, operation: str) -> str:
    """tests/unit/test_api.py with an (empty) valid body for the new operation in VALID_BODIES."""
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "VALID_BODIES"
            and node.value is not None
            and node.value.end_lineno is not None
        ):
            lines = Lines(source)
            entry = '    "' + operation + '": {},  # Complete: a body it accepts\n'
            lines.insert(node.value.end_lineno - 1, entry)
            return lines.text()
    raise Refused("no `VALID_BODIES: dict[str, Any] = {...}` found in tests/unit/test_api.py")
{%- endif %}


def write(edits: list[Edit]) -> list[Path]:
    for edit in edits:
        edit.path.write_text(edit.text, encoding="utf-8")
    written = [edit.path for edit in edits]
    versions.tidy(written)
    return written


def new_test(name: str, text: str) -> Edit:
    path = TESTS / f"test_{snake(name)}.py"
    if path.exists():
        raise Refused(f"{path.relative_to(schemas.ROOT)} exists already; choose another name")
    return Edit(path, text)


def new_command(name: str{% if cookiecutter.command_api %}, route: bool = True{% endif %}) -> tuple[list[Path], list[str]]:
    """Scaffold command ``name``: the files written and the steps left to the squad."""
    checked_name(name, "command")
    edits = [
        Edit(SOURCE / "domain" / "{{ a }}.py", domain_with("command", name)),
        new_test(name, command_test(name)),
    ]
    steps = [
        f"{DOMAIN_FILE}: give {name} its fields, then write its case in decide() (it raises until then)",
        f"tests/unit/test_{snake(name)}.py: complete the test (it fails until decide() records an event)",
    ]
{%- if cookiecutter.command_api %}
    if route:
        text, operation = api_with(name)
        api_test = TESTS / "test_api.py"
        edits += [
            Edit(SOURCE / "handlers" / "api.py", text),
            Edit(api_test, with_valid_body(api_test.read_text(encoding="utf-8"), operation)),
        ]
        steps += [
            f"handlers/api.py: give {name}Body the fields the request carries, and pass them to {name}",
            f"tests/unit/test_api.py: a body {operation} accepts, in VALID_BODIES",
        ]
{%- endif %}
    steps.append("make docs{% if cookiecutter.command_api %} (the OpenAPI document, the README's routes){% endif %}, then make test-unit and make lint")
    return write(edits), steps


def new_event(name: str, visibility: str) -> tuple[list[Path], list[str]]:
    """Scaffold version 1 of event ``name``: the files written and the steps left to the squad."""
    checked_name(name, "event")
    if visibility not in ("public", "private"):
        raise Refused(
            f"VISIBILITY={visibility!r}: say public (a contract other squads may build on, on the shared "
            "bus) or private (this component's own business, on its own bus)"
        )
    edits = [
        Edit(SOURCE / "domain" / "{{ a }}.py", domain_with("event", name)),
        Edit(SOURCE / "events" / "registry.py", registry_with(name, visibility)),
{%- if cookiecutter.consumer %}
        Edit(SOURCE / "domain" / "catalogue.py", catalogue_with(name)),
{%- endif %}
        new_test(name, event_test(name)),
    ]
    steps = [
        f"{DOMAIN_FILE}: give {name} its fields, then write its case in evolve() (it raises until then)",
        f"tests/unit/test_{snake(name)}.py: complete the test (it fails until evolve() handles the event)",
        f"events/registry.py: give {name}'s example its fields",
        "make docs (schemas, events page, AsyncAPI, README), then make test-unit and make lint",
    ]
    if visibility == "public":
        steps.append("make release-contracts in the pull request that adds it: from then on it is a contract")
    return write(edits), steps
