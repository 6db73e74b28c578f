"""The requests of bench/run: stateless 2026-07-28 `tools/call search_docs` bodies, the wrk
script that sends them, a correctness check, and the small tenant corpora.

    python run-requests.py lua OUT.lua (--path /mcp/django | --tenants DIR)
    python run-requests.py check URL (--path /mcp/django | --tenants DIR) [--rounds 1] [--method tools/list]
    python run-requests.py tenants DOCS DIR --count 1000 --pages 4

A request is one self-contained POST, as 2026-07-28 defines it (docs/compatibility.md): headers
`MCP-Protocol-Version: 2026-07-28`, `Mcp-Method`, `Mcp-Name`, `Accept: application/json,
text/event-stream`, and `_meta` (protocolVersion, clientCapabilities, clientInfo) in params.
mcplatform and the peer (bench/peer/server.py, the Python SDK with stateless_http and
json_response) both serve it without a session, so both get the very same bytes.

`--path`: the 26 Django FAQ questions (bench/retrieval/django-faq.json), cycled. `--tenants DIR`:
DIR/queries.tsv (from `tenants`): one line per tenant, `slug<TAB>query`, the query being the
title of the tenant's first page, so every tenant has an answer; requests cycle over tenants.

`lua` writes a wrk script: request() cycles the bodies (and paths), response() counts an answer
as bad unless it is HTTP 200 with a structuredContent whose results are not empty and no
`"isError":true`, done() prints one line
`RESULT requests req_per_s p50_ms p99_ms bad socket_errors`.
`check` sends every request ROUNDS times over one keep-alive connection and exits 1 at the
first wrong answer (decoded as JSON: a result, not isError, results not empty); it prints
"N/N ok". `tenants` copies DOCS's corpus pages into DIR/<slug>/, PAGES per tenant (page k of
the sorted corpus goes to tenants k, k+526, …: corpora repeat after 526 pages), and writes
DIR/queries.tsv.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "retrieval"))
from pages import corpus_pages, parse_main  # noqa: E402

PROTOCOL = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "bench-run", "version": "1"},
}
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": PROTOCOL,
}


def body(method: str, query: str | None = None) -> str:
    params: dict = {"_meta": META}
    if method == "tools/call":
        params = {"name": "search_docs", "arguments": {"query": query}, "_meta": META}
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, separators=(",", ":"))


def method_headers(method: str) -> dict[str, str]:
    return {"Mcp-Method": method} | ({"Mcp-Name": "search_docs"} if method == "tools/call" else {})


def requests(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(path, query) pairs in the order they are sent."""
    if args.tenants:
        lines = (args.tenants / "queries.tsv").read_text(encoding="utf-8").splitlines()
        return [(f"/mcp/{slug}", query) for slug, query in (line.split("\t", 1) for line in lines)]
    faq = json.loads((HERE / "retrieval" / "django-faq.json").read_text(encoding="utf-8"))
    return [(args.path, query["query"]) for query in faq["queries"]]


def lua(args: argparse.Namespace) -> None:
    pairs = requests(args)
    quoted = ",\n".join(f"  {{ [==[{path}]==], [==[{body('tools/call', query)}]==] }}" for path, query in pairs)
    headers = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in (HEADERS | method_headers("tools/call")).items())
    args.out.write_text(
        f"""-- Written by bench/run-requests.py: {len(pairs)} stateless search_docs requests, cycled.
local requests = {{
{quoted}
}}
wrk.method = "POST"
{headers}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) sent = 0; bad = 0 end
function request()
  sent = sent + 1
  local r = requests[(sent % #requests) + 1]
  return wrk.format(nil, r[1], nil, r[2])
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"structuredContent"', 1, true)
     or not string.find(body, '"results":[{{', 1, true) or string.find(body, '"isError":true', 1, true) then
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.3f %.3f %d %d\\n", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total, e.connect + e.read + e.write + e.timeout))
end
""",
        encoding="utf-8",
    )


def check(args: argparse.Namespace) -> None:
    pairs = requests(args) if args.method == "tools/call" else [(args.path, "")]
    sent = 0
    with httpx.Client(base_url=args.url, timeout=120) as client:
        for _ in range(args.rounds):
            for path, query in pairs:
                response = client.post(path, content=body(args.method, query), headers=HEADERS | method_headers(args.method))
                sent += 1
                result = response.json().get("result") if response.status_code == 200 else None
                found = (result or {}).get("structuredContent", {}).get("results") if args.method == "tools/call" else (result or {}).get("tools")
                if not result or result.get("isError") or not found:
                    sys.exit(f"wrong answer from {args.url}{path} to {query!r}: HTTP {response.status_code} {response.text[:300]}")
    print(f"{sent}/{sent} ok")


def tenants(args: argparse.Namespace) -> None:
    pages = corpus_pages(args.docs)
    lines = []
    for tenant in range(args.count):
        slug = f"t{tenant + 1:04d}"
        mine = [pages[(tenant * args.pages + k) % len(pages)] for k in range(args.pages)]
        for page in mine:
            target = args.dir / slug / page
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.docs / page, target)
        headings = parse_main(args.docs, mine[0]).headings
        lines.append(f"{slug}\t{headings[0].text if headings else mine[0]}")
    (args.dir / "queries.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, positional in (("lua", "out"), ("check", "url")):
        command = commands.add_parser(name)
        command.add_argument(positional, type=Path if name == "lua" else str)
        target = command.add_mutually_exclusive_group(required=True)
        target.add_argument("--path", help="MCP endpoint path, e.g. /mcp/django")
        target.add_argument("--tenants", type=Path, help="the dir `tenants` wrote")
        if name == "check":
            command.add_argument("--rounds", type=int, default=1)
            command.add_argument("--method", choices=("tools/call", "tools/list"), default="tools/call")
    command = commands.add_parser("tenants")
    command.add_argument("docs", type=Path)
    command.add_argument("dir", type=Path)
    command.add_argument("--count", type=int, required=True)
    command.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()
    {"lua": lua, "check": check, "tenants": tenants}[args.command](args)


if __name__ == "__main__":
    main()
