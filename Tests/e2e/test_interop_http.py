"""The raw HTTP column of the interop matrix: Streamable HTTP edge cases with httpx, in a
session on each revision (test ids `http-<revision>-<case>`), and what real clients do when
their session disappears under them (expired, or ended by another client).

Revision-independent edge cases (malformed JSON, framing, tenants) are in test_http_edges.py.
Every response is checked by `helpers.check_response` (never a 500, always X-Request-Id).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from harness import SUPPORTED_VERSIONS, Cli, Site
from interop_support import MODERN, SESSION_PROFILES, Profile, site_fixture
from mcp.shared.exceptions import MCPError

from helpers import (
    RawSession,
    about_structured,
    http_client,
    initialize,
    initialize_params,
    notification_body,
    post,
    request_body,
    rpc_body,
    rpc_error,
)

INVALID_REQUEST = -32600
SESSION_NOT_FOUND = -32001
ONE_MIB = 1024 * 1024


@pytest.fixture(scope="module")
def site(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from site_fixture(cli, tmp_path_factory, "interop-sqlite")


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client() as c:
        yield c


@pytest.fixture(params=SUPPORTED_VERSIONS, ids=lambda version: f"http-{version}")
def session(request: pytest.FixtureRequest, site: Site, client: httpx.Client) -> RawSession:
    """A fresh session on each revision the server speaks."""
    return initialize(client, site.url, request.param)


def test_batch(session: RawSession) -> None:
    """JSON-RPC batches: part of 2025-03-26 only; removed from 2025-06-18 on."""
    batch = [request_body("tools/list"), notification_body("notifications/initialized"), request_body("ping")]
    r = session.post(batch)
    if session.version == "2025-03-26":
        assert r.status_code == 200, r.text
        replies = r.json()
        assert isinstance(replies, list), replies
        assert [reply["id"] for reply in replies] == [batch[0]["id"], batch[2]["id"]], replies
        assert "about" in [tool["name"] for tool in replies[0]["result"]["tools"]] and replies[1]["result"] == {}, replies
        only_notifications = session.post([notification_body("notifications/initialized")])
        assert only_notifications.status_code == 202 and only_notifications.content == b"", only_notifications.text
    else:
        assert r.status_code == 400, r.text
        error = rpc_error(r)["error"]
        assert error["code"] == INVALID_REQUEST and session.version in error["message"], error


def test_batch_without_session(site: Site, client: httpx.Client) -> None:
    """initialize can never be batched, so a batch without a session is refused on any revision."""
    r = post(client, site.url, [request_body("initialize", initialize_params("2025-03-26"))])
    assert r.status_code == 400, r.text
    assert "mcp-session-id" not in r.headers


def test_notification_is_202_without_body(session: RawSession) -> None:
    for accept in ("application/json, text/event-stream", "text/event-stream"):
        r = session.post(notification_body("notifications/initialized"), accept=accept)
        assert r.status_code == 202, r.text
        assert r.content == b"", r.content


def test_missing_version_header_means_the_sessions_revision(session: RawSession) -> None:
    """After initialize, a request without MCP-Protocol-Version is taken to be on the session's
    revision (the spec's fallback to 2025-03-26 exists for servers that cannot know it; we can),
    so a batch without the header is still refused on 2025-06-18 and later."""
    r = session.post(request_body("tools/call", {"name": "about", "arguments": {}}), version=None)
    assert r.status_code == 200, r.text
    assert about_structured(rpc_body(r)["result"])["protocolVersion"] == session.version
    batch = session.post([request_body("ping")], version=None)
    assert batch.status_code == (200 if session.version == "2025-03-26" else 400), batch.text


def test_invalid_version_header_is_400_with_supported_list(session: RawSession) -> None:
    r, _ = session.request("tools/list", version="1999-01-01")
    assert r.status_code == 400, r.text
    error = rpc_error(r)["error"]
    assert error["code"] == -32022, error
    assert error["data"] == {"supported": [MODERN, *sorted(SUPPORTED_VERSIONS, reverse=True)], "requested": "1999-01-01"}, error


def test_version_header_of_another_revision_is_400(session: RawSession) -> None:
    other = next(version for version in SUPPORTED_VERSIONS if version != session.version)
    r, _ = session.request("tools/list", version=other)
    assert r.status_code == 400, r.text
    assert session.version in rpc_error(r)["error"]["message"]


def test_get_is_405_with_allow(session: RawSession, site: Site, client: httpx.Client) -> None:
    """No server-to-client SSE stream is offered on any revision."""
    headers = {"accept": "text/event-stream", "mcp-session-id": session.session_id, "mcp-protocol-version": session.version}
    for sent in (headers, {"accept": "text/event-stream"}):
        r = client.get(site.url, headers=sent)
        assert r.status_code == 405, r.text
        assert "POST" in r.headers.get("allow", ""), r.headers


def test_delete_then_reuse_is_404(session: RawSession) -> None:
    assert session.result("tools/list")
    assert session.delete().status_code == 204
    r, _ = session.request("tools/list")
    assert r.status_code == 404 and rpc_error(r)["error"]["code"] == SESSION_NOT_FOUND, r.text
    r = session.post(notification_body("notifications/initialized"))
    assert r.status_code == 404, r.text
    assert session.delete().status_code == 404


def test_expired_session_is_404(session: RawSession, site: Site) -> None:
    """A session idle for longer than --session-idle-timeout (backdated in the database)."""
    assert session.result("tools/list")
    backdate(site, session.session_id)
    r, _ = session.request("tools/list")
    assert r.status_code == 404 and rpc_error(r)["error"]["code"] == SESSION_NOT_FOUND, r.text


def test_wrong_accept_is_406(session: RawSession, site: Site, client: httpx.Client) -> None:
    r, _ = session.request("tools/list", accept="text/html")
    assert r.status_code == 406, r.text
    r = post(client, site.url, request_body("initialize", initialize_params(session.version)), accept="text/html")
    assert r.status_code == 406 and "mcp-session-id" not in r.headers, r.text


def test_wrong_content_type_is_415(session: RawSession) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        r, _ = session.request("tools/list", content_type=content_type)
        assert r.status_code == 415, r.text


def test_oversized_body_is_413(session: RawSession) -> None:
    padding = "x" * (ONE_MIB + 1024)
    r = session.post(json.dumps(request_body("tools/call", {"name": "about", "arguments": {"padding": padding}})))
    assert r.status_code == 413, r.text
    assert session.result("tools/list"), "the session must survive a refused body"


def test_foreign_origin_is_403(session: RawSession, site: Site, client: httpx.Client) -> None:
    r, _ = session.request("tools/list", headers={"origin": "https://evil.example"})
    assert r.status_code == 403, r.text
    body = request_body("initialize", initialize_params(session.version))
    r = post(client, site.url, body, headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "mcp-session-id" not in r.headers, r.text


def backdate(site: Site, session_id: str) -> None:
    """Makes a session look idle for two days (timestamps are milliseconds in SQLite)."""
    with sqlite3.connect(site.backend.data_dir / "mcplatform.sqlite", timeout=10) as db:
        changed = db.execute(
            "UPDATE mcp_sessions SET last_seen_at = last_seen_at - ? WHERE id = ?", (2 * 86_400_000, session_id)
        ).rowcount
    assert changed == 1, session_id


# --------------------------------------------------------------------------------------
# Real clients and the end of their sessions. Neither the SDK nor fastmcp re-initializes on
# its own when its session is gone: both raise the server's 404 error (JSON-RPC -32001
# "Session not found"), and a new connection, which is what applications do on that error,
# works at once.


def end_elsewhere(site: Site, session_id: str, how: str) -> None:
    if how == "expired":
        backdate(site, session_id)
        return
    with http_client() as other:
        r = other.delete(site.url, headers={"mcp-session-id": session_id})
        assert r.status_code == 204, r.text


def run_with_timeout(body: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        with anyio.fail_after(60):
            await body()

    anyio.run(main)


@pytest.mark.parametrize("how", ["deleted", "expired"])
@pytest.mark.parametrize("profile", SESSION_PROFILES, ids=lambda profile: profile.id)
def test_client_after_its_session_ends(site: Site, profile: Profile, how: str) -> None:
    async def body() -> None:
        before = open_sessions(site)
        async with profile.connect(site.url) as driver:
            assert not (await driver.call_tool("about", {})).is_error
            (mine,) = open_sessions(site) - before
            end_elsewhere(site, mine, how)
            with pytest.raises(MCPError) as error:
                await driver.call_tool("about", {})
            assert error.value.code == SESSION_NOT_FOUND, error.value
        async with profile.connect(site.url) as driver:
            assert not (await driver.call_tool("about", {})).is_error

    run_with_timeout(body)


@pytest.mark.parametrize("profile", SESSION_PROFILES, ids=lambda profile: f"{profile.id}-closes-its-session")
def test_client_ends_its_session_on_close(site: Site, profile: Profile) -> None:
    """Every client sends DELETE when it closes: its session is over at once, nothing lingers
    until the idle timeout."""
    before = open_sessions(site)
    mine: set[str] = set()

    async def body() -> None:
        async with profile.connect(site.url) as driver:
            await driver.ping()
            mine.update(open_sessions(site) - before)

    run_with_timeout(body)
    assert len(mine) == 1, f"{profile.id} opened {len(mine)} sessions"
    assert not (mine & open_sessions(site)), f"{profile.id} left its session open"


def open_sessions(site: Site) -> set[str]:
    with sqlite3.connect(site.backend.data_dir / "mcplatform.sqlite", timeout=10) as db:
        return {row[0] for row in db.execute("SELECT id FROM mcp_sessions WHERE ended_at IS NULL")}


# --------------------------------------------------------------------------------------
# 2026-07-28: stateless, no initialize; every POST carries the version in a header and in
# _meta, Mcp-Method (and Mcp-Name for tools/call, prompts/get, resources/read).

HEADER_MISMATCH = -32020
UNSUPPORTED_VERSION = -32022


def modern_body(method: str, params: dict[str, Any] | None = None, *, version: str = MODERN) -> dict[str, Any]:
    meta = {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientInfo": {"name": "mcplatform-e2e", "version": "1.0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    return request_body(method, {**(params or {}), "_meta": meta})


def modern_post(client: httpx.Client, site: Site, body: Any, **headers: str) -> httpx.Response:
    """POSTs `body` with the modern headers derived from it; `headers` override or (None) drop them."""
    derived = {"mcp-method": body.get("method", "") if isinstance(body, dict) else ""}
    params = body.get("params", {}) if isinstance(body, dict) else {}
    if "name" in params or "uri" in params:
        derived["mcp-name"] = params.get("name") or params.get("uri")
    derived.update({name.replace("_", "-"): value for name, value in headers.items()})
    version = derived.pop("mcp-protocol-version", MODERN)
    return post(client, site.url, body, version=version, headers={k: v for k, v in derived.items() if v is not None})


def test_modern_discover(site: Site, client: httpx.Client) -> None:
    r = modern_post(client, site, modern_body("server/discover"))
    assert r.status_code == 200 and "mcp-session-id" not in r.headers, r.text
    result = rpc_body(r)["result"]
    assert result["supportedVersions"] == [MODERN, *sorted(SUPPORTED_VERSIONS, reverse=True)], result
    assert result["resultType"] == "complete" and result["cacheScope"] in ("public", "private") and result["ttlMs"] >= 0, result
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == site.tenant.slug, result
    assert "tools" in result["capabilities"], result


def test_modern_tools_call_without_a_session(site: Site, client: httpx.Client) -> None:
    """A tools/call with no initialize before it; an Mcp-Session-Id sent along is ignored."""
    body = modern_body("tools/call", {"name": "about", "arguments": {}})
    r = modern_post(client, site, body, mcp_session_id="no-such-session")
    assert r.status_code == 200 and "mcp-session-id" not in r.headers, r.text
    result = rpc_body(r)["result"]
    assert result["resultType"] == "complete" and about_structured(result)["protocolVersion"] == MODERN, result


def test_modern_batch_is_400(site: Site, client: httpx.Client) -> None:
    r = post(client, site.url, [modern_body("tools/list")], version=MODERN, headers={"mcp-method": "tools/list"})
    assert r.status_code == 400 and rpc_error(r)["error"]["code"] == INVALID_REQUEST, r.text


def test_modern_notification_is_202(site: Site, client: httpx.Client) -> None:
    r = modern_post(client, site, notification_body("notifications/cancelled", {"requestId": 1}))
    assert r.status_code == 202 and r.content == b"", r.text


@pytest.mark.parametrize(
    ("headers", "case"),
    [
        ({"mcp_method": None}, "no-mcp-method"),
        ({"mcp_method": "tools/list"}, "mcp-method-differs"),
        ({"mcp_name": None}, "no-mcp-name"),
        ({"mcp_name": "search_docs"}, "mcp-name-differs"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_modern_header_mismatch_is_400(site: Site, client: httpx.Client, headers: dict[str, str | None], case: str) -> None:
    r = modern_post(client, site, modern_body("tools/call", {"name": "about", "arguments": {}}), **headers)
    assert r.status_code == 400 and rpc_error(r)["error"]["code"] == HEADER_MISMATCH, (case, r.text)


def test_modern_version_header_differs_from_meta_is_400(site: Site, client: httpx.Client) -> None:
    r = modern_post(client, site, modern_body("tools/list", version="2099-01-01"))
    assert r.status_code == 400 and rpc_error(r)["error"]["code"] == HEADER_MISMATCH, r.text


def test_modern_missing_meta_is_400(site: Site, client: httpx.Client) -> None:
    r = modern_post(client, site, request_body("tools/list", {}))
    assert r.status_code == 400 and rpc_error(r)["error"]["code"] == -32602, r.text


def test_unsupported_version_on_a_modern_request_is_400_with_supported(site: Site, client: httpx.Client) -> None:
    r = modern_post(client, site, modern_body("server/discover", version="2099-01-01"), mcp_protocol_version="2099-01-01")
    assert r.status_code == 400, r.text
    error = rpc_error(r)["error"]
    assert error["code"] == UNSUPPORTED_VERSION and MODERN in error["data"]["supported"], error


def test_modern_missing_version_header_is_a_legacy_request(site: Site, client: httpx.Client) -> None:
    """Without MCP-Protocol-Version the request is taken as legacy (the spec's 2025-03-26
    fallback), which needs a session: 400."""
    r = post(client, site.url, modern_body("tools/list"), headers={"mcp-method": "tools/list"})
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("method", ["ping", "logging/setLevel", "no/such/method"])
def test_modern_removed_or_unknown_method_is_404(site: Site, client: httpx.Client, method: str) -> None:
    r = modern_post(client, site, modern_body(method))
    assert r.status_code == 404 and rpc_error(r)["error"]["code"] == -32601, r.text


@pytest.mark.parametrize("verb", ["GET", "DELETE"])
def test_modern_get_and_delete_are_405(site: Site, client: httpx.Client, verb: str) -> None:
    r = client.request(verb, site.url, headers={"accept": "text/event-stream", "mcp-protocol-version": MODERN})
    assert r.status_code == 405 and r.headers.get("allow") == "POST", r.text


def test_modern_transport_refusals(site: Site, client: httpx.Client) -> None:
    """406, 415, 413 and 403 as on every revision."""
    body = modern_body("tools/list")
    assert modern_post(client, site, body, accept="text/html").status_code == 406
    r = post(client, site.url, body, version=MODERN, headers={"mcp-method": "tools/list"}, content_type="text/plain")
    assert r.status_code == 415, r.text
    big = modern_body("tools/call", {"name": "about", "arguments": {"padding": "x" * (ONE_MIB + 1024)}})
    assert modern_post(client, site, big).status_code == 413
    assert modern_post(client, site, body, origin="https://evil.example").status_code == 403
