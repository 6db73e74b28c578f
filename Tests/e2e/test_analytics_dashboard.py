"""Usage analytics end to end (issue 9): a scripted session of the official Python MCP client
on a fresh server, then the owner reads the exact numbers in a real browser (both backends).

The session: a support ticket and a walkthrough start; then five searches, each settled a
known way: one whose result is read (resolved), one with zero results, one the agent reports
as not helpful with `submit_feedback`, one re-queried before anything was read, and the
re-query, whose result is read (resolved). The server settles searches 3 seconds after them
(`--analytics-resolution-seconds 3`) and processes events every second.

The browser then finds on the analytics overview: 1 active user, 1 session, 5 searches,
a resolution rate of 40.0 %, 1 ticket, 10 tool calls, 1 walkthrough start, 1 feedback; the
zero-result query among the content gaps; the session's calls in order on its timeline; and
the daily CSV export, parsed, has the same numbers.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from pathlib import Path

import pytest
from browser_support import Browser, Dashboard
from harness import Backend, Cli, ServerFactory
from mcp import ClientSession
from oauth_support import ADMIN_TOKEN
from test_support_tickets import PASSWORD, add_member, mcp_session, text_of
from test_walkthroughs_mcp import SLUG, publish_walkthrough, run

DOCS = {
    "install.md": "# Installation\n\nInstall the Acme SDK with pip: `pip install acme-sdk`.\n",
    "retries.md": "# Retries\n\nThe client retries failed requests three times with exponential backoff.\n",
    "timeouts.md": "# Timeouts\n\nSet the request timeout in seconds with `timeout=`; the default is 30 seconds.\n",
}
ZERO_RESULTS = "kubernetes helm chart"
#: The tools the session calls, in order.
CALLS = [
    "create_support_ticket", "start_walkthrough", "search_docs", "read_page", "search_docs", "search_docs", "submit_feedback",
    "search_docs", "search_docs", "read_page",
]


async def scripted_session(session: ClientSession) -> None:
    async def call(name: str, arguments: dict[str, object]) -> dict[str, object]:
        result = await session.call_tool(name, arguments)
        assert not result.is_error, f"{name} {arguments}: {text_of(result)}"
        return result.structured_content or {}

    # First, so that the ticket follows no search (a ticket within the window unresolves a search).
    await call("create_support_ticket", {"title": "SDK install fails", "description": "pip says no.", "email": "dev@example.com"})
    await call("start_walkthrough", {"slug": SLUG})

    found = await call("search_docs", {"query": "install the SDK"})
    await call("read_page", {"url": found["results"][0]["url"]})  # resolved
    assert (await call("search_docs", {"query": ZERO_RESULTS}))["results"] == []  # unresolved: no results
    assert (await call("search_docs", {"query": "retries"}))["results"]
    await call("submit_feedback", {"query": "retries", "helpful": False, "comment": "no jitter setting"})  # unresolved
    assert (await call("search_docs", {"query": "timeouts"}))["results"]  # unresolved: re-queried unread
    again = await call("search_docs", {"query": "request timeout seconds"})
    await call("read_page", {"url": again["results"][0]["url"]})  # resolved


def metric(b: Browser, name: str) -> tuple[str, str]:
    card = b.find(f"#metric-{name}")
    value = (b.find(".value", card).get_attribute("textContent") or "").strip()
    return value, (b.find(".delta", card).get_attribute("textContent") or "").strip()


def test_analytics_dashboard(cli: Cli, backend: Backend, server_factory: ServerFactory, browser: Browser, tmp_path: Path) -> None:
    cli.migrate(backend)
    tenant = cli.create_tenant(backend)
    owner = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    add_member(cli, backend, tenant.org, owner, "Olivia Owner", "owner")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    cli.run("ingest", tenant.slug, str(docs), *backend.args())
    server = server_factory.start(
        backend,
        extra_args=[
            "--admin-token", ADMIN_TOKEN, "--public-url", "http://127.0.0.1:{port}",
            "--analytics-resolution-seconds", "3", "--analytics-interval-seconds", "1",
            "--uptime-interval-seconds", "1",
        ],
    )
    publish_walkthrough(server.base_url, tenant.slug)

    async def body() -> None:
        async with mcp_session(server.mcp_url(tenant.slug)) as session:
            await scripted_session(session)

    run(body)

    b = browser
    dash = Dashboard(b, server.base_url)
    dash.log_in(owner, PASSWORD)
    overview = f"/orgs/{tenant.org}/servers/{tenant.slug}/analytics"
    assert b.go(f"/orgs/{tenant.org}/servers/{tenant.slug}") == 200, b.describe()
    link = [a for a in b.find_all("nav.sidebar a") if a.text == "Analytics"]
    assert link, f"no Analytics link in the server's sidebar {b.describe()}"
    assert b.click_and_wait(link[0], "the sidebar's Analytics link") == 200 and b.path == overview, b.describe()

    # Events are written within a second, processed every second, settled 3 s after each search.
    deadline = time.monotonic() + 30
    while True:
        settled = ". 0 still pending" in (b.find("#metric-resolution-rate .definition").get_attribute("textContent") or "")
        if (settled and metric(b, "searches")[0] == "5") or time.monotonic() > deadline:
            break
        time.sleep(1)
        assert b.go(overview) == 200, b.describe()
    b.screenshot("analytics-overview")

    expected = {
        "active-users": ("1", "new"),
        "dau": ("1", "new"),
        "wau": ("1", "new"),
        "mau": ("1", "new"),
        "sessions": ("1", "new"),
        "searches": ("5", "new"),
        "resolution-rate": ("40.0 %", "—"),
        "tickets": ("1", "new"),
        "tool-calls": ("10", "new"),
        "walkthrough-starts": ("1", "new"),
        "walkthrough-completions": ("0", "±0.0 %"),
        "feedback": ("1", "new"),
        "error-rate": ("0.0 %", "—"),
        "uptime": ("100.0 %", "—"),
    }
    shown = {name: metric(b, name) for name in expected}
    assert shown == expected, f"{shown} {b.describe()}"
    assert "0 helpful, 1 not helpful" in b.text_of("#metric-feedback .definition")
    assert metric(b, "p95-latency")[0].startswith("≤ "), metric(b, "p95-latency")
    assert metric(b, "average-latency")[0].endswith(" ms"), metric(b, "average-latency")

    # The charts' data tables: today's searches and resolved searches.
    rows = b.find_all("#chart-searches-data tbody tr")
    assert len(rows) == 7, len(rows)
    today = [(cell.get_attribute("textContent") or "").strip() for cell in rows[-1].find_elements("css selector", "th, td")]
    assert today[1:] == ["5", "2"], today
    gaps = [(li.get_attribute("textContent") or "") for li in b.find_all("#content-gaps li")]
    assert any(ZERO_RESULTS in gap for gap in gaps), gaps
    assert "no jitter setting" in b.text_of("#feedback")

    # The session explorer: the session's calls in order, and how each search was settled.
    assert b.go(f"{overview}/sessions") == 200, b.describe()
    links = b.find_all("#sessions-table a.session-link")
    assert len(links) == 1, b.describe()
    assert b.click_and_wait(links[0], "the session") == 200, b.describe()
    b.screenshot("session-timeline")
    timeline = b.find_all("#timeline tbody tr")
    cells = [[(td.get_attribute("textContent") or "").strip() for td in row.find_elements("css selector", "td")] for row in timeline]
    tools = [row[2] for row in cells if row[1] == "tools/call"]
    assert tools == CALLS, tools
    searches = [(row[3], row[7]) for row in cells if row[2] == "search_docs"]
    assert searches == [
        ("install the SDK", "resolved read"),
        (ZERO_RESULTS, "unresolved no results"),
        ("retries", "unresolved feedback"),
        ("timeouts", "unresolved requery"),
        ("request timeout seconds", "resolved read"),
    ], searches

    # The CSV exports, with the browser's session.
    with b.http() as http:
        days = http.get(f"{overview}/days.csv")
        assert days.status_code == 200 and days.headers["content-type"] == "text/csv; charset=utf-8", days.text
        table = list(csv.DictReader(io.StringIO(days.text)))
        assert len(table) == 7, table
        last = table[-1]
        assert (last["active_users"], last["sessions"], last["searches"], last["resolved_searches"], last["unresolved_searches"]) == (
            "1", "1", "5", "2", "3",
        ), last
        assert last["tool_calls"] == "10", last
        gaps_csv = list(csv.DictReader(io.StringIO(http.get(f"{overview}/gaps.csv").text)))
        zero = [row for row in gaps_csv if row["query"] == ZERO_RESULTS]
        assert zero and (zero[0]["searches"], zero[0]["zero_results"], zero[0]["unresolved"]) == ("1", "1", "1"), gaps_csv


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
