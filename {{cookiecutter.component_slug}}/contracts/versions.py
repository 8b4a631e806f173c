"""`make new-version EVENT=<name>`: the mechanical part of a breaking change to a public event (ADR 16).

A released version of a public event never changes. To change one incompatibly, its current version N
is kept as an *earlier* version, published beside version N+1 while consumers move:

* ``events/earlier.py`` gets ``<Name>V<N>``, the data of version N frozen as it is today (each field's
  constraints written out, so a later change to a shared type such as ``Title`` leaves it alone), and
  two functions, field by field: ``<name>_to_v<N>`` (a current event told in version N: the
  downcaster, what version N's consumers keep getting) and ``<name>_from_v<N>`` (version N data read
  as a current event: the upcaster, for history recorded in version N and late messages);
* ``events/registry.py``: the event's entry moves to version N+1, and version N is registered beside
  it with those functions.

Nothing else changes until the squad makes the breaking change to the domain's model and adjusts the
two functions (mypy and the tests of the registry point at whatever no longer fits). Enums and nested
models are referred to, not copied: the gate (`make check-contracts`) refuses a change to them that
version N's baseline does not allow.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import json
import re
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from {{ cookiecutter.package_name }}.domain import {{ cookiecutter.aggregate | snake_case }} as domain
from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.registry import EventType, Visibility

from contracts import schemas

PACKAGE = "{{ cookiecutter.package_name }}"
# Pact files: other squads' pacts, dropped here (ADR 10){% if cookiecutter.consumer %}, and this component's
# consumer's, written by its tests{% endif %}.
PACTS = schemas.ROOT / "pacts"
# This component as a Pact participant, when it publishes.
PROVIDER = "{{ cookiecutter.component_slug }}"
RETIRED = schemas.ROOT / "docs" / "events" / "retired"
DOMAIN_MODULE = domain.__name__
SOURCE = schemas.ROOT / "src" / PACKAGE
EARLIER_HEADER = '''"""Earlier versions of public events, published beside the current ones (ADR 16).

Written by `make new-version`; each model is the data of a released version, frozen as it was
released (docs/events/baseline/ holds its schema). The functions say how a current event is told in
the earlier version (published beside it) and how the earlier version is read as a current event
(history recorded in it, late messages).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from {package}.domain import {module} as domain
'''


class Refused(ValueError):
    """The scaffold cannot make this version; nothing was written."""


@dataclasses.dataclass
class Imports:
    """The names a rendered annotation needs: ``from module import name`` lines."""

    names: set[tuple[str, str]] = dataclasses.field(default_factory=set)

    def lines(self) -> list[str]:
        modules: dict[str, list[str]] = {}
        for module, name in sorted(self.names):
            modules.setdefault(module, []).append(name)
        return [f"from {module} import {', '.join(names)}" for module, names in modules.items()]


# Where a PascalCase name's words meet: before a capital that follows a small letter or a digit, and
# before the last capital of a run that a small letter follows, so an acronym is one word
# (ReserveForVIP: reserve for vip; VIPReserved: vip reserved).
WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words(name: str) -> str:
    """A PascalCase name's words, in small letters, with spaces between."""
    return WORD_BOUNDARY.sub(" ", name).lower()


def snake(name: str) -> str:
    return words(name).replace(" ", "_")


def current_entry(name: str) -> EventType:
    """The current version of public event ``name``, or why it cannot get a new version."""
    by_name = {t.name: t for t in registry.EVENT_TYPES if t.current}
    public = ", ".join(sorted(n for n, t in by_name.items() if t.visibility is Visibility.PUBLIC))
    if not name:
        raise Refused(f"name the event: make new-version EVENT=<name>, one of {public}")
    if name not in by_name:
        raise Refused(f"no event named {name!r} is registered; public events: {public}")
    event_type = by_name[name]
    if event_type.visibility is not Visibility.PUBLIC:
        raise Refused(
            f"{name} is private: it may change with the component, in place, without a new version "
            "(only public events are contracts)"
        )
    released = schemas.BASELINE / schemas.file_name(name, event_type.version)
    if not released.exists():
        raise Refused(
            f"{name} v{event_type.version} is not released (no {released.relative_to(schemas.ROOT)}): no "
            "consumer relies on it yet, so change it in place, then `make release-contracts`"
        )
    return event_type


def annotation(kind: Any, imports: Imports) -> str:
    """Source text of a type annotation, with the imports it needs."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if kind is type(None) or kind is None:
        return "None"
    if origin in (types.UnionType, typing.Union):
        return " | ".join(annotation(argument, imports) for argument in arguments)
    if origin is typing.Literal:
        imports.names.add(("typing", "Literal"))
        return f"Literal[{', '.join(repr(argument) for argument in arguments)}]"
    if origin is typing.Annotated:
        inner, *metadata = arguments
        return constrained(annotation(inner, imports), constraints(metadata, "a nested type"), imports)
    if origin in (list, set, frozenset, tuple, dict):
        return f"{origin.__name__}[{', '.join(annotation(argument, imports) for argument in arguments)}]"
    if isinstance(kind, type):
        if kind.__module__ == "builtins":
            return kind.__name__
        if kind.__module__ == DOMAIN_MODULE:
            return f"domain.{kind.__name__}"
        imports.names.add((kind.__module__, kind.__name__))
        return kind.__name__
    raise Refused(f"cannot write the type {kind!r} out; write the earlier model by hand")


def constraints(metadata: list[Any], where: str) -> dict[str, Any]:
    """Field() keywords of pydantic's and annotated-types' constraint objects."""
    found: dict[str, Any] = {}
    for item in metadata:
        if dataclasses.is_dataclass(item):
            found |= {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
        elif type(item).__name__ == "_PydanticGeneralMetadata":
            found |= dict(vars(item))
        elif isinstance(item, FieldInfo):
            # `Annotated[str, Field(pattern=...)] | None`: the Field of a nested type, its constraints
            # (and description) inside it.
            found |= constraints(list(item.metadata), where)
            if item.description:
                found["description"] = item.description
        else:
            raise Refused(
                f"{where} carries {item!r}, which cannot be written out; write the earlier model by hand",
            )
    return found


def constrained(text: str, keywords: dict[str, Any], imports: Imports) -> str:
    if not keywords:
        return text
    imports.names |= {("typing", "Annotated"), ("pydantic", "Field")}
    written = ", ".join(f"{key}={value!r}" for key, value in keywords.items())
    return f"Annotated[{text}, Field({written})]"


def field_line(name: str, info: FieldInfo, imports: Imports) -> str:
    keywords = constraints(list(info.metadata), f"field {name!r}")
    if info.description:
        keywords["description"] = info.description
    text = constrained(annotation(info.annotation, imports), keywords, imports)
    if info.is_required():
        return f"    {name}: {text}"
    if info.default_factory is not None:
        imports.names.add(("pydantic", "Field"))
        factory = getattr(info.default_factory, "__name__", None)
        if factory not in ("list", "dict", "set", "tuple", "frozenset"):
            raise Refused(f"field {name!r} has a default factory that cannot be written out")
        return f"    {name}: {text} = Field(default_factory={factory})"
    return f"    {name}: {text} = {default_text(name, info.default, imports)}"


def default_text(name: str, value: Any, imports: Imports) -> str:
    """A default value as source: a literal, or an enum member by its type's name."""
    if isinstance(value, enum.Enum):
        return f"{annotation(type(value), imports)}.{value.name}"
    if _plain(value):
        return repr(value)
    raise Refused(f"field {name!r} has the default {value!r}, which cannot be written out")


def _plain(value: Any) -> bool:
    """Whether ``repr(value)`` is source that makes it again: None, a scalar, or containers of those."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, dict):
        return all(_plain(key) and _plain(item) for key, item in value.items())
    return isinstance(value, list | tuple) and all(_plain(item) for item in value)


def earlier_source(event_type: EventType) -> tuple[str, Imports]:
    """The model, downcaster and upcaster of the event's current version, as source text."""
    name, version, model = event_type.name, event_type.version, event_type.model
    imports = Imports()
    fields = {key: info for key, info in model.model_fields.items() if key != "kind"}
    frozen = f"{name}V{version}"
    lines = [
        "",
        "",
        f"class {frozen}(BaseModel):",
        f'    """{name} version {version}, as released."""',
        "",
        '    model_config = ConfigDict(frozen=True, extra="forbid")',
        "",
        *[field_line(key, info, imports) for key, info in fields.items()],
        "",
        "",
        f"def {snake(name)}_to_v{version}(event: domain.{name}) -> {frozen}:",
        f'    """A current {name} told in version {version}: what its readers get while it is published."""',
        f"    return {frozen}(",
        *[f"        {key}=event.{key}," for key in fields],
        "    )",
        "",
        "",
        f"def {snake(name)}_from_v{version}(data: {frozen}) -> domain.{name}:",
        f'    """A {name} recorded or received in version {version}, read as a current one."""',
        f"    return domain.{name}(",
        *[f"        {key}=data.{key}," for key in fields],
        "    )",
    ]
    return "\n".join(lines) + "\n", imports


def write_earlier(path: Path, event_type: EventType) -> None:
    source, imports = earlier_source(event_type)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not text:
        module = DOMAIN_MODULE.rsplit(".", 1)[1]
        text = EARLIER_HEADER.format(package=PACKAGE, module=module)
    if re.search(rf"^class {event_type.name}V{event_type.version}\b", text, re.MULTILINE):
        raise Refused(f"{path.name} already holds {event_type.name}V{event_type.version}")
    # New imports go first; `ruff check --fix` sorts and merges them into the block (new_version()).
    added = "".join(f"{line}\n" for line in imports.lines() if line not in text)
    future = "from __future__ import annotations\n"
    text = text.replace(future, future + added, 1)
    path.write_text(text.rstrip("\n") + "\n" + source, encoding="utf-8")


def registry_with_version(text: str, event_type: EventType) -> str:
    """registry.py's text with the event at version N+1 and version N registered after it."""
    name, version = event_type.name, event_type.version
    entry = _entry(text, name)
    if entry is None:
        raise Refused(f"no `EventType(domain.{name}, ...)` entry found in events/registry.py to move on")
    end, version_node = entry
    lines = text.splitlines(keepends=True)
    line = lines[version_node.lineno - 1]
    column = version_node.col_offset
    after = line[version_node.end_col_offset :]
    lines[version_node.lineno - 1] = line[:column] + str(version + 1) + after
    example = registry.to_data(event_type.example)
    frozen = f"earlier.{name}V{version}"
    added = [
        f"    # Version {version}, published beside version {version + 1} while consumers move (ADR 16).\n",
        "    EventType(\n",
        f"        {frozen},\n",
        f"        version={version},\n",
        "        visibility=Visibility.PUBLIC,\n",
        f"        example={frozen}.model_validate({example!r}),\n",
        f'        earlier_of="{name}",\n',
        f"        downcast=earlier.{snake(name)}_to_v{version},\n",
        f"        upcast=earlier.{snake(name)}_from_v{version},\n",
        "    ),\n",
    ]
    lines[end:end] = added
    updated = "".join(lines)
    import_line = f"from {PACKAGE}.events import earlier\n"
    if import_line not in updated:
        anchor = f"from {PACKAGE}.domain import "
        position = updated.index(anchor)
        line_end = updated.index("\n", position) + 1
        updated = updated[:line_end] + import_line + updated[line_end:]
    return updated


def _event_types(text: str) -> list[ast.Call]:
    """Every ``EventType(...)`` call in registry.py's source."""
    return [
        node
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "EventType"
    ]


def _entry(text: str, name: str) -> tuple[int, ast.expr] | None:
    """Where the event's EventType(...) call ends (a line index), and its ``version`` value."""
    for node in _event_types(text):
        model = node.args[0] if node.args else None
        if not (isinstance(model, ast.Attribute) and model.attr == name):
            continue
        version = next((k.value for k in node.keywords if k.arg == "version"), None)
        if version is None or node.end_lineno is None:
            return None
        # The entry ends with its call and the comma after it, on the same line.
        return node.end_lineno, version
    return None


def new_version(name: str, source: Path = SOURCE) -> list[Path]:
    """Scaffold version N+1 of public event ``name``; the files written."""
    event_type = current_entry(name)
    registry_file = source / "events" / "registry.py"
    earlier_file = source / "events" / "earlier.py"
    updated = registry_with_version(registry_file.read_text(encoding="utf-8"), event_type)
    before = {
        path: path.read_text(encoding="utf-8") if path.exists() else None
        for path in (earlier_file, registry_file)
    }
    try:
        write_earlier(earlier_file, event_type)
        registry_file.write_text(updated, encoding="utf-8")
        written = [earlier_file, registry_file]
        tidy(written)
    except (subprocess.CalledProcessError, Refused) as failure:
        # Nothing half-written: the files go back to what they were, and the refusal says why.
        for path, text in before.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        if isinstance(failure, Refused):
            raise
        problem = (failure.stdout or failure.stderr or "").strip()
        raise Refused(
            f"the earlier model as written does not pass ruff ({problem}); write it by hand"
        ) from failure
    return written


def tidy(paths: list[Path]) -> None:
    """The files are the squad's now: imports sorted and formatted as ruff does the rest of the code."""
    files = [str(path) for path in paths]
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["check", "--fix", "--quiet", "--select", "I,F401"], ["format", "--quiet"]):
        subprocess.run([*ruff, *command, *files], check=True, capture_output=True, text=True)  # noqa: S603


def next_steps(name: str, version: int) -> str:
    event = snake(name)
    return "\n".join(
        [
            f"{name}: version {version + 1} is current, version {version} is published beside it.",
            "Next:",
            f"  1. make the breaking change to {name} in domain/ (the model of version {version + 1});",
            f"  2. adjust {event}_to_v{version} and {event}_from_v{version} in events/earlier.py;",
            "  3. make docs && make release-contracts   (adds the new version to the baseline);",
            f"  4. tell {name}'s consumers; each moves to v{version + 1} when ready{% if cookiecutter.consumer %} (ours: SUBSCRIBED){% endif %};",
            "  5. make verify, commit, open the pull request.",
            f"Once no consumer reads v{version}: make retire-version EVENT={name} VERSION={version}",
        ]
    )


# ---------------------------------------------------------------- retiring an earlier version


def readers(name: str, version: int) -> list[str]:
    """Who is known to read this version: {% if cookiecutter.consumer %}this component's consumer, {% endif %}the pacts in pacts/ and in the
    places PACT_SOURCES names (a Pact Broker is not asked: `make verify-pacts` fails for a consumer
    there that still reads a retired version)."""
    found: list[str] = []
{%- if cookiecutter.consumer %}
    # Imported here: the handler brings boto3 and Powertools (about half a second), which the commands
    # that never ask who reads a version (new-version, check and release without retired versions) skip.
    from {{ cookiecutter.package_name }}.handlers import consumer

    if registry.SOURCE in consumer.SOURCES and consumer.SUBSCRIBED.get(name) == version:
        found.append("this component's own consumer (SUBSCRIBED in handlers/consumer.py)")
{%- endif %}
    wanted = re.compile(rf"\b{re.escape(name)} v{version}\b")
    from contracts.pact_sources import known_pacts

    for pact, where in known_pacts():
        # Pact V3 files list "messages", V4 files "interactions"; both describe each one.
        interactions = pact.get("messages", []) + pact.get("interactions", [])
        described = [interaction.get("description", "") for interaction in interactions]
        if any(wanted.search(text) for text in described):
            found.append(f"{pact.get('consumer', {}).get('name', 'a consumer')} ({where})")
    return found


def retired_problems() -> list[str]:
    """Each retired version (docs/events/retired/) that is still published or still has readers."""
    problems = []
    for path in sorted(RETIRED.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        name, version = schema["title"], schema["x-version"]
        if any((t.name, t.version) == (name, version) for t in registry.PUBLISHED):
            problems.append(
                f"{name} v{version} is in docs/events/retired/ but still published: retire it with "
                f"`make retire-version EVENT={name} VERSION={version}`, or move the file back to baseline/"
            )
        still = readers(name, version)
        if still:
            problems.append(
                f"{name} v{version} is retired while {', '.join(still)} still read(s) it: each must move to"
                " the current version first; until then, undo the retirement (revert its commit, or move the"
                " file back to docs/events/baseline/ and give the version its downcast again)"
            )
    return problems


def retire(name: str, version: int, source: Path = SOURCE) -> list[Path]:
    """Stop publishing earlier version ``version`` of ``name``; the files changed."""
    event_type = next((t for t in registry.EVENT_TYPES if (t.name, t.version) == (name, version)), None)
    if event_type is None or event_type.current:
        earlier = ", ".join(f"{t.name} v{t.version}" for t in registry.PUBLISHED if not t.current) or "none"
        what = "the current version" if event_type is not None else "not registered"
        raise Refused(
            f"{name} v{version} is {what}: only an earlier version is retired (earlier ones: {earlier})",
        )
    if event_type.retired:
        raise Refused(f"{name} v{version} is retired already")
    still = readers(name, version)
    if still:
        raise Refused(
            f"{name} v{version} is still read by {', '.join(still)}: each must move to the current "
            "version (and its pact with it) before this one is retired"
        )
    registry_file = source / "events" / "registry.py"
    text = registry_file.read_text(encoding="utf-8")
    registry_file.write_text(without_downcast(text, name, version), encoding="utf-8")
    released = schemas.BASELINE / schemas.file_name(name, version)
    moved = RETIRED / released.name
    changed = [registry_file]
    if released.exists():
        RETIRED.mkdir(parents=True, exist_ok=True)
        released.replace(moved)
        changed += [released, moved]
    tidy([registry_file])
    return changed


def without_downcast(text: str, name: str, version: int) -> str:
    """registry.py with the ``downcast=`` line of the earlier version's entry replaced by a note."""
    for node in _event_types(text):
        keywords = {k.arg: k for k in node.keywords}
        earlier_of, number = keywords.get("earlier_of"), keywords.get("version")
        if not (
            earlier_of is not None
            and isinstance(earlier_of.value, ast.Constant)
            and earlier_of.value.value == name
            and number is not None
            and isinstance(number.value, ast.Constant)
            and number.value.value == version
            and "downcast" in keywords
        ):
            continue
        downcast = keywords["downcast"]
        lines = text.splitlines(keepends=True)
        first, last = downcast.lineno - 1, (downcast.end_lineno or downcast.lineno)
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        note = f"{indent}# Retired: no longer published; kept so that history recorded in it can be read.\n"
        lines[first:last] = [note]
        return "".join(lines)
    raise Refused(
        f"no published entry of {name} v{version} (earlier_of=..., downcast=...) found in events/registry.py",
    )
