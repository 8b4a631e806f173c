"""Emulators run as local processes: started on a free loopback port, stopped by their PID.

Never stopped by name, so other instances on the machine are left alone. Each writes its output to a
log in the folder it runs in, shown when it fails to start. Each is started by ``processes.spawn``, so
it also stops when the process that started it is killed before its finalizer can run.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local_deploy.processes import spawn

READY_TIMEOUT_SECONDS = 30.0


class EmulatorError(RuntimeError):
    """An emulator that could not be started, with why and what to do."""


@dataclass
class LocalServer:
    name: str
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


# Settings for a client that only asks "are you up?": one attempt, short timeouts and its own dummy
# identity, so the answer does not depend on the environment the tests set.
PROBE: dict[str, Any] = {
    "region_name": "us-east-1",
    "aws_access_key_id": "probe",
    "aws_secret_access_key": "probe",  # pragma: allowlist secret
    "config": Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=2),
}


def answers(endpoint: str) -> bool:
    """Whether a server listens at ``endpoint`` (``http://host:port``): another deploy's emulator, say."""
    host, _, port = endpoint.removeprefix("http://").rstrip("/").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    name: str,
    command: Callable[[int], Sequence[str]],
    workdir: Path,
    ready: Callable[[str], object],
) -> LocalServer:
    """Run ``command(port)`` in ``workdir`` until ``ready(endpoint)`` stops raising AWS errors."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    log = log_path.open("wb")
    process = spawn(command(port), cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    server = LocalServer(name=name, endpoint=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        _wait_until_ready(name, server, ready, log_path)
    except BaseException:
        server.stop()  # Whatever went wrong, the process it started does not outlive it.
        raise
    return server


def _wait_until_ready(name: str, server: LocalServer, ready: Callable[[str], object], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise EmulatorError(f"{name} exited at start:\n{log_path.read_text(errors='replace')}")
        try:
            ready(server.endpoint)
        except (BotoCoreError, ClientError):
            time.sleep(0.05)
            continue
        return
    raise EmulatorError(f"{name} was not ready after {READY_TIMEOUT_SECONDS} s (its log: {log_path})")
