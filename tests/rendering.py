"""Render the template with the real tools, the way a squad does, and compare what they produce.

Shared by the tests and the render benchmark. Each tool runs as its own command-line program from this
environment, so a test sees exactly what a user sees (exit code, messages, files).
"""

from __future__ import annotations

import atexit
import filecmp
import functools
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATE_DIR = ROOT / "{{cookiecutter.component_slug}}"

# Files each tool writes about itself; everything else must be byte-identical between the tools.
TOOL_FILES = frozenset({".copier-answers.yml", ".cruft.json", ".git"})

OPTIONS = ("command_api", "jwt_authoriser", "consumer", "fifo_buffering")

Answers = Mapping[str, object]


def supported(options: Mapping[str, bool]) -> bool:
    """FIFO buffering is a setting of the consumer's queue, so it needs the consumer; the JWT authoriser
    guards the command API, so it needs the API."""
    return not (options["fifo_buffering"] and not options["consumer"]) and not (
        options["jwt_authoriser"] and not options["command_api"]
    )


ALL_OPTION_SETS: list[dict[str, bool]] = [
    dict(zip(OPTIONS, values, strict=True))
    for values in itertools.product((True, False), repeat=len(OPTIONS))
]
SUPPORTED_OPTION_SETS = [options for options in ALL_OPTION_SETS if supported(options)]
UNSUPPORTED_OPTION_SETS = [options for options in ALL_OPTION_SETS if not supported(options)]

# The combinations that a slow test takes through the component's whole `make verify` (lint, types,
# every test, the synth gates, the local deploy and the end-to-end tests): the default answers in
# tests/test_quickstart.py; every option off, and every option on with the longest names, in
# tests/test_bootstrap.py; and the consumer without an API, the Pricing component of the two-squads test
# in tests/test_quickstart.py (`make lint test`, its local deploy joined to the producer's). So every
# option is checked in full on and off, and so is each combination of the options that change the same
# code (the consumer and FIFO buffering, the API and its JWT authoriser): the render matrix holds that
# (test_every_option_and_every_pair_that_changes_the_same_code_is_checked_in_full). Every combination
# gets the cheap checks. (tests/test_questions.py checks that DEFAULT_OPTIONS are the questions'
# defaults.)
DEFAULT_OPTIONS = {"command_api": True, "jwt_authoriser": False, "consumer": True, "fifo_buffering": False}
ALL_OFF_OPTIONS = {"command_api": False, "jwt_authoriser": False, "consumer": False, "fifo_buffering": False}
EVERY_OPTION_ON = dict.fromkeys(OPTIONS, True)
CONSUMER_ONLY_OPTIONS = {
    "command_api": False,
    "jwt_authoriser": False,
    "consumer": True,
    "fifo_buffering": False,
}
VERIFIED_IN_FULL = (DEFAULT_OPTIONS, ALL_OFF_OPTIONS, EVERY_OPTION_ON, CONSUMER_ONLY_OPTIONS)

# Every name at the longest the rules allow: generated code must stay formatted and linted even then.
# (tests/test_answers.py checks that each one is at its limit.)
LONGEST_NAMES: dict[str, object] = {
    "component_name": "Vehicle Pricing And Stock Level Estimate",
    "component_slug": "vehicle-pricing-stock-estimate",
    "package_name": "vehicle_pricing_stock_estimate",
    "owning_team": "an-organisation-name-of-39-characters-x/" + "t" * 100,
    "aggregate": "ElectricVehicleQuote",
    "event_source": "an-organisation-name-of-39-characters-x." + "e" * 40,
    "aws_region": "ap-southeast-1",
}


def option_id(options: Mapping[str, object]) -> str:
    return "-".join(f"{name}={'on' if options[name] else 'off'}" for name in OPTIONS if name in options)


def _as_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def path_without_uv() -> str:
    """This machine's PATH less every folder that holds a uv: a shell where uv was never installed."""
    return os.pathsep.join(
        directory
        for directory in os.environ.get("PATH", "").split(os.pathsep)
        if directory and not (Path(directory) / "uv").exists()
    )


def next_steps(output: str) -> list[str]:
    """The commands printed under "Next steps:", without their comments and placeholders (``<...>``)."""
    block = output.split("Next steps:", 1)[1].strip("\n").split("\n\n", 1)[0]
    commands = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
    return [command for command in commands if command and "<" not in command]


def follow(steps: list[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run printed commands as a user pastes them into a new shell: one bash, stopping at a failure."""
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(steps)],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def make_in(component: Path, env: dict[str, str], *arguments: str) -> str:
    """`make ARGUMENTS` in the component, as the squad runs it; its output, or a failure that shows it."""
    done = subprocess.run(
        ["make", *arguments],
        cwd=component,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, (
        f"make {' '.join(arguments)} in {component.name}:\n{done.stdout[-5000:]}\n{done.stderr[-5000:]}"
    )
    return done.stdout


def git_in_front(folder: Path, script: str) -> Path:
    """A folder whose git is ``script`` (bash), for PATH in front of the real one it may hand over to."""
    folder.mkdir()
    fake = folder / "git"
    fake.write_text(f"#!/bin/bash\nreal={shutil.which('git')}\n{script}", encoding="utf-8")
    fake.chmod(0o755)
    return folder


# A git before 2.28 (this machine has none): it names its version and refuses `init --initial-branch`.
GIT_2_25 = r"""case "$*" in
  --version) echo "git version 2.25.1" ;;
  *--initial-branch*) echo "error: unknown option \`initial-branch=main'" >&2; exit 129 ;;
  *) exec "$real" "$@" ;;
esac
"""


def tool_environment(tools: Path = BIN) -> dict[str, str]:
    """The tools' environment: their venv (this one by default) first on PATH, no user config, no prompts."""
    env = dict(os.environ)
    env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
    env.pop("COOKIECUTTER_CONFIG", None)
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


@functools.cache
def cookiecutter_config() -> Path:
    """A private cookiecutter config: clones and replay files go to a scratch folder, not the user's home."""
    scratch = Path(tempfile.mkdtemp(prefix="cookiecutter-home-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    config = scratch / "config.yml"
    config.write_text(
        f"cookiecutters_dir: {scratch / 'clones'}\nreplay_dir: {scratch / 'replay'}\n", encoding="utf-8"
    )
    return config


def run_cookiecutter(
    answers: Answers,
    output_dir: Path,
    template: str = str(ROOT),
    checkout: str | None = None,
    tools: Path = BIN,
) -> subprocess.CompletedProcess[str]:
    command = [
        str(tools / "cookiecutter"),
        "--config-file",
        str(cookiecutter_config()),
        "--no-input",
        template,
    ]
    command += ["--output-dir", str(output_dir)]
    command += ["--checkout", checkout] if checkout else []
    command += [f"{name}={_as_text(value)}" for name, value in answers.items()]
    return subprocess.run(command, capture_output=True, text=True, env=tool_environment(tools), check=False)


def run_copier(
    answers: Answers,
    destination: Path,
    template: str = str(ROOT),
    vcs_ref: str | None = "HEAD",
    tools: Path = BIN,
) -> subprocess.CompletedProcess[str]:
    # --vcs-ref HEAD: render the working tree (uncommitted changes included), not the last release tag.
    command = [str(tools / "copier"), "copy", "--trust", "--defaults"]
    command += ["--vcs-ref", vcs_ref] if vcs_ref else []
    for name, value in answers.items():
        command += ["--data", f"{name}={_as_text(value)}"]
    command += [template, str(destination)]
    return subprocess.run(command, capture_output=True, text=True, env=tool_environment(tools), check=False)


def render_cookiecutter(
    answers: Answers,
    output_dir: Path,
    template: str = str(ROOT),
    checkout: str | None = None,
    tools: Path = BIN,
) -> Path:
    """Render with cookiecutter into ``output_dir`` and return the component's directory."""
    result = run_cookiecutter(answers, output_dir, template, checkout, tools)
    if result.returncode != 0:
        raise AssertionError(f"cookiecutter failed:\n{result.stdout}\n{result.stderr}")
    (component,) = [path for path in output_dir.iterdir() if path.is_dir()]
    return component


def render_copier(
    answers: Answers,
    destination: Path,
    template: str = str(ROOT),
    vcs_ref: str | None = "HEAD",
    tools: Path = BIN,
) -> Path:
    result = run_copier(answers, destination, template, vcs_ref, tools)
    if result.returncode != 0:
        raise AssertionError(f"copier failed:\n{result.stdout}\n{result.stderr}")
    return destination


def tree(root: Path, ignore: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Every file and directory below ``root``, relative to it, without the tools' own files (and the
    top-level names in ``ignore``)."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] not in TOOL_FILES | ignore:
            yield relative


def tree_differences(left: Path, right: Path, ignore: frozenset[str] = frozenset()) -> list[str]:
    """What differs between two rendered trees: paths on one side only, content or mode."""
    left_paths, right_paths = set(tree(left, ignore)), set(tree(right, ignore))
    differences = [f"only in {left.name}: {path}" for path in sorted(left_paths - right_paths)]
    differences += [f"only in {right.name}: {path}" for path in sorted(right_paths - left_paths)]
    for path in sorted(left_paths & right_paths):
        a, b = left / path, right / path
        if a.is_file() and not filecmp.cmp(a, b, shallow=False):
            differences.append(f"content differs: {path}")
        elif a.stat().st_mode != b.stat().st_mode:
            differences.append(f"mode differs: {path}")
    return differences


def fresh_clone(destination: Path) -> Path:
    """``git clone`` of this repository, with the working tree's uncommitted changes committed on top.

    On CI the working tree is a clean clone and this is a plain clone of it; while the template is being
    changed, it is the clone those changes will make once committed.
    """
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(destination)], check=True)
    changed = subprocess.run(
        ["git", "ls-files", "--modified", "--others", "--deleted", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for relative in filter(None, changed):
        source, target = ROOT / relative, destination / relative
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        else:
            target.unlink(missing_ok=True)
    identity = ["-c", "user.name=template test", "-c", "user.email=template-test@localhost"]
    subprocess.run(["git", "add", "--all"], cwd=destination, check=True)
    if subprocess.run(["git", "diff", "--cached", "--quiet"], cwd=destination, check=False).returncode:
        subprocess.run(
            ["git", *identity, "commit", "--quiet", "--no-verify", "-m", "Uncommitted changes"],
            cwd=destination,
            check=True,
        )
    return destination
