"""Prompts, completion, logging and progress end to end with the official Python `mcp` client
(ClientSession over streamable HTTP, 2025-11-25) against a real server holding ingested docs and
a published walkthrough (docs/compatibility.md, "Features")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import mcp.types as types
import pytest
from harness import Backend, Cli, ServerFactory
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from oauth_support import ADMIN_TOKEN
from test_docs_search import write_docs
from test_mcp_client import run
from test_walkthroughs_mcp import DOCUMENT, SLUG, publish_walkthrough

# ClientSession.set_logging_level is deprecated for 2026-07-28; these sessions are on 2025-11-25.
pytestmark = pytest.mark.filterwarnings("ignore:The logging capability is deprecated")

DOCS = {
    "errors.md": "# Errors\n\n## E42 connection refused\n\nThe daemon is not running: start it with `acme serve`.\n",
    "guide/setup.md": "# Setup\n\nSet the request timeout with `--timeout 30`.\n",
}


@asynccontextmanager
async def session_with_logs(url: str, logs: list[types.LoggingMessageNotificationParams]) -> AsyncIterator[ClientSession]:
    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params)

    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0)) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=30.0, logging_callback=on_log) as session:
                await session.initialize()
                yield session


def test_prompts_completion_logging_and_progress(cli: Cli, backend: Backend, server_factory: ServerFactory, tmp_path: Path) -> None:
    cli.migrate(backend)
    tenant = cli.create_tenant(backend)
    docs = write_docs(tmp_path / "docs", DOCS)
    cli.run("ingest", tenant.slug, str(docs), "--version", "1.0", *backend.args())
    server = server_factory.start(backend, extra_args=["--admin-token", ADMIN_TOKEN, "--public-url", "http://127.0.0.1:{port}"])
    publish_walkthrough(server.base_url, tenant.slug)
    logs: list[types.LoggingMessageNotificationParams] = []

    async def body() -> None:
        async with session_with_logs(server.mcp_url(tenant.slug), logs) as session:
            capabilities = session.initialize_result.capabilities
            assert capabilities.prompts is not None and capabilities.completions is not None and capabilities.logging is not None

            prompts = await session.list_prompts()
            assert [prompt.name for prompt in prompts.prompts] == ["explain-error", "search-docs", "start-walkthrough"], prompts
            assert prompts.next_cursor is None

            explained = await session.get_prompt("explain-error", {"error": "E42 connection refused"})
            text = explained.messages[0].content.text
            assert "url: errors.md#e42-connection-refused" in text and "`read_page`" in text, text

            walkthrough = await session.get_prompt("start-walkthrough", {"slug": SLUG})
            text = walkthrough.messages[0].content.text
            assert f'`start_walkthrough` with {{"slug": "{SLUG}"}}' in text and DOCUMENT["title"] in text, text
            with pytest.raises(MCPError) as unknown:
                await session.get_prompt("start-walkthrough", {"slug": "nope"})
            assert unknown.value.error.code == -32602 and SLUG in unknown.value.error.message

            slugs = await session.complete(types.PromptReference(name="start-walkthrough"), {"name": "slug", "value": "get"})
            assert slugs.completion.values == [SLUG] and slugs.completion.has_more is False, slugs
            template = types.ResourceTemplateReference(uri="docs://{version}/{+url}")
            urls = await session.complete(template, {"name": "url", "value": "guide/"}, {"version": "1.0"})
            assert urls.completion.values == ["guide/setup.md"], urls
            versions = await session.complete(template, {"name": "version", "value": ""})
            assert versions.completion.values == ["1.0"], versions

            await session.set_logging_level("info")
            nothing = await session.call_tool("search_docs", {"query": "zebra unicorn"})
            assert not nothing.is_error
            assert [(log.level, log.logger) for log in logs] == [("info", "tools")], logs
            assert "No results" in logs[0].data["message"], logs

            progress: list[tuple[float, float | None, str | None]] = []

            async def on_progress(done: float, total: float | None, message: str | None) -> None:
                progress.append((done, total, message))

            found = await session.call_tool("search_docs", {"query": "request timeout"}, progress_callback=on_progress)
            assert found.structured_content["results"][0]["url"].startswith("guide/setup.md"), found
            assert [(done, total) for done, total, _ in progress] == [(0, 1), (1, 1)], progress
            assert progress[-1][2] == "Found 1 page", progress

    run(body)
