"""A company's HTTP proxy in miniature: on loopback, it tunnels CONNECT (HTTPS) and forwards plain HTTP,
and records the host of every request it is sent, so a test can show what went through it.

Unlike a company's proxy it can reach this machine's loopback, so a request to an emulator sent through
it still succeeds: the record, not a failure, is what shows such a request. Like a company's proxy it
knows the company's own host names (``names``: a name to the loopback port that serves it).
"""

from __future__ import annotations

import selectors
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            for key, _ in selector.select(timeout=120):
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if not data:
                    return
                key.data.sendall(data)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        request_line = self.rfile.readline(65537).decode("latin-1")
        if not request_line.strip():
            return
        method, target, _ = request_line.split(" ", 2)
        headers = []
        while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            headers.append(line)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            self.server.record(host.strip("[]"))
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=60)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = urlsplit(target)
            self.server.record(url.hostname or "")
            address = self.server.names.get(url.hostname or "", (url.hostname or "", url.port or 80))
            upstream = socket.create_connection(address, timeout=60)
            path = url.path or "/"
            kept = [h for h in headers if not h.lower().startswith((b"proxy-", b"connection:"))]
            upstream.sendall(
                f"{method} {path}{'?' + url.query if url.query else ''} HTTP/1.1\r\n".encode("latin-1")
                + b"".join(kept)
                + b"Connection: close\r\n\r\n"
            )
        with upstream:
            _relay(self.connection, upstream)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, names: dict[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.names = {name: ("127.0.0.1", port) for name, port in names.items()}
        self.hosts: list[str] = []
        self._lock = threading.Lock()

    def record(self, host: str) -> None:
        with self._lock:
            self.hosts.append(host)


Served = TypeVar("Served", bound=socketserver.BaseServer)


@contextmanager
def serving(server: Served) -> Iterator[Served]:
    """``server`` answering on a thread of its own until the block ends, then stopped and closed."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def forward_proxy(names: dict[str, int] | None = None) -> AbstractContextManager[_Server]:
    """A running proxy (its URL: ``http://127.0.0.1:<server.server_address[1]>``), stopped on exit; plain
    HTTP requests to a host in ``names`` go to that port on loopback."""
    return serving(_Server(names or {}))
