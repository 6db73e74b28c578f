"""Crashes and outages against real processes: `kill -9` in the middle of work, a database that
goes away, a disk that fills up. After each, nothing acknowledged is lost and the platform
recovers (both backends where it makes sense).

- Ingestion: killed while a crawl is half done; after the restart the job resumes and the docs
  are complete, each page once, none without its chunks.
- Tickets: killed under concurrent creations; every ticket whose creation was answered exists,
  numbers are unique, and numbering goes on after the restart.
- OAuth refresh: killed while a client keeps refreshing; the client's token (the new one if the
  answer arrived, else the one it sent) still refreshes, and the grant never has two valid
  refresh tokens.
- PostgreSQL refusing connections: /readyz says 503, requests get a clear 503, and everything
  works again when it returns, without a restart.
- SQLite on a full disk (a small tmpfs): writes fail with a clear answer, reads go on, the
  database stays intact, and writes work again once there is space.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import Backend, Cli, ServerFactory, ServerProcess, Tenant, _psql_binary, local_http_server, psql
from oauth_support import ADMIN_TOKEN
from test_oauth import PlatformFactory, mock_idp, platform_factory  # noqa: F401 (fixtures)

from helpers import http_client, initialize

PAGES = 30


def rows(backend: Backend, sql: str) -> list[tuple[str, ...]]:
    """The rows of `sql` in the backend's database, every value as text."""
    if backend.kind == "sqlite":
        with sqlite3.connect(backend.data_dir / "mcplatform.sqlite") as connection:
            return [tuple("" if value is None else str(value) for value in row) for row in connection.execute(sql)]
    proc = subprocess.run(
        [_psql_binary(), "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", backend.database_url or "", "-c", sql],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return [tuple(line.split("\t")) for line in proc.stdout.splitlines()]


def wait_until(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {timeout} s", pytrace=False)


def no_crash_in_logs(server: ServerProcess) -> None:
    text = server.stderr_path.read_text(errors="replace")
    assert "Fatal error" not in text and "Stack dump" not in text, server.logs()


# --------------------------------------------------------------------------------------
# Ingestion


class Site(BaseHTTPRequestHandler):
    """A documentation site: an index linking PAGES pages."""

    def do_GET(self) -> None:  # noqa: N802
        if self.path in ("/", "/docs/", "/docs/index.html"):
            links = "".join(f'<a href="/docs/p{i}.html">Page {i}</a> ' for i in range(PAGES))
            body = f"<html><head><title>Index</title></head><body><main><h1>Index</h1><p>{links}</p></main></body></html>"
        elif self.path.startswith("/docs/p") and self.path.endswith(".html"):
            number = self.path[len("/docs/p") : -len(".html")]
            body = (
                f"<html><head><title>Page {number}</title></head><body><main><h1>Page {number}</h1>"
                f"<p>The quokka number {number} lives on Rottnest island.</p></main></body></html>"
            )
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    with local_http_server(Site) as url:
        yield f"{url}/docs/index.html"


def test_ingestion_resumes_after_kill_9(backend: Backend, server_factory: ServerFactory, tenant: Tenant, site: str) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    server = server_factory.start(backend, extra_args=["--admin-token", ADMIN_TOKEN, "--allow-private-urls"])
    added = httpx.post(
        f"{server.base_url}/api/v1/servers/{tenant.slug}/sources", headers=admin, json={"kind": "website", "location": site}
    )
    assert added.status_code == 202, added.text
    job_id = added.json()["job"]["id"]

    def job() -> dict[str, Any]:
        response = httpx.get(f"{server.base_url}/api/v1/jobs/{job_id}", headers=admin, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    # The crawl spaces its requests (200 ms): kill it a few pages in.
    wait_until(lambda: job()["pagesIndexed"] >= 4, 30, "the job indexing its first pages")
    server.kill()
    [(status, indexed)] = rows(backend, f"SELECT status, pages_indexed FROM ingest_jobs WHERE id = {job_id}")
    assert status == "running" and 4 <= int(indexed) < PAGES + 1, (status, indexed)
    # Another instance would take over once the heartbeat is a minute old: age it instead of waiting.
    rows(backend, f"UPDATE ingest_jobs SET heartbeat_at = heartbeat_at - 120000 WHERE id = {job_id}")

    server.start(port=server.port)
    finished = wait_until(lambda: (j := job())["status"] in ("succeeded", "failed") and j, 60, "the resumed job finishing")
    assert finished["status"] == "succeeded", finished
    assert finished["pagesIndexed"] + finished["pagesUnchanged"] == PAGES + 1, finished
    assert finished["pagesFailed"] == 0, finished

    pages = rows(backend, "SELECT url FROM doc_pages ORDER BY url")
    assert len(pages) == PAGES + 1 and len(set(pages)) == len(pages), pages
    assert rows(backend, "SELECT count(*) FROM doc_pages p WHERE NOT EXISTS (SELECT 1 FROM doc_chunks c WHERE c.page_id = p.id)") == [("0",)]
    assert rows(backend, "SELECT count(*) FROM (SELECT url FROM ingest_job_pages GROUP BY job_id, url HAVING count(*) > 1) d") == [("0",)]
    with http_client() as client:
        session = initialize(client, server.mcp_url(tenant.slug))
        result = session.result("tools/call", {"name": "search_docs", "arguments": {"query": "quokka number 29", "limit": 3}})
        assert "p29" in result["structuredContent"]["results"][0]["url"], result
    no_crash_in_logs(server)


# --------------------------------------------------------------------------------------
# Tickets


def test_acknowledged_tickets_survive_kill_9(backend: Backend, server_factory: ServerFactory, tenant: Tenant) -> None:
    server = server_factory.start(backend)
    acknowledged: dict[str, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def reporter(worker: int) -> None:
        with http_client(timeout=10) as client:
            session = None
            for sequence in range(10_000):
                if stop.is_set():
                    return
                if sequence % 5 == 0:  # a participant may raise only so many tickets an hour
                    try:
                        session = initialize(client, server.mcp_url(tenant.slug))
                    except (httpx.HTTPError, AssertionError):
                        return
                title = f"crash test {worker}-{sequence}"
                arguments = {"title": title, "description": "Created while the server dies.", "email": "dev@example.com"}
                try:
                    result = session.result("tools/call", {"name": "create_support_ticket", "arguments": arguments})
                except (httpx.HTTPError, AssertionError):
                    return  # the server died under this request: not acknowledged
                if result.get("isError"):
                    errors.append(str(result))
                    return
                number = result["structuredContent"]["number"]
                with lock:
                    acknowledged[title] = number

    workers = [threading.Thread(target=reporter, args=(worker,)) for worker in range(6)]
    for thread in workers:
        thread.start()
    wait_until(lambda: len(acknowledged) >= 20, 30, "tickets being created")
    server.kill()
    stop.set()
    for thread in workers:
        thread.join(15)
    server.start(port=server.port)
    assert not errors, errors[:3]

    stored = dict(rows(backend, "SELECT title, number FROM tickets"))
    missing = {title for title in acknowledged if title not in stored}
    assert not missing, f"{len(missing)} acknowledged tickets lost: {sorted(missing)[:5]}"
    assert all(int(stored[title]) == number for title, number in acknowledged.items())
    numbers = [int(number) for number in stored.values()]
    assert len(numbers) == len(set(numbers)), "duplicate ticket numbers"
    with http_client() as client:
        session = initialize(client, server.mcp_url(tenant.slug))
        arguments = {"title": "after the crash", "description": "Numbering goes on.", "email": "dev@example.com"}
        result = session.result("tools/call", {"name": "create_support_ticket", "arguments": arguments})
        assert result["structuredContent"]["number"] > max(numbers)
    no_crash_in_logs(server)


# --------------------------------------------------------------------------------------
# OAuth refresh


def test_refresh_tokens_survive_kill_9(backend: Backend, platform_factory: PlatformFactory, mock_idp) -> None:  # noqa: F811
    platform = platform_factory(backend, mock_idp.provider_config(), docs=False)
    server = platform.server
    grant = platform.oauth.login()
    client = grant.client
    token = grant.refresh_token

    def refresh(value: str) -> httpx.Response:
        # A new connection each time: the old ones die with the server.
        form = {"grant_type": "refresh_token", "refresh_token": value, "client_id": client.client_id}
        return httpx.post(platform.oauth.token_url, data=form, timeout=10)

    for round_number in range(3):
        outcome: dict[str, Any] = {"refreshes": 0}

        def keep_refreshing() -> None:
            nonlocal token
            while True:
                try:
                    response = refresh(token)
                except httpx.HTTPError:
                    return  # killed under this request: the client keeps the token it sent
                assert response.status_code == 200, response.text
                token = response.json()["refresh_token"]
                outcome["refreshes"] += 1

        thread = threading.Thread(target=keep_refreshing)
        thread.start()
        wait_until(lambda: outcome["refreshes"] >= 3 + round_number * 2, 30, "refreshes going on")
        server.kill()
        thread.join(15)
        server.start(port=server.port)

        # The client retries with what it holds: it must work, and the chain goes on.
        retried = refresh(token)
        assert retried.status_code == 200, f"round {round_number}: locked out: {retried.text}"
        token = retried.json()["refresh_token"]
        following = refresh(token)
        assert following.status_code == 200, following.text
        token = following.json()["refresh_token"]

        [(revoked,)] = rows(backend, "SELECT count(*) FROM oauth_grants WHERE revoked_at IS NOT NULL")
        assert revoked == "0"
        [(valid,)] = rows(backend, "SELECT count(*) FROM oauth_refresh_tokens WHERE used_at IS NULL")
        assert valid == "1", f"round {round_number}: {valid} valid refresh tokens for one grant"
    no_crash_in_logs(server)


# --------------------------------------------------------------------------------------
# Database unavailable


def test_postgres_outage_is_reported_and_survived(cli: Cli, postgres_backend: Backend, server_factory: ServerFactory, postgres_server_url: str) -> None:
    cli.migrate(postgres_backend)
    tenant = cli.create_tenant(postgres_backend)
    server = server_factory.start(postgres_backend)
    database = (postgres_backend.database_url or "").rsplit("/", 1)[1].split("?")[0]
    with http_client() as client:
        session = initialize(client, server.mcp_url(tenant.slug))
        assert client.get(server.base_url + "/readyz").status_code == 200

        psql(postgres_server_url, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        psql(postgres_server_url, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'")
        try:
            ready = wait_until(lambda: (r := client.get(server.base_url + "/readyz", timeout=10)).status_code == 503 and r, 20, "/readyz 503")
            assert ready.json() == {"status": "unavailable", "database": "unreachable"}
            response = client.post(
                server.mcp_url(tenant.slug),
                json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
                headers={"Accept": "application/json, text/event-stream"},
                timeout=30,
            )
            assert response.status_code == 503 and response.headers.get("retry-after") == "5", response.text
            assert response.json()["error"] == "database_unavailable", response.text
            assert "Traceback" not in response.text and "Fatal" not in response.text and len(response.text) < 1000, response.text
        finally:
            psql(postgres_server_url, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')

        # Back without a restart.
        wait_until(lambda: client.get(server.base_url + "/readyz", timeout=10).status_code == 200, 30, "/readyz 200 again")
        again = wait_until(
            lambda: (r := session.request("tools/call", {"name": "about", "arguments": {}})[0]).status_code == 200 and r, 30, "MCP again"
        )
        assert again.status_code == 200
        assert initialize(client, server.mcp_url(tenant.slug)).session_id
    no_crash_in_logs(server)


# --------------------------------------------------------------------------------------
# Disk full (SQLite)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs (skipped where mounting is not allowed)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def fill(directory: Path) -> Path:
    """Fills the file system of `directory` up to the last byte."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as out:
        for size in (1 << 16, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError:
                pass
    return filler


def test_a_full_disk_is_a_clear_error_and_recovers(cli: Cli, server_factory: ServerFactory, small_disk: Path) -> None:
    backend = Backend("sqlite", small_disk / "data")
    backend.data_dir.mkdir()
    cli.migrate(backend)
    tenant = cli.create_tenant(backend)
    server = server_factory.start(backend)
    ticket = {"title": "before the disk filled", "description": "Kept.", "email": "dev@example.com"}
    with http_client(timeout=30) as client:
        session = initialize(client, server.mcp_url(tenant.slug))
        before = session.result("tools/call", {"name": "create_support_ticket", "arguments": ticket})
        assert not before.get("isError"), before

        filler = fill(small_disk)
        failures = []
        for attempt in range(5):
            arguments = {"title": f"while full {attempt}", "description": "x" * 20_000, "email": "dev@example.com"}
            response, _ = session.request("tools/call", {"name": "create_support_ticket", "arguments": arguments})
            failures.append(response)
        for response in failures:
            assert response.status_code in (200, 503), response.text
            assert "Traceback" not in response.text and "Fatal" not in response.text
        refused = [r for r in failures if r.status_code == 503 or "error" in r.json() or r.json().get("result", {}).get("isError")]
        assert refused, [r.text for r in failures]
        # Reads still work.
        assert session.result("tools/call", {"name": "about", "arguments": {}})
        assert client.get(server.base_url + "/healthz").status_code == 200

        filler.unlink()
        after = wait_until(
            lambda: not (r := session.result("tools/call", {"name": "create_support_ticket", "arguments": {**ticket, "title": "after"}})).get("isError") and r,
            20, "writes working again",
        )
        assert after["structuredContent"]["number"] > before["structuredContent"]["number"]
    assert server_factory.stop_all() == []
    with sqlite3.connect(backend.data_dir / "mcplatform.sqlite") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        titles = {title for (title,) in connection.execute("SELECT title FROM tickets")}
    assert {"before the disk filled", "after"} <= titles, titles
    no_crash_in_logs(server)
