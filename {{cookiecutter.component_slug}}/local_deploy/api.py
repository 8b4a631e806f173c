"""The stack's REST APIs, served on a loopback port with API Gateway's Lambda proxy event format.

Routes come from the template's resources and methods (``/<stage>/<path>``); each request becomes the
event API Gateway would send the method's function, and the function's answer becomes the response.
IAM authorisation cannot be checked without AWS: a method that requires it refuses a request with no
SigV4 signature (403, as API Gateway does) but does not verify the signature.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_deploy.deploy import Function
from local_deploy.template import Stack, TemplateError

SIGV4 = "AWS4-HMAC-SHA256 "


@dataclass(frozen=True)
class Route:
    method: str
    resource_path: str
    pattern: re.Pattern[str]
    function: Function
    needs_signature: bool


def routes(stack: Stack, functions: dict[str, Function]) -> tuple[str, list[Route]]:
    """The stage name and the routes of the stack's REST API (the local deploy serves one API)."""
    apis = stack.of_type("AWS::ApiGateway::RestApi")
    if len(apis) != 1:
        raise TemplateError(f"the local deploy serves one REST API; the stack has {len(apis)}")
    api = apis[0]
    paths: dict[str, str] = {}
    resources = {r.logical_id: r.properties for r in stack.of_type("AWS::ApiGateway::Resource")}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            properties = resources[logical_id]
            parent = properties["ParentId"]
            parent_path = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical_id] = f"{parent_path}/{properties['PathPart']}"
        return paths[logical_id]

    found = []
    for method in stack.of_type("AWS::ApiGateway::Method"):
        properties = method.properties
        integration = properties.get("Integration", {})
        if integration.get("Type") != "AWS_PROXY":
            raise TemplateError(f"{method.logical_id}: only Lambda proxy integrations are served locally")
        function_id = next(iter(stack.references(integration["Uri"]) & set(functions)))
        resource_id = properties["ResourceId"]
        path = path_of(resource_id["Ref"]) if "Ref" in resource_id else "/"
        pattern = re.compile("^" + re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")
        found.append(
            Route(
                method=properties["HttpMethod"],
                resource_path=path,
                pattern=pattern,
                function=functions[function_id],
                needs_signature=properties.get("AuthorizationType") == "AWS_IAM",
            )
        )
    stack.record(api.logical_id, "local", RootResourceId="root")
    stages = stack.of_type("AWS::ApiGateway::Stage")
    for stage in stages:
        stack.record(stage.logical_id, stage.properties["StageName"])
    return (stages[0].properties["StageName"] if stages else "prod"), found


class LocalApi:
    """A single-threaded HTTP server (the handlers are invoked one at a time, as one Lambda instance)."""

    def __init__(self, stage: str, api_routes: list[Route], port: int = 0) -> None:
        self.stage = stage
        self.routes = api_routes
        self._server = HTTPServer(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/{self.stage}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        prefix = f"/{self.stage}"
        if not (parts.path == prefix or parts.path.startswith(prefix + "/")):
            return _message(403, "Missing Authentication Token")
        path = parts.path[len(prefix) :] or "/"
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None or route.method != method:
                continue
            if route.needs_signature and not headers.get("authorization", "").startswith(SIGV4):
                return _message(403, "Missing Authentication Token")
            event = _proxy_event(self.stage, route, path, found.groupdict(), parts.query, headers, body)
            response = route.function.handler(event, route.function.context)
            response_headers = {key: str(value) for key, value in (response.get("headers") or {}).items()}
            for key, values in (response.get("multiValueHeaders") or {}).items():
                response_headers[key] = ", ".join(str(value) for value in values)
            return int(response["statusCode"]), response_headers, str(response.get("body") or "").encode()
        return _message(403 if path else 404, "Missing Authentication Token")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, response_headers, payload = api.answer(self.command, self.path, headers, body)
                self.send_response(status)
                for key, value in response_headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                """API Gateway's access log is not emulated; the function's own logs tell the story."""

        return Handler


def _proxy_event(
    stage: str,
    route: Route,
    path: str,
    path_parameters: dict[str, str],
    query: str,
    headers: dict[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The REST API (v1) Lambda proxy event for one request."""
    queries = parse_qs(query, keep_blank_values=True)
    request_id = str(uuid.uuid4())
    return {
        "resource": route.resource_path,
        "path": path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": {key: [value] for key, value in headers.items()},
        "queryStringParameters": {key: values[-1] for key, values in queries.items()} or None,
        "multiValueQueryStringParameters": queries or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.resource_path,
            "httpMethod": route.method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("user-agent", "")},
        },
        "body": body.decode() if body else None,
        "isBase64Encoded": False,
    }


def _message(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps({"message": message}).encode()
