"""`/metrics` read by a Prometheus text parser (`prometheus_client`) after known traffic from
the official `mcp` client: exact tool-call counts per tenant, tenants kept apart, the bearer
token, and loopback-only access without one."""

from __future__ import annotations

from pathlib import Path

import anyio
import mcp
from harness import Backend, Cli, ServerFactory, ServerProcess
from prometheus_client.parser import text_string_to_metric_families

from helpers import http_client

TOKEN = "metrics-e2e-token-0123456789abcdef"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(server: ServerProcess, token: str | None = TOKEN) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with http_client() as http:
        response = http.get(f"{server.base_url}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4"), response.headers
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def matching(samples: Samples, name: str, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return {key: v for (sample, key), v in samples.items() if sample == name and wanted <= key}


async def session_calls(url: str, calls: list[tuple[str, dict]]) -> list[bool]:
    """Runs `calls` in one session of the high-level client; returns each result's isError."""
    outcomes = []
    async with mcp.Client(url) as client:
        await client.list_tools()
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            outcomes.append(bool(result.is_error))
    return outcomes


def test_metrics_count_each_tenants_tool_calls_exactly(backend: Backend, cli: Cli, server_factory: ServerFactory) -> None:
    cli.migrate(backend)
    first, second = cli.create_tenant(backend), cli.create_tenant(backend)
    server = server_factory.start(backend, extra_args=["--metrics-token", TOKEN])

    async def traffic() -> None:
        with anyio.fail_after(60):
            first_calls = [("about", {}), ("read_page", {"url": "nowhere.md"}), ("about", {}), ("search_docs", {"query": "install"})]
            assert await session_calls(server.mcp_url(first.slug), first_calls) == [False, True, False, False]
            assert await session_calls(server.mcp_url(second.slug), [("about", {})]) == [False]

    anyio.run(traffic)
    samples = scrape(server)

    calls = "mcplatform_mcp_tool_calls_total"
    assert matching(samples, calls, tenant=first.slug) == {
        frozenset({"tenant": first.slug, "tool": "about", "outcome": "ok"}.items()): 2,
        frozenset({"tenant": first.slug, "tool": "read_page", "outcome": "tool_error"}.items()): 1,
        frozenset({"tenant": first.slug, "tool": "search_docs", "outcome": "ok"}.items()): 1,
    }
    assert matching(samples, calls, tenant=second.slug) == {
        frozenset({"tenant": second.slug, "tool": "about", "outcome": "ok"}.items()): 1,
    }

    # Requests: at least the server/discover probe (the client then stays on 2026-07-28),
    # tools/list and the calls.
    requests = "mcplatform_mcp_requests_total"
    for tenant, call_count in [(first, 4), (second, 1)]:
        ok_posts = value(samples, requests, tenant=tenant.slug, method="POST", outcome="ok") or 0
        assert ok_posts >= 2 + call_count, samples
        total = sum(matching(samples, requests, tenant=tenant.slug).values())
        assert value(samples, "mcplatform_mcp_request_duration_seconds_count", tenant=tenant.slug) == total
    assert all(first.slug not in dict(key).get("route", "") for key in matching(samples, "mcplatform_http_requests_total"))
    assert (value(samples, "mcplatform_http_requests_total", method="POST", route="/mcp/{slug}", status="2xx") or 0) >= 9

    assert value(samples, "mcplatform_database_up") == 1
    assert value(samples, "mcplatform_queue_depth", queue="webhook") == 0
    assert value(samples, "mcplatform_analytics_events_dropped_total") == 0
    assert (value(samples, "process_resident_memory_bytes") or 0) > 1_000_000
    assert (value(samples, "process_cpu_seconds_total") or 0) > 0

    # More traffic on the second tenant moves only its numbers.
    anyio.run(session_calls, server.mcp_url(second.slug), [("about", {})] * 2)
    after = scrape(server)
    assert value(after, calls, tenant=second.slug, tool="about", outcome="ok") == 3
    assert matching(after, calls, tenant=first.slug) == matching(samples, calls, tenant=first.slug)


def test_metrics_token_and_loopback(sqlite_backend: Backend, cli: Cli, server_factory: ServerFactory, tmp_path: Path) -> None:
    cli.migrate(sqlite_backend)
    protected = server_factory.start(sqlite_backend, extra_args=["--metrics-token", TOKEN])
    with http_client() as http:
        for headers in [{}, {"Authorization": "Bearer wrong-token-0123456789abcdef"}]:
            response = http.get(f"{protected.base_url}/metrics", headers=headers)
            assert response.status_code == 401, response.text
            assert "mcplatform_" not in response.text
    scrape(protected)

    # Without a token, this loopback client may read it (others get 403: see MetricsTests).
    open_backend = Backend("sqlite", tmp_path / "open")
    open_backend.data_dir.mkdir()
    open_server = server_factory.start(open_backend)
    assert value(scrape(open_server, token=None), "mcplatform_database_up") == 1


def test_a_short_metrics_token_stops_the_start(cli: Cli) -> None:
    proc = cli.run("serve", "--metrics-token", "short", check=False)
    assert proc.returncode != 0
    assert "invalid --metrics-token / MCPLATFORM_METRICS_TOKEN '…': expected at least 24 characters" in proc.stderr, proc.stderr
