"""The peer: the docs MCP server a user might build instead of mcplatform, for bench/run.

    python server.py [--port 8000] [--host 127.0.0.1] [--root /usr/share/doc/python-django-doc/html]

The official Python SDK (`mcp` 2.x, whose `MCPServer` is what 1.x called FastMCP) serving one
tool, `search_docs(query, limit=5)`, over the same 526 Django pages as bench/retrieval and
bench/ingest.sh (bench/retrieval/pages.py picks them and reads their main content). Each page
is split into sections at its h1–h3 headings; `bm25s` (English stopwords, default BM25) indexes
the sections once at start-up. A search ranks sections, keeps each page's best one, and returns
`{query, results: [{url: page#anchor, title, section: "Page › Heading › …", snippet, score}]}`
(the shape of mcplatform's structured result) as structured content.

Served at /mcp by uvicorn in this one process (one worker: bench/run pins it to one core, as
it does mcplatform), `stateless_http=True, json_response=True`: 2026-07-28 requests are served
as single exchanges, legacy ones without a session.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing_extensions import TypedDict

import bm25s
import numpy as np
import uvicorn
from mcp.server.mcpserver import MCPServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "retrieval"))
from pages import DEFAULT_ROOT, MainContent, corpus_pages, require_root  # noqa: E402

SECTION_LEVELS = {"h1", "h2", "h3"}
CANDIDATES = 100  # sections ranked per query before grouping by page
SNIPPET_CHARACTERS = 360


class Result(TypedDict):
    url: str
    title: str
    section: str
    snippet: str
    score: float


class SearchOutput(TypedDict):
    query: str
    results: list[Result]


class Sections(MainContent):
    """A page's main content cut at its h1–h3 headings: where each section's text starts."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[int, int]] = []  # (position in self.text, index in self.headings)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        inside = self._div_depth > 0
        super().handle_starttag(tag, attrs)
        if inside and tag in SECTION_LEVELS:
            self.starts.append((len(self.text), len(self.headings) - 1))


class Index:
    """Every section of the corpus and its BM25 index, built once."""

    def __init__(self, root: Path) -> None:
        self.pages: list[int] = []  # per section: its page's number
        self.urls: list[str] = []
        self.titles: list[str] = []
        self.paths: list[str] = []  # heading path
        self.texts: list[str] = []
        for number, page in enumerate(corpus_pages(root)):
            parser = Sections()
            parser.feed((root / page).read_text(encoding="utf-8"))
            parser.close()
            title = parser.headings[0].text if parser.headings else page
            trail: list[str] = []
            bounds = parser.starts or [(0, -1)]
            for (start, heading), (end, _) in zip(bounds, bounds[1:] + [(len(parser.text), -1)]):
                text = " ".join("".join(parser.text[start:end]).split())
                anchor = ""
                if heading >= 0:
                    level, anchor = parser.headings[heading].level, parser.headings[heading].anchor
                    trail = trail[: level - 1] + [parser.headings[heading].text]
                if not text:
                    continue
                self.pages.append(number)
                self.urls.append(f"{page}#{anchor}" if anchor else page)
                self.titles.append(title)
                self.paths.append(" › ".join(trail))
                self.texts.append(text)
        self.retriever = bm25s.BM25()
        corpus = [f"{path}\n{text}" for path, text in zip(self.paths, self.texts)]
        self.retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    def search(self, query: str, limit: int) -> list[Result]:
        tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        if not tokens or not tokens[0]:
            return []
        ids, scores = self.retriever.retrieve(tokens, k=min(CANDIDATES, len(self.texts)), show_progress=False, n_threads=0)
        terms = set(tokens[0])
        results: list[Result] = []
        seen: set[int] = set()
        for section, score in zip(ids[0].tolist(), scores[0].tolist()):
            if score <= 0 or self.pages[section] in seen:
                continue
            seen.add(self.pages[section])
            results.append(
                Result(
                    url=self.urls[section],
                    title=self.titles[section],
                    section=self.paths[section],
                    snippet=snippet(self.texts[section], terms),
                    score=round(score, 3),
                )
            )
            if len(results) == limit:
                break
        return results


def snippet(text: str, terms: set[str]) -> str:
    """The passage of about SNIPPET_CHARACTERS of `text` holding the most query terms, on word boundaries."""
    if len(text) <= SNIPPET_CHARACTERS:
        return text
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    hits = [match.start() for match in re.finditer(rf"(?<!\w)(?:{alternatives})(?!\w)", text, re.IGNORECASE)]
    best, most, first = 0, 0, 0
    for last, position in enumerate(hits):  # the window of hits that fit in a snippet, slid over them
        while position - hits[first] > SNIPPET_CHARACTERS - 20:
            first += 1
        if last - first + 1 > most:
            best, most = hits[first], last - first + 1
    begin = text.rfind(" ", 0, best) + 1
    end = begin + SNIPPET_CHARACTERS
    end = len(text) if end >= len(text) else max(text.rfind(" ", begin, end), begin + 1)
    return ("… " if begin else "") + text[begin:end] + (" …" if end < len(text) else "")


def build(root: Path) -> MCPServer:
    index = Index(root)
    print(f"indexed {len(set(index.pages))} pages as {len(index.texts)} sections", file=sys.stderr)
    server = MCPServer("django-docs-peer", log_level="WARNING", instructions="Search the Django documentation with search_docs.")

    @server.tool(description="Search the Django documentation. Returns the best pages with the matching section and an excerpt.")
    async def search_docs(query: str, limit: int = 5) -> SearchOutput:
        """`async`: the search runs in the event loop (a sync tool would hop to a worker thread per call)."""
        return SearchOutput(query=query, results=index.search(query, max(1, min(limit, 20))))

    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args()
    require_root(args.root)
    np.seterr(all="ignore")
    app = build(args.root).streamable_http_app(stateless_http=True, json_response=True, host=args.host)
    config = uvicorn.Config(app, host=args.host, port=args.port, workers=1, log_level="warning", access_log=False)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
