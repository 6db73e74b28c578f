"""Runs the dataset's queries against a running MCPlatform server through MCP
(`search_docs`, official `mcp` client) and ranks the pages it returns.

    python ours.py http://127.0.0.1:8080/mcp/django [--dataset django-faq.json] [--out ours.json]

A result's `url` is the page path relative to the ingested folder, maybe with `#anchor`;
ranks count distinct pages (first occurrence wins).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import mcp
from mcp import types

from dataset import DEFAULT_OUT, Query, load
from metrics import Rankings, distinct, score, table, write_rankings

DEPTH = 10  # distinct pages wanted per query
MAX_LIMIT = 20  # search_docs' largest `limit`


class SearchError(Exception):
    """search_docs failed or answered in an unexpected shape."""


def page_of(url: str) -> str:
    """`ref/models/querysets.html#filter` -> `ref/models/querysets.html`."""
    return urlsplit(url).path.lstrip("/")


def result_pages(result: types.CallToolResult) -> list[str]:
    """The page of each result of a search_docs call, in order."""
    if result.is_error:
        text = " ".join(block.text for block in result.content if isinstance(block, types.TextContent))
        raise SearchError(f"search_docs returned an error: {text or result}")
    structured: Any = result.structured_content
    if not isinstance(structured, dict) or not isinstance(structured.get("results"), list):
        raise SearchError(f"search_docs has no structuredContent.results: {result}")
    return [page_of(str(item["url"])) for item in structured["results"]]


async def search(client: mcp.Client, query: str) -> list[str]:
    """Up to DEPTH distinct pages for `query`; asks for MAX_LIMIT results when DEPTH results
    held fewer than DEPTH distinct pages."""
    pages: list[str] = []
    for limit in (DEPTH, MAX_LIMIT):
        found = result_pages(await client.call_tool("search_docs", {"query": query, "limit": limit}))
        pages = distinct(found)
        if len(pages) >= DEPTH or len(found) < limit:
            break
    return pages[:DEPTH]


async def rank(url: str, queries: list[Query]) -> Rankings:
    async with mcp.Client(url, read_timeout_seconds=60) as client:
        tools = [tool.name for tool in (await client.list_tools()).tools]
        if "search_docs" not in tools:
            raise SearchError(f"no search_docs tool (tools: {', '.join(tools) or 'none'})")
        return {query.id: await search(client, query.query) for query in queries}


def describe(error: BaseException) -> str:
    """One line per underlying error (anyio wraps errors from inside the client in groups)."""
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in error.exceptions)
    return f"{type(error).__name__}: {error}" if not isinstance(error, SearchError) else str(error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the MCP endpoint, e.g. http://127.0.0.1:8080/mcp/django")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--name", default="mcplatform", help="the system's name in the table")
    parser.add_argument("--out", type=Path, help="write the rankings (query id -> pages) here")
    args = parser.parse_args()
    _, queries = load(args.dataset)
    try:
        rankings = asyncio.run(rank(args.url, queries))
    except Exception as error:  # a failed run is reported, not a traceback
        sys.exit(f"ours.py: {args.url}: {describe(error)}")
    if args.out:
        write_rankings(args.out, rankings)
    print(table([score(args.name, queries, rankings)], None))


if __name__ == "__main__":
    main()
