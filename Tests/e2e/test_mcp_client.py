"""End to end with the official Python MCP SDK (`mcp` 2.x) as the client.

Low level: `streamable_http_client` + `ClientSession`, with the `initialize` request sent by
hand so that a specific protocol version is offered (`ClientSession.initialize()` always
offers the SDK's newest handshake version, 2025-11-25), then `session.adopt(result)` and
`notifications/initialized`, exactly as `ClientSession.initialize()` does.

High level: `mcp.Client(url)` in its default `mode="auto"`: it probes `server/discover`
at 2026-07-28 first, and MCPlatform's DiscoverResult keeps it on that stateless revision
(test_mcp_modern.py has more of it, and `mode="legacy"`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import mcp
import mcp.types as types
import pytest
from harness import LATEST_VERSION, MODERN_VERSION, SUPPORTED_VERSIONS, Backend, Cli, ServerFactory, ServerProcess, Tenant
from mcp import ClientSession
from mcp.client.session import LoggingFnT
from mcp.client.streamable_http import streamable_http_client

from helpers import (
    about_structured,
    check_about,
    http_client,
    initialize,
    initialize_params,
    post,
    request_body,
    result_text,
)

CLIENT_INFO = types.Implementation(name="mcplatform-e2e", version="1.0")
TEST_TIMEOUT = 60.0


def run(fn: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async test body with an overall deadline, so a hung server fails the test."""

    async def main() -> Any:
        with anyio.fail_after(TEST_TIMEOUT):
            return await fn()

    return anyio.run(main)


def _http_client(host: str | None = None) -> httpx2.AsyncClient:
    headers = {"Host": host} if host else None
    return httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=60.0))


@asynccontextmanager
async def legacy_session(
    url: str, version: str, *, host: str | None = None, logging_callback: LoggingFnT | None = None
) -> AsyncIterator[tuple[ClientSession, types.InitializeResult]]:
    """A ClientSession whose initialize offers `version` (optionally sent with a Host header;
    `logging_callback` receives the server's log messages)."""
    async with _http_client(host) as client:
        async with streamable_http_client(url, http_client=client) as (read, write):
            async with ClientSession(
                read, write, read_timeout_seconds=30.0, client_info=CLIENT_INFO, logging_callback=logging_callback
            ) as session:
                result = await session.send_request(
                    types.InitializeRequest(
                        params=types.InitializeRequestParams(
                            protocol_version=version,
                            capabilities=types.ClientCapabilities(),
                            client_info=CLIENT_INFO,
                        )
                    ),
                    types.InitializeResult,
                )
                session.adopt(result)
                await session.send_notification(types.InitializedNotification())
                yield session, result


def _text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def assert_about(result: types.CallToolResult, tenant: Tenant, version: str | None = None) -> None:
    assert not result.is_error, f"about returned isError: {result}"
    text = _text(result)
    assert tenant.name in text, f"about text does not mention the server name {tenant.name!r}: {text!r}"
    structured = result.structured_content
    assert isinstance(structured, dict), f"about has no structuredContent: {result}"
    check_about(structured, tenant, version)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_session_per_protocol_version(server: ServerProcess, tenant: Tenant, backend: Backend, version: str) -> None:
    async def body() -> None:
        async with legacy_session(server.mcp_url(tenant.slug), version) as (session, init):
            assert init.protocol_version == version
            assert session.protocol_version == version
            assert init.server_info.name, init
            assert init.capabilities.tools is not None, f"server does not declare the tools capability: {init}"

            tools = await session.list_tools()
            names = [tool.name for tool in tools.tools]
            assert "about" in names, names

            result = await session.call_tool("about", {})
            assert_about(result, tenant, version)

    run(body)


def test_unknown_version_negotiates_latest(server: ServerProcess, tenant: Tenant) -> None:
    async def body() -> None:
        async with legacy_session(server.mcp_url(tenant.slug), "2099-01-01") as (session, init):
            assert init.protocol_version == LATEST_VERSION
            result = await session.call_tool("about", {})
            assert_about(result, tenant, LATEST_VERSION)

    run(body)


def test_high_level_client_stays_on_the_modern_revision(server: ServerProcess, tenant: Tenant) -> None:
    async def body() -> None:
        async with mcp.Client(server.mcp_url(tenant.slug)) as client:
            # mode="auto": server/discover answered with 2026-07-28 among our versions, no handshake.
            assert client.session.discover_result is not None
            assert client.session.initialize_result is None
            assert client.protocol_version == MODERN_VERSION
            tools = await client.list_tools()
            assert "about" in [tool.name for tool in tools.tools]
            result = await client.call_tool("about", {})
            assert_about(result, tenant, MODERN_VERSION)

    run(body)


@pytest.mark.parametrize("version", [SUPPORTED_VERSIONS[0], LATEST_VERSION])
def test_host_based_endpoint_with_sdk(server: ServerProcess, tenant: Tenant, version: str) -> None:
    """`http://<slug>.localhost:PORT/mcp`: sent to 127.0.0.1 with that Host header."""

    async def body() -> None:
        url = f"{server.base_url}/mcp"
        async with legacy_session(url, version, host=server.host_header(tenant.slug)) as (session, init):
            assert init.protocol_version == version
            result = await session.call_tool("about", {})
            assert_about(result, tenant, version)

    run(body)


def test_high_level_client_host_based(server: ServerProcess, tenant: Tenant) -> None:
    """mcp.Client over a given transport (Host header form); also checks the wire sequence:
    the server/discover probe is answered, and the client goes on statelessly (no session to end)."""
    seen: list[tuple[str, str | None, int]] = []

    async def record(response: httpx2.Response) -> None:
        request = response.request
        method = None
        if request.method == "POST":
            method = json.loads(request.content).get("method")
        seen.append((request.method, method, response.status_code))

    async def body() -> None:
        async with httpx2.AsyncClient(
            headers={"Host": server.host_header(tenant.slug)},
            timeout=httpx2.Timeout(30.0, read=60.0),
            event_hooks={"response": [record]},
        ) as http:
            transport = streamable_http_client(f"{server.base_url}/mcp", http_client=http)
            async with mcp.Client(transport) as client:
                assert client.protocol_version == MODERN_VERSION
                result = await client.call_tool("about", {})
                assert_about(result, tenant, MODERN_VERSION)

    run(body)
    # (The client also lists the tools, to validate the call's structuredContent.)
    assert seen[0] == ("POST", "server/discover", 200), seen
    assert ("POST", "tools/call", 200) in seen, seen
    assert all(verb == "POST" and method not in ("initialize", "server/discover") for verb, method, _ in seen[1:]), seen


def test_both_url_forms_raw(server: ServerProcess, tenant: Tenant) -> None:
    """Both URL forms reach the same MCP server (raw HTTP), and `about` reports its endpoint."""
    with http_client() as client:
        path_session = initialize(client, server.mcp_url(tenant.slug))
        host_session = initialize(
            client, f"{server.base_url}/mcp", headers={"host": server.host_header(tenant.slug)}
        )
        for session in (path_session, host_session):
            result = session.result("tools/call", {"name": "about", "arguments": {}})
            check_about(about_structured(result), tenant, LATEST_VERSION)
            assert tenant.name in result_text(result)

        # A session belongs to the server it was made on, not to the URL form.
        assert path_session.result("tools/list", url=f"{server.base_url}/mcp", headers={"host": server.host_header(tenant.slug)})
        # The host form with an unknown slug is not found.
        r = post(
            client,
            f"{server.base_url}/mcp",
            request_body("initialize", initialize_params(LATEST_VERSION)),
            headers={"host": server.host_header("no-such-server")},
        )
        assert r.status_code == 404, f"unknown host-based slug: HTTP {r.status_code}: {r.text[:300]}"


def test_custom_base_domain(cli: Cli, sqlite_backend: Backend, server_factory: ServerFactory) -> None:
    """`serve --base-domain mcp.example.test`: servers answer on <slug>.mcp.example.test only."""
    cli.migrate(sqlite_backend)
    tenant = cli.create_tenant(sqlite_backend)
    server = server_factory.start(sqlite_backend, extra_args=["--base-domain", "mcp.example.test"])
    url = f"{server.base_url}/mcp"
    with http_client() as client:
        session = initialize(client, url, headers={"host": server.host_header(tenant.slug, "mcp.example.test")})
        structured = about_structured(session.result("tools/call", {"name": "about", "arguments": {}}))
        check_about(structured, tenant, LATEST_VERSION)
        assert "mcp.example.test" in structured["server"]["endpoint"], structured

        body = request_body("initialize", initialize_params(LATEST_VERSION))
        r = post(client, url, body, headers={"host": server.host_header(tenant.slug, "localhost")})
        assert r.status_code == 404, f"<slug>.localhost with --base-domain mcp.example.test: HTTP {r.status_code}"
        # The path form works on any host.
        assert initialize(client, server.mcp_url(tenant.slug)).result("tools/list")
