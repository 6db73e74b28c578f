"""Organization webhooks for ticket events: `mcplatform serve --allow-private-urls
--webhook-retry-seconds 1` delivering to a local receiver (http.server in a thread) that checks
every request's signature with the webhook's secret, as docs/support.md tells customers to.

- A webhook added through the dashboard's forms (plain HTTP, signed in) gets the test event,
  signed; the receiver answers 500 once and gets the retry about a second later; the delivery
  log shows both attempts. After rotating the secret, a replay is signed with the new one.
- A ticket raised with the official MCP client (create_support_ticket) reaches the webhook as
  `ticket.created` within seconds, signed.
- Bad input in the forms is a form error (422), unknown and other organizations' ids are 404.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from harness import Backend, ServerFactory, ServerProcess, local_http_server
from oauth_support import parse_forms, run_async
from test_support_tickets import mcp_session, text_of

from helpers import http_client

PASSWORD = "correct horse battery staple"


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class Receiver:
    """What the local endpoint got. `secret` checks signatures (a bad one is answered 401);
    `failures` is how many of the next requests are answered 500."""

    url: str = ""
    secret: str = ""
    failures: int = 0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, header: str, body: bytes, tolerance: int = 300) -> bool:
        """The verification of docs/support.md."""
        try:
            fields = dict(part.split("=", 1) for part in header.split(","))
            timestamp = int(fields["t"])
        except (KeyError, ValueError):
            return False
        if abs(time.time() - timestamp) > tolerance:
            return False
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("v1", ""))

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        with self.lock:
            ok = self.verify(headers.get("x-mcplatform-signature", ""), body)
            self.requests.append(Received(time.monotonic(), path, headers, body, ok))
            if not ok:
                return 401, b"bad signature"
            if self.failures > 0:
                self.failures -= 1
                return 500, b"boom: try again"
            return 200, b"got it"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.1)
        raise AssertionError(f"the receiver got {len(self.requests)} requests within {timeout:.0f}s, expected {count}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = state.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    with local_http_server(Handler) as url:
        state.url = f"{url}/hooks/mcplatform"
        yield state


# --------------------------------------------------------------------------------------
# The dashboard, through plain HTTP


def csrf(page: httpx.Response) -> str:
    for form in parse_forms(page.text):
        if form.method == "post" and form.hidden().get("_csrf"):
            return form.hidden()["_csrf"]
    raise AssertionError(f"no form with a _csrf on {page.request.url.path}: HTTP {page.status_code} {page.text[:300]!r}")


def element_text(page: httpx.Response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page.text)
    assert match, f"no #{element_id} on {page.request.url.path}: {page.text[:500]!r}"
    return unescape(match.group(1))


class Dashboard:
    """A signed-in owner of a new organization, driving the forms with httpx."""

    def __init__(self, server: ServerProcess) -> None:
        self.http = http_client(base_url=server.base_url)
        suffix = uuid.uuid4().hex[:6]
        self.org = f"hooks-{suffix}"
        page = self.http.get("/signup")
        r = self.http.post(
            "/signup", data={"_csrf": csrf(page), "name": "Ada E2E", "email": f"ada-{suffix}@example.com", "password": PASSWORD}
        )
        assert r.status_code == 303, f"sign-up: HTTP {r.status_code} {r.text[:300]!r}"
        self.post_form("/orgs/new", {"name": f"Hooks {suffix}", "slug": self.org}, expect=303)

    def post_form(self, path: str, fields: dict[str, str], *, page: str | None = None, expect: int = 303) -> httpx.Response:
        """Shows `page` (by default `path`), then posts `fields` to `path` with its CSRF token."""
        shown = self.http.get(page or path)
        assert shown.status_code == 200, f"GET {page or path}: HTTP {shown.status_code}"
        r = self.http.post(path, data={"_csrf": csrf(shown), **fields})
        assert r.status_code == expect, f"POST {path}: HTTP {r.status_code} (expected {expect}) {r.text[:500]!r}"
        return r

    def add_webhook(self, url: str, events: list[str]) -> tuple[str, str]:
        """Adds a JSON webhook; returns its page's path and its secret."""
        fields = {"url": url, "format": "json", **{f"event:{name}": "on" for name in events}}
        page = self.post_form(f"/orgs/{self.org}/webhooks", fields, expect=200)
        secret = element_text(page, "webhook-secret")
        path = next(form.action for form in parse_forms(page.text) if form.action and form.action.endswith("/rotate-secret"))
        return path.removesuffix("/rotate-secret"), secret


def start(server_factory: ServerFactory, backend: Backend) -> ServerProcess:
    return server_factory.start(
        backend, extra_args=["--public-url", "http://127.0.0.1:{port}", "--allow-private-urls", "--webhook-retry-seconds", "1"]
    )


def test_webhooks_test_event_retry_log_and_replay(backend: Backend, server_factory: ServerFactory, receiver: Receiver) -> None:
    server = start(server_factory, backend)
    dash = Dashboard(server)
    path, secret = dash.add_webhook(receiver.url, ["ticket.created", "ticket.commented"])
    assert secret.startswith("whsec_") and len(secret) == 49
    receiver.secret = secret
    receiver.failures = 1

    r = dash.post_form(f"{path}/test", {}, page=path)
    assert r.headers["location"] == f"{path}?notice=test-queued"
    first, second = receiver.wait_for(2)
    for request in (first, second):
        assert request.signature_ok, f"bad signature: {request.headers}"
        assert request.path == "/hooks/mcplatform"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"] == "MCPlatform-Webhooks/1"
        assert request.headers["x-mcplatform-event"] == "ticket.created"
    assert first.headers["x-mcplatform-delivery"] == second.headers["x-mcplatform-delivery"], "a retry is the same delivery"
    assert first.body == second.body
    assert second.at - first.at >= 0.9, f"retried after {second.at - first.at:.2f}s: the backoff base is 1 s"
    payload = json.loads(second.body)
    assert payload["event"] == "ticket.created" and payload["test"] is True
    assert payload["organization"]["slug"] == dash.org and payload["ticket"]["number"] == 0
    assert payload["ticket"]["url"] == f"{server.base_url}{path}"

    time.sleep(0.5)  # the outcome is recorded after the answer
    log = dash.http.get(path)
    assert log.status_code == 200
    row = log.text[log.text.index(f'id="delivery-{first.headers["x-mcplatform-delivery"]}"') :]
    row = row[: row.index("</tr>")]
    assert "status-delivered" in row and "<td>2</td>" in row and "<td>200</td>" in row, row
    attempts = re.findall(r"<li>[^<]*: (HTTP \d+)</li>", row)
    assert attempts == ["HTTP 500", "HTTP 200"], row
    assert "got it" in row, "the last answer's body is kept"
    assert element_text(log, "webhook-failures") == "0"

    # A new secret, shown once, signs the replay.
    rotated = dash.post_form(f"{path}/rotate-secret", {}, page=path, expect=200)
    receiver.secret = element_text(rotated, "webhook-secret")
    assert receiver.secret != secret
    delivery = first.headers["x-mcplatform-delivery"]
    dash.post_form(f"{path}/deliveries/{delivery}/replay", {}, page=path)
    third = receiver.wait_for(3)[2]
    assert third.signature_ok and third.body == first.body
    assert third.headers["x-mcplatform-delivery"] != delivery


def test_bad_input_never_fails_the_server(server_factory: ServerFactory, sqlite_backend: Backend, receiver: Receiver) -> None:
    """Bad URLs and events come back as form errors; unknown and foreign ids are 404."""
    server = start(server_factory, sqlite_backend)
    dash = Dashboard(server)
    webhooks = f"/orgs/{dash.org}/webhooks"
    for url in ["", "not a url", "ftp://example.com/x", "https://" + "a" * 2000 + ".example.com"]:
        page = dash.post_form(webhooks, {"url": url, "format": "json", "event:ticket.created": "on"}, expect=422)
        assert 'class="field-error"' in page.text
    page = dash.post_form(webhooks, {"url": receiver.url, "format": "json"}, expect=422)
    assert "choose at least one event" in page.text
    path, _ = dash.add_webhook(receiver.url, ["ticket.created"])
    for bad in ["/999999", "/abc", "/1%00", "/" + "9" * 40]:
        assert dash.http.get(webhooks + bad).status_code == 404, bad
    other = Dashboard(server)
    assert other.http.get(path).status_code == 404
    foreign = path.replace(dash.org, other.org)
    assert other.http.get(foreign).status_code == 404
    other.post_form(f"{foreign}/delete", {}, page=f"/orgs/{other.org}/webhooks", expect=404)
    assert dash.http.get(path).status_code == 200, "the webhook is still there"


def test_a_ticket_raised_through_mcp_reaches_the_webhook(
    backend: Backend, server_factory: ServerFactory, receiver: Receiver
) -> None:
    server = start(server_factory, backend)
    dash = Dashboard(server)
    slug = f"docs-{dash.org}"
    dash.post_form(f"/orgs/{dash.org}/servers/new", {"name": "Hooks Docs", "slug": slug, "description": ""})
    _, receiver.secret = dash.add_webhook(receiver.url, ["ticket.created"])
    reporter = f"reporter-{uuid.uuid4().hex[:6]}@example.com"

    async def raise_ticket() -> float:
        async with mcp_session(server.mcp_url(slug)) as session:
            created = await session.call_tool(
                "create_support_ticket",
                {"title": "Deploys fail <on Fridays>", "description": "exit code 3", "email": reporter, "severity": "urgent"},
            )
            assert not created.is_error, text_of(created)
            return time.monotonic()

    created_at = run_async(raise_ticket, timeout=60)
    (request,) = receiver.wait_for(1, timeout=15)
    assert request.at - created_at < 5, f"the webhook got the ticket {request.at - created_at:.1f}s after it was created"
    assert request.signature_ok and request.headers["x-mcplatform-event"] == "ticket.created"
    payload = json.loads(request.body)
    assert "test" not in payload
    assert payload["event"] == "ticket.created"
    assert payload["organization"]["slug"] == dash.org and payload["server"] == {"name": "Hooks Docs", "slug": slug}
    ticket = payload["ticket"]
    assert (ticket["number"], ticket["title"], ticket["description"]) == (1, "Deploys fail <on Fridays>", "exit code 3")
    assert (ticket["status"], ticket["severity"], ticket["reporter_email"]) == ("pending", "urgent", reporter)
    assert ticket["url"] == f"{server.base_url}/orgs/{dash.org}/tickets/1"
