"""Three `mcplatform serve` instances behind nginx (Debian's, round robin) on one PostgreSQL
database: everything a client does works as on one instance, although consecutive requests land
on different instances; and when one instance is killed (SIGKILL) under load, the clients carry
on with the others.

The nginx configuration is nginx_support.CONFIG (the one docs/operations.md shows). Every
instance has the same --public-url (nginx's), as in production.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import httpx2
import mcp
import pytest
from harness import LATEST_VERSION, MODERN_VERSION, Backend, Cli, ServerFactory, ServerProcess, Tenant, free_port, psql
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from nginx_support import PROXY_ADDRESS, Nginx
from oauth_support import ADMIN_TOKEN, MockOIDC, PlatformOAuth, describe, run_async
from test_interop_http import modern_body
from test_sources import site  # noqa: F401 (fixture)
from test_walkthroughs_mcp import SLUG, WalkthroughAPI, publish_walkthrough

from helpers import http_client, initialize, post, rpc_body

TEST_TIMEOUT = 45.0

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")


@dataclass
class Cluster:
    backend: Backend
    instances: list[ServerProcess]
    nginx: Nginx
    tenant: Tenant

    @property
    def url(self) -> str:
        return self.nginx.base_url

    def mcp_url(self, slug: str | None = None) -> str:
        return f"{self.url}/mcp/{slug or self.tenant.slug}"

    def ports_since(self, mark: int, uri_part: str = "") -> list[int]:
        """The instances that answered the requests logged after `mark` (whose URI contains `uri_part`)."""
        return [entry.port for entry in self.nginx.log()[mark:] if uri_part in entry.uri and entry.port is not None]

    def mark(self) -> int:
        return len(self.nginx.log())


@pytest.fixture
def cluster(cli: Cli, postgres_backend: Backend, server_factory: ServerFactory, tmp_path: Path) -> Iterator[Cluster]:
    cli.migrate(postgres_backend)
    tenant = cli.create_tenant(postgres_backend)
    # nginx's port first: it is every instance's public URL.
    nginx = Nginx(tmp_path / "nginx", [], port=free_port())
    args = ["--admin-token", ADMIN_TOKEN, "--allow-private-urls", "--public-url", nginx.base_url, "--trusted-proxies", PROXY_ADDRESS]
    instances = [server_factory.start(postgres_backend, name=f"instance-{n}", extra_args=args) for n in (1, 2, 3)]
    nginx.upstream_ports = [instance.port for instance in instances]
    nginx.start()
    try:
        yield Cluster(postgres_backend, instances, nginx, tenant)
    finally:
        nginx.stop()


def spread(ports: list[int], cluster: Cluster) -> None:
    """Round robin: the requests went to every instance."""
    assert set(ports) == {instance.port for instance in cluster.instances}, Counter(ports)


def set_settings(cluster: Cluster, slug: str, settings: str) -> None:
    assert cluster.backend.database_url is not None
    psql(cluster.backend.database_url, f"UPDATE mcp_servers SET settings = '{settings}' WHERE slug = '{slug}'")


# --------------------------------------------------------------------------------------
# One platform behind nginx


def test_one_platform_behind_nginx(cluster: Cluster, cli: Cli, mock_idp: MockOIDC, site: str) -> None:
    check_legacy_sessions(cluster)
    check_modern_requests(cluster)
    token = check_oauth_sign_in(cluster, cli, mock_idp)
    check_walkthrough_progress(cluster, token)
    check_ingestion_job(cluster, site)
    check_rate_limits(cluster, cli)
    check_client_addresses(cluster, cli)


def check_legacy_sessions(cluster: Cluster) -> None:
    """The official client in a legacy session: initialize, lists and calls, each on the next instance."""
    mark = cluster.mark()

    async def body() -> None:
        async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0)) as http:
            async with streamable_http_client(cluster.mcp_url(), http_client=http) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=30.0) as session:
                    assert (await session.initialize()).protocol_version == LATEST_VERSION
                    for _ in range(3):
                        assert "about" in [tool.name for tool in (await session.list_tools()).tools]
                        result = await session.call_tool("about", {})
                        assert not result.is_error and result.structured_content["server"]["slug"] == cluster.tenant.slug, result

    run_async(body, TEST_TIMEOUT)
    spread(cluster.ports_since(mark, "/mcp/"), cluster)


def check_modern_requests(cluster: Cluster) -> None:
    """2026-07-28: mcp.Client in auto mode, stateless requests on any instance."""
    mark = cluster.mark()

    async def body() -> None:
        async with httpx2.AsyncClient(timeout=30.0) as http, mcp.Client(streamable_http_client(cluster.mcp_url(), http_client=http)) as client:
            assert client.protocol_version == MODERN_VERSION
            for _ in range(3):
                result = await client.call_tool("about", {})
                assert not result.is_error and result.structured_content["server"]["slug"] == cluster.tenant.slug, result

    run_async(body, TEST_TIMEOUT)
    spread(cluster.ports_since(mark, "/mcp/"), cluster)


def check_oauth_sign_in(cluster: Cluster, cli: Cli, mock_idp: MockOIDC) -> str:
    """Registration, consent, upstream login, callback and code exchange land on different
    instances: the pending sign-in and the code live in the database. Returns alice's token."""
    api = WalkthroughAPI(cluster.url, cluster.tenant.slug)
    oauth = PlatformOAuth(cluster.url, cluster.tenant.slug)
    try:
        r = api.http.put(f"{cluster.url}/api/v1/servers/{cluster.tenant.slug}/auth", json={"mode": "oauth", "provider": mock_idp.provider_config()})
        assert r.status_code == 200, describe(r)
        switched = time.monotonic()
        mark = cluster.mark()
        grant = oauth.login(user="alice")
        ports = cluster.ports_since(mark)
        assert len(set(ports)) == 3, ports
        refreshed = oauth.refresh(grant.client, grant.refresh_token)
        assert refreshed.status_code == 200, describe(refreshed)
        token = refreshed.json()["access_token"]
        for _ in range(3):
            assert oauth.mcp(token).status_code == 200
        # Other instances keep a server's settings for up to a second (docs/operations.md,
        # "Caches of the MCP request path"); after that every instance demands sign-in.
        time.sleep(max(0.0, switched + 1.1 - time.monotonic()))
        assert [oauth.mcp(None).status_code for _ in range(3)] == [401] * 3
        return token
    finally:
        api.close()
        oauth.close()


def check_walkthrough_progress(cluster: Cluster, token: str) -> None:
    """A signed-in user's progress, written on one instance, read and advanced on the others."""
    publish_walkthrough(cluster.url, cluster.tenant.slug)
    mark = cluster.mark()

    async def call(session: ClientSession, tool: str, arguments: dict[str, Any]) -> str:
        result = await session.call_tool(tool, arguments)
        assert not result.is_error, result
        return "\n".join(block.text for block in result.content if isinstance(block, mcp.types.TextContent))

    async def body() -> None:
        headers = {"authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient(timeout=30.0, headers=headers) as http:
            async with streamable_http_client(cluster.mcp_url(), http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    assert "Step 1 of 3" in await call(session, "start_walkthrough", {"slug": SLUG})
                    assert "Step 2 of 3" in await call(session, "complete_step", {"slug": SLUG, "step": 1})
                    assert "Step 3 of 3" in await call(session, "complete_step", {"slug": SLUG, "step": 2})
        async with httpx2.AsyncClient(timeout=30.0, headers=headers) as http, mcp.Client(streamable_http_client(cluster.mcp_url(), http_client=http)) as client:
            result = await client.call_tool("get_walkthrough_step", {"slug": SLUG})
            assert "Step 3 of 3" in "\n".join(block.text for block in result.content if isinstance(block, mcp.types.TextContent)), result

    run_async(body, TEST_TIMEOUT)
    spread(cluster.ports_since(mark, "/mcp/"), cluster)


def check_ingestion_job(cluster: Cluster, site: str) -> None:
    """A crawl queued through one instance runs exactly once, on whichever instance claims it;
    its progress reads the same on every instance."""
    auth = {"authorization": f"Bearer {ADMIN_TOKEN}"}
    with http_client() as client:
        created = client.post(
            f"{cluster.url}/api/v1/servers/{cluster.tenant.slug}/sources",
            headers=auth,
            json={"kind": "website", "location": f"{site}/docs/index.html", "version": "web"},
        )
        assert created.status_code == 202, created.text
        job_id = created.json()["job"]["id"]
        deadline = time.monotonic() + 30
        while (job := client.get(f"{cluster.url}/api/v1/jobs/{job_id}", headers=auth).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["status"] == "succeeded" and job["pagesIndexed"] == 2, job
    ran = [i.name for i in cluster.instances if f"job={job_id} " in i.stderr_path.read_text() + i.stdout_path.read_text()]
    assert len(ran) == 1, f"job {job_id} started on {ran}"


def check_rate_limits(cluster: Cluster, cli: Cli) -> None:
    """Per-client and per-server limits hold across the instances: N allowed, then 429."""
    client_limited = cli.create_tenant(cluster.backend)
    server_limited = cli.create_tenant(cluster.backend)
    set_settings(cluster, client_limited.slug, '{"clientRequestsPerMinute": 5}')
    set_settings(cluster, server_limited.slug, '{"serverRequestsPerMinute": 4}')
    mark = cluster.mark()
    with http_client() as client:
        session = initialize(client, cluster.mcp_url(client_limited.slug), send_initialized=False)
        statuses = [session.request("ping")[0] for _ in range(7)]
        assert [r.status_code for r in statuses] == [200] * 5 + [429] * 2, [(r.status_code, r.text[:200]) for r in statuses]
        assert int(statuses[-1].headers["retry-after"]) >= 1
        # Another client of that server is not limited by the first one's use.
        assert initialize(client, cluster.mcp_url(client_limited.slug), send_initialized=False).result("ping") == {}

        body = modern_body("tools/list")
        headers = {"mcp-method": "tools/list"}
        statuses = [post(client, cluster.mcp_url(server_limited.slug), body, version=MODERN_VERSION, headers=headers) for _ in range(6)]
        assert [r.status_code for r in statuses] == [200] * 4 + [429] * 2, [(r.status_code, r.text[:200]) for r in statuses]
        assert "tools" in rpc_body(statuses[0])["result"]
    spread(cluster.ports_since(mark, "/mcp/"), cluster)


def check_client_addresses(cluster: Cluster, cli: Cli) -> None:
    """Behind nginx each client keeps its own address (--trusted-proxies): anonymous 2026-07-28
    clients, limited by address, don't share a bucket; and an X-Forwarded-For a client writes
    itself changes nothing."""
    tenant = cli.create_tenant(cluster.backend)
    set_settings(cluster, tenant.slug, '{"clientRequestsPerMinute": 2}')
    body = modern_body("tools/list")

    def send(client: httpx.Client, spoofed: str) -> int:
        headers = {"mcp-method": "tools/list", "x-forwarded-for": spoofed}
        return post(client, cluster.mcp_url(tenant.slug), body, version=MODERN_VERSION, headers=headers).status_code

    with http_client() as first, http_client(transport=httpx.HTTPTransport(local_address="127.0.0.3")) as second:
        assert [send(first, f"198.51.100.{n}") for n in range(3)] == [200, 200, 429]
        assert [send(second, "198.51.100.9") for _ in range(3)] == [200, 200, 429]


# --------------------------------------------------------------------------------------
# An instance killed under load


@dataclass(eq=False)
class Outcome:
    started: float
    finished: float
    ok: bool
    detail: str


def client_loop(url: str, modern: bool, stop: threading.Event, outcomes: list[Outcome]) -> None:
    """One client sending requests back to back until `stop`: a legacy session (tools/call)
    or stateless 2026-07-28 requests (tools/list)."""
    with httpx.Client(timeout=10.0) as client:
        session = None if modern else initialize(client, url)
        while not stop.is_set():
            started = time.monotonic()
            try:
                if session is None:
                    r = post(client, url, modern_body("tools/list"), version=MODERN_VERSION, headers={"mcp-method": "tools/list"})
                else:
                    r, _ = session.request("tools/call", {"name": "about", "arguments": {}})
                ok = r.status_code == 200 and "result" in rpc_body(r)
                detail = f"HTTP {r.status_code} {r.text[:120]}"
            except (httpx.HTTPError, AssertionError, ValueError) as e:
                ok, detail = False, repr(e)
            outcomes.append(Outcome(started, time.monotonic(), ok, detail))


def test_killed_instance_under_load(cluster: Cluster, server_factory: ServerFactory) -> None:
    clients = 8
    stop = threading.Event()
    outcomes: list[list[Outcome]] = [[] for _ in range(clients)]
    threads = [
        threading.Thread(target=client_loop, args=(cluster.mcp_url(), n % 2 == 1, stop, outcomes[n]), daemon=True) for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    connections = database_connections(cluster)
    victim = cluster.instances[1]
    assert victim.proc is not None
    mark = cluster.mark()
    killed_at = time.monotonic()
    victim.proc.kill()
    victim.proc.wait(5)
    dead_at = time.monotonic()
    server_factory.servers.remove(victim)  # it did not exit gracefully: on purpose
    # Past nginx's fail_timeout (5 s): it tries the dead instance again, is refused, and passes
    # those requests on to another instance.
    time.sleep(6.5)
    stop.set()
    for thread in threads:
        thread.join(15)

    every = [outcome for per_client in outcomes for outcome in per_client]
    failed = [outcome for outcome in every if not outcome.ok]
    # In flight on the victim: running at some moment between SIGKILL and its death.
    in_flight = [outcome for outcome in every if outcome.started <= dead_at and outcome.finished >= killed_at]
    after = [outcome for outcome in every if outcome.started > dead_at]
    log = cluster.nginx.log()[mark:]
    retried = [entry for entry in log if len(entry.ports) > 1]
    print(
        f"\nscale-out kill: {len(every)} requests by {clients} clients, {len(failed)} failed, "
        f"{len(in_flight)} in flight while it died, {len(after)} after its death, {len(retried)} retried by nginx on another instance; "
        f"failures (start, end s after the kill): {[(round(f.started - killed_at, 3), round(f.finished - killed_at, 3), f.detail[:12]) for f in failed]}; dead after {dead_at - killed_at:.3f} s; PostgreSQL connections of the 3 instances under load: {connections}"
    )
    assert all(per_client for per_client in outcomes), "every client made requests"
    assert len(after) >= clients * 5, f"the clients carried on after the kill: {len(after)} requests"
    assert set(failed) <= set(in_flight), [f.detail for f in failed if f not in in_flight]
    assert all(outcome.ok for outcome in after), [o.detail for o in after if not o.ok][:5]
    # Each failure is a request the victim had received (nginx's 502 from that instance).
    bad_gateway = [entry for entry in log if entry.status >= 500]
    assert len(bad_gateway) == len(failed) and all(entry.ports == [victim.port] for entry in bad_gateway), bad_gateway
    answered_after = Counter(entry.port for entry in log if entry.status == 200)
    assert victim.port not in answered_after or answered_after[victim.port] <= clients, answered_after
    survivors = {instance.port for instance in cluster.instances if instance is not victim}
    assert survivors <= set(answered_after), answered_after
    assert retried and all(entry.status == 200 and entry.ports[0] == victim.port for entry in retried), retried


def database_connections(cluster: Cluster) -> int:
    """Connections to the cluster's database now (pg_stat_activity)."""
    url = cluster.backend.database_url
    assert url is not None
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    proc = subprocess.run(["psql", "-X", "-tA", "-d", url, "-c", query], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip())


@pytest.fixture
def mock_idp() -> Iterator[MockOIDC]:
    with MockOIDC.run() as idp:
        yield idp
