"""Limits against a real listener, over raw sockets where HTTP clients would not misbehave enough.

- Request heads too large or with too many headers get 431, URLs too long 414, bodies too large
  413; each answer is a clean HTTP response and the server keeps serving.
- Slowloris: clients sending their headers, or their body, a byte at a time are cut off after
  `--read-timeout-seconds` (a body gets 408), while normal requests go on being answered fast.
- The servers-per-organization quota through the CLI: a one-line error, non-zero exit.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from harness import Backend, Cli, Site, Tenant, module_site

from helpers import http_client, initialize

READ_TIMEOUT = 2  # --read-timeout-seconds of the server under test
ARGS = ["--read-timeout-seconds", str(READ_TIMEOUT), "--max-url-bytes", "1024", "--max-header-bytes", "8192"]


@pytest.fixture(scope="module")
def limited(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with module_site(cli, tmp_path_factory, "limited", extra_args=ARGS) as site:
        yield site


def raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Sends `data` on a new connection and returns everything read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def status_of(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:200]
    return int(response[9:12])


def healthy(limited: Site) -> float:
    """GET /healthz on a new connection; returns its latency in seconds."""
    start = time.monotonic()
    response = httpx.get(limited.server.base_url + "/healthz", timeout=5)
    assert response.status_code == 200, response.text
    return time.monotonic() - start


# --------------------------------------------------------------------------------------
# Sizes


@pytest.mark.parametrize(
    ("name", "request_bytes", "status"),
    [
        ("one huge header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        ("headers adding up", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"b" * 90) for i in range(98)) + b"\r\n", 431),
        ("too many headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: c\r\n" % i for i in range(120)) + b"\r\n", 431),
        ("long URL", b"GET /healthz?q=" + b"u" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("URL beyond the whole head", b"GET /healthz?q=" + b"u" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
        (
            "body too large",
            b"POST /mcp/{slug} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{",
            413,
        ),
    ],
)
def test_oversized_requests_get_a_clean_answer(limited: Site, name: str, request_bytes: bytes, status: int) -> None:
    response = raw(limited.server.port, request_bytes.replace(b"{slug}", limited.tenant.slug.encode()))
    assert status_of(response) == status, (name, response[:300])
    assert b"\r\nx-request-id: " in response.lower(), response[:300]
    healthy(limited)


def test_requests_within_the_limits_pass(limited: Site) -> None:
    headers = {f"X-Fine-{i}": "v" * 40 for i in range(60)}
    with http_client() as client:
        assert client.get(limited.server.base_url + "/healthz?q=" + "u" * 900, headers=headers).status_code == 200
        session = initialize(client, limited.server.mcp_url(limited.tenant.slug), headers={"X-Padding": "p" * 4000})
        assert not session.result("tools/call", {"name": "about", "arguments": {}}).get("isError")


# --------------------------------------------------------------------------------------
# Slow clients


def trickle(port: int, head: bytes, data: bytes, interval: float, outcome: dict[str, object]) -> None:
    """Sends `head` at once, then `data` a byte every `interval` seconds until the server closes
    the connection; records after how long, what it answered and how many bytes of `data` went out."""
    start = time.monotonic()
    sent = 0
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head)
        connection.settimeout(interval)
        try:
            for byte in data:
                connection.sendall(bytes([byte]))
                sent += 1
                try:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    received += chunk
                except socket.timeout:
                    continue
        except OSError:
            pass  # reset by the server
        connection.settimeout(2)
        try:
            while chunk := connection.recv(4096):
                received += chunk
        except OSError:
            pass
    outcome.update(seconds=time.monotonic() - start, sent=sent, received=received)


@pytest.mark.parametrize("part", ["headers", "body"])
def test_slowloris_clients_are_cut_off_while_others_are_served(limited: Site, part: str) -> None:
    head = b"POST /mcp/" + limited.tenant.slug.encode() + b" HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    if part == "headers":
        sent_at_once, data = b"", head + b"X-Slow: " + b"s" * 200 + b"\r\n\r\n"
    else:
        data = b'{"jsonrpc":"2.0","id":1,"method":"ping"}' + b" " * 400
        sent_at_once = head + b"Content-Length: %d\r\n\r\n" % len(data)
    outcomes: list[dict[str, object]] = [{} for _ in range(20)]
    threads = [
        threading.Thread(target=trickle, args=(limited.server.port, sent_at_once, data, 0.2, outcome)) for outcome in outcomes
    ]
    for thread in threads:
        thread.start()

    # Meanwhile, everyone else is served promptly.
    latencies = []
    deadline = time.monotonic() + READ_TIMEOUT + 1
    while time.monotonic() < deadline:
        latencies.append(healthy(limited))
        time.sleep(0.1)
    for thread in threads:
        thread.join(timeout=READ_TIMEOUT + 15)
        assert not thread.is_alive(), "a slow client was never cut off"
    assert max(latencies) < 1.0, latencies

    for outcome in outcomes:
        seconds = float(outcome["seconds"])  # type: ignore[arg-type]
        # Cut off at the timeout: long before the whole request could be sent at this pace.
        assert READ_TIMEOUT - 0.5 <= seconds <= READ_TIMEOUT + 3, outcome
        assert int(outcome["sent"]) < len(data), outcome  # type: ignore[arg-type]
        received = outcome["received"]
        if part == "body":
            assert status_of(received) == 408, received  # type: ignore[arg-type]
        else:
            assert received == b"", received  # closed: there was no request to answer
    healthy(limited)


def test_an_idle_keep_alive_connection_is_closed(limited: Site) -> None:
    start = time.monotonic()
    response = raw(limited.server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=READ_TIMEOUT + 5)
    assert status_of(response) == 200
    assert READ_TIMEOUT - 0.5 <= time.monotonic() - start <= READ_TIMEOUT + 3


# --------------------------------------------------------------------------------------
# Quotas


def test_the_cli_stops_at_the_servers_quota(cli: Cli, backend: Backend, tenant: Tenant) -> None:
    cli.run("server", "create", f"{tenant.slug}-2", "--org", tenant.org, "--max-servers-per-org", "2", *backend.args())
    refused = cli.run("server", "create", f"{tenant.slug}-3", "--org", tenant.org, "--max-servers-per-org", "2", *backend.args(), check=False)
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        f"Error: organization '{tenant.org}' already has 2 MCP servers, the most allowed (--max-servers-per-org): delete one first"
    ], refused.stderr
    # Raising the limit lets it through.
    cli.run("server", "create", f"{tenant.slug}-3", "--org", tenant.org, "--max-servers-per-org", "3", *backend.args())
