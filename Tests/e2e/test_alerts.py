"""Alert rules and uptime checks: `mcplatform serve --alert-interval-seconds 1
--uptime-interval-seconds 1` delivering alerts to a local webhook receiver that checks every
request's signature (the receiver of test_webhooks.py).

An organization's rule (error rate > 1 % over a 1-minute window, at least 3 requests) and a
webhook subscribed to `alert.firing` and `alert.resolved`; failing MCP requests (415: wrong
Content-Type, which counts as a failure) → exactly one signed `alert.firing`; the next minute
brings no traffic (fewer requests than the rule needs) → exactly one `alert.resolved`, and
nothing more. The server's overview shows its uptime once checks ran, and its request count
holds only the test's requests: the synthetic checks are not counted. About 70 s per backend
(a rule's window is whole minutes: the resolution waits for the next one).
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime

from harness import Backend, ServerFactory
from test_webhooks import Dashboard, Receiver, receiver  # noqa: F401 (the receiver fixture)

from helpers import http_client


def stat(page: str, label: str) -> str:
    match = re.search(rf'<span class="stat-value"[^>]*>([^<]*)</span><span class="stat-label">{re.escape(label)}</span>', page)
    assert match, f"no {label!r} on the page"
    return match.group(1)


def test_an_alert_fires_and_resolves_once_through_a_webhook(
    backend: Backend, server_factory: ServerFactory, receiver: Receiver  # noqa: F811 (the fixture)
) -> None:
    server = server_factory.start(
        backend,
        extra_args=[
            "--public-url", "http://127.0.0.1:{port}", "--allow-private-urls", "--webhook-retry-seconds", "1",
            "--alert-interval-seconds", "1", "--uptime-interval-seconds", "1",
        ],
    )
    dash = Dashboard(server)
    slug = f"docs-{dash.org}"
    dash.post_form(f"/orgs/{dash.org}/servers/new", {"name": "Alert Docs", "slug": slug, "description": ""})
    _, receiver.secret = dash.add_webhook(receiver.url, ["alert.firing", "alert.resolved"])
    alerts = f"/orgs/{dash.org}/alerts"
    rule = {"kind": "error_rate", "server": slug, "threshold": "1", "window_minutes": "1", "min_requests": "3"}
    dash.post_form(alerts, rule)
    overview = f"/orgs/{dash.org}/servers/{slug}"

    # The uptime check of the new server runs within a few seconds, and is not counted.
    deadline = time.monotonic() + 15
    while stat(dash.http.get(overview).text, "Uptime (24 h)") == "—":
        assert time.monotonic() < deadline, "no uptime check within 15 s"
        time.sleep(0.5)
    page = dash.http.get(overview).text
    assert stat(page, "Uptime (24 h)") == "100.00 %" and stat(page, "Uptime (30 d)") == "100.00 %"
    assert stat(page, "Requests (1 h)") == "0", "the synthetic checks count in no one's numbers"

    # Fail early in a minute, so that the firing and the resolution are a minute apart at most.
    if datetime.now().second > 40:
        time.sleep(61 - datetime.now().second)
    with http_client() as client:
        for _ in range(5):
            r = client.post(server.mcp_url(slug), content=b"{}", headers={"Content-Type": "text/plain"})
            assert r.status_code == 415
    failed_at = time.monotonic()

    (firing,) = receiver.wait_for(1, timeout=15)
    assert firing.at - failed_at < 10, f"fired {firing.at - failed_at:.1f}s after the failures"
    assert firing.signature_ok, f"bad signature: {firing.headers}"
    assert firing.headers["x-mcplatform-event"] == "alert.firing"
    payload = json.loads(firing.body)
    assert payload["event"] == "alert.firing"
    assert payload["organization"]["slug"] == dash.org and payload["server"] == {"name": "Alert Docs", "slug": slug}
    assert payload["rule"]["kind"] == "error_rate" and payload["rule"]["scope"] == "organization"
    assert (payload["rule"]["threshold"], payload["rule"]["window_minutes"], payload["rule"]["min_requests"]) == (1, 1, 3)
    assert payload["alert"]["state"] == "firing" and payload["alert"]["value"] == 100
    assert payload["alert"]["started_at"] and "resolved_at" not in payload["alert"]
    assert payload["alert"]["url"] == f"{server.base_url}{alerts}"
    assert "(5 of 5 requests failed)" in payload["alert"]["message"]
    page = dash.http.get(alerts).text
    assert 'id="firing-alerts"' in page and "(5 of 5 requests failed)" in page

    # No traffic in the next minute: fewer requests than the rule needs, so it resolves, once.
    _, resolved = receiver.wait_for(2, timeout=75)
    assert resolved.signature_ok and resolved.headers["x-mcplatform-event"] == "alert.resolved"
    done = json.loads(resolved.body)
    assert done["alert"]["id"] == payload["alert"]["id"] and done["alert"]["state"] == "resolved"
    assert done["alert"]["resolved_at"] >= done["alert"]["started_at"]
    time.sleep(3)
    assert len(receiver.requests) == 2, "one delivery per transition, nothing repeated"
    assert "Nothing is firing." in dash.http.get(alerts).text

    page = dash.http.get(overview).text
    assert stat(page, "Requests (1 h)") == "5", "only the test's requests; the checks of the last minute are not counted"
    assert stat(page, "Uptime (24 h)") == "100.00 %"
