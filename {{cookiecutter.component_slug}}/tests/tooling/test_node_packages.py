"""The Node tools' packages (ADR 0023): none runs an install script on `npm ci`; without npm, the target
that installs them says what to install.

`package-lock.json` marks each package that has one (`hasInstallScript`); `.npmrc` turns them all off
(`ignore-scripts`, which npm 10 and 11 both honour). The tools work without them: the integration
tests run DynamoDB Local and `make synth` the CDK CLI from the `node_modules` this setting installs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from contracts.schemas import ROOT


def npm_settings() -> dict[str, str]:
    """The component's `.npmrc` as npm reads it: `key=value` lines, `#` and `;` start a comment."""
    path = ROOT / ".npmrc"
    assert path.is_file(), ".npmrc is missing: restore it from the template (`ignore-scripts=true`)"
    settings = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def packages_with_install_scripts() -> list[str]:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return sorted(
        f"{path.removeprefix('node_modules/')}@{entry.get('version')}"
        for path, entry in lock["packages"].items()
        if entry.get("hasInstallScript")
    )


def test_no_install_script_of_a_node_package_runs() -> None:
    with_scripts = packages_with_install_scripts()
    assert npm_settings().get("ignore-scripts") == "true", (
        f"npm ci would run the install scripts of {', '.join(with_scripts) or 'any package added later'}:"
        " put `ignore-scripts=true` back in .npmrc (ADR 0023). A tool that cannot work without its script"
        " gets it run by name in the Makefile's npm step (`npm rebuild <package> --ignore-scripts=false`),"
        " in a reviewed change."
    )


def engines_phrase() -> str:
    """package.json's `engines.node` as the README and the messages say it: `^20.19.0 || >=22.7.0` is
    "20.19+ or 22.7+"."""
    engines = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["engines"]["node"]
    minimums = [alternative.strip().lstrip("^>=~ ") for alternative in engines.split("||")]
    return " or ".join(".".join(minimum.split(".")[:2]) + "+" for minimum in minimums)


def test_npm_refuses_a_node_outside_the_engines_and_every_message_names_them() -> None:
    # Node 20 before 20.19 installed the tools, then failed the contract tests with a SyntaxError from
    # inside @backstage/catalog-model (ADR 0027): `npm ci` now stops first, naming the Node required.
    assert npm_settings().get("engine-strict") == "true", "put `engine-strict=true` back in .npmrc"
    phrase = f"Node.js {engines_phrase()}"
    for place in ("README.md", "Makefile", "contracts/documents.py"):
        assert phrase in (ROOT / place).read_text(encoding="utf-8"), f"{place} should say {phrase}"


def test_without_npm_the_node_tools_target_says_what_to_install(tmp_path: Path) -> None:
    make, bash = shutil.which("make"), shutil.which("bash")
    assert make is not None, "make is not on PATH"
    assert bash is not None, "bash is not on PATH"
    # A PATH with the Makefile's shell and no npm; -W: as if package-lock.json had changed, so the target
    # runs (and, without npm, installs nothing).
    (tmp_path / "bash").symlink_to(bash)
    done = subprocess.run(
        [make, "--no-print-directory", "-W", "package-lock.json", "node_modules/.package-lock.json"],
        cwd=ROOT,
        env={**os.environ, "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert (
        "need Node.js 20.19+ or 22.7+ with npm on PATH (package.json: engines): install it" in done.stderr
    ), done.stderr
