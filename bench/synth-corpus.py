"""A deterministic N× larger corpus made from a folder of HTML pages (for bench/ingest.sh).

    python synth-corpus.py SOURCE DEST [--copies 20]

Copy k of every page goes to DEST/cKK/<its path>. Copy 0 is the page as is; in copy k ≥ 1,
every text word of 4+ letters whose crc32("k:word") is divisible by 8 (about 1 word in 8,
always the same words within a copy) gets the suffix "q" + a letter for k, e.g. "queryset" →
"querysetqc". So every page's content hash differs, each copy has its own slice of
vocabulary (as a bigger docs set would), and the rest of the text, markup and links stay
as they are. Tags, attributes and entities are left untouched.
"""

from __future__ import annotations

import argparse
import re
import zlib
from pathlib import Path

TEXT = re.compile(r">([^<]+)<")
WORD = re.compile(r"(?<![&\w])[A-Za-z]{4,}\b")


def mutate(html: str, copy: int, chosen: dict[str, bool]) -> str:
    suffix = "q" + chr(ord("a") + copy)

    def word(match: re.Match[str]) -> str:
        text = match.group(0)
        key = text.lower()
        if key not in chosen:
            chosen[key] = zlib.crc32(f"{copy}:{key}".encode()) % 8 == 0
        return text + suffix if chosen[key] else text

    return TEXT.sub(lambda match: ">" + WORD.sub(word, match.group(1)) + "<", html)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    pages = sorted(path for path in args.source.rglob("*") if path.is_file())
    for copy in range(args.copies):
        chosen: dict[str, bool] = {}
        for page in pages:
            target = args.dest / f"c{copy:02d}" / page.relative_to(args.source)
            target.parent.mkdir(parents=True, exist_ok=True)
            html = page.read_text(encoding="utf-8", errors="surrogateescape")
            text = html if copy == 0 else mutate(html, copy, chosen)
            target.write_text(text, encoding="utf-8", errors="surrogateescape")


if __name__ == "__main__":
    main()
