"""The Node tools' packages (ADR 0023): none runs an install script on `npm ci`.

`package-lock.json` marks each package that has one (`hasInstallScript`); `.npmrc` turns them all off
(`ignore-scripts`, which npm 10 and 11 both honour). The tools work without them: the integration
tests run DynamoDB Local and `make synth` the CDK CLI from the `node_modules` this setting installs.
"""

from __future__ import annotations

import json

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
