"""The project's shell, run with pipefail, never pipes into a reader that stops before its input ends."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.rendering import ROOT

# A reader that stops at its first match or line (`grep -q`, `grep -m`, `head`) leaves the writer
# before it to die of SIGPIPE if it writes again; under pipefail that death is the pipe's status. It
# happens only when the reader wins the race, so a suite sees it now and then: bootstrap.sh once
# refused the question `component_name` this way (bash's printf writes a line at a time to a pipe).
EARLY_STOPPING_READER = re.compile(
    r"(?<![|])[|](?![|])\s*(?:grep\b[^|\n;]*?\s(?:-[a-zA-Z]*[qm][a-zA-Z0-9]*|--quiet|--silent|--max-count)\b|head\b)"
)

# The files whose shell may run with pipefail: the Makefiles, the GitHub workflows and actions (GitHub
# runs `bash -eo pipefail`), and every script, by its name or its first line.
SHELL_BY_NAME = re.compile(r"(^|/)(Makefile|[^/]+\.sh|\.github/.+\.ya?ml)$")
SHELL_BY_FIRST_LINE = re.compile(r"^#!.*\b(ba)?sh\b")


def shell_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [
        path
        for path in listed.stdout.splitlines()
        if SHELL_BY_NAME.search(path)
        or ((ROOT / path).is_file() and SHELL_BY_FIRST_LINE.match(first_line(ROOT / path)))
    ]


def first_line(path: Path) -> str:
    with path.open("rb") as file:
        return file.readline(200).decode("utf-8", "replace")


def early_stopping_pipes(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if EARLY_STOPPING_READER.search(line)]


def test_no_pipe_under_pipefail_ends_in_a_reader_that_stops_early() -> None:
    files = shell_files()
    assert {
        "bootstrap.sh",
        ".ci/run",
        "Makefile",
        "{{cookiecutter.component_slug}}/Makefile",
        "{{cookiecutter.component_slug}}/scripts/uv",
    } <= set(files)
    assert any(path.startswith("{{cookiecutter.component_slug}}/.github/workflows/") for path in files)
    found = {path: pipes for path in files if (pipes := early_stopping_pipes((ROOT / path).read_text()))}
    assert found == {}, (
        "compare in the shell (a `while read` loop or `[[ ]]`), or let the reader read to the end"
    )


def test_the_rule_finds_the_pipes_that_stop_early_and_only_those() -> None:
    # The line bootstrap.sh had, and the other spellings of the same race.
    stopping = [
        """if printf '%s\\n' "$known" | grep -qxF -- "$name"; then""",
        "git status --porcelain | grep --quiet .",
        "node --version | head -1",
        "ls | grep -m1 x",
    ]
    # Readers that read to the end, and `||`, which is no pipe.
    reading_on = [
        """questions=$(printf '%s\\n' "$known" | paste -sd ' ' - | sed 's/ /, /g')""",
        "git --version 2>/dev/null | awk '{print $$3}'",
        "grep -q x file || exit 1",
        "node --version 2>/dev/null | sed -n 's/^v26[.].*/26/p'",
        "ls | grep -v mypy",
    ]
    assert [line for line in stopping if not early_stopping_pipes(line)] == []
    assert [line for line in reading_on if early_stopping_pipes(line)] == []
