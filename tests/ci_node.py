"""The Node.js release the component's CI runs on, fetched for a test to run the component on it too.

The machines this suite runs on may have an older Node (this one has 20, past its end of life); the
component's CI names its own major in one place (its setup action). A full check that runs on that
major shows the component works where its pull requests are checked, not only here. Node's own builds
are published on npm (`node-<platform>-<arch>`), so the download comes from the registry `npm ci`
already uses, and npm's cache keeps it for the next run.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import tarfile
from pathlib import Path

from tests.rendering import TEMPLATE_DIR

SETUP_ACTION = TEMPLATE_DIR / ".github" / "actions" / "setup" / "action.yml"
NODE_VERSION = re.compile(r'^\s*node-version:\s*"(?P<major>\d+)"\s*$', re.MULTILINE)
ARCHITECTURES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


def ci_node_major(action: Path = SETUP_ACTION) -> str:
    """The Node.js major the component's CI sets up (its setup action's `node-version`)."""
    found = NODE_VERSION.findall(action.read_text(encoding="utf-8"))
    assert len(found) == 1, f'{action}: expected one `node-version: "<major>"`, found {found}'
    return str(found[0])


# The Node.js release beyond jsii's own list that the component's Makefile says every target passes on
# (it silences jsii's warning there): `sed -n 's/^v26[.].*/26/p'`.
UNTESTED_BY_JSII = re.compile(r"JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := .*'s/\^v(?P<major>\d+)\[\.\]")


def newest_node_major(makefile: Path = TEMPLATE_DIR / "Makefile") -> str:
    """The Node.js major the component's Makefile silences jsii's untested-release warning on."""
    found = UNTESTED_BY_JSII.findall(makefile.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{makefile}: expected one JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION for a major"
    return str(found[0])


def node_package(release: str) -> str:
    """The npm package of Node's own build for this machine: the newest release of ``release``, a major
    (``24``) or an exact version (``20.18.0``)."""
    system = {"linux": "linux", "darwin": "darwin"}.get(sys.platform)
    architecture = ARCHITECTURES.get(platform.machine().lower())
    if system is None or architecture is None:
        raise AssertionError(f"Node publishes no build on npm for {sys.platform}/{platform.machine()}")
    return f"node-{system}-{architecture}@{release}"


def fetch_node(release: str, destination: Path) -> Path:
    """Node ``release`` (a major or an exact version) unpacked under ``destination``; the folder of its
    `node` binary, to put on PATH."""
    destination.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run(
        ["npm", "pack", node_package(release), "--json", "--pack-destination", str(destination)],
        cwd=destination,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert packed.returncode == 0, f"npm pack {node_package(release)} failed:\n{packed.stderr[-3000:]}"
    (archive,) = json.loads(packed.stdout)
    with tarfile.open(destination / archive["filename"]) as unpacked:
        unpacked.extractall(destination, filter="data")
    binary = destination / "package" / "bin" / "node"
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True)
    version = done.stdout.strip()
    assert f"{version}.".startswith(f"v{release}."), f"{binary} is {version}, not Node {release}"
    return binary.parent
