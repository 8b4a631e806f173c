"""Perform a Markdown guide's steps on a component: its shell blocks run, its code blocks applied.

The component's docs/onboarding.md is written for people, with a comment before each code block that
says where the code goes; the comments do not show when the page is read. This module reads them, so
the template's tests perform the guide as written and a stale step fails the suite:

    <!-- guide: replace "ANCHOR" in PATH -->  the one line of PATH holding ANCHOR becomes the block
    <!-- guide: after "ANCHOR" in PATH -->    the block goes after the one line holding ANCHOR
    <!-- guide: write PATH -->                the block is the whole of PATH
    <!-- guide: not run by the template's test (WHY) -->   a shell block shown, not run

ANCHOR is a JSON string. A block is written at the anchor line's indentation. A `sh` block with no
comment is run, one command per line, in the component's folder. Any other block without a comment is
an error: the test could not keep it true.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DIRECTIVE = re.compile(r"<!-- guide: (?P<body>.*?) -->")
EDIT = re.compile(r'(?P<kind>replace|after) (?P<anchor>"(?:[^"\\]|\\.)*") in (?P<path>\S+)')
WRITE = re.compile(r"write (?P<path>\S+)")
NOT_RUN = re.compile(r"not run by the template's test \((?P<why>.+)\)")
FENCE = "```"


@dataclass(frozen=True)
class Step:
    """One code block of the guide and what to do with it; ``line`` is where it starts in the guide."""

    kind: Literal["run", "shown", "replace", "after", "write"]
    text: str
    line: int
    path: str = ""
    anchor: str = ""


class GuideError(AssertionError):
    """The guide cannot be performed as written; the message names its line."""


def steps(markdown: str) -> list[Step]:
    found: list[Step] = []
    directive: tuple[str, int] | None = None
    lines = markdown.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if (match := DIRECTIVE.fullmatch(line.strip())) is not None:
            directive = (match["body"], number)
            continue
        if not line.startswith(FENCE):
            continue
        language, start = line[len(FENCE) :].strip(), number
        body = []
        while number < len(lines) and not lines[number].startswith(FENCE):
            body.append(lines[number])
            number += 1
        if number == len(lines):
            raise GuideError(f"line {start}: the code block is never closed")
        number += 1
        found.append(_step(language, "\n".join(body), start, directive))
        directive = None
    return found


def _step(language: str, text: str, line: int, directive: tuple[str, int] | None) -> Step:
    if directive is None:
        if language != "sh":
            raise GuideError(
                f"line {line}: a {language or 'plain'} block with no `<!-- guide: ... -->` comment before it "
                "(say where it goes: replace, after or write)"
            )
        return Step("run", text, line)
    body, at = directive
    if (match := NOT_RUN.fullmatch(body)) is not None:
        return Step("shown", text, line)
    if (match := EDIT.fullmatch(body)) is not None:
        kind: Literal["replace", "after"] = "replace" if match["kind"] == "replace" else "after"
        return Step(kind, text, line, match["path"], json.loads(match["anchor"]))
    if (match := WRITE.fullmatch(body)) is not None:
        return Step("write", text, line, match["path"])
    raise GuideError(
        f'line {at}: unknown guide comment {body!r}; use replace "ANCHOR" in PATH, after "ANCHOR" '
        "in PATH, write PATH or not run by the template's test (WHY)"
    )


def apply(step: Step, component: Path) -> None:
    """Make a replace, after or write step's change to the component's file."""
    path = component / step.path
    if step.kind == "write":
        path.write_text(step.text + "\n", encoding="utf-8")
        return
    if not path.is_file():
        raise GuideError(f"guide line {step.line}: {step.path} does not exist")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    holding = [index for index, line in enumerate(lines) if step.anchor in line]
    if len(holding) != 1:
        raise GuideError(
            f"guide line {step.line}: {step.anchor!r} is on {len(holding)} lines of {step.path}, not one"
        )
    (index,) = holding
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    block = [f"{indent}{line}\n" if line.strip() else "\n" for line in step.text.splitlines()]
    if step.kind == "replace":
        lines[index : index + 1] = block
    else:
        lines[index + 1 : index + 1] = block
    path.write_text("".join(lines), encoding="utf-8")


def perform(
    markdown: str, component: Path, env: dict[str, str], timeout: int = 1800
) -> list[tuple[str, str]]:
    """Every step, in order; returns each command run with what it printed (its output, then its
    errors). Fails on the first that fails."""
    ran = []
    for step in steps(markdown):
        if step.kind == "shown":
            continue
        if step.kind != "run":
            apply(step, component)
            continue
        for command in step.text.splitlines():
            if not command.strip() or command.lstrip().startswith("#"):
                continue
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=component,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            if done.returncode != 0:
                raise GuideError(
                    f"guide line {step.line}: `{command}` failed ({done.returncode}):\n"
                    f"{done.stdout[-5000:]}\n{done.stderr[-5000:]}"
                )
            ran.append((command, done.stdout + done.stderr))
    return ran
