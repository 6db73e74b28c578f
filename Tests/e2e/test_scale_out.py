"""Several instances on one PostgreSQL database, and tenant isolation.

Sessions live in the database, so any instance serves any session; a session belongs to
exactly one MCP server and is unknown everywhere else.
"""

from __future__ import annotations

import itertools
from typing import Any

import anyio
import httpx2
import pytest
from harness import LATEST_VERSION, Backend, Cli, ServerFactory
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from helpers import about_structured, check_about, http_client, initialize, notification_body, result_text


@pytest.fixture
def two_instances(cli: Cli, postgres_backend: Backend, server_factory: ServerFactory):
    cli.migrate(postgres_backend)
    tenant = cli.create_tenant(postgres_backend)
    a = server_factory.start(postgres_backend, name="instance-a")
    b = server_factory.start(postgres_backend, name="instance-b")
    return tenant, a, b


def test_session_moves_between_instances(two_instances) -> None:
    tenant, a, b = two_instances
    with http_client() as client:
        on_a = initialize(client, a.mcp_url(tenant.slug), LATEST_VERSION)
        url_b = b.mcp_url(tenant.slug)

        tools = on_a.result("tools/list", url=url_b)
        assert "about" in [tool["name"] for tool in tools["tools"]]

        result = on_a.result("tools/call", {"name": "about", "arguments": {}}, url=url_b)
        check_about(about_structured(result), tenant, LATEST_VERSION)
        assert tenant.name in result_text(result)

        r = on_a.delete(url=url_b)
        assert 200 <= r.status_code < 300, f"DELETE on B: HTTP {r.status_code}: {r.text[:300]}"
        r, _ = on_a.request("tools/list")
        assert r.status_code == 404, f"session deleted on B, reused on A: HTTP {r.status_code}: {r.text[:300]}"
        r, _ = on_a.request("tools/list", url=url_b)
        assert r.status_code == 404, f"session deleted on B, reused on B: HTTP {r.status_code}: {r.text[:300]}"


def test_negotiated_version_is_kept_across_instances(two_instances) -> None:
    tenant, a, b = two_instances
    with http_client() as client:
        on_a = initialize(client, a.mcp_url(tenant.slug), "2025-03-26")
        assert on_a.version == "2025-03-26"
        result = on_a.result("tools/call", {"name": "about", "arguments": {}}, url=b.mcp_url(tenant.slug))
        assert about_structured(result)["protocolVersion"] == "2025-03-26"


class RoundRobin(httpx2.AsyncBaseTransport):
    """A load balancer in front of several instances: each request goes to the next port."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = itertools.cycle(ports)
        self._inner = httpx2.AsyncHTTPTransport()
        self.hits: dict[int, int] = {port: 0 for port in ports}

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = next(self._ports)
        self.hits[port] += 1
        request.url = request.url.copy_with(port=port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_sdk_client_behind_round_robin_balancer(two_instances) -> None:
    """The official client, every HTTP request alternating between the two instances."""
    tenant, a, b = two_instances
    balancer = RoundRobin([a.port, b.port])

    async def body() -> Any:
        async with httpx2.AsyncClient(transport=balancer, timeout=httpx2.Timeout(30.0, read=60.0)) as http:
            async with streamable_http_client(a.mcp_url(tenant.slug), http_client=http) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=30.0) as session:
                    init = await session.initialize()
                    assert init.protocol_version == LATEST_VERSION
                    for _ in range(3):
                        tools = await session.list_tools()
                        assert "about" in [tool.name for tool in tools.tools]
                        result = await session.call_tool("about", {})
                        assert not result.is_error, result
                        assert isinstance(result.structured_content, dict)
                        assert result.structured_content["server"]["slug"] == tenant.slug

    async def main() -> Any:
        with anyio.fail_after(60):
            return await body()

    anyio.run(main)
    assert all(count >= 3 for count in balancer.hits.values()), balancer.hits


def test_tenants_cannot_see_each_other(cli: Cli, backend: Backend, server_factory: ServerFactory) -> None:
    cli.migrate(backend)
    t1 = cli.create_tenant(backend)
    t2 = cli.create_tenant(backend)
    server = server_factory.start(backend)
    with http_client() as client:
        s1 = initialize(client, server.mcp_url(t1.slug))
        s2 = initialize(client, server.mcp_url(t2.slug))

        # Each session works on its own server and reports that server.
        assert about_structured(s1.result("tools/call", {"name": "about", "arguments": {}}))["server"]["slug"] == t1.slug
        assert about_structured(s2.result("tools/call", {"name": "about", "arguments": {}}))["server"]["slug"] == t2.slug

        # s1's session against s2's endpoint (both URL forms): unknown session.
        for kwargs in (
            {"url": server.mcp_url(t2.slug)},
            {"url": f"{server.base_url}/mcp", "headers": {"host": server.host_header(t2.slug)}},
        ):
            for method, params in (("tools/list", None), ("tools/call", {"name": "about", "arguments": {}})):
                r, _ = s1.request(method, params, **kwargs)
                assert r.status_code == 404, f"{method} with t1's session at {kwargs}: HTTP {r.status_code}: {r.text[:300]}"
            r = s1.post(notification_body("notifications/initialized"), **kwargs)
            assert r.status_code == 404, f"notification with t1's session at {kwargs}: HTTP {r.status_code}"

        # Deleting through the wrong server does not end the session.
        r = client.delete(server.mcp_url(t2.slug), headers={"mcp-session-id": s1.session_id, "mcp-protocol-version": s1.version})
        assert r.status_code == 404, f"DELETE t1's session at t2: HTTP {r.status_code}: {r.text[:300]}"
        assert s1.result("tools/list")


def test_tenants_isolated_across_instances(two_instances, cli: Cli, postgres_backend: Backend) -> None:
    tenant, a, b = two_instances
    other = cli.create_tenant(postgres_backend)
    with http_client() as client:
        on_a = initialize(client, a.mcp_url(tenant.slug))
        r, _ = on_a.request("tools/list", url=b.mcp_url(other.slug))
        # `other` was created after B started: B must find it (no stale tenant cache),
        # and must not accept `tenant`'s session for it.
        assert r.status_code == 404, f"HTTP {r.status_code}: {r.text[:300]}"
        assert "mcp-session-id" not in r.headers
        fresh = initialize(client, b.mcp_url(other.slug))
        result = fresh.result("tools/call", {"name": "about", "arguments": {}}, url=a.mcp_url(other.slug))
        assert about_structured(result)["server"]["slug"] == other.slug
