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


def test_a_java_older_than_17_is_named_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fault injection: this machine has no old Java. A stand-in prints what Java 11 prints for classes
    # compiled for 17, and exits as it does.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    java = bin_dir / "java"
    java.write_text(
        "#!/bin/sh\n"
        "echo 'Error: LinkageError occurred while loading main class "
        "software.amazon.dynamodb.services.local.main.ServerRunner' >&2\n"
        "echo '\tjava.lang.UnsupportedClassVersionError: ServerRunner has been compiled by a more recent "
        "version of the Java Runtime (class file version 61.0), this version of the Java Runtime only "
        "recognizes class file versions up to 55.0' >&2\n"
        "exit 1\n",
        encoding="utf-8",
    )
    java.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    workdir = tmp_path / "emulator"
    workdir.mkdir()
    with pytest.raises(EmulatorError) as refused:
        dynamodb_local.start(workdir)
    message = str(refused.value)
    assert "needs Java 17 or later; the `java` on PATH is older" in message
    assert "install a Java 17+ runtime" in message
    assert "put it first on PATH" in message
