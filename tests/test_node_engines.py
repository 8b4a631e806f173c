"""A Node.js older than the component's `engines` is refused by `npm ci`, naming the one it needs.

Node 20 before 20.19 installed the Node tools, then failed the contract tests with a SyntaxError from
inside @backstage/catalog-model, whose ES module build only loads where Node detects module syntax
(20.19+, 22.7+; found by running them on Node 18.20, 20.10, 20.17, 20.18, 20.19, 22.6 and 22.7). The
component's `engines` names that range and its `.npmrc` has npm enforce it. Run here on a real Node
20.18, fetched from npm as the test of the component on CI's Node fetches that one.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.ci_node import fetch_node
from tests.rendering import render_cookiecutter, tool_environment

# The newest release the component's engines leave out.
TOO_OLD = "20.18.0"


def test_npm_ci_on_a_node_older_than_the_engines_stops_naming_the_one_required(tmp_path: Path) -> None:
    old_node = fetch_node(TOO_OLD, tmp_path / "node")
    component = render_cookiecutter({}, tmp_path / "out")
    engines = json.loads((component / "package.json").read_text(encoding="utf-8"))["engines"]["node"]
    env = {**tool_environment(), "PATH": f"{old_node}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["make", "--no-print-directory", "node_modules/.package-lock.json"],
        cwd=component,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0, done.stdout
    assert "EBADENGINE" in done.stderr, done.stderr
    assert f'Required: {{"node":"{engines}"}}' in done.stderr
    assert f"v{TOO_OLD}" in done.stderr, "names the Node it found"
    assert not (component / "node_modules").exists(), "nothing installed"
