"""moto's server, standing in for EventBridge and SQS, run on a loopback port.

A separate process (not moto's in-process mocks), so the component's code talks HTTP to it exactly as
to AWS.
"""

from __future__ import annotations

import sys
from pathlib import Path

import boto3

from local_deploy.servers import PROBE, LocalServer
from local_deploy.servers import start as start_server


def start(workdir: Path) -> LocalServer:
    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]

    return start_server("moto-server", command, workdir, _list_queues)


def _list_queues(endpoint: str) -> object:
    return boto3.client("sqs", endpoint_url=endpoint, **PROBE).list_queues()
