"""Raw Streamable HTTP helpers (httpx) for the end-to-end tests.

These talk to MCPlatform the way the spec describes the wire, without the mcp SDK,
so status codes, headers and bodies can be checked exactly.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import httpx

ACCEPT_BOTH = "application/json, text/event-stream"
JSON = "application/json"

_ids = itertools.count(1)


def check_response(response: httpx.Response) -> None:
    """Invariants for every response MCPlatform sends (installed as an httpx response hook)."""
    request = response.request
    where = f"{request.method} {request.url} (Host: {request.headers.get('host')})"
    assert response.status_code != 500, f"{where} answered 500"
    assert response.headers.get("x-request-id"), f"{where} answered {response.status_code} without an X-Request-Id header"


def http_client(**kwargs: Any) -> httpx.Client:
    """An httpx client that checks `check_response` on every response."""
    kwargs.setdefault("timeout", 15.0)
    return httpx.Client(event_hooks={"response": [check_response]}, **kwargs)


def parse_sse(text: str) -> list[tuple[str, str]]:
    """Parse a text/event-stream body into (event, data) pairs (event defaults to "message")."""
    events: list[tuple[str, str]] = []
    event, data, seen = "message", [], False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if seen:
                events.append((event, "\n".join(data)))
            event, data, seen = "message", [], False
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if key == "event":
            event, seen = value, True
        elif key == "data":
            data.append(value)
            seen = True
        elif key in ("id", "retry"):
            seen = True
    if seen:
        events.append((event, "\n".join(data)))
    return events


def rpc_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON-RPC message in a response, whether it came as JSON or as one SSE message."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/event-stream"):
        messages = [json.loads(data) for event, data in parse_sse(response.text) if event == "message" and data]
        assert len(messages) == 1, f"expected one SSE message, got {len(messages)}: {response.text!r}"
        return messages[0]
    assert content_type.startswith(JSON), (
        f"{response.request.method} {response.request.url} -> {response.status_code} "
        f"with content-type {content_type!r}, expected JSON: {response.text[:300]!r}"
    )
    body = response.json()
    assert isinstance(body, dict), f"expected a JSON object, got {body!r}"
    return body


def rpc_error(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of a JSON-RPC error response (asserting its shape)."""
    body = rpc_body(response)
    assert body.get("jsonrpc") == "2.0", body
    assert "error" in body and "result" not in body, body
    error = body["error"]
    assert isinstance(error.get("code"), int), body
    assert isinstance(error.get("message"), str), body
    return body


def request_body(method: str, params: Mapping[str, Any] | None = None, *, id: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": next(_ids) if id is None else id, "method": method}
    if params is not None:
        body["params"] = dict(params)
    return body


def notification_body(method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        body["params"] = dict(params)
    return body


def post(
    client: httpx.Client,
    url: str,
    body: Any,
    *,
    session: str | None = None,
    version: str | None = None,
    headers: Mapping[str, str] | None = None,
    accept: str = ACCEPT_BOTH,
    content_type: str = JSON,
) -> httpx.Response:
    """POST a JSON-RPC message (dict/list/scalar are JSON-encoded; str/bytes are sent as-is)."""
    h = {"accept": accept, "content-type": content_type}
    if session is not None:
        h["mcp-session-id"] = session
    if version is not None:
        h["mcp-protocol-version"] = version
    h.update(headers or {})
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url, content=content, headers=h)


def initialize_params(version: str) -> dict[str, Any]:
    return {
        "protocolVersion": version,
        "capabilities": {},
        "clientInfo": {"name": "mcplatform-e2e", "version": "1.0"},
    }


class RawSession:
    """An MCP session driven by hand over HTTP."""

    def __init__(self, client: httpx.Client, url: str, session_id: str, version: str, init_result: dict[str, Any], headers: Mapping[str, str] | None = None) -> None:
        self.client = client
        self.url = url
        self.session_id = session_id
        self.version = version
        self.init_result = init_result
        self.headers = dict(headers or {})

    def post(self, body: Any, *, url: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        kwargs.setdefault("session", self.session_id)
        kwargs.setdefault("version", self.version)
        return post(self.client, url or self.url, body, headers=headers, **kwargs)

    def request(self, method: str, params: Mapping[str, Any] | None = None, *, url: str | None = None, **kwargs: Any) -> tuple[httpx.Response, dict[str, Any]]:
        body = request_body(method, params)
        response = self.post(body, url=url, **kwargs)
        return response, body

    def result(self, method: str, params: Mapping[str, Any] | None = None, *, url: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Send a request and return its `result`, asserting a 200 JSON-RPC success."""
        response, body = self.request(method, params, url=url, **kwargs)
        assert response.status_code == 200, f"{method}: HTTP {response.status_code}: {response.text[:500]}"
        message = rpc_body(response)
        assert message.get("id") == body["id"], message
        assert "result" in message, f"{method}: expected a result, got {message}"
        return message["result"]

    def delete(self, *, url: str | None = None) -> httpx.Response:
        headers = {**self.headers, "mcp-session-id": self.session_id, "mcp-protocol-version": self.version}
        return self.client.delete(url or self.url, headers=headers)


def initialize(
    client: httpx.Client,
    url: str,
    version: str = "2025-11-25",
    *,
    headers: Mapping[str, str] | None = None,
    send_initialized: bool = True,
) -> RawSession:
    """initialize (+ notifications/initialized); asserts the handshake answers as the spec says."""
    body = request_body("initialize", initialize_params(version))
    response = post(client, url, body, headers=headers)
    assert response.status_code == 200, f"initialize at {url}: HTTP {response.status_code}: {response.text[:500]}"
    session_id = response.headers.get("mcp-session-id")
    assert session_id, f"initialize at {url}: no Mcp-Session-Id header in {dict(response.headers)}"
    assert all(0x21 <= ord(c) <= 0x7E for c in session_id), f"session id has non-visible-ASCII characters: {session_id!r}"
    message = rpc_body(response)
    assert message.get("id") == body["id"], message
    assert "result" in message, f"initialize: expected a result, got {message}"
    result = message["result"]
    session = RawSession(client, url, session_id, result.get("protocolVersion", version), result, headers)
    if send_initialized:
        r = session.post(notification_body("notifications/initialized"))
        assert r.status_code == 202, f"notifications/initialized: HTTP {r.status_code}: {r.text[:300]}"
        assert r.content == b"", f"notifications/initialized: 202 must have no body, got {r.content[:200]!r}"
    return session


def about_structured(result: dict[str, Any]) -> dict[str, Any]:
    """structuredContent of an `about` tools/call result, asserting it is a success."""
    assert result.get("isError") in (None, False), f"about returned an error: {result}"
    structured = result.get("structuredContent")
    assert isinstance(structured, dict), f"about has no structuredContent object: {result}"
    return structured


def check_about(structured: dict[str, Any], tenant: Any, version: str | None = None) -> None:
    """`about`'s structuredContent describes `tenant`'s server (and the session's version)."""
    server = structured.get("server")
    assert isinstance(server, dict), structured
    assert server.get("slug") == tenant.slug, structured
    assert server.get("name") == tenant.name, structured
    assert server.get("organization") in (tenant.org, tenant.org_name), structured
    assert tenant.slug in str(server.get("endpoint", "")), f"endpoint does not name the server: {structured}"
    assert isinstance(server.get("authMode"), str) and server["authMode"], structured
    assert "about" in str(structured.get("tools")), structured
    if version is not None:
        assert structured.get("protocolVersion") == version, structured


def result_text(result: dict[str, Any]) -> str:
    return "\n".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")
