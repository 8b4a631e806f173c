"""DynamoDB Local runs on Java 17 or later: without it, the tests and `make local` stop at once and say
what to install, instead of a traceback about a missing file or a Java class version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from local_deploy import dynamodb_local
from local_deploy.servers import EmulatorError


def test_no_java_on_path_is_named_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # A folder without `java` in it.
    with pytest.raises(EmulatorError) as refused:
        dynamodb_local.start(tmp_path)
    assert "needs Java 17 or later, and there is no `java` on PATH: install a Java 17+ runtime" in str(
        refused.value
    )
    assert list(tmp_path.iterdir()) == [], "nothing was started, nothing written"


# Fault injection: this machine has neither an old Java nor macOS. Each stand-in prints what that `java`
# prints when asked to run DynamoDB Local, and exits as it does.
JAVA_11 = (
    "echo 'Error: LinkageError occurred while loading main class "
    "software.amazon.dynamodb.services.local.main.ServerRunner' >&2\n"
    "echo '\tjava.lang.UnsupportedClassVersionError: ServerRunner has been compiled by a more recent "
    "version of the Java Runtime (class file version 61.0), this version of the Java Runtime only "
    "recognizes class file versions up to 55.0' >&2\n"
)
MACOS_WITHOUT_JAVA = (
    "echo 'The operation couldn\u2019t be completed. Unable to locate a Java Runtime.' >&2\n"
    "echo 'Please visit http://www.java.com for information on installing Java.' >&2\n"
)


@pytest.mark.parametrize(
    ("stand_in", "expected"),
    [
        (JAVA_11, "needs Java 17 or later; the `java` on PATH is older"),
        (MACOS_WITHOUT_JAVA, "needs Java 17 or later, and the `java` on PATH is macOS's stand-in"),
    ],
    ids=["java 11", "macOS without a Java"],
)
def test_a_java_that_cannot_run_it_is_named_with_what_to_do(
    stand_in: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    java = bin_dir / "java"
    java.write_text(f"#!/bin/sh\n{stand_in}exit 1\n", encoding="utf-8")
    java.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    workdir = tmp_path / "emulator"
    workdir.mkdir()
    with pytest.raises(EmulatorError) as refused:
        dynamodb_local.start(workdir)
    message = str(refused.value)
    assert expected in message
    assert "install a Java 17+ runtime" in message
