"""Support tickets end to end: the official Python MCP client (ClientSession over streamable
HTTP) raises a ticket on an anonymous server, and the organization's owner and admin receive
the email at a local SMTP server (aiosmtpd, as in test_email.py) within seconds (both backends).

- search_docs, then create_support_ticket: without an email it is an `isError` result asking
  for one; with one, ticket #1, whose structuredContent the SDK validates against the tool's
  output schema; the session's search is attached to the ticket (SQLite: read from the file).
- get_support_ticket 1 and list_my_tickets work from the same session; from another session
  ticket #1 does not exist.
- The email reaches the owner and the admin (not the plain member) with the ticket's title
  and its dashboard link.

Not covered here: the email to the reporter on a public reply. Replies are posted from the
dashboard inbox (not on main when this was written); the Swift tests (SupportTicketTests)
check that a reply queues that email.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import mcp.types as types
from harness import Backend, Cli, ServerFactory, psql
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from oauth_support import run_async
from test_email import Sink, smtp_sink, start

PASSWORD = "correct horse battery staple"
TITLE = "acme login fails with 401 after the browser step"
DESCRIPTION = "The user runs `acme login`, approves in the browser, then the CLI prints HTTP 401."
TOOLS = {"create_support_ticket", "get_support_ticket", "list_my_tickets"}
ASK_FOR_EMAIL = (
    "The user is not signed in, so the team could not reply. Ask the user for an email address for replies, "
    'then call create_support_ticket again with "email".'
)


@asynccontextmanager
async def mcp_session(url: str) -> AsyncIterator[ClientSession]:
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0)) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=30.0) as session:
                await session.initialize()
                yield session


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def add_member(cli: Cli, backend: Backend, org: str, email: str, name: str, role: str) -> None:
    """A dashboard account (`mcplatform user create`) with a membership of `org`."""
    cli.env["MCPLATFORM_USER_PASSWORD"] = PASSWORD
    try:
        cli.run("user", "create", email, "--name", name, *backend.args())
    finally:
        cli.env.pop("MCPLATFORM_USER_PASSWORD", None)
    sql = (
        "INSERT INTO memberships (organization_id, user_id, role, created_at) "
        f"SELECT o.id, u.id, '{role}', 0 FROM organizations o, users u WHERE o.slug = '{org}' AND u.email = '{email}'"
    )
    if backend.database_url:
        psql(backend.database_url, sql)
    else:
        with sqlite3.connect(backend.data_dir / "mcplatform.sqlite") as db:
            assert db.execute(sql).rowcount == 1


def wait_for_mail(sink: Sink, recipients: set[str], timeout: float) -> dict[str, Any]:
    """The messages to each of `recipients`, once all arrived (fails after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        with sink.lock:
            received = {rcpt: message for message, (_, rcpts) in zip(sink.messages, sink.envelopes) for rcpt in rcpts}
        if recipients <= received.keys():
            return received
        if time.monotonic() > deadline:
            raise AssertionError(f"within {timeout:.0f}s only {sorted(received)} got email, expected {sorted(recipients)}")
        time.sleep(0.1)


def test_ticket_through_mcp_emails_the_team(cli: Cli, backend: Backend, server_factory: ServerFactory) -> None:
    cli.migrate(backend)
    tenant = cli.create_tenant(backend)
    suffix = uuid.uuid4().hex[:6]
    owner, admin, member = (f"{role}-{suffix}@example.com" for role in ("owner", "admin", "member"))
    add_member(cli, backend, tenant.org, owner, "Olivia Owner", "owner")
    add_member(cli, backend, tenant.org, admin, "Adam Admin", "admin")
    add_member(cli, backend, tenant.org, member, "Mel Member", "member")
    reporter = f"ada-{suffix}@example.com"

    with smtp_sink() as (sink, port, _):
        server = start(server_factory, backend, f"smtp://127.0.0.1:{port}")
        url = server.mcp_url(tenant.slug)
        created_at: list[float] = []

        async def body() -> None:
            async with mcp_session(url) as session:
                names = {tool.name for tool in (await session.list_tools()).tools}
                assert TOOLS <= names, names
                await session.call_tool("search_docs", {"query": "login 401 browser"})

                refused = await session.call_tool("create_support_ticket", {"title": TITLE, "description": DESCRIPTION})
                assert refused.is_error and text_of(refused) == ASK_FOR_EMAIL, refused
                assert refused.structured_content is None

                created = await session.call_tool(
                    "create_support_ticket",
                    {"title": TITLE, "description": DESCRIPTION, "email": reporter, "severity": "high", "context": "acme 2.1.0, macOS 15"},
                )
                created_at.append(time.monotonic())
                assert not created.is_error, text_of(created)
                next_text = (
                    f"Tell the user: ticket #1 was sent to the {tenant.org_name} support team, who will reply by email to {reporter}. "
                    'To check for replies later, call get_support_ticket {"number": 1}.'
                )
                assert text_of(created) == (
                    f"Created support ticket #1: {TITLE}\nStatus: pending · severity high\n\nNext: {next_text}"
                ), text_of(created)
                structured = created.structured_content or {}
                assert structured.pop("createdAt", "").endswith("Z"), created.structured_content
                assert structured == {
                    "number": 1, "title": TITLE, "status": "pending", "severity": "high", "replies": [], "next": next_text
                }, structured

                read = await session.call_tool("get_support_ticket", {"number": 1})
                assert not read.is_error, text_of(read)
                assert text_of(read).startswith(f"Support ticket #1: {TITLE}\nStatus: pending · severity high"), text_of(read)
                assert "No reply yet. The team answers by email" in text_of(read)

                listed = await session.call_tool("list_my_tickets", {})
                tickets = (listed.structured_content or {}).get("tickets")
                assert [(t["number"], t["title"], t["status"]) for t in tickets] == [(1, TITLE, "pending")], listed
                assert f"- #1 {TITLE} [pending]" in text_of(listed)

            async with mcp_session(url) as other:
                missing = await other.call_tool("get_support_ticket", {"number": 1})
                assert missing.is_error, missing
                assert text_of(missing) == "There is no ticket #1 of this user on this server. Call list_my_tickets to see theirs."
                empty = await other.call_tool("list_my_tickets", {})
                assert (empty.structured_content or {}).get("tickets") == [], empty

        run_async(body, 45.0)

        received = wait_for_mail(sink, {owner, admin}, timeout=10.0)
        elapsed = time.monotonic() - created_at[0]
        assert elapsed < 10.0, f"the team's email took {elapsed:.1f}s"
        for address in (owner, admin):
            message = received[address]
            assert message["Subject"] == f"[{tenant.org_name} #1] {TITLE}", message["Subject"]
            text = message.get_content()
            assert TITLE in text and DESCRIPTION in text, text
            assert f"Answer it in the dashboard: {server.base_url}/orgs/{tenant.org}/tickets/1" in text, text
            assert f"Reporter: {reporter}" in text, text
        with sink.lock:
            assert all(member not in rcpts for _, rcpts in sink.envelopes), "members are not emailed"
            assert all(reporter not in rcpts for _, rcpts in sink.envelopes), "the reporter gets replies, not the announcement"

    if backend.database_url is None:
        with sqlite3.connect(backend.data_dir / "mcplatform.sqlite") as db:
            (activity,) = db.execute("SELECT activity FROM tickets WHERE number = 1").fetchone()
        calls = [(call["tool"], call["summary"]) for call in json.loads(activity)]
        assert calls[0] == ("search_docs", "login 401 browser"), calls
