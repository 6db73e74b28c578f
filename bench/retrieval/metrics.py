"""Page-level retrieval metrics, shared by every system under test.

A system's answer to a query is a ranked list of page paths; repeats are collapsed to
their first occurrence before scoring, so ranks count distinct pages.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dataset import DEFAULT_OUT, Query, load

Rankings = Mapping[str, Sequence[str]]  # query id -> ranked page paths


def distinct(pages: Iterable[str]) -> list[str]:
    """`pages` without repeats, in order of first occurrence."""
    return list(dict.fromkeys(pages))


def hit_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """1 when any relevant page is among the first k distinct pages."""
    return float(any(page in relevant for page in distinct(ranked)[:k]))


def reciprocal_rank_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """1/rank of the first relevant page among the first k distinct pages, else 0."""
    for rank, page in enumerate(distinct(ranked)[:k], start=1):
        if page in relevant:
            return 1.0 / rank
    return 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """The share of the relevant pages found among the first k distinct pages."""
    return len(relevant.intersection(distinct(ranked)[:k])) / len(relevant)


@dataclass
class Scores:
    """Mean metrics of one system over a query set."""

    system: str
    queries: int
    hit5: float
    mrr10: float
    recall10: float


def score(system: str, queries: Sequence[Query], rankings: Rankings) -> Scores:
    """Average hit@5, MRR@10 and recall@10; a query missing from `rankings` scores 0."""

    def mean(metric: Callable[[Sequence[str], set[str], int], float], k: int) -> float:
        return sum(metric(rankings.get(query.id, []), set(query.relevant), k) for query in queries) / max(len(queries), 1)

    return Scores(system, len(queries), mean(hit_at, 5), mean(reciprocal_rank_at, 10), mean(recall_at, 10))


def write_rankings(path: Path, rankings: Rankings) -> None:
    """Save rankings (query id -> ranked pages) as JSON."""
    path.write_text(json.dumps({key: list(pages) for key, pages in rankings.items()}, indent=1) + "\n", encoding="utf-8")


def read_rankings(path: Path) -> dict[str, list[str]]:
    result: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return result


def table(rows: Sequence[Scores], baseline: Scores | None) -> str:
    """The results table: system | queries | hit@5 | MRR@10 | recall@10 | MRR@10 / baseline's."""
    header = ["system", "queries", "hit@5", "MRR@10", "recall@10", f"MRR vs {baseline.system if baseline else 'baseline'}"]
    lines = [header]
    for row in rows:
        ratio = f"{row.mrr10 / baseline.mrr10:.2f}x" if baseline and baseline.mrr10 else "-"
        lines.append([row.system, str(row.queries), f"{row.hit5:.3f}", f"{row.mrr10:.3f}", f"{row.recall10:.3f}", ratio])
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join(" | ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Score ranking files against the dataset and print one table.")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--baseline", default="bm25s", help="the system the MRR ratio is relative to")
    parser.add_argument(
        "--target", type=float, help="report whether each other system's MRR@10 reaches this multiple of the baseline's"
    )
    parser.add_argument("systems", nargs="+", metavar="NAME=RANKINGS.json")
    args = parser.parse_args()
    _, queries = load(args.dataset)
    rows = []
    for system in args.systems:
        name, _, path = system.partition("=")
        rows.append(score(name, queries, read_rankings(Path(path))))
    baseline = next((row for row in rows if row.system == args.baseline), None)
    print(table(rows, baseline))
    if args.target and baseline:
        for row in rows:
            if row is not baseline:
                verdict = "met" if row.mrr10 >= args.target * baseline.mrr10 else "NOT met"
                print(
                    f"target {row.system} MRR@10 >= {args.target}x {baseline.system}'s ({args.target * baseline.mrr10:.3f}): {verdict}"
                )


if __name__ == "__main__":
    main()
