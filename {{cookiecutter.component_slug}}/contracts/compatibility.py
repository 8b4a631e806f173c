"""The contract gate: would today's schema of a public event break a consumer of its baseline?

It compares two JSON Schemas as pydantic writes them: objects with required and optional fields,
``anyOf``/``oneOf`` (optional and union fields), ``$ref`` into ``$defs`` (nested models, enums),
arrays, maps (``additionalProperties``), formats and constraints. Each rule and why it holds is in
ADR 0015 (docs/architecture/decisions/0015-event-compatibility-rules.md); in short, for an event the
component publishes (``Direction.SENT``, what the gate checks):

* presence is a promise: a field removed or renamed, a required field made optional (one that only
  gained a default is still in every event, so that is not), and a field newly required (events
  published before lack it, and they are replayed and redriven) each break it;
* ranges may narrow, never widen: a new event must be one the baseline's consumers could read, so a
  changed type, a value that may now be null, a raised ``maxLength``, a lowered ``minimum``, a removed
  ``pattern`` or ``format``, or fields allowed where the baseline forbade them break it, and the
  reverse (a tighter constraint) does not;
* an enum is a vocabulary: consumers treat a value they do not know as "other" (ADR 0015), so a value
  added is compatible, while a value removed ends a case consumers act on and is breaking.

For data the component *accepts* (``Direction.ACCEPTED``: a command body, an event as its consumer
reads it, or its own recorded history as today's model reads it), ranges turn around: the new schema
must accept everything the old one did, so a tighter constraint breaks senders and a looser one does
not. Presence and enums keep their rules.

``contracts check`` holds a public version both ways: what it sends (``breaks``, against the baseline
and against the target branch, ``since``) and what it reads of the events recorded under it
(``unreadable``). So a released version's ranges neither widen nor narrow; it gains optional fields and
enum values, and anything else is a new version.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Keywords bounding a size from below and from above; the numeric bounds are handled apart, because
# ``exclusiveMinimum: 0`` and ``minimum: 1`` are the same bound for an integer.
SIZE_LOWER = ("minLength", "minItems", "minProperties")
SIZE_UPPER = ("maxLength", "maxItems", "maxProperties")
# Keywords that only restrict when present; a change of value cannot be proven narrower.
RESTRICTING = ("pattern", "format")
# JSON types pydantic writes; an integer is a number, never the other way round.
JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
# Deeper than any model a squad writes: only a self-referencing model gets here, and it is cut short.
MAX_DEPTH = 32


class Direction(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class Break:
    event: str
    version: int
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.event} v{self.version}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.problem}"


def breaks(
    baseline: Mapping[str, str],
    current: Mapping[str, str],
    direction: Direction = Direction.SENT,
) -> list[Break]:
    """Every incompatibility between baseline schema files and today's (both: file name -> JSON)."""
    found: list[Break] = []
    for file_name, old_text in sorted(baseline.items()):
        old = json.loads(old_text)
        name, version = old["title"], old["x-version"]
        if file_name not in current:
            found.append(Break(name, version, "", removal(name, version, current)))
            continue
        found += compare(name, version, old, json.loads(current[file_name]), direction)
    return found


def since(
    merged: Mapping[str, str],
    current: Mapping[str, str],
    registered: Mapping[str, str],
) -> list[Break]:
    """What today's public versions break of the same versions on the target branch (``merged``).

    A version merged there reached consumers, released or not, so it is held like a released one. One
    no longer published here is a break unless it is retired (still registered, not published, as
    ``make retire-version`` leaves it), which that command allows only once no known consumer reads it.
    """
    found: list[Break] = []
    for file_name, old_text in sorted(merged.items()):
        old = json.loads(old_text)
        if old.get("x-visibility") != "public":
            continue
        name, version = old["title"], old["x-version"]
        if file_name in current:
            found += compare(name, version, old, json.loads(current[file_name]))
        elif file_name not in registered:
            found.append(Break(name, version, "", removal(name, version, registered)))
        elif json.loads(registered[file_name]).get("x-visibility") != "public":
            made_private = (
                "made private, so its consumers get no more of it: keep it public while any consumer reads it"
                " (its pacts, the Pact Broker); to replace it, publish a new version beside it"
            )
            found.append(Break(name, version, "", made_private))
    return found


def unreadable(recorded: Mapping[str, str], readers: Mapping[str, str]) -> list[Break]:
    """Versions whose recorded events today's code cannot read all of (both: file name -> JSON).

    ``recorded``: the schemas events were written under (the target branch's); ``readers``: today's,
    as written the same way (serialization), so a serializer's type is compared with itself. Stored
    history is read again by ``service.rebuild`` and ``make replay``, and a late or redriven message by
    the consumer, so a version must still accept everything it once wrote: no tighter bound, no new
    required field, no field gone (the models forbid unknown fields).
    """
    found: list[Break] = []
    for file_name, old_text in sorted(recorded.items()):
        old = json.loads(old_text)
        name, version = old["title"], old["x-version"]
        if file_name not in readers:
            gone = (
                "no longer registered, so the events recorded in it cannot be read: keep its entry (a"
                f" retired version stays registered: make retire-version EVENT={name} VERSION={version})"
            )
            found.append(Break(name, version, "", gone))
            continue
        found += compare(name, version, old, json.loads(readers[file_name]), Direction.ACCEPTED)
    return found


def removal(name: str, version: int, current: Mapping[str, str]) -> str:
    """Why a published version gone from ``current`` (file name -> JSON) breaks, and what to do."""
    if any(file_name.startswith(f"{name}.v") for file_name in current):
        return (
            "the published event version was removed; to stop publishing it once no consumer reads it: "
            f"make retire-version EVENT={name} VERSION={version}"
        )
    return (
        "the public event was removed, and its consumers subscribe to it: restore it. A public event stays"
        " published while anyone may read it; what replaces it is published beside it (ADR 16)"
    )


def compare(
    name: str,
    version: int,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    direction: Direction = Direction.SENT,
) -> list[Break]:
    differences = _Comparison(old, new, direction).schema("", old, new, depth=0)
    return [Break(name, version, where, problem) for where, problem in differences]


@dataclass
class _Comparison:
    """One comparison of two root schemas: ``$ref`` resolves against the root it was written in."""

    old_root: Mapping[str, Any]
    new_root: Mapping[str, Any]
    direction: Direction
    _seen: set[tuple[str, str]] = field(default_factory=set)

    @property
    def sent(self) -> bool:
        return self.direction is Direction.SENT

    def schema(self, at: str, old: Any, new: Any, depth: int) -> list[tuple[str, str]]:
        refs = (str(_ref(old)), str(_ref(new)))
        if depth > MAX_DEPTH or (refs != ("None", "None") and refs in self._seen):
            return []  # A model that contains itself: its fields were compared on the way in.
        self._seen.add(refs)
        try:
            old, new = _resolve(self.old_root, old), _resolve(self.new_root, new)
            old_branches, new_branches = _branches(self.old_root, old), _branches(self.new_root, new)
            if len(old_branches) == 1 and len(new_branches) == 1:
                return self.single(at, old_branches[0], new_branches[0], depth)
            return self.union(at, old_branches, new_branches, depth)
        finally:
            self._seen.discard(refs)

    def union(
        self, at: str, old: list[dict[str, Any]], new: list[dict[str, Any]], depth: int
    ) -> list[tuple[str, str]]:
        """Each kind of value the narrower side allows must be allowed, compatibly, by the other side."""
        # Sent: every alternative of the new schema must be one the old allowed; accepted: the reverse.
        narrow, wide = (new, old) if self.sent else (old, new)
        problems: list[tuple[str, str]] = []
        for branch in narrow:
            matches = [
                self.single(at, *((other, branch) if self.sent else (branch, other)), depth)
                for other in wide
                if _covers(other, branch)
            ]
            if matches:
                problems += _fewest(matches)
                continue
            kinds = " or ".join(_kind(b) for b in wide)
            if self.sent:
                problems.append((at, f"may now be {_kind(branch)}; it allowed {kinds}"))
            else:
                problems.append((at, f"no longer accepts {_kind(branch)}; it accepts {kinds}"))
        return problems

    def single(self, at: str, old: dict[str, Any], new: dict[str, Any], depth: int) -> list[tuple[str, str]]:
        old_kind, new_kind = _kind(old), _kind(new)
        narrow, wide = (new, old) if self.sent else (old, new)
        if old_kind != new_kind and not _covers(wide, narrow):
            return [(at, f"type changed from {old_kind} to {new_kind}")]
        problems = [(at, problem) for problem in self.values(old, new)]
        problems += [(at, problem) for problem in self.bounds(old, new)]
        if new_kind == "object" or old_kind == "object":
            problems += self.members(at, old, new, depth)
        if new_kind == "array" or old_kind == "array":
            problems += self.schema(f"{at}[]", old.get("items", {}), new.get("items", {}), depth + 1)
        return problems

    def values(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        """The enum rule: a vocabulary keeps every value it had; whoever reads it tolerates new ones."""
        old_values, new_values = _enum(old), _enum(new)
        if old_values is None and new_values is None:
            return []
        if old_values is None:
            # Before: any value of the type. Sent, that is a narrowing; accepted, senders may be cut off.
            return [] if self.sent else [f"now limited to {_listed(new_values or [])}"]
        if new_values is None:
            return [f"no longer limited to {_listed(old_values)}: consumers cannot know what may come"]
        removed = [value for value in old_values if value not in new_values]
        return [f"enum value(s) {_listed(removed)} removed"] if removed else []

    def bounds(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        """Constraints: sent data may narrow and not widen; accepted data the reverse."""
        problems = []
        for keyword in (*SIZE_LOWER, *SIZE_UPPER):
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            lower = keyword in SIZE_LOWER
            tighter = before is None or (after is not None and (after > before if lower else after < before))
            problems += self.limit(keyword, _shown(before), _shown(after), tighter)
        problems += self.numeric(old, new, lower=True)
        problems += self.numeric(old, new, lower=False)
        for keyword in RESTRICTING:
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if before is not None and after is not None:
                problems.append(f"{keyword} changed from {before!r} to {after!r}")
            else:
                problems += self.limit(keyword, _quoted(before), _quoted(after), tighter=before is None)
        before, after = old.get("multipleOf"), new.get("multipleOf")
        if before != after:
            divides = before is not None and after is not None and after % before == 0
            tighter = before is None or divides
            problems += self.limit("multipleOf", _shown(before), _shown(after), tighter)
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            added = bool(new.get("uniqueItems"))
            problems += self.limit("uniqueItems", None if added else "true", "true" if added else None, added)
        return problems

    def numeric(self, old: dict[str, Any], new: dict[str, Any], *, lower: bool) -> list[str]:
        before, after = _bound(old, lower=lower), _bound(new, lower=lower)
        if before == after:
            return []
        if before is None or after is None:
            tighter = before is None
        else:
            (old_value, old_open), (new_value, new_open) = before, after
            raised = new_value > old_value or (new_value == old_value and new_open and not old_open)
            tighter = raised if lower else not raised
        name = "minimum" if lower else "maximum"
        return self.limit(name, _shown_bound(before), _shown_bound(after), tighter)

    def limit(self, keyword: str, before: str | None, after: str | None, tighter: bool) -> list[str]:
        """The problem of a changed constraint (shown as text), if the direction makes it one."""
        if tighter == self.sent:
            return []  # Sent data narrowed, or accepted data widened: nobody is cut off.
        if before is None:
            return [f"{keyword} {after} added: values outside it are refused"]
        if after is None:
            return [f"{keyword} {before} removed: consumers may now get values outside it"]
        if tighter:
            return [f"{keyword} tightened from {before} to {after}: values outside it are refused"]
        return [f"{keyword} loosened from {before} to {after}: consumers may now get values outside it"]

    def members(self, at: str, old: dict[str, Any], new: dict[str, Any], depth: int) -> list[tuple[str, str]]:
        """An object's fields: presence rules both ways, each kept field compared, other fields last."""
        problems: list[tuple[str, str]] = []
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name, old_spec in old_fields.items():
            where = f"{at}.{name}" if at else name
            if name not in new_fields:
                problems.append((where, "removed or renamed"))
                continue
            # A field with a default is in every event all the same (schemas.schema_of keeps the
            # default only on fields ``to_data`` always writes).
            always_sent = "default" in new_fields[name]
            if name in old_required and name not in new_required and self.sent and not always_sent:
                problems.append((where, "no longer required: consumers rely on it being there"))
            if name in new_required and name not in old_required:
                problems.append((where, "now required: events and senders that leave it out are refused"))
            problems += self.schema(where, old_spec, new_fields[name], depth + 1)
        for name in new_fields.keys() - old_fields.keys():
            where = f"{at}.{name}" if at else name
            if name in new_required:
                problems.append((where, "new required field"))
            elif self.sent and old.get("additionalProperties") is False:
                problems.append((where, "new field where no others were allowed"))
        problems += self.others(
            at, old.get("additionalProperties", True), new.get("additionalProperties", True), depth
        )
        return problems

    def others(self, at: str, old: Any, new: Any, depth: int) -> list[tuple[str, str]]:
        """``additionalProperties``: true (any other field), false (none) or the schema of map values."""
        if _openness(old) == _openness(new) == 1:
            return self.schema(at + "{}", old, new, depth + 1)
        if _openness(old) == _openness(new) or (_openness(new) < _openness(old)) == self.sent:
            return []
        if self.sent:
            return [(at, "now allows fields (or map values) the baseline did not; consumers may refuse them")]
        return [(at, "no longer accepts fields (or map values) it accepted")]


def _openness(additional: Any) -> int:
    """How much ``additionalProperties`` admits: false, then a schema of values, then anything."""
    if additional is False:
        return 0
    return 2 if additional is True or additional == {} else 1


def _fewest(candidates: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """The problems of the closest match, when a value could be read as any of several alternatives."""
    return min(candidates, key=len)


def _ref(schema: Any) -> str | None:
    return schema.get("$ref") if isinstance(schema, dict) else None


def _resolve(root: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """The schema with every ``$ref`` (and pydantic's one-item ``allOf`` wrapper) followed, siblings kept."""
    if not isinstance(schema, dict):
        return {} if schema is True or schema is None else {"not": {}}
    resolved = dict(schema)
    for _ in range(MAX_DEPTH):
        reference = resolved.pop("$ref", None)
        if reference is None and len(resolved.get("allOf", [])) == 1:
            reference = resolved.pop("allOf")[0].get("$ref")
        if reference is None:
            return resolved
        resolved = {**_pointer(root, reference), **resolved}
    return resolved


def _pointer(root: Mapping[str, Any], reference: str) -> dict[str, Any]:
    if not reference.startswith("#/"):
        raise ValueError(f"only references within the schema are supported, not {reference!r}")
    target: Any = root
    for part in reference[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, Mapping) or part not in target:
            raise ValueError(f"{reference!r} does not resolve: keep $defs in the schema (make docs)")
        target = target[part]
    return dict(target)


def _branches(root: Mapping[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a value may match: those of ``anyOf``/``oneOf``, or of a list of types."""
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            shared = {k: v for k, v in schema.items() if k not in (keyword, "discriminator")}
            found: list[dict[str, Any]] = []
            for branch in schema[keyword]:
                found += _branches(root, {**shared, **_resolve(root, branch)})
            return found
    if isinstance(schema.get("type"), list):
        return [{**schema, "type": kind} for kind in schema["type"]]
    return [schema]


def _kind(schema: dict[str, Any]) -> str:
    """The JSON type of the values a schema allows: from ``type``, else from its enum or const."""
    if isinstance(schema.get("type"), str):
        return str(schema["type"])
    values = _enum(schema)
    if values:
        kinds = {_json_type(value) for value in values}
        return kinds.pop() if len(kinds) == 1 else "any"
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "nothing" if schema == {"not": {}} else "any"


def _covers(wide: dict[str, Any], narrow: dict[str, Any]) -> bool:
    """Whether every value of ``narrow``'s type is of ``wide``'s (its constraints compared apart)."""
    wide_kind, narrow_kind = _kind(wide), _kind(narrow)
    if narrow_kind == "nothing" or wide_kind == "any":
        return True
    return wide_kind == narrow_kind or (wide_kind, narrow_kind) == ("number", "integer")


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "any"


def _bound(schema: dict[str, Any], *, lower: bool) -> tuple[float, bool] | None:
    """The numeric bound as (value, exclusive); an exclusive integer bound becomes the inclusive next one."""
    inclusive, exclusive = ("minimum", "exclusiveMinimum") if lower else ("maximum", "exclusiveMaximum")
    candidates: list[tuple[float, bool]] = []
    if isinstance(schema.get(inclusive), int | float):
        candidates.append((schema[inclusive], False))
    if isinstance(schema.get(exclusive), int | float):
        value = schema[exclusive]
        if schema.get("type") == "integer" and float(value).is_integer():
            candidates.append((value + 1 if lower else value - 1, False))
        else:
            candidates.append((value, True))
    if not candidates:
        return None

    def strictness(bound: tuple[float, bool]) -> tuple[float, bool]:
        return (bound[0], bound[1]) if lower else (-bound[0], bound[1])

    return max(candidates, key=strictness)


def _shown_bound(bound: tuple[float, bool] | None) -> str | None:
    if bound is None:
        return None
    value, exclusive = bound
    return f"{value} (exclusive)" if exclusive else f"{value}"


def _shown(value: Any) -> str | None:
    return None if value is None else str(value)


def _quoted(value: Any) -> str | None:
    return None if value is None else repr(value)


def _listed(values: list[Any]) -> str:
    return ", ".join(json.dumps(value) for value in values)


class CheckedFileError(ValueError):
    """docs/events/checked-history.json is not a list of entries as ``checked_entry`` writes them."""


def checked_entry(
    found: Break, why: str = "<what shows every recorded event reads: the check you ran>"
) -> dict[str, Any]:
    """The entry of docs/events/checked-history.json that records ``found`` as checked."""
    return {
        "event": found.event,
        "version": found.version,
        "field": found.field,
        "change": found.problem.split(":", 1)[0],
        "why": why,
    }


def checked(found: list[Break], entries: Any) -> tuple[list[Break], list[Break]]:
    """``found`` split into what no entry covers and what the squad checked against recorded events.

    A tighter bound breaks only the recorded events outside it; when every stage's history is known to
    meet it (checked in each stage's table, or the bound refuses values no real event has), the squad
    records that once, with why, and the gate reads history with the new bound from then on.
    """
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and {"event", "version", "field", "change", "why"} <= set(e) for e in entries
    ):
        raise CheckedFileError(
            "docs/events/checked-history.json must be a list of entries, each with event, version, field,"
            " change and why (the gate prints the entry to add)"
        )
    unexplained = [e for e in entries if not str(e["why"]).strip() or str(e["why"]).startswith("<")]
    if unexplained:
        raise CheckedFileError(
            f"an entry of docs/events/checked-history.json does not say why ({unexplained[0]}): write what"
            " shows every recorded event meets the change, the check you ran"
        )
    keys = {(e["event"], e["version"], e["field"], e["change"]) for e in entries}
    covered = [b for b in found if (b.event, b.version, b.field, b.problem.split(":", 1)[0]) in keys]
    return [b for b in found if b not in covered], covered


def unique(found: list[Break]) -> list[Break]:
    """Breaks found twice (against the baseline and the target branch) shown once, in order."""
    return list(dict.fromkeys(found))


def report(
    found: list[Break],
    current: Mapping[str, int] | None = None,
    unreleased: Collection[tuple[str, int]] = (),
) -> str:
    """What breaks, and what to do: per event, as the version it is in is today's or an earlier one.

    ``current``: each event's current version (an earlier version's model may share a type with it);
    ``unreleased``: versions in this branch's baseline that the target branch has not released yet.
    """
    if not found:
        return "contracts: every public event is compatible with its baseline"
    current = current or {}
    lines = [f"contracts: {len(found)} change(s) would break consumers of published events:"]
    lines += [f"  - {problem}" for problem in found]
    lines.append("What to do (README, section: Changing a public event):")
    for event, version in sorted({(b.event, b.version) for b in found}):
        if (event, version) in unreleased:
            lines.append(
                f"  {event} v{version} was released on this branch only: nobody reads it yet. Delete its file"
                " in docs/events/baseline/, make the change, and run `make release-contracts` again."
            )
        elif version < current.get(event, version):
            lines.append(
                f"  {event} v{version} is an earlier version, published beside v{current[event]} from its"
                " own model in events/earlier.py: make it send what it sent. A field the target branch added"
                f" to v{version} goes into that model and its two functions; a type it shares with"
                f" v{current[event]} (an enum, a nested model) is copied there as it was."
            )
        else:
            lines.append(
                f"  {event} v{version}: undo the change, or make it in a new version published beside this"
                f" one: `make new-version EVENT={event}`, then the change."
            )
    return "\n".join(lines)


def history_report(found: list[Break], *, public: bool) -> str:
    """What today's code can no longer read of recorded events, and what to do."""
    kind = "public" if public else "private"
    lines = [f"contracts: {len(found)} change(s) leave recorded {kind} events unreadable by today's code:"]
    lines += [f"  - {problem}" for problem in found]
    lines += [
        "Events already stored (service.rebuild, make replay) and messages still queued (late, redriven)",
        "are read with today's model: keep what they hold readable. Leave the bound as it was (a command",
        "that must tighten gets a type of its own), give a new field a default, keep a removed field as",
        "optional.",
    ]
    entries = json.dumps([checked_entry(b) for b in found], indent=2)
    lines += [
        "If every recorded event is known to meet the change (checked in each stage's table; say how), add",
        f"to docs/events/checked-history.json (a list), with why filled in:\n{entries}",
    ]
    if public:
        versions = " or ".join(
            f"`make new-version EVENT={event}`" for event in sorted({b.event for b in found})
        )
        lines.append(f"Or make the change in a new version ({versions}): the earlier one keeps its model.")
    else:
        lines.append(
            "A private event is the component's own: this is a warning; rebuilding its history fails."
        )
    return "\n".join(lines)
