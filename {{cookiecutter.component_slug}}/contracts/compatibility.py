"""The contract gate: would today's schema of a public event break a consumer of its baseline?

A consumer written against the baseline must still accept every event the producer now sends. So,
for each field of the baseline, the current schema must keep it (no removal or rename), keep its type,
keep it required if it was, accept no fewer values (no narrowed enum, no tightened length, range,
pattern or format), and add no new required field. Adding an optional field is compatible. A change
that breaks any rule is made as a new version of the event, registered beside the old one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Keywords whose larger value accepts fewer instances, and those whose smaller value does.
LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems")
UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")
# Keywords that accept fewer instances whenever they appear or change at all.
EXACT = ("pattern", "format", "const", "multipleOf")


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


def breaks(baseline: Mapping[str, str], current: Mapping[str, str]) -> list[Break]:
    """Every incompatibility between baseline schema files and today's (both: file name -> JSON)."""
    found: list[Break] = []
    for file_name, old_text in sorted(baseline.items()):
        old = json.loads(old_text)
        name, version = old["title"], old["x-version"]
        if file_name not in current:
            found.append(Break(name, version, "", "the published event version was removed"))
            continue
        found += compare(name, version, old, json.loads(current[file_name]))
    return found


def compare(name: str, version: int, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Break]:
    found: list[Break] = []
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for field, old_spec in old.get("properties", {}).items():
        new_spec = new.get("properties", {}).get(field)
        if new_spec is None:
            found.append(Break(name, version, field, "removed or renamed"))
            continue
        if field in old_required and field not in new_required:
            found.append(Break(name, version, field, "no longer required: consumers rely on it being there"))
        found += [Break(name, version, field, problem) for problem in narrowed(old_spec, new_spec)]
    for field in sorted(new_required - old_required):
        found.append(Break(name, version, field, "new required field"))
    return found


def narrowed(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """How ``new`` accepts fewer values than ``old`` (empty when it accepts at least as many)."""
    problems: list[str] = []
    if old.get("type") != new.get("type"):
        problems.append(f"type changed from {old.get('type')} to {new.get('type')}")
        return problems
    if "enum" in new:
        missing = [value for value in old.get("enum", []) if value not in new["enum"]]
        if "enum" not in old or missing:
            problems.append(f"enum narrowed: {missing or 'values now limited'} no longer allowed")
    for keyword in LOWER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
            problems.append(f"{keyword} tightened from {old.get(keyword, 'none')} to {new[keyword]}")
    for keyword in UPPER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
            problems.append(f"{keyword} tightened from {old.get(keyword, 'none')} to {new[keyword]}")
    for keyword in EXACT:
        if keyword in new and new[keyword] != old.get(keyword):
            problems.append(f"{keyword} changed from {old.get(keyword, 'none')!r} to {new[keyword]!r}")
    return problems


def report(found: list[Break]) -> str:
    if not found:
        return "contracts: every public event is compatible with its baseline"
    lines = [f"contracts: {len(found)} change(s) would break consumers of published events:"]
    lines += [f"  - {problem}" for problem in found]
    lines += [
        "A breaking change is made as a new version beside the old one: register the new model with",
        "version N+1 in events/registry.py, keep publishing the old version while consumers need it, then",
        "run `make release-contracts` to add the new version to the baseline.",
    ]
    return "\n".join(lines)
