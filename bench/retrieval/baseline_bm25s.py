"""Page-level BM25 baseline with `bm25s`: one document per corpus page (its main-content
text), bm25s's default tokenizer with English stopwords, default BM25 parameters.

    python baseline_bm25s.py [--dataset django-faq.json] [--out bm25s.json]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import bm25s

from dataset import DEFAULT_OUT, Query, load
from metrics import Rankings, score, table, write_rankings
from pages import corpus_pages, page_text, require_root

DEPTH = 10  # pages returned per query


def rank(root: Path, queries: list[Query], depth: int = DEPTH) -> Rankings:
    """The top `depth` corpus pages for each query, best first."""
    pages = corpus_pages(root)
    retriever = bm25s.BM25()
    texts = [page_text(root, page) for page in pages]
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    tokens = bm25s.tokenize([query.query for query in queries], stopwords="en", return_ids=False, show_progress=False)
    documents, _ = retriever.retrieve(tokens, k=min(depth, len(pages)), show_progress=False)
    return {query.id: [pages[index] for index in row] for query, row in zip(queries, documents.tolist())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--out", type=Path, help="write the rankings (query id -> pages) here")
    args = parser.parse_args()
    root, queries = load(args.dataset)
    require_root(root)
    rankings = rank(root, queries)
    if args.out:
        write_rankings(args.out, rankings)
    print(table([score("bm25s", queries, rankings)], None))


if __name__ == "__main__":
    main()
