"""Operating the binary: structured logs, the demo, the secret key, and the CLI's errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from harness import Backend, Cli, ServerFactory, Tenant

from helpers import http_client, initialize


def test_json_logs_carry_the_request_id_of_every_request(
    server_factory: ServerFactory, cli: Cli, sqlite_backend: Backend
) -> None:
    cli.migrate(sqlite_backend)
    tenant = cli.create_tenant(sqlite_backend)
    server = server_factory.start(sqlite_backend, extra_args=["--log-format", "json"])
    with http_client() as client:
        session = initialize(client, server.mcp_url(tenant.slug))
        answered = {session.post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).headers["x-request-id"]}
        answered.add(client.get(f"{server.base_url}/healthz").headers["x-request-id"])
        answered.add(client.post(f"{server.base_url}/mcp/nope", json={}).headers["x-request-id"])
    assert server_factory.stop_all() == []

    lines = server.stderr_path.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"ts", "level", "message", "label"} <= record.keys() for record in records), lines[:3]
    requests = [record for record in records if record["message"] == "request"]
    logged = {record["hb.request.id"] for record in requests}
    assert answered <= logged, (answered, logged)
    statuses = {record["hb.request.id"]: record["http.status"] for record in requests}
    assert sorted(statuses[request_id] for request_id in answered) == ["200", "200", "404"]


def test_demo_creates_a_usable_server_and_a_private_secret_key(
    server_factory: ServerFactory, cli: Cli, tmp_path: Path
) -> None:
    backend = Backend("sqlite", tmp_path / "fresh-data")
    # No MCPLATFORM_SECRET_KEY: the key is generated into the data directory.
    server = server_factory.start(backend, extra_args=["--demo"], env={"MCPLATFORM_SECRET_KEY": ""})
    with http_client() as client:
        session = initialize(client, server.mcp_url("demo"))
        result = session.result("tools/call", {"name": "about", "arguments": {}})
        walkthroughs = session.result("tools/call", {"name": "list_walkthroughs", "arguments": {}})
    assert result["structuredContent"]["server"]["organization"] == "Demo Company"
    assert "list_walkthroughs" in result["structuredContent"]["tools"]
    assert [w["slug"] for w in walkthroughs["structuredContent"]["walkthroughs"]] == ["tour"]
    key = backend.data_dir / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert server_factory.stop_all() == []

    # A second start keeps the key and does not duplicate the demo.
    first_key = key.read_text()
    server_factory.start(backend, extra_args=["--demo"], env={"MCPLATFORM_SECRET_KEY": ""})
    assert key.read_text() == first_key
    listed = cli.run("server", "list", *backend.args()).stdout.splitlines()
    assert [line.split()[0] for line in listed[1:]] == ["demo"], listed


def test_cli_errors_are_one_line_and_exit_non_zero(cli: Cli, backend: Backend, tenant: Tenant) -> None:
    cases = [
        (["org", "create", tenant.org], f"an organization with slug '{tenant.org}' already exists"),
        (["org", "create", "Bad_Slug"], "may contain only lowercase letters"),
        (["server", "create", tenant.slug, "--org", tenant.org], f"an MCP server with slug '{tenant.slug}' already exists"),
        (["server", "create", "fresh-one", "--org", "no-such-org"], "no organization with slug 'no-such-org'"),
        (["server", "create", "fresh-two", "--org", tenant.org, "--auth", "saml"], "--auth must be one of: none, oauth"),
        (["server", "delete", "no-such-server"], "no MCP server with slug 'no-such-server'"),
        (["migrate", "--database", "mysql://db/x"], "unsupported scheme"),
        (["serve", "--port", "eighty"], "invalid --port / MCPLATFORM_PORT 'eighty'"),
    ]
    for args, message in cases:
        storage = [] if "--database" in args else backend.args()
        proc = cli.run(*args, *storage, check=False)
        assert proc.returncode != 0, (args, proc.stdout)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and "Fatal error" not in proc.stderr, proc.stderr

    listed = cli.run("server", "list", *backend.args()).stdout
    assert tenant.slug in listed and "fresh-one" not in listed and "fresh-two" not in listed
