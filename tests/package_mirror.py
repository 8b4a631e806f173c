"""A company's package mirror in miniature: PyPI's simple index and files, served over plain HTTP from
loopback under the name the company gives it, as Artifactory or Nexus serve theirs.

It fetches each page and file from PyPI when asked (through this machine's own network settings) and
rewrites the file links of an index page to point at itself, so a client that uses it downloads from it.
It records every path it is asked for.
"""

from __future__ import annotations

import http.server
import os
import ssl
import threading
import urllib.error
import urllib.request
from contextlib import AbstractContextManager

from tests.forward_proxy import serving

FILES = "https://files.pythonhosted.org/"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Mirror

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def _serve(self, *, with_body: bool) -> None:
        self.server.record(self.path)
        if self.path.startswith("/simple/"):
            # HTML, not PEP 691's JSON: one format to rewrite.
            upstream, accept = f"https://pypi.org{self.path}", "text/html"
        elif self.path.startswith("/files/"):
            upstream, accept = FILES + self.path.removeprefix("/files/"), "*/*"
        else:
            self.send_error(404)
            return
        try:
            # Always PyPI's https URLs, built above.
            request = urllib.request.Request(upstream, headers={"Accept": accept})  # noqa: S310
            with urllib.request.urlopen(request, context=self.server.tls, timeout=60) as response:  # noqa: S310
                body, kind = response.read(), response.headers.get("Content-Type", "application/octet-stream")
        except urllib.error.HTTPError as error:
            self.send_error(error.code)
            return
        if self.path.startswith("/simple/"):
            body = body.replace(FILES.encode(), f"{self.server.url}/files/".encode())
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Mirror(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://{name}"
        self.paths: list[str] = []
        self.tls = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE"))
        self._lock = threading.Lock()

    def record(self, path: str) -> None:
        with self._lock:
            self.paths.append(path)


def package_mirror(name: str) -> AbstractContextManager[_Mirror]:
    """A running mirror, known to its clients as ``http://<name>`` (the proxy resolves the name), stopped on
    exit; its index is ``<url>/simple``."""
    return serving(_Mirror(name))
