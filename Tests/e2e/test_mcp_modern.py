"""The 2026-07-28 (stateless) revision with the official Python SDK (`mcp` 2.3.0).

`mcp.Client(url)` in its default `mode="auto"` probes `server/discover` at 2026-07-28; our
DiscoverResult lists 2026-07-28, so the client adopts it in that one round trip: no
`initialize`, no session id, no GET stream, no DELETE. Then it searches the docs and goes
through a walkthrough, whose progress an anonymous modern client keeps across connections
(same address, User-Agent and clientInfo: the stateless participant). `mode="legacy"` still
runs the handshake.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import mcp
import pytest
from harness import (
    LATEST_VERSION,
    MODERN_VERSION,
    Backend,
    Cli,
    ServerFactory,
    ServerProcess,
    Tenant,
)
from mcp import types
from mcp.client.streamable_http import streamable_http_client
from oauth_support import ADMIN_TOKEN, run_async
from test_walkthroughs_mcp import SLUG, publish_walkthrough

TEST_TIMEOUT = 60.0


@pytest.fixture
def published(cli: Cli, backend: Backend, server_factory: ServerFactory) -> Iterator[tuple[ServerProcess, Tenant]]:
    """An instance whose tenant has walkthrough SLUG published."""
    cli.migrate(backend)
    tenant = cli.create_tenant(backend)
    server = server_factory.start(backend, extra_args=["--admin-token", ADMIN_TOKEN])
    publish_walkthrough(server.base_url, tenant.slug)
    yield server, tenant


class Wire:
    """Every HTTP exchange of a client: (verb, JSON-RPC method, status, request and response headers)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, int, httpx2.Headers, httpx2.Headers]] = []

    async def record(self, response: httpx2.Response) -> None:
        request = response.request
        method = json.loads(request.content).get("method") if request.method == "POST" else None
        self.seen.append((request.method, method, response.status_code, request.headers, response.headers))

    def client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), event_hooks={"response": [self.record]})

    def posts(self) -> list[tuple[str | None, int]]:
        return [(method, status) for verb, method, status, _, _ in self.seen if verb == "POST"]


def text_of(result: types.CallToolResult) -> str:
    assert not result.is_error, result
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def test_auto_mode_ends_on_the_modern_revision_in_one_round_trip(published: tuple[ServerProcess, Tenant]) -> None:
    server, tenant = published
    url = server.mcp_url(tenant.slug)
    first, second = Wire(), Wire()

    async def body() -> None:
        async with first.client() as http, mcp.Client(streamable_http_client(url, http_client=http)) as client:
            assert first.posts() == [("server/discover", 200)], first.seen
            assert client.protocol_version == MODERN_VERSION
            discovered = client.session.discover_result
            assert discovered is not None and client.session.initialize_result is None
            assert discovered.supported_versions[0] == MODERN_VERSION and LATEST_VERSION in discovered.supported_versions
            assert discovered.instructions and "list_walkthroughs" in discovered.instructions, discovered

            names = [tool.name for tool in (await client.list_tools()).tools]
            assert {"search_docs", "start_walkthrough", "complete_step"} <= set(names), names
            search = await client.call_tool("search_docs", {"query": "install"})
            assert not search.is_error, search
            assert "Step 1 of 3" in text_of(await client.call_tool("start_walkthrough", {"slug": SLUG}))
            assert "Step 2 of 3" in text_of(await client.call_tool("complete_step", {"slug": SLUG, "step": 1}))

        # A new connection of the same anonymous client: its progress is still there.
        async with second.client() as http, mcp.Client(streamable_http_client(url, http_client=http)) as client:
            assert client.protocol_version == MODERN_VERSION
            assert "Step 2 of 3" in text_of(await client.call_tool("get_walkthrough_step", {"slug": SLUG}))

    run_async(body, TEST_TIMEOUT)
    posts = first.posts()
    # One discover, no handshake; the SDK's check of structuredContent against the output
    # schemas reuses the tools/list it cached for ttlMs.
    assert [method for method, _ in posts] == ["server/discover", "tools/list", "tools/call", "tools/call", "tools/call"], posts
    assert all(status == 200 for _, status in posts), posts
    for verb, method, _, sent, answered in first.seen + second.seen:
        assert verb == "POST", f"a modern client sends no GET or DELETE: {verb}"
        assert sent.get("mcp-protocol-version") == MODERN_VERSION and sent.get("mcp-method") == method, sent
        assert "mcp-session-id" not in sent and "mcp-session-id" not in answered, (sent, answered)


def test_legacy_mode_still_runs_the_handshake(server: ServerProcess, tenant: Tenant) -> None:
    wire = Wire()

    async def body() -> None:
        async with wire.client() as http, mcp.Client(
            streamable_http_client(server.mcp_url(tenant.slug), http_client=http), mode="legacy"
        ) as client:
            assert client.protocol_version == LATEST_VERSION
            assert client.session.initialize_result is not None and client.session.discover_result is None
            result = await client.call_tool("about", {})
            assert result.structured_content["protocolVersion"] == LATEST_VERSION, result

    run_async(body, TEST_TIMEOUT)
    posts = wire.posts()
    assert posts[:2] == [("initialize", 200), ("notifications/initialized", 202)], posts
    assert "server/discover" not in [method for method, _ in posts], posts


def test_modern_results_carry_type_identity_and_cache_hints(server: ServerProcess, tenant: Tenant) -> None:
    """What the SDK parsed, checked on the raw results it received."""
    results: dict[str, Any] = {}

    async def record(response: httpx2.Response) -> None:
        await response.aread()
        if response.request.method == "POST" and response.headers.get("content-type", "").startswith("application/json"):
            message = response.json()
            results[json.loads(response.request.content)["method"]] = message.get("result")

    async def body() -> None:
        hooks = {"response": [record]}
        async with httpx2.AsyncClient(timeout=30.0, event_hooks=hooks) as http, mcp.Client(
            streamable_http_client(server.mcp_url(tenant.slug), http_client=http)
        ) as client:
            await client.list_tools()
            await client.call_tool("about", {})

    run_async(body, TEST_TIMEOUT)
    for method, ttl in [("server/discover", 300_000), ("tools/list", 60_000), ("tools/call", None)]:
        result = results[method]
        assert result["resultType"] == "complete", result
        assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == tenant.slug, result
        assert result.get("ttlMs") == ttl, (method, result)
        assert result.get("cacheScope") == (None if ttl is None else "public"), (method, result)
