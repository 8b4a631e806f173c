"""The functions' runtime dependencies, as a Lambda layer built from uv.lock (ADR 0008).

Lambda's Python runtime brings a boto3 of its own, which AWS updates on its own schedule, and the
public Powertools layer a pydantic of its own; the tests run on uv.lock's. This layer carries exactly
the lock's runtime dependencies (pyproject.toml's `dependencies`, no development group), at the locked
versions and hashes, as wheels for the functions' platform, with their bytecode written by the
runtime's Python: a function imports what the tests imported, and compiles nothing at a cold start.

The stack names the layer by a hash of what goes in (the exported requirements, the runtime, the
architecture, the recipe below), so a deploy publishes a new layer version only when the lock's
runtime dependencies change. `cdk deploy` and `cdk synth` build it (CDK's local bundling: no Docker);
the apps built in-process (`make synth`, the stack tests, `make docs`) check the template, which does
not depend on the content, and skip the build.

scripts/uv run python -m infra.layer build DIR                          # what a deploy uploads, into DIR
scripts/uv run python -m infra.layer check DIR                          # the checks every build runs
scripts/uv run python -m infra.layer trial      # a build for this machine, every handler imported on it
"""

from __future__ import annotations

import argparse
import atexit
import functools
import hashlib
import inspect
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / "scripts" / "uv"
# Lambda's Python 3.12 and later runtimes run on Amazon Linux 2023, whose C library is glibc 2.34:
# wheels for that or an older manylinux run there.
PLATFORMS = {"arm64": "aarch64-manylinux_2_34", "x86_64": "x86_64-manylinux_2_34"}
MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}
# Where Lambda unpacks a layer's `python/` folder (it is on the runtime's sys.path): the paths the
# bytecode records, which tracebacks show.
ON_LAMBDA = "/opt/python"
# Lambda's limit for a function's code and its layers, unzipped; the function's own code is small.
UNZIPPED_LIMIT = 250 * 1024 * 1024
HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")
# A line of the export: a pin, and the environment marker that decides where it is installed.
PINNED = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\\n]*?))?\s*\\?$",
    re.MULTILINE,
)
# compileall's report of a file it could not compile.
NOT_COMPILABLE = re.compile(r"^\*\*\* Error compiling '(?P<path>.+?)'\.\.\.$", re.MULTILINE)
# Beside python/ in a build: the files the runtime's Python could not compile (a package's test data
# in an old syntax, say), which no import can load either; the check expects no bytecode for them.
NOT_COMPILED = "not-compiled.txt"


class LayerError(RuntimeError):
    """The layer could not be built, or a build is not what the lock and the runtime need."""


def _uv(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    # The uv that runs this process (`uv run` says which in UV: every make target, the CDK CLI's app),
    # else the one scripts/uv chooses.
    uv = os.environ.get("UV") or str(UV)
    return subprocess.run(  # noqa: S603 - uv, with arguments written here
        [uv, "--color", "never", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def _runtime_python(version: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Python ``version`` (the runtime's) with ``arguments``; uv fetches it where it is missing."""
    # No project (its groups and settings are the tools'); the user's uv settings apply (a mirror of
    # uv's Pythons, the system's certificates).
    return _uv("run", "--no-project", "--python", version, "python", *arguments)


@functools.cache
def requirements() -> str:
    """uv.lock's runtime dependencies as a requirements file: pinned, with their hashes, no project."""
    exported = _uv(
        "export",
        "--frozen",
        "--no-default-groups",
        "--no-emit-project",
        "--format",
        "requirements.txt",
        "--no-header",
        "--no-annotate",
    )
    if exported.returncode != 0:
        raise LayerError(
            f"`uv export` could not read uv.lock:\n{exported.stderr.strip()}\n"
            "Run `make install` (it says what is wrong with the lock), then synthesize again."
        )
    return exported.stdout


def pins(text: str) -> dict[str, str]:
    """Each requirement's normalized name and its pinned version."""
    return {normalized(match["name"]): match["version"] for match in PINNED.finditer(text)}


def conditional(text: str) -> set[str]:
    """The requirements with an environment marker: uv installs them only where it holds."""
    return {normalized(match["name"]) for match in PINNED.finditer(text) if match["marker"]}


def recipe() -> str:
    """How a build is made, as part of the layer's name: a change to it is a new layer, lock or not."""
    return inspect.getsource(build) + repr(sorted(PLATFORMS.items())) + ON_LAMBDA


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Target:
    """The Lambda runtime the layer is for: its Python version (``3.13``) and architecture (``arm64``)."""

    python: str
    architecture: str

    @classmethod
    def of(cls, runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> Target:
        return cls(runtime.name.removeprefix("python"), architecture.name)

    @property
    def bytecode_tag(self) -> str:
        return "cpython-" + self.python.replace(".", "")

    def asset_hash(self) -> str:
        """What the layer's content follows from (the pins with their markers and hashes, the runtime,
        the architecture, the recipe); the same inputs give the same layer version."""
        locked = requirements()
        # The pins and their hashes, not the text: another version of uv may lay the export out
        # differently (a laptop's uv on PATH and CI's pinned one), which must not make a new layer.
        inputs = [
            *sorted(match.group().rstrip(" \\") for match in PINNED.finditer(locked)),
            *sorted(HASH.findall(locked)),
            self.python,
            self.architecture,
            recipe(),
        ]
        digest = hashlib.sha256()
        for part in inputs:
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()


def build(destination: Path, target: Target) -> None:
    """Install the lock's runtime dependencies for ``target`` into destination/python, with bytecode."""
    if target.architecture not in PLATFORMS:
        raise LayerError(
            f"no wheel platform for architecture {target.architecture!r}: one of {sorted(PLATFORMS)}"
        )
    site = destination / "python"
    with tempfile.TemporaryDirectory(prefix="layer-") as scratch:
        listed = Path(scratch) / "requirements.txt"
        listed.write_text(requirements(), encoding="utf-8")
        installed = _uv(
            "pip",
            "install",
            "--quiet",
            "--target",
            str(site),
            "--python-platform",
            PLATFORMS[target.architecture],
            "--python-version",
            target.python,
            # Wheels only: a source build would compile for this machine, not for Lambda's.
            "--only-binary",
            ":all:",
            # The export lists the whole closure, each with the lock's hashes.
            "--no-deps",
            "--require-hashes",
            "--requirements",
            str(listed),
        )
    if installed.returncode != 0:
        raise LayerError(
            f"installing uv.lock's runtime dependencies for {PLATFORMS[target.architecture]} failed:\n"
            f"{installed.stderr.strip()}\n{install_advice(installed.stderr)}"
        )
    # Console scripts (jmespath's) carry this machine's interpreter path; nothing on Lambda runs them.
    shutil.rmtree(site / "bin", ignore_errors=True)
    # The runtime's own Python writes the bytecode: each version has its own format. Unchecked hashes:
    # Lambda's file system is read-only, so a timestamp that does not match (zip files keep them only to
    # two seconds) would make every cold start compile the source again, in memory.
    compiled = _runtime_python(
        target.python,
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(site),
        "-p",
        ON_LAMBDA,
        str(site),
    )
    failed = sorted(
        Path(path).relative_to(site).as_posix() for path in NOT_COMPILABLE.findall(compiled.stdout)
    )
    if compiled.returncode != 0 and not failed:
        raise LayerError(
            f"writing the layer's bytecode with Python {target.python} failed:\n"
            f"{(compiled.stderr + compiled.stdout).strip()}\n"
            f"The functions run on Lambda's Python {target.python}, whose bytecode only that version "
            f"writes: `scripts/uv python install {target.python}` installs it (or put python{target.python} "
            "on PATH; where GitHub cannot be reached, UV_PYTHON_INSTALL_MIRROR names a mirror of uv's "
            "Pythons), then deploy again."
        )
    if failed:
        # As pip does, a file that does not compile is no reason to refuse the package: nothing can
        # import it on Lambda either. Listed, so the check expects no bytecode for exactly these.
        (destination / NOT_COMPILED).write_text("".join(f"{path}\n" for path in failed), encoding="utf-8")
        print(
            f"Python {target.python} cannot compile {len(failed)} files of the layer: {', '.join(failed[:5])}"
        )


def install_advice(error: str) -> str:
    """What to do about a failed install, from uv's message."""
    if "Failed to fetch" in error or "error sending request" in error or "Failed to download" in error:
        return (
            "uv could not download from the package index: check the network, and a proxy's settings "
            "(HTTPS_PROXY; SSL_CERT_FILE names a company's certificate authority), then try again."
        )
    if "wheel" in error:
        return (
            "A package without a wheel for Linux on the functions' architecture cannot go to Lambda: "
            "pin a version that has one (`uv lock --upgrade-package NAME`), or leave the package out."
        )
    return "Run the command again with uv's output above in mind; `make install` checks the lock itself."


def problems(directory: Path, target: Target) -> list[str]:
    """What is wrong with a built layer: versions, platform, bytecode, size. Empty when it is right."""
    site = directory / "python"
    if not site.is_dir():
        return [f"{directory} has no python/ folder: Lambda would put nothing on the functions' path"]
    found: list[str] = []
    locked = requirements()
    wanted = pins(locked)
    installed = {}
    for metadata in site.glob("*.dist-info/METADATA"):
        fields = dict(
            line.split(": ", 1)
            for line in metadata.read_text(encoding="utf-8").splitlines()[:10]
            if ": " in line
        )
        installed[normalized(fields.get("Name", ""))] = fields.get("Version", "")
    for name, version in sorted(wanted.items()):
        # A requirement with a marker is absent where its marker does not hold (uv evaluated it).
        if name in conditional(locked) and name not in installed:
            continue
        if installed.get(name) != version:
            found.append(f"{name}: uv.lock has {version}, the layer {installed.get(name) or 'nothing'}")
    for name in sorted(set(installed) - set(wanted)):
        found.append(f"{name}: in the layer, not among uv.lock's runtime dependencies")
    machine = MACHINES[target.architecture]
    for library in sorted(site.rglob("*.so")):
        # Extension modules name their platform (pydantic_core.cpython-313-aarch64-linux-gnu.so); the
        # libraries bundled beside them live in <package>.libs folders, named by wheel tags checked below.
        if ".cpython-" in library.name and f"-{machine}-linux-gnu" not in library.name:
            found.append(f"{library.relative_to(site)}: not built for {machine}")
    for wheel in sorted(site.glob("*.dist-info/WHEEL")):
        for line in wheel.read_text(encoding="utf-8").splitlines():
            tag = line.removeprefix("Tag: ")
            if tag != line and not runs_on_lambda(tag.rpartition("-")[2], machine):
                found.append(f"{wheel.parent.name}: a wheel for {tag}, not for Lambda's {machine}")
    not_compiled = listed_files(directory / NOT_COMPILED)
    for source in sorted(site.rglob("*.py")):
        if source.relative_to(site).as_posix() in not_compiled:
            continue
        compiled = source.parent / "__pycache__" / f"{source.stem}.{target.bytecode_tag}.pyc"
        if not compiled.is_file():
            found.append(f"{source.relative_to(site)}: no {target.bytecode_tag} bytecode")
            continue
        # PEP 552: flags 0b01, hash-based and not checked against the source.
        if compiled.read_bytes()[4:8] != (1).to_bytes(4, "little"):
            found.append(f"{compiled.relative_to(site)}: not an unchecked-hash .pyc")
    size = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    if size > UNZIPPED_LIMIT:
        found.append(f"{size / 2**20:.0f} MiB unzipped, above Lambda's {UNZIPPED_LIMIT / 2**20:.0f} MiB")
    return found


# The glibc each legacy manylinux tag stands for (PEP 600).
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
# Amazon Linux 2023's, which Lambda's Python 3.12 and later runtimes run on.
LAMBDA_GLIBC = (2, 34)


def runs_on_lambda(platform_tag: str, machine: str) -> bool:
    """Whether a wheel's platform tag (``manylinux_2_17_aarch64``, ``any``) runs on Lambda's ``machine``."""
    if platform_tag == "any":
        return True
    legacy, _, arch = platform_tag.partition("_")
    if legacy in LEGACY_MANYLINUX:
        return arch == machine
    found = re.fullmatch(r"manylinux_(\d+)_(\d+)_(?P<arch>.+)", platform_tag)
    if found is None:
        return False
    return found["arch"] == machine and (int(found[1]), int(found[2])) <= LAMBDA_GLIBC


def listed_files(listing: Path) -> set[str]:
    return set(listing.read_text(encoding="utf-8").split()) if listing.is_file() else set()


def build_checked(destination: Path, target: Target) -> None:
    build(destination, target)
    found = problems(destination, target)
    if found:
        raise LayerError(
            "the dependencies layer is not what uv.lock and the runtime need:\n  " + "\n  ".join(found)
        )


# What the trial imports besides the handlers: the extras that are imported only where a stage traces
# (the X-Ray SDK) or a component verifies tokens (PyJWT), and the clients the functions create. It
# prints the seconds that took, from the first import on.
TRIAL = """
import importlib, sys, time
layer, source, modules = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path[:0] = [layer, source]
started = time.perf_counter()
for module in modules + ["aws_xray_sdk.core", "jwt"]:
    importlib.import_module(module)
import boto3
for service in ("dynamodb", "events", "sqs"):
    boto3.client(service, region_name="eu-west-1")
print("imported", len(modules), "handlers in", round(time.perf_counter() - started, 3), "s")
"""
# Python's -v line for a module whose code was compiled from its source, not read from bytecode.
FROM_SOURCE = re.compile(r"^# code object from '?(?P<path>.+?\.py)'?$", re.MULTILINE)


def machine_architecture() -> str:
    """This machine's architecture, in Lambda's names."""
    names = {machine: architecture for architecture, machine in MACHINES.items()}
    names |= {"amd64": "x86_64", "arm64": "arm64"}
    found = names.get(platform.machine().lower())
    if found is None:
        raise LayerError(f"Lambda has no architecture for this machine's {platform.machine()}")
    return found


def handler_modules() -> list[str]:
    """Every handler module of the component's package."""
    source = ROOT / "src"
    (package,) = [path.parent.name for path in source.glob("*/__init__.py")]
    return sorted(
        f"{package}.handlers.{path.stem}"
        for path in (source / package / "handlers").glob("*.py")
        if path.stem != "__init__"
    )


def import_handlers(python: str, site: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """Every handler imported in a fresh interpreter of Python ``python`` on the layer folder ``site``.

    -I -S: nothing from this machine's environment or site-packages, as on Lambda; -B: no bytecode of
    the handlers written into src/.
    """
    return _runtime_python(
        python, "-I", "-S", "-B", *flags, "-c", TRIAL, str(site), str(ROOT / "src"), *handler_modules()
    )


def compiled_at_import(report: str, site: Path) -> list[str]:
    """The modules under ``site`` that Python's -v ``report`` says were compiled from their source."""
    return [match["path"] for match in FROM_SOURCE.finditer(report) if match["path"].startswith(f"{site}/")]


def trial(python: str) -> str:
    """Build the layer for this machine and import every handler on it with the runtime's Python.

    The functions' own layer is for their architecture, which this machine may not run; this build has
    the same packages, versions and bytecode. Fails when an import fails or compiles a module of the
    layer from its source (a cold start on Lambda would pay for that). Returns the import's report.
    """
    target = Target(python, machine_architecture())
    with tempfile.TemporaryDirectory(prefix="layer-trial-") as scratch:
        layer = Path(scratch) / "layer"
        build_checked(layer, target)
        site = layer / "python"
        # Read-only, as Lambda's /opt is; -v reports where each module's code came from.
        for path in [site, *site.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        imported = import_handlers(target.python, site, "-v")
        for path in [site, *site.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
    if imported.returncode != 0:
        raise LayerError(
            f"the handlers do not import on the layer with Python {target.python}:\n"
            + imported.stderr[-3000:]
        )
    compiled = compiled_at_import(imported.stderr, site)
    if compiled:
        raise LayerError(
            f"{len(compiled)} modules of the layer were compiled at import, not read from its bytecode: "
            + ", ".join(path.removeprefix(str(site) + "/") for path in compiled[:10])
        )
    return imported.stdout.strip()


@jsii.implements(ILocalBundling)
class LockedDependencies:
    """CDK's local bundling of the layer: the build above, on this machine, with no Docker."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def try_bundle(self, output_dir: str, *_options: object, **_keywords: object) -> bool:
        # Raises LayerError when it cannot: returning False would make the CDK try Docker instead, and
        # fail with a message about Docker.
        build_checked(Path(output_dir), self.target)
        return True


@functools.cache
def not_built() -> Path:
    """Where a synth that skips bundling says the layer's content is: an empty folder that is gone when
    the process ends. Deploying such a cloud assembly (`cdk deploy --app cdk.out/dev`) then fails on
    this path instead of uploading something else under the layer's name, which every later deploy
    would keep (an asset already uploaded is not uploaded again)."""
    folder = Path(tempfile.mkdtemp(prefix="dependencies-layer-not-built-here-deploy-with-make-deploy-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def code(target: Target) -> lambda_.Code:
    """The layer's content: built when the CDK bundles the stack (cdk deploy, cdk synth), else skipped."""
    return lambda_.Code.from_asset(
        # Only a place for the CDK to start from: the bundling writes the content, the hash names it.
        str(not_built()),
        asset_hash=target.asset_hash(),
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=BundlingOptions(
            # Never pulled: the local bundling above either builds the layer or stops the synth.
            image=DockerImage.from_registry("local-bundling-only"),
            local=LockedDependencies(target),
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.layer", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, about in (
        ("build", "build the layer into DIR, then check it"),
        ("check", "check a built layer"),
    ):
        command = commands.add_parser(name, help=about)
        command.add_argument("directory", type=Path, metavar="DIR")
        command.add_argument("--architecture", choices=sorted(PLATFORMS), default=None)
    commands.add_parser("trial", help="build the layer for this machine and import every handler on it")
    arguments = parser.parse_args(argv)
    # Imported here: the stack imports this module.
    from infra.stack import ARCHITECTURE, RUNTIME

    default = Target.of(RUNTIME, ARCHITECTURE)
    try:
        if arguments.command == "trial":
            if platform.system() != "Linux":
                # Lambda's wheels are Linux's: a Mac or Windows Python cannot load their libraries.
                print(
                    f"the trial imports the layer's Linux wheels, which {platform.system()} cannot load: "
                    "CI's lambda-runtime job runs it; `make layer` built and checked the layer only"
                )
                return 0
            print(trial(default.python))
            return 0
        target = Target(default.python, arguments.architecture or default.architecture)
        if arguments.command == "build":
            if arguments.directory.exists() and any(arguments.directory.iterdir()):
                print(f"{arguments.directory} is not empty: name a new folder to build into", file=sys.stderr)
                return 2
            build_checked(arguments.directory, target)
            print(f"{arguments.directory}: the layer for Python {target.python} on {target.architecture}")
            return 0
        found = problems(arguments.directory, target)
    except LayerError as error:
        print(error, file=sys.stderr)
        return 1
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
