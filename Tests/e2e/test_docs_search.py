"""Documentation ingestion with `mcplatform ingest` and search through the official MCP client."""

from __future__ import annotations

import time
from pathlib import Path

import mcp.types as types
from harness import Backend, Cli, ServerFactory, Tenant
from test_mcp_client import legacy_session, run

from helpers import http_client, initialize

DOCS = {
    "getting-started/install.md": """---
title: Install the Acme CLI
---
# Install

Install the Acme command line tool with Homebrew on macOS or with the shell installer on Linux.

```sh
brew install acme/tap/acme
curl -fsSL https://get.acme.dev | sh
```

## Verify the installation

Run `acme --version`; it prints the installed version.
""",
    "guides/authentication.md": """# Authentication

Every API request needs an API key.

## Create an API key

Open **Settings → API keys** in the dashboard and click *New key*. Keys start with `ak_live_`.

## Rotate a key

Create the new key first, deploy it, then revoke the old key. Revoked keys stop working at once.
""",
    "guides/webhooks.mdx": """import Tabs from '@theme/Tabs';

# Webhooks

<Tabs>
Acme sends an HTTP POST to your endpoint for every event.
</Tabs>

## Verify signatures

Each delivery carries an `Acme-Signature` header: an HMAC-SHA256 of the body with your signing secret.
Compare it in constant time with `acme.webhooks.verify(payload, header, secret)`.

## Retries

Failed deliveries are retried with exponential backoff for 24 hours.
""",
    "reference/errors.rst": """Errors
======

rate_limited
------------

You sent more than 100 requests per minute. Wait for the ``Retry-After`` seconds and try again.

invalid_api_key
---------------

The key is malformed, revoked, or belongs to another environment.
""",
    "reference/cli.html": """<html><head><title>acme deploy | Acme Docs</title></head><body>
<nav class="navbar">Home Docs Blog</nav>
<main><h1 id="acme-deploy">acme deploy</h1>
<p>Deploys the current project. Use <code>--dry-run</code> to print the plan without changing anything.</p>
<pre><code class="language-sh">acme deploy --dry-run --env staging</code></pre>
</main><footer>© Acme</footer></body></html>""",
}

QUESTIONS = [
    ("How do I install the Acme CLI on Linux?", "getting-started/install.md"),
    ("how to check which version is installed", "getting-started/install.md"),
    ("How do I rotate an API key?", "guides/authentication.md"),
    ("verify webhook signature HMAC", "guides/webhooks.mdx"),
    ("I get rate_limited errors, what should I do?", "reference/errors.rst"),
    ("preview a deployment without changing anything", "reference/cli.html"),
]


def write_docs(folder: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return folder


def test_ingest_then_search_with_the_mcp_client(cli: Cli, tenant: Tenant, backend: Backend, server_factory: ServerFactory, tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", DOCS)
    ingest = cli.run("ingest", tenant.slug, str(docs), "--version", "1.0", *backend.args())
    assert f"{tenant.slug}: 5 indexed, 0 unchanged, 0 removed, 0 failed" in ingest.stdout, ingest.stdout
    again = cli.run("ingest", tenant.slug, str(docs), "--version", "1.0", *backend.args())
    assert "0 indexed, 5 unchanged" in again.stdout, again.stdout

    server = server_factory.start(backend)

    async def body() -> None:
        async with legacy_session(server.mcp_url(tenant.slug), "2025-11-25") as (session, _):
            names = [tool.name for tool in (await session.list_tools()).tools]
            assert names[:3] == ["search_docs", "read_page", "list_sources"], names
            for question, page in QUESTIONS:
                result = await session.call_tool("search_docs", {"query": question, "limit": 3})
                assert not result.is_error, result
                urls = [entry["url"] for entry in result.structured_content["results"]]
                assert urls and urls[0].split("#")[0] == page, (question, urls)

            read = await session.call_tool("read_page", {"url": "guides/authentication.md#rotate-a-key"})
            assert read.structured_content["content"].startswith("## Rotate a key"), read.structured_content
            html = await session.call_tool("read_page", {"url": "reference/cli.html"})
            content = html.structured_content["content"]
            assert "acme deploy --dry-run --env staging" in content and "Blog" not in content, content

            resources = await session.list_resources()
            uris = sorted(str(resource.uri) for resource in resources.resources)
            assert "docs://1.0/guides/authentication.md" in uris and len(uris) == 5, uris
            page = await session.read_resource("docs://1.0/guides/authentication.md")
            assert "## Rotate a key" in page.contents[0].text, page

            sources = await session.call_tool("list_sources", {})
            assert sources.structured_content["versions"] == ["1.0"]
            assert isinstance(_text(sources), str) and str(docs) not in _text(sources)

    run(body)


def _text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def test_ingest_reports_failed_pages_and_exits_non_zero(cli: Cli, sqlite_backend: Backend, tmp_path: Path) -> None:
    cli.migrate(sqlite_backend)
    tenant = cli.create_tenant(sqlite_backend)
    docs = write_docs(tmp_path / "docs", {"good.md": "# Good\n\ntext"})
    (docs / "broken.md").write_bytes(b"\x89PNG\x00\x00binary")
    proc = cli.run("ingest", tenant.slug, str(docs), *sqlite_backend.args(), check=False)
    assert proc.returncode == 1, proc
    assert "1 indexed, 0 unchanged, 0 removed, 1 failed" in proc.stdout, proc.stdout
    assert "failed: broken.md: binary or not UTF-8 text" in proc.stdout, proc.stdout

    missing = cli.run("ingest", tenant.slug, str(tmp_path / "nope"), *sqlite_backend.args(), check=False)
    assert missing.returncode != 0 and "no such file or folder" in missing.stderr, missing
    unknown = cli.run("ingest", "no-such-server", str(docs), *sqlite_backend.args(), check=False)
    assert unknown.returncode != 0 and "no MCP server with slug 'no-such-server'" in unknown.stderr, unknown


def test_demo_serves_the_projects_own_docs(server_factory: ServerFactory, tmp_path: Path) -> None:
    """`serve --demo` run from a checkout ingests ./docs in the background."""
    checkout = write_docs(tmp_path / "checkout", {"docs/operations.md": "# Operations\n\nBack up the SQLite file with VACUUM INTO."})
    backend = Backend("sqlite", checkout / "mcplatform-data")
    server = server_factory.start(backend, extra_args=["--demo"], cwd=checkout)
    deadline = time.monotonic() + 30
    with http_client() as client:
        session = initialize(client, server.mcp_url("demo"))
        while True:
            result = session.result("tools/call", {"name": "search_docs", "arguments": {"query": "vacuum the sqlite file"}})
            urls = [entry["url"] for entry in result["structuredContent"]["results"]]
            if urls or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert urls and urls[0].startswith("operations.md"), result
