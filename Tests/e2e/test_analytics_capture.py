"""Analytics capture across instances: the official MCP client's requests alternate between two
`mcplatform serve` on one PostgreSQL; both record events, one processor (a lease in the
database) turns them into one usage session, and the admin API reports exact numbers.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx2
from harness import Backend, Cli, ServerFactory
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from test_scale_out import RoundRobin

TOKEN = "e2e-analytics-token-0123456789abcdef"
FLAGS = ["--admin-token", TOKEN, "--analytics-interval-seconds", "1", "--analytics-resolution-seconds", "1"]


def overview(base_url: str, slug: str) -> dict[str, Any]:
    response = httpx2.get(f"{base_url}/api/v1/servers/{slug}/analytics?days=7", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text[:300]
    return response.json()


def test_two_instances_one_session_exact_numbers(cli: Cli, postgres_backend: Backend, server_factory: ServerFactory) -> None:
    cli.migrate(postgres_backend)
    tenant = cli.create_tenant(postgres_backend)
    a = server_factory.start(postgres_backend, name="analytics-a", extra_args=FLAGS)
    b = server_factory.start(postgres_backend, name="analytics-b", extra_args=FLAGS)
    balancer = RoundRobin([a.port, b.port])

    async def script() -> None:
        async with httpx2.AsyncClient(transport=balancer, timeout=httpx2.Timeout(30.0)) as http:
            async with streamable_http_client(a.mcp_url(tenant.slug), http_client=http) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=30.0) as session:
                    await session.initialize()
                    await session.list_tools()
                    for query in ("install the cli", "Install the CLI?", "rate limits"):
                        result = await session.call_tool("search_docs", {"query": query})
                        assert not result.is_error, result
                    feedback = await session.call_tool("submit_feedback", {"helpful": False, "comment": "nothing on rate limits"})
                    assert not feedback.is_error, feedback
                    await session.call_tool("about", {})

    anyio.run(script)
    assert all(count >= 3 for count in balancer.hits.values()), balancer.hits

    deadline = time.monotonic() + 30
    while True:
        current = overview(a.base_url, tenant.slug)["current"]
        if current["pending_searches"] == 0 and current["sessions"] == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert current["searches"] == 3, current
    assert (current["resolved_searches"], current["unresolved_searches"]) == (0, 3), "no docs: zero results; feedback on the last"
    assert current["resolution_rate"] == 0
    assert current["tool_calls"] == 5, current
    assert (current["sessions"], current["active_users"], current["dau"]) == (1, 1, 1), "one session though two instances served it"
    assert current["feedback_not_helpful"] == 1
    assert current["failed_requests"] == 0 and current["error_rate"] == 0
    assert current["requests"] >= 8, "initialize, initialized, tools/list, 5 calls (and the client's extra requests)"

    gaps = httpx2.get(
        f"{b.base_url}/api/v1/servers/{tenant.slug}/analytics/queries?kind=gaps", headers={"authorization": f"Bearer {TOKEN}"}
    ).json()["queries"]
    by_key = {gap["key"]: gap for gap in gaps}
    assert by_key["cli install"]["searches"] == 2, "two wordings, one gap"
    assert by_key["cli install"]["zero_results"] == 2
    assert by_key["limits rate"]["unresolved"] == 1
