"""nginx (Debian's) as the load balancer of the scale-out tests: round robin over several
`mcplatform serve` instances, started from a generated configuration on a free port, with
every path (pid, logs, temp files) in the test's temporary directory.

`CONFIG` is the configuration docs/operations.md shows; keep the two in step.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from harness import free_port

#: The address nginx connects to the instances from: their `--trusted-proxies`.
PROXY_ADDRESS = "127.0.0.2"

#: The http{} part, with the upstream servers and the listen address filled in.
CONFIG = """\
upstream mcplatform {{
{servers}
    # Idle connections kept open to the instances (per nginx worker).
    keepalive 32;
}}

server {{
    listen {listen};

    # MCP request bodies and document uploads; mcplatform enforces its own limits.
    client_max_body_size 64m;

    location / {{
        proxy_pass http://mcplatform;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        # The client's address, appended to what it sent; the instances believe it only from the
        # addresses in their --trusted-proxies, and only the entry nginx appended.
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        # Connect to the instances from this address, the one they trust (--trusted-proxies).
        proxy_bind {bind};
        proxy_set_header X-Forwarded-Proto $scheme;
        # Server-sent events (MCP responses and GET streams) pass through as they are written.
        proxy_buffering off;
        proxy_read_timeout 1h;
        proxy_connect_timeout 2s;
        # An instance that refuses the connection or does not accept it in time: try the next
        # one. Safe for every method, POST included: the request never reached an instance.
        # Not `non_idempotent`: a POST an instance received and then died on may have had its
        # effect (a ticket created, a one-time code used), so it fails with 502 instead of
        # running twice.
        proxy_next_upstream error timeout;
        proxy_next_upstream_tries 3;
    }}
}}
"""


@dataclass
class Nginx:
    """One nginx master process in the foreground (`daemon off`), killed at teardown."""

    directory: Path
    upstream_ports: list[int]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    binary: str = field(default_factory=lambda: shutil.which("nginx") or "/usr/sbin/nginx")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.directory / "access.log"

    def config(self) -> str:
        # As root, nginx's workers would switch to `nobody`, which cannot write the temp directory.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        temp = "\n".join(
            f"    {kind}_temp_path {self.directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in self.upstream_ports)
        http = CONFIG.format(servers=servers, listen=f"127.0.0.1:{self.port}", bind=PROXY_ADDRESS)
        return (
            f"{user}worker_processes 1;\ndaemon off;\npid {self.directory / 'nginx.pid'};\n"
            f"error_log {self.directory / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
            "http {\n"
            "    log_format upstreams '$request_method|$request_uri|$status|$upstream_addr|$upstream_status';\n"
            f"    access_log {self.access_log} upstreams;\n{temp}\n"
            + "\n".join(f"    {line}" if line else "" for line in http.splitlines())
            + "\n}\n"
        )

    def start(self) -> None:
        """Starts nginx on `port` (a free one when 0) and waits until it answers /healthz."""
        if not os.path.exists(self.binary):
            pytest.fail("nginx not found (apt-get install -y nginx)", pytrace=False)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        conf = self.directory / "nginx.conf"
        conf.write_text(self.config())
        error_log = str(self.directory / "error.log")
        check = subprocess.run([self.binary, "-t", "-p", str(self.directory), "-e", error_log, "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, f"nginx -t failed:\n{check.stderr}\n{conf.read_text()}"
        self.proc = subprocess.Popen(
            [self.binary, "-p", str(self.directory), "-e", error_log, "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(self.directory / "stderr.log", "wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"nginx exited with {self.proc.returncode}: {self.errors()}"
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        pytest.fail(f"nginx did not answer /healthz within 10 s: {self.errors()}", pytrace=False)

    def errors(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no error log)"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log(self) -> list[LogEntry]:
        """The access log so far."""
        if not self.access_log.exists():
            return []
        return [LogEntry.parse(line) for line in self.access_log.read_text().splitlines() if line]


@dataclass
class LogEntry:
    """One request nginx passed on: the instances it tried (ports) and what each answered."""

    method: str
    uri: str
    status: int
    ports: list[int]
    upstream_statuses: list[str]

    @classmethod
    def parse(cls, line: str) -> "LogEntry":
        method, uri, status, addresses, statuses = line.split("|")
        ports = [int(address.rsplit(":", 1)[1]) for address in addresses.split(", ") if ":" in address]
        return cls(method, uri, int(status), ports, statuses.split(", "))

    @property
    def port(self) -> int | None:
        """The instance that answered (the last one tried)."""
        return self.ports[-1] if self.ports else None
