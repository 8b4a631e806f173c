"""Checks of the component's supply-chain controls (its ADR 0023), shared by the tests.

tests/test_render_matrix.py runs them on every rendered combination; tests/test_workflows.py runs them
on the template's own workflow and shows that each one fails on what it is there to refuse.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

# `uses: owner/repo[/path]@<40 hex digits> # v1[.2[.3]]`: the commit of a release, the release named.
PINNED = re.compile(r"(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+(?:\.\d+){0,2})")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<value>.*?)\s*$", re.MULTILINE)


def _uses_values(document: Any) -> list[str]:
    """Every `uses` value of a parsed workflow or action, wherever it sits (job or step)."""
    if isinstance(document, dict):
        found = [str(document["uses"])] if "uses" in document else []
        return found + [value for item in document.values() for value in _uses_values(item)]
    if isinstance(document, list):
        return [value for item in document for value in _uses_values(item)]
    return []


def pin_problems(path: Path) -> list[str]:
    """Each `uses:` of a workflow or composite action that is neither a local action nor a SHA pin."""
    text = path.read_text(encoding="utf-8")
    lines = [match.group("value") for match in USES_LINE.finditer(text)]
    parsed = _uses_values(yaml.safe_load(text))
    # Every `uses` the YAML has is on a line of its own, where its comment can be read.
    problems = [f"{path.name}: a `uses:` written in another form" for _ in range(len(parsed) - len(lines))]
    for line in lines:
        if not (line.startswith("./") or PINNED.fullmatch(line)):
            problems.append(f"{path.name}: `uses: {line}` is not `owner/repo@<commit SHA> # v<version>`")
    return problems


def action_pins(path: Path) -> set[tuple[str, str, str]]:
    """(action, SHA, version) of each pinned action of a workflow or composite action."""
    text = path.read_text(encoding="utf-8")
    found = (PINNED.fullmatch(match.group("value")) for match in USES_LINE.finditer(text))
    return {(pin["action"], pin["sha"], pin["version"]) for pin in found if pin}


def recipe(makefile: str, target: str) -> list[str]:
    """The commands of a make target, continuation lines joined, comment lines left out."""
    lines = makefile.split(f"\n{target}:", 1)[1].splitlines()[1:]
    commands: list[str] = []
    continued = False
    for line in lines:
        if line.startswith("#"):
            continue
        if not line.startswith("\t"):
            break
        command = line[1:]
        if continued:
            commands[-1] += " " + command.strip()
        else:
            commands.append(command)
        continued = command.endswith("\\")
        if continued:
            commands[-1] = commands[-1][:-1].rstrip()
    return commands


# What turns a failing command into a passing one, in a make recipe or a shell line.
IGNORED_FAILURE = re.compile(r"\|\|\s*(?:true|:|exit 0)\b|;\s*(?:true|exit 0)\s*$|--ignore-vuln")


def audit_problems(checks: dict[str, Any], makefile: str) -> list[str]:
    """Why the component's checks would not fail on a known vulnerability in its locks ([] when they do).

    `checks` is the parsed checks.yml, `makefile` the component's Makefile.
    """
    problems = []
    steps = [
        (job_name, job, step)
        for job_name, job in checks["jobs"].items()
        for step in job.get("steps", [])
        if "make audit" in str(step.get("run", ""))
    ]
    if not steps:
        problems.append("no step of checks.yml runs `make audit`")
    for job_name, job, step in steps:
        if str(step["run"]).strip() != "make audit":
            problems.append(f"job {job_name}: the audit step runs more than `make audit`: {step['run']!r}")
        for part, where in ((job, f"job {job_name}"), (step, f"job {job_name}'s audit step")):
            if "continue-on-error" in part:
                problems.append(f"{where} has continue-on-error: a finding would not fail the checks")
            if "if" in part:
                problems.append(f"{where} has a condition (`if:`): it can be skipped")
    shell_flags = re.search(r"^\.SHELLFLAGS := (.*)$", makefile, re.MULTILINE)
    flags = shell_flags.group(1) if shell_flags else ""
    if not re.search(r"(?:^|\s)-[a-z]*e", flags) or "pipefail" not in flags:
        problems.append("the Makefile's .SHELLFLAGS lack -e and -o pipefail: a failed command would not stop")
    commands = recipe(makefile, "audit") if "\naudit:" in makefile else []
    if not commands:
        problems.append("the Makefile has no audit target")
    for command in commands:
        if command.startswith(("-", "@-", "-@")) or IGNORED_FAILURE.search(command):
            problems.append(f"make audit ignores a failure: {command!r}")
    joined = " ".join(commands)
    pip_audit = re.search(r"\bpip-audit\b[^;|]*", joined)
    if not pip_audit:
        problems.append("make audit does not run pip-audit")
    elif not {"--strict", "--disable-pip", "--requirement"} <= set(pip_audit.group(0).split()):
        problems.append(f"pip-audit without --strict, --disable-pip or --requirement: {pip_audit.group(0)!r}")
    if not re.search(r"\bexport --locked\b[^;|]*--all-groups", joined):
        problems.append(
            "make audit does not export every group of uv.lock (`uv export --locked --all-groups`)"
        )
    npm_audit = re.search(r"\bnpm audit\b[^;|]*", joined)
    if not npm_audit:
        problems.append("make audit does not run npm audit")
    elif "--audit-level=high" not in npm_audit.group(0).split():
        problems.append(f"npm audit without --audit-level=high: {npm_audit.group(0)!r}")
    return problems
