"""The support inbox (issue 8) in a real browser: headless Chromium driven by Selenium
(browser_support.py) against `mcplatform serve`.

An MCP client searches the docs, then raises a ticket with an email. The owner sees the Support
badge and the unread row, opens the ticket (whose timeline shows the search and its query),
adds an internal note and a public reply and sets the status to In progress. The client's
get_support_ticket then shows the reply and the status, never the note.

Screenshots: Tests/e2e/.artifacts/screenshots/<test>/.
"""

from __future__ import annotations

from browser_support import Browser, Dashboard
from harness import Backend, ServerFactory
from helpers import http_client, initialize, result_text
from test_dashboard import owner_of_a_new_org, start_platform

QUERY = "rotate api key"
TITLE = "Cannot rotate my API key"
NOTE = "Customer is on the legacy plan; check billing first."
REPLY = "Thanks! Version 2.3 fixes rotation: please upgrade."


def test_support_inbox(backend: Backend, server_factory: ServerFactory, browser: Browser) -> None:
    server = start_platform(server_factory, backend)
    b = browser
    dash = Dashboard(b, server.base_url)
    owner, org, suffix = owner_of_a_new_org(dash, "support", "Helpdesk", "help")
    docs = f"docs-{suffix}"
    dash.create_server(org, f"Acme Docs {suffix.upper()}", docs)

    # --- an empty inbox explains where tickets come from ------------------------------------
    assert b.go(f"/orgs/{org}/tickets") == 200, b.describe()
    assert b.exists("#tickets-empty") and "create_support_ticket" in b.text_of("#tickets-empty"), b.describe()
    assert not b.exists("#nav-support-count"), b.describe()

    # --- an agent searches, then raises a ticket --------------------------------------------
    with http_client() as client:
        session = initialize(client, server.mcp_url(docs))

        def call(name: str, arguments: dict[str, object], *, check: bool = True) -> dict[str, object]:
            result = session.result("tools/call", {"name": name, "arguments": arguments})
            assert not check or not result.get("isError"), f"{name} {arguments}: {result}"
            return result

        call("search_docs", {"query": QUERY}, check=False)
        created = call(
            "create_support_ticket",
            {
                "title": TITLE,
                "description": "The rotate button answers 500.\nI tried twice.",
                "context": "acme-cli 2.1.0 on macOS",
                "email": "dev@users.example",
                "severity": "high",
            },
        )
        assert "#1" in result_text(created), created

        # --- the team sees it ------------------------------------------------------------------
        assert b.go(f"/orgs/{org}") == 200, b.describe()
        assert b.text_of("#nav-support-count") == "1", f"the sidebar's Support badge {b.describe()}"
        assert b.click_and_wait(b.find("#nav-support"), "the sidebar's Support link") == 200, b.describe()
        assert b.path == f"/orgs/{org}/tickets", b.describe()
        row = b.find("#ticket-row-1")
        assert "unread" in (row.get_attribute("class") or ""), row.get_attribute("outerHTML")
        link = b.find("#ticket-link-1")
        assert link.text == TITLE and int(link.value_of_css_property("font-weight")) >= 600, link.value_of_css_property("font-weight")
        assert "dev@users.example" in row.text and "Pending" in row.text, row.text
        b.screenshot("inbox")

        assert b.click_and_wait(link, "the ticket's link") == 200 and b.path == f"/orgs/{org}/tickets/1", b.describe()
        assert b.text_of("#ticket-title") == TITLE, b.describe()
        activity = b.text_of("#ticket-activity")
        assert "search_docs" in activity and QUERY in activity, f"the timeline: {activity!r}"
        assert "acme-cli 2.1.0" in b.text_of("#ticket-context")
        assert not b.exists("#nav-support-count"), "opening the ticket marks it read"

        # --- an internal note, a public reply, a status --------------------------------------
        b.find("#visibility-note").click()
        assert b.submit("add-comment", {"body": NOTE}) == 200, b.describe()
        assert b.find(".event.internal").text.count(NOTE) == 1, b.describe()
        b.find("#visibility-reply").click()
        assert b.submit("add-comment", {"body": REPLY}) == 200, b.describe()
        assert "Reply sent" in b.text_of(".flash"), b.describe()
        assert b.submit("set-status", {"status": "in_progress"}) == 200, b.describe()
        assert b.text_of("#ticket-status") == "In progress", b.describe()
        events = b.text_of("#ticket-events")
        assert "changed the status from Pending to In progress" in events and owner.name in events, events
        b.screenshot("ticket")

        # --- what the end user's agent sees ----------------------------------------------------
        seen = call("get_support_ticket", {"number": 1})
        text = result_text(seen)
        assert REPLY in text, text
        assert "legacy plan" not in text and "legacy plan" not in str(seen.get("structuredContent")), seen
        structured = seen.get("structuredContent") or {}
        assert isinstance(structured, dict) and structured.get("status") == "in_progress", structured

    # --- the inbox row is now read ---------------------------------------------------------------
    assert b.go(f"/orgs/{org}/tickets") == 200, b.describe()
    assert "read" == b.find("#ticket-row-1").get_attribute("class"), b.describe()
