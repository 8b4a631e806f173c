"""moto's server, standing in for EventBridge and SQS, run for the tests on a loopback port.

A separate process (not moto's in-process mocks), so the component's code talks HTTP to it exactly as
to AWS; started on a free port and stopped by its PID.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.integration.dynamodb_local import free_port

READY_TIMEOUT_SECONDS = 20.0


@dataclass
class MotoServer:
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


def start(workdir: Path) -> MotoServer:
    port = free_port()
    log_path = workdir / "moto-server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = MotoServer(endpoint=f"http://127.0.0.1:{port}", process=process, log=log)
    client = boto3.client(
        "sqs",
        endpoint_url=server.endpoint,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=2),
    )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited at start:\n{log_path.read_text(errors='replace')}")
        try:
            client.list_queues()
        except (BotoCoreError, ClientError):
            time.sleep(0.05)
            continue
        return server
    server.stop()
    raise RuntimeError(f"moto server was not ready after {READY_TIMEOUT_SECONDS} s")
