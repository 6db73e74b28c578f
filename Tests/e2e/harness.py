"""Test harness for the end-to-end tests: the mcplatform CLI, storage backends, and
`mcplatform serve` subprocesses. The pytest fixtures around it are in conftest.py."""

from __future__ import annotations

import base64
import functools
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Shared by every instance a test starts, so sessions and secrets made by one are
#: readable by the others (scale-out). Fixed, test-only, 32 bytes.
TEST_SECRET_KEY = base64.b64encode(bytes(range(32))).decode()

#: The protocol revisions MCPlatform speaks over the initialize handshake (legacy), the newest last.
SUPPORTED_VERSIONS = ("2025-03-26", "2025-06-18", "2025-11-25")
LATEST_VERSION = "2025-11-25"
#: The stateless revision (no handshake), which mcp.Client(mode="auto") ends up on.
MODERN_VERSION = "2026-07-28"

STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0


def child_env(**extra: str) -> dict[str, str]:
    """The environment for mcplatform subprocesses: ours minus every MCPLATFORM_* variable
    (MCPLATFORM_DATABASE_URL, MCPLATFORM_PORT, ... would override what a test chose), plus
    the shared test secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCPLATFORM_")}
    env["MCPLATFORM_SECRET_KEY"] = TEST_SECRET_KEY
    env.update(extra)
    return env


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_http_server(handler: Callable[..., BaseRequestHandler]) -> Iterator[str]:
    """`handler` served from a thread on a free port of 127.0.0.1 until exit; yields the base URL
    (`http://127.0.0.1:PORT`, no trailing slash)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietFileHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, *args: object) -> None:
        pass


def static_site(directory: Path) -> AbstractContextManager[str]:
    """The files under `directory` over HTTP on 127.0.0.1 (`local_http_server`): a small website."""
    return local_http_server(functools.partial(_QuietFileHandler, directory=str(directory)))


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


@dataclass
class Backend:
    """Where an mcplatform instance keeps its data: SQLite under data_dir, or PostgreSQL."""

    kind: str  # "sqlite" | "postgres"
    data_dir: Path
    database_url: str | None = None

    def args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url is not None:
            args += ["--database", self.database_url]
        return args


@dataclass
class Tenant:
    org: str
    org_name: str
    slug: str
    name: str


class Cli:
    """Runs `mcplatform` subcommands and fails the test with their output when they fail."""

    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.env = child_env()

    def run(self, *args: str, check: bool = True, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.binary), *args]
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.workdir,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"`{' '.join(cmd)}` did not finish within {timeout}s\nstderr:\n{e.stderr}", pytrace=False)
        if check and proc.returncode != 0:
            pytest.fail(
                f"`{' '.join(cmd)}` exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}",
                pytrace=False,
            )
        return proc

    def migrate(self, backend: Backend) -> subprocess.CompletedProcess[str]:
        return self.run("migrate", *backend.args())

    def org_create(self, slug: str, name: str, backend: Backend) -> subprocess.CompletedProcess[str]:
        return self.run("org", "create", slug, "--name", name, *backend.args())

    def server_create(self, slug: str, org: str, name: str, backend: Backend) -> subprocess.CompletedProcess[str]:
        return self.run("server", "create", slug, "--org", org, "--name", name, *backend.args())

    def create_tenant(self, backend: Backend, *, org: str | None = None, slug: str | None = None) -> Tenant:
        """Create an organization and one MCP server in it, with unique slugs and names."""
        suffix = uuid.uuid4().hex[:6]
        org = org or f"org-{suffix}"
        slug = slug or f"docs-{suffix}"
        tenant = Tenant(org=org, org_name=f"Org {suffix.upper()}", slug=slug, name=f"Docs {suffix.upper()} E2E")
        self.org_create(tenant.org, tenant.org_name, backend)
        self.server_create(tenant.slug, tenant.org, tenant.name, backend)
        return tenant


def _psql_binary() -> str:
    found = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    if not os.path.exists(found):
        pytest.fail("psql not found (apt-get install -y postgresql-client-15)", pytrace=False)
    return found


def psql(url: str, sql: str) -> None:
    proc = subprocess.run(
        [_psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        pytest.fail(f"psql failed: {sql}\n{proc.stderr}", pytrace=False)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@contextmanager
def new_postgres_database(server_url: str, prefix: str = "mcp_e2e") -> Iterator[str]:
    """The URL of a fresh, empty database on `server_url`, dropped on exit (stop the servers
    using it first)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    psql(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_url, name)
    finally:
        psql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------------------
# Running servers


@dataclass
class ServerProcess:
    """One `mcplatform serve` subprocess on 127.0.0.1."""

    binary: Path
    backend: Backend
    log_dir: Path
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    name: str = "server"
    #: Working directory of the process (default: the log directory).
    cwd: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def mcp_url(self, slug: str) -> str:
        """Path form: /mcp/<slug> on any host."""
        return f"{self.base_url}/mcp/{slug}"

    def host_header(self, slug: str, base_domain: str = "localhost") -> str:
        """Host form: /mcp on <slug>.<base-domain> (send to 127.0.0.1 with this Host header)."""
        return f"{slug}.{base_domain}:{self.port}"

    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"{self.name}.stdout.log"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"{self.name}.stderr.log"

    def logs(self) -> str:
        return f"--- {self.name} stderr (tail):\n{_tail(self.stderr_path)}\n--- {self.name} stdout (tail):\n{_tail(self.stdout_path)}"

    def start(self, port: int | None = None) -> None:
        """Starts the process on `port` (a restart after a crash keeps its address), else on a free one."""
        for attempt in range(3):
            self.port = port if port and attempt == 0 else free_port()
            cmd = [
                str(self.binary),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *self.backend.args(),
                # "{port}" in an argument becomes the chosen port (e.g. --public-url http://127.0.0.1:{port}).
                *(arg.replace("{port}", str(self.port)) for arg in self.extra_args),
            ]
            env = child_env(**self.env)
            with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
                self.proc = subprocess.Popen(
                    cmd, cwd=self.cwd or self.log_dir, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
                )
            if self._wait_healthy(cmd):
                return
            # The port was taken between free_port() and bind: try another one.
            if attempt < 2 and "in use" in _tail(self.stderr_path, 20).lower():
                continue
            break
        pytest.fail(f"`{' '.join(cmd)}` exited with {self.proc.returncode} before /healthz answered\n{self.logs()}", pytrace=False)

    def _wait_healthy(self, cmd: list[str]) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = httpx.get(f"{self.base_url}/healthz", timeout=2.0)
                if r.status_code == 200:
                    return True
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            except httpx.HTTPError as e:
                last = repr(e)
            time.sleep(0.1)
        self.proc.kill()
        self.proc.wait(5)
        pytest.fail(
            f"`{' '.join(cmd)}`: GET /healthz did not answer 200 within {STARTUP_TIMEOUT}s (last: {last})\n{self.logs()}",
            pytrace=False,
        )

    def kill(self) -> None:
        """SIGKILL: a crash, without any graceful shutdown. `start(port=self.port)` restarts it."""
        assert self.proc is not None and self.proc.poll() is None, f"{self.name} is not running"
        self.proc.kill()
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> str | None:
        """SIGTERM and wait; returns a failure description unless it exited 0 within SHUTDOWN_TIMEOUT."""
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None and self.proc.returncode != 0:
                return f"{self.name} had already exited with {self.proc.returncode}\n{self.logs()}"
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return f"{self.name} did not exit within {SHUTDOWN_TIMEOUT}s of SIGTERM (graceful shutdown)\n{self.logs()}"
        if rc != 0:
            return f"{self.name} exited with {rc} after SIGTERM (expected 0: graceful shutdown)\n{self.logs()}"
        return None


class ServerFactory:
    def __init__(self, binary: Path, log_dir: Path) -> None:
        self.binary = binary
        self.log_dir = log_dir
        self.servers: list[ServerProcess] = []

    def start(
        self,
        backend: Backend,
        *,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
        name: str | None = None,
        cwd: Path | None = None,
    ) -> ServerProcess:
        server = ServerProcess(
            binary=self.binary,
            backend=backend,
            log_dir=self.log_dir,
            extra_args=list(extra_args or []),
            env=dict(env or {}),
            name=name or f"server{len(self.servers) + 1}",
            cwd=cwd,
        )
        self.servers.append(server)
        server.start()
        return server

    def stop_all(self) -> list[str]:
        return [problem for server in self.servers if (problem := server.stop()) is not None]


# --------------------------------------------------------------------------------------
# One instance shared by a module's tests


@dataclass
class Site:
    """A running instance and the one tenant (organization and MCP server) it was started for."""

    server: ServerProcess
    tenant: Tenant
    backend: Backend

    @property
    def url(self) -> str:
        return self.server.mcp_url(self.tenant.slug)


@contextmanager
def module_site(
    cli: Cli,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    postgres_server_url: str | None = None,
    extra_args: Sequence[str] = (),
    prepare: Callable[[Backend, Tenant], object] | None = None,
) -> Iterator[Site]:
    """For a module-scoped fixture: a fresh database with one tenant, served by one instance
    (`name`, with `extra_args`). SQLite in a data dir of its own, or a new database on
    `postgres_server_url` (dropped afterwards). `prepare(backend, tenant)` adds content through
    the CLI before the instance starts. On exit the instance is stopped and must shut down
    gracefully."""
    root = tmp_path_factory.mktemp(name)
    data_dir = root / "data"
    data_dir.mkdir()
    database = new_postgres_database(postgres_server_url) if postgres_server_url else nullcontext(None)
    with database as database_url:
        backend = Backend("postgres" if database_url else "sqlite", data_dir, database_url)
        cli.migrate(backend)
        tenant = cli.create_tenant(backend)
        if prepare is not None:
            prepare(backend, tenant)
        servers = ServerFactory(cli.binary, root)
        server = servers.start(backend, extra_args=list(extra_args), name=name)
        try:
            yield Site(server, tenant, backend)
        finally:
            problems = servers.stop_all()
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)
