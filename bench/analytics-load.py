"""The cost of recording MCP requests: identical `search_docs` load on two servers, one
recording events (the default) and one started with `--analytics-capture false`.

    python analytics-load.py --capture URL PID --no-capture URL PID [--concurrency 1,16] [--rounds 3] [--duration 5]

URLs are MCP endpoints. For every concurrency the two servers take turns, `--rounds` times
each (the first server of a round alternates), with search-load.py's load generator: so
drift on the machine hits both. Latency percentiles pool every measured request of a server;
req/s is all its requests over all its measured seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("search_load", HERE / "search-load.py")
search_load = importlib.util.module_from_spec(spec)
spec.loader.exec_module(search_load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--capture", nargs=2, required=True, metavar=("URL", "PID"))
    parser.add_argument("--no-capture", nargs=2, required=True, metavar=("URL", "PID"))
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="measured seconds per turn")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured seconds before each turn")
    args = parser.parse_args()
    queries = [entry["query"] for entry in json.loads((HERE / "retrieval" / "django-faq.json").read_text())["queries"]]
    servers = {"capture": (args.capture[0], int(args.capture[1])), "no capture": (args.no_capture[0], int(args.no_capture[1]))}

    print(f"{len(queries)} queries cycled; per concurrency {args.rounds} rounds × 2 servers × {args.duration:g} s "
          f"(after {args.warmup:g} s warm-up each), servers alternating")
    print(f"{'server':<10} | {'conc':>4} | {'req/s':>7} | {'req/s per round':<23} | {'p50 ms':>7} | {'p99 ms':>7} | "
          f"{'errors':>6} | {'server CPU%':>11} | {'CPU ms/req':>10}")
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        rows = {name: {"latencies": [], "rps": [], "errors": 0, "cpu": 0.0} for name in servers}
        for round_index in range(args.rounds):
            order = list(servers) if round_index % 2 == 0 else list(reversed(servers))
            for name in order:
                url, pid = servers[name]
                phase = asyncio.run(search_load.run_phase("search_docs", url, queries, concurrency, args.duration, args.warmup, pid))
                row = rows[name]
                row["latencies"] += phase["latencies"]
                row["rps"].append(phase["rps"])
                row["errors"] += phase["errors"]
                row["cpu"] += phase["server_cpu"] * args.duration / 100
        summary = {}
        for name, row in rows.items():
            seconds = args.duration * args.rounds
            count = len(row["latencies"])
            summary[name] = {
                "rps": count / seconds,
                "p50": search_load.percentile(row["latencies"], 50) * 1000,
                "p99": search_load.percentile(row["latencies"], 99) * 1000,
                "cpu": 100 * row["cpu"] / seconds,
                "cpu_per_request": 1000 * row["cpu"] / count if count else 0.0,
            }
            s = summary[name]
            per_round = " ".join(f"{r:.0f}" for r in row["rps"])
            print(f"{name:<10} | {concurrency:>4} | {s['rps']:>7.1f} | {per_round:<23} | {s['p50']:>7.2f} | {s['p99']:>7.2f} | "
                  f"{row['errors']:>6} | {s['cpu']:>11.0f} | {s['cpu_per_request']:>10.2f}")
        on, off = summary["capture"], summary["no capture"]

        def ratio(key: str) -> str:
            return f"{on[key] / off[key]:.3f}x" if off[key] else "-"

        print(f"{'ratio':<10} | {concurrency:>4} | {ratio('rps'):>7} | {'capture / no capture':<23} | {ratio('p50'):>7} | "
              f"{ratio('p99'):>7} | {'':>6} | {ratio('cpu'):>11} | {ratio('cpu_per_request'):>10}")


if __name__ == "__main__":
    main()
