"""Builds the query set from the Django FAQ: each question is a query, and the non-FAQ
documentation pages its answer links to are the relevant pages.

    python dataset.py [--root /usr/share/doc/python-django-doc/html] [--out django-faq.json]
                      [--copy-corpus DIR] [--verbose]

Rules (README.md explains why):
- A FAQ entry is a heading on `faq/*.html` (except `faq/index.html`, the FAQ's table of
  contents) that has no sub-heading; its answer is everything up to the next heading.
  Grouping headings ("Problems running django-admin", "Miscellaneous") are not entries.
- An entry is a query when its heading is a question or a problem report written as a
  sentence: it contains '?', or ends with '.' or '!'. Topic labels without sentence
  punctuation ("macOS permissions", "command not found: django-admin") are left out.
- Relevant pages: the targets of the answer's links, resolved against the FAQ page,
  without fragment, kept when they are corpus pages (so not external, not FAQ, not
  navigation, not `_modules` source listings) other than the docs' front page
  `index.html`. Entries with no relevant page are skipped.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pages import DEFAULT_ROOT, Heading, corpus_pages, is_corpus_page, parse_main, require_root, resolve_link

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "django-faq.json"
FRONT_PAGE = "index.html"


@dataclass
class Query:
    """One FAQ question and the pages that answer it."""

    id: str  # the question's permalink, e.g. "faq/models.html#does-django-support-nosql-databases"
    query: str
    relevant: list[str]


@dataclass
class Entry:
    """A FAQ entry as found, before the query rules are applied."""

    id: str
    heading: str
    links: list[str]  # distinct root-relative link targets, in order of appearance


def faq_entries(root: Path) -> list[Entry]:
    """Every FAQ entry (a heading without sub-heading) with its answer's link targets."""
    entries: list[Entry] = []
    for page in sorted(path.relative_to(root).as_posix() for path in (root / "faq").glob("*.html")):
        if page == "faq/index.html":
            continue
        headings = parse_main(root, page).headings
        for position, heading in enumerate(headings):
            following: Heading | None = headings[position + 1] if position + 1 < len(headings) else None
            if heading.level == 1 or (following is not None and following.level > heading.level):
                continue  # the page title or a grouping heading
            targets = (resolve_link(page, href) for href in heading.hrefs)
            links = list(dict.fromkeys(target for target in targets if target is not None))
            entries.append(Entry(id=f"{page}#{heading.anchor}", heading=heading.text, links=links))
    return entries


def is_question(heading: str) -> bool:
    """A question, or a problem report written as a sentence."""
    return "?" in heading or heading.endswith((".", "!"))


def is_relevant_target(path: str) -> bool:
    return is_corpus_page(path) and path != FRONT_PAGE


def build(root: Path) -> tuple[list[Query], list[tuple[Entry, str]]]:
    """The queries, and the entries left out with the reason."""
    queries: list[Query] = []
    skipped: list[tuple[Entry, str]] = []
    for entry in faq_entries(root):
        relevant = [link for link in entry.links if is_relevant_target(link) and (root / link).is_file()]
        if not is_question(entry.heading):
            skipped.append((entry, "not a question"))
        elif not relevant:
            skipped.append((entry, "no relevant page"))
        else:
            queries.append(Query(id=entry.id, query=entry.heading, relevant=relevant))
    return queries, skipped


def write(path: Path, root: Path, queries: list[Query]) -> None:
    """Write the dataset as JSON, one query a line."""
    lines = ",\n".join("  " + json.dumps(asdict(query), ensure_ascii=False) for query in queries)
    path.write_text(f'{{"root": {json.dumps(str(root))}, "queries": [\n{lines}\n]}}\n', encoding="utf-8")


def load(path: Path = DEFAULT_OUT) -> tuple[Path, list[Query]]:
    """The html root and the queries of a dataset file written by this script."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return Path(data["root"]), [Query(**query) for query in data["queries"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the Django docs' html folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the dataset")
    parser.add_argument(
        "--copy-corpus", type=Path, metavar="DIR", help="also copy the corpus pages into DIR (the folder to ingest)"
    )
    parser.add_argument("--verbose", action="store_true", help="list the skipped FAQ entries")
    args = parser.parse_args()
    require_root(args.root)

    queries, skipped = build(args.root)
    corpus = corpus_pages(args.root)
    write(args.out, args.root, queries)

    if args.copy_corpus:
        for page in corpus:
            (args.copy_corpus / page).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.root / page, args.copy_corpus / page)
        print(f"copied the corpus to {args.copy_corpus}")
    relevant = [len(query.relevant) for query in queries]
    print(f"corpus: {len(corpus)} pages under {args.root}")
    print(
        f"queries: {len(queries)} ({sum(relevant) / max(len(queries), 1):.2f} relevant pages on average, "
        f"{len({page for query in queries for page in query.relevant})} distinct) -> {args.out}"
    )
    reasons = Counter(reason for _, reason in skipped)
    print("skipped FAQ entries: " + (", ".join(f"{count} {reason}" for reason, count in reasons.items()) or "none"))
    if args.verbose:
        for entry, reason in skipped:
            print(f"  {reason}: {entry.heading!r} links={entry.links}")


if __name__ == "__main__":
    main()
