"""Streamable HTTP edge cases against a running server, with raw httpx.

The cases whose answer depends on the session's revision (batches, notifications, version
headers, GET, DELETE then reuse, expiry, 403/406/413/415) are in test_interop_http.py, run
in a session on every revision.

Every response is checked by `helpers.check_response`: never a 500, always an
X-Request-Id header.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from harness import LATEST_VERSION, Cli, Site, module_site
from helpers import (
    ACCEPT_BOTH,
    JSON,
    RawSession,
    about_structured,
    check_about,
    http_client,
    initialize,
    initialize_params,
    notification_body,
    parse_sse,
    post,
    request_body,
    rpc_body,
    rpc_error,
)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
ONE_MIB = 1024 * 1024


@pytest.fixture(scope="module")
def edge(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One SQLite-backed server shared by this module's tests (they only add sessions)."""
    with module_site(cli, tmp_path_factory, "edge") as site:
        yield site


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client() as c:
        yield c


@pytest.fixture
def session(edge: Site, client: httpx.Client) -> RawSession:
    return initialize(client, edge.url)


# --------------------------------------------------------------------------------------
# Health


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints(edge: Site, client: httpx.Client, path: str) -> None:
    r = client.get(edge.server.base_url + path)
    assert r.status_code == 200, r.text
    assert r.headers.get("content-type", "").startswith(JSON), r.headers
    assert isinstance(r.json(), dict)


# --------------------------------------------------------------------------------------
# Handshake


def test_initialize_returns_session_and_json(edge: Site, client: httpx.Client) -> None:
    s = initialize(client, edge.url, LATEST_VERSION)
    assert s.init_result["protocolVersion"] == LATEST_VERSION
    assert s.init_result["serverInfo"]["name"]
    assert "tools" in s.init_result["capabilities"]
    other = initialize(client, edge.url, LATEST_VERSION)
    assert other.session_id != s.session_id, "two initializes returned the same session id"


def test_tools_call_about(session: RawSession, edge: Site) -> None:
    result = session.result("tools/call", {"name": "about", "arguments": {}})
    check_about(about_structured(result), edge.tenant, session.version)


def test_tools_list_describes_about(session: RawSession) -> None:
    tools = {tool["name"]: tool for tool in session.result("tools/list")["tools"]}
    about = tools.get("about")
    assert about is not None, tools
    assert about.get("description"), about
    assert about["inputSchema"].get("type") == "object", about


# --------------------------------------------------------------------------------------
# Malformed input


def test_malformed_json_is_parse_error(edge: Site, client: httpx.Client, session: RawSession) -> None:
    r = session.post('{"jsonrpc": "2.0", "id": 1, "method": ')
    assert r.status_code == 400, r.text
    body = rpc_error(r)
    assert body["error"]["code"] == PARSE_ERROR, body
    assert "id" in body and body["id"] is None, f"a parse error must carry id null: {body}"


def test_malformed_json_without_session_is_parse_error(edge: Site, client: httpx.Client) -> None:
    r = post(client, edge.url, b"{not json")
    assert r.status_code == 400, r.text
    body = rpc_error(r)
    assert body["error"]["code"] == PARSE_ERROR, body
    assert "id" in body and body["id"] is None, body


@pytest.mark.parametrize(
    "payload",
    ["42", '{"foo": 1}', '"hello"', "null", "true", '{"jsonrpc": "2.0"}'],
    ids=["number", "object-without-jsonrpc", "string", "null", "bool", "no-method"],
)
def test_json_that_is_not_jsonrpc_is_invalid_request(session: RawSession, payload: str) -> None:
    r = session.post(payload)
    assert r.status_code == 400, f"{payload}: HTTP {r.status_code}: {r.text[:300]}"
    body = rpc_error(r)
    assert body["error"]["code"] == INVALID_REQUEST, body
    assert "id" in body and body["id"] is None, body


def test_unknown_method_is_method_not_found(session: RawSession) -> None:
    r, sent = session.request("no/such/method", {})
    assert r.status_code in (200, 404), f"HTTP {r.status_code}: {r.text[:300]}"
    body = rpc_error(r)
    assert body["error"]["code"] == METHOD_NOT_FOUND, body
    assert body["id"] == sent["id"], body


def test_unknown_tool_is_an_error(session: RawSession) -> None:
    r, sent = session.request("tools/call", {"name": "no_such_tool", "arguments": {}})
    assert r.status_code in (200, 400, 404), f"HTTP {r.status_code}: {r.text[:300]}"
    body = rpc_body(r)
    assert body.get("id") == sent["id"], body
    # Either a JSON-RPC error or a tool result with isError.
    assert "error" in body or body.get("result", {}).get("isError") is True, body


def test_body_just_under_one_mib_is_not_413(session: RawSession) -> None:
    body = request_body("tools/list", {"_meta": {"padding": ""}})
    overhead = len(json.dumps(body))
    body["params"]["_meta"]["padding"] = "x" * (ONE_MIB - overhead - 16)
    r = session.post(json.dumps(body))
    assert r.status_code != 413, "a body under 1 MiB was refused as too large"
    assert r.status_code == 200, f"HTTP {r.status_code}: {r.text[:300]}"


# --------------------------------------------------------------------------------------
# Sessions


def test_request_without_session_is_400(edge: Site, client: httpx.Client) -> None:
    r = post(client, edge.url, request_body("tools/list"), version=LATEST_VERSION)
    assert r.status_code == 400, f"HTTP {r.status_code}: {r.text[:300]}"


def test_unknown_session_is_404(edge: Site, client: httpx.Client) -> None:
    r = post(client, edge.url, request_body("tools/list"), session="no-such-session-0123456789", version=LATEST_VERSION)
    assert r.status_code == 404, f"HTTP {r.status_code}: {r.text[:300]}"


def test_delete_without_session_is_400(edge: Site, client: httpx.Client) -> None:
    r = client.delete(edge.url)
    assert r.status_code == 400, f"HTTP {r.status_code}: {r.text[:300]}"




def test_initialize_with_unknown_version_answers_latest(edge: Site, client: httpx.Client) -> None:
    s = initialize(client, edge.url, "2099-01-01")
    assert s.init_result["protocolVersion"] == LATEST_VERSION


# --------------------------------------------------------------------------------------
# Tenants, Origin


def test_unknown_slug_is_404_with_json_body(edge: Site, client: httpx.Client) -> None:
    url = edge.server.mcp_url("no-such-server")
    r = post(client, url, request_body("initialize", initialize_params(LATEST_VERSION)))
    assert r.status_code == 404, f"HTTP {r.status_code}: {r.text[:300]}"
    assert r.headers.get("content-type", "").startswith(JSON), r.headers
    assert isinstance(r.json(), dict), r.text


def test_no_origin_is_ok(edge: Site, client: httpx.Client) -> None:
    s = initialize(client, edge.url)  # httpx sends no Origin
    assert s.result("tools/list")


def test_same_origin_is_ok(edge: Site, client: httpx.Client) -> None:
    s = initialize(client, edge.url, headers={"origin": edge.server.base_url})
    assert s.result("tools/list")


# --------------------------------------------------------------------------------------
# Response framing


def test_sse_only_accept_gets_one_sse_message(session: RawSession) -> None:
    r, sent = session.request("tools/list", accept="text/event-stream")
    assert r.status_code == 200, f"HTTP {r.status_code}: {r.text[:300]}"
    assert r.headers.get("content-type", "").startswith("text/event-stream"), r.headers
    events = parse_sse(r.text)
    messages = [data for event, data in events if event == "message"]
    assert len(messages) == 1, f"expected exactly one `event: message`, got {events}"
    message = json.loads(messages[0])
    assert message["jsonrpc"] == "2.0"
    assert message["id"] == sent["id"]
    assert "about" in [tool["name"] for tool in message["result"]["tools"]]


def test_json_accept_gets_json(session: RawSession) -> None:
    r, sent = session.request("tools/list", accept=ACCEPT_BOTH)
    assert r.status_code == 200
    assert r.headers.get("content-type", "").startswith(JSON), r.headers
    assert r.json()["id"] == sent["id"]


def test_every_response_has_request_id(edge: Site, client: httpx.Client, session: RawSession) -> None:
    """Explicit version of the invariant the response hook checks everywhere."""
    responses = [
        client.get(edge.server.base_url + "/healthz"),
        client.get(edge.server.base_url + "/readyz"),
        client.get(edge.url),
        client.get(edge.server.base_url + "/no/such/path"),
        post(client, edge.url, b"{"),
        post(client, edge.url, request_body("tools/list")),
        post(client, edge.url, request_body("tools/list"), session="unknown-session"),
        session.post(request_body("tools/list")),
        session.post(notification_body("notifications/initialized")),
        post(client, edge.url, request_body("tools/list"), content_type="text/plain"),
        post(client, edge.url, request_body("tools/list"), headers={"origin": "https://evil.example"}),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(ids), [(r.request.method, str(r.request.url), r.status_code, r.headers.get("x-request-id")) for r in responses]
    assert len(set(ids)) == len(ids), f"request ids are not unique: {ids}"
