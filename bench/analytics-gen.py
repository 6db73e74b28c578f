"""Synthetic analytics history: millions of MCP events in a migrated mcplatform database.

    python analytics-gen.py (--sqlite FILE | --database postgres://…) --org SLUG --servers S1,S2,… [--events 10000000]

The organization and servers must exist (`mcplatform org create`, `server create`). For those
servers it writes, over the last --days days (default 90): `mcp_events`, already processed as
the analytics processor would have (each in an `analytics_sessions` row, searches older than
the resolution window settled), the `end_users` of the signed-in participants, and the
`request_minutes` the same requests would have counted. It backdates the servers'
`created_at` to the start of the window and leaves `analytics_days` empty: rolling the days up
is the server's job, which the benchmark times.

The mix, per server: ~5,000 participants (20% signed in, `user:N`; the rest anonymous,
`session:HEX`), zipf-like activity; usage sessions of 1 + geometric(mean 9) requests with gaps
up to 30 minutes (a participant's next session starts more than 30 minutes after the last);
requests: 10% initialize (the first of each session), 20% tools/list, 40% search_docs (queries
from a vocabulary of ~2,000, zipf-like; 10% of searches from a gap list that finds nothing),
25% read_page (mostly a result of the session's last search), 5% other tools. Deterministic
for a --seed. Bulk load: SQLite in big transactions (WAL, synchronous OFF) with the
`mcp_events` indexes dropped and rebuilt after; PostgreSQL through `COPY … FROM STDIN` (psql).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import io
import itertools
import math
import random
import re
import sqlite3
import subprocess
import sys
import time
from array import array

DAY_MS = 86_400_000
GAP_MS = 30 * 60 * 1000  # AnalyticsSettings.sessionGap
RESOLUTION_MS = 600 * 1000  # AnalyticsSettings.resolutionWindow (default)
BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]  # RequestStatistics.bucketBounds
EVENT_COLUMNS = (
    "id, server_id, session_id, participant, end_user_id, method, tool, summary, query_key, result_count, pages, outcome, "
    "error_code, latency_us, analytics_session_id, resolution, resolution_reason, created_at"
)
SESSION_COLUMNS = (
    "id, server_id, participant, end_user_id, client_name, client_version, started_at, last_activity_at, requests, tool_calls, searches, tools"
)
MINUTE_COLUMNS = "server_id, minute, requests, errors, latency_us, " + ", ".join(f"l{i}" for i in range(len(BUCKETS_MS) + 1))
END_USER_COLUMNS = "id, server_id, subject, email, name, created_at, last_seen_at"

STOP_WORDS = set(
    "a an and are as at be by can do does for from how i in is it me my of on or the to what when where which why with you your".split()
)
TOPICS = (
    "queryset filter exclude annotate aggregate select_related prefetch_related values_list model field foreignkey manytomany "
    "onetoone migration makemigrations squashmigrations admin modeladmin inline list_display form modelform formset widget "
    "validation clean template context_processor template_tag filter_tag include extends static media staticfiles collectstatic "
    "middleware csrf session cookie authentication permission group user custom_user login logout password signal receiver "
    "cache memcached redis transaction atomic database router postgresql sqlite mysql index constraint unique_together "
    "url path re_path reverse namespace view class_based_view generic_view listview detailview redirect httpresponse "
    "jsonresponse streaminghttpresponse request upload file storage email send_mail logging settings debug allowed_hosts "
    "secret_key deployment wsgi asgi gunicorn async channels test testcase client fixture management_command "
    "internationalization translation timezone pagination paginator sitemap syndication feed contenttypes generic_relation "
    "serialization json serializer raw_sql cursor f_expression q_object subquery window_function manager custom_manager "
    "proxy_model abstract_model meta_options ordering verbose_name choices slugfield datefield imagefield jsonfield"
).split()
VERBS = "use configure add create write test debug fix optimize customize override disable enable deploy migrate".split()
GAP_TOPICS = (
    "kubernetes helm terraform graphql grpc kafka websocket_cluster blockchain oauth_pkce_mobile elasticsearch mongo "
    "celery_beat_sharding svelte tailwind openapi_codegen lambda_coldstart"
).split()
CLIENTS = [("Cursor", ["1.2.4", "1.3.0"], 40), ("Visual Studio Code", ["1.101.0", "1.102.1"], 25),
           ("claude-code", ["1.0.51", "1.0.60"], 20), ("Windsurf", ["1.10.7"], 10), ("mcp-inspector", ["0.16.1"], 5)]
OTHER_TOOLS = [("about", None), ("list_walkthroughs", None), ("list_sources", None), ("list_my_tickets", None)]


def query_key(query: str) -> str:
    """bench twin of QueryText.key: lowercased words, stop words dropped, unique, sorted."""
    words = re.findall(r"[^\W_]+", query.lower())
    kept = sorted({w for w in words if w not in STOP_WORDS})
    return (" ".join(kept) if kept else " ".join(words))[:200]


def vocabulary(rng: random.Random) -> tuple[list[str], list[str]]:
    """~1,800 answerable queries and ~200 that find nothing, each list in zipf rank order."""
    shapes = ["how to {v} {t}", "{t} {u}", "{t} not working", "how do I {v} {t} with {u}", "{t} example", "what is {t}",
              "{v} {t} in django", "difference between {t} and {u}"]
    found, seen = [], set()
    while len(found) < 1800:
        t, u = rng.sample(TOPICS, 2)
        text = rng.choice(shapes).format(v=rng.choice(VERBS), t=t.replace("_", " "), u=u.replace("_", " "))
        if text not in seen:
            seen.add(text)
            found.append(text)
    gaps = []
    while len(gaps) < 200:
        t = rng.choice(GAP_TOPICS).replace("_", " ")
        text = rng.choice(["{t} integration", "django {t}", "how to use {t} with django", "{t} {u} setup"]).format(
            t=t, u=rng.choice(TOPICS).replace("_", " "))
        if text not in seen:
            seen.add(text)
            gaps.append(text)
    return found, gaps


def zipf_cumulative(n: int, s: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1 / (rank**s) for rank in range(1, n + 1)))


def bucket(latency_us: int) -> int:
    return bisect.bisect_left(BUCKETS_MS, latency_us / 1000)


class Writer:
    """Bulk inserts into SQLite or PostgreSQL."""

    def __init__(self, sqlite: str | None, postgres: str | None):
        self.sqlite, self.postgres = sqlite, postgres
        if sqlite:
            self.db = sqlite3.connect(sqlite, isolation_level=None)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = OFF")
            self.db.execute("PRAGMA cache_size = -262144")  # 256 MiB
            self.db.execute("BEGIN")
        self.copies: dict[str, tuple[subprocess.Popen, io.TextIOWrapper, csv.writer]] = {}

    def query(self, sql: str) -> list[tuple]:
        if self.sqlite:
            return self.db.execute(sql).fetchall()
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", self.postgres, "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def rows(self, table: str, columns: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" * len(rows[0]))
            self.db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            return
        if table not in self.copies:
            process = subprocess.Popen(
                ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.postgres, "-c", f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"],
                stdin=subprocess.PIPE, text=True)
            self.copies[table] = (process, process.stdin, csv.writer(process.stdin, lineterminator="\n"))
        self.copies[table][2].writerows(rows)

    def commit(self) -> None:
        if self.sqlite:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")

    def finish(self) -> None:
        if self.sqlite:
            self.db.execute("COMMIT")
            return
        for process, stdin, _ in self.copies.values():
            stdin.close()
            if process.wait() != 0:
                sys.exit("COPY failed")

    def without_indexes(self, table: str) -> list[str]:
        """Drops the table's secondary indexes; returns the statements that recreate them."""
        if self.sqlite:
            found = self.query(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL")
        else:
            found = self.query(
                f"SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = '{table}' AND i.indexname NOT IN "
                f"(SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass)")
        for name, _ in found:
            self.query(f"DROP INDEX {name}")
        return [sql for _, sql in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite", help="the SQLite file (mcplatform.sqlite in the data dir)")
    target.add_argument("--database", help="postgres://… URL")
    parser.add_argument("--org", required=True)
    parser.add_argument("--servers", required=True, help="comma-separated server slugs")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--participants", type=int, default=5000, help="per server")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--member", help="email of a dashboard account to make owner of the organization")
    args = parser.parse_args()
    started = time.monotonic()
    rng = random.Random(args.seed)
    out = Writer(args.sqlite, args.database)

    slugs = args.servers.split(",")
    rows = out.query(f"SELECT s.id, s.slug, o.id FROM mcp_servers s JOIN organizations o ON o.id = s.organization_id WHERE o.slug = '{args.org}'")
    server_ids = {slug: int(sid) for sid, slug, _ in rows}
    missing = [s for s in slugs if s not in server_ids]
    if missing:
        sys.exit(f"servers not found in organization {args.org}: {missing}")
    org_id = int(rows[0][2])
    now = int(time.time() * 1000)
    start = now - args.days * DAY_MS
    ids = ",".join(str(server_ids[s]) for s in slugs)
    out.query(f"UPDATE mcp_servers SET created_at = {start} WHERE id IN ({ids})")
    if args.member:
        user = out.query(f"SELECT id FROM users WHERE email = '{args.member}'")[0][0]
        out.query(f"INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES ({org_id}, {user}, 'owner', {now})")
    out.commit()
    index_sql = out.without_indexes("mcp_events")

    found, gaps = vocabulary(rng)
    found_keys, gap_keys = [query_key(q) for q in found], [query_key(q) for q in gaps]
    found_cum, gap_cum = zipf_cumulative(len(found)), zipf_cumulative(len(gaps))
    pages = [f"https://docs.djangoproject.com/en/5.2/{t.replace('_', '-')}/{p}/" for t in TOPICS for p in ("", "howto", "ref")]
    # A query's results: 5 pages picked by the query's rank.
    results = [rng.sample(pages, 5) for _ in found]
    client_cum = list(itertools.accumulate(weight for _, _, weight in CLIENTS))
    # Non-first requests of a session: tools/list 20, search 40, read 25, other 5 (of 90). After a
    # search with results, the next request reads one of them with probability FOLLOW; the
    # other requests are drawn from what is left of the mix.
    follow = 0.55
    free = [20, 40, 25 - follow * 0.9 * 40, 5]
    kinds_cum = list(itertools.accumulate(free))

    per_server = args.events // len(slugs)
    event_id = session_id = end_user_id = 0
    totals = {"events": 0, "sessions": 0, "searches": 0, "settled": 0, "resolved": 0, "minutes": 0}
    for server_index, slug in enumerate(slugs):
        server = server_ids[slug]
        budget = per_server + (args.events % len(slugs) if server_index == 0 else 0)
        # Sessions of this server: lengths until they add up to the budget, each given to a
        # participant (activity zipf-like) and placed at a random time more than 30 minutes
        # from the participant's other sessions (elsewhere, or with another participant, when
        # 50 tries find no room). Gaps between requests are drawn here and kept (offsets from
        # the session start, in ms).
        activity_cum = zipf_cumulative(args.participants, 0.6)
        busy: dict[int, list[tuple[int, int]]] = {}  # participant → sorted (start, end) of their sessions
        plans: list[tuple[int, int, int, int]] = []  # (start ms, participant, first offset index, length)
        offsets = array("q")
        planned = 0
        while planned < budget:
            length = min(budget - planned, 1 + min(299, int(math.log(1 - rng.random()) / math.log(0.9))))
            first, t = len(offsets), 0
            for i in range(length):
                if i:
                    t += min(GAP_MS, int(rng.expovariate(1 / 45_000)) + 500)
                offsets.append(t)
            p = bisect.bisect_left(activity_cum, rng.random() * activity_cum[-1])
            while (session_start := place(rng, busy.setdefault(p, []), start, now - t - 1, t)) is None:
                p = rng.randrange(args.participants)
            plans.append((session_start, p, first, length))
            planned += length
        plans.sort()

        participants = []
        users = []
        for p in range(args.participants):
            name, versions, _ = CLIENTS[bisect.bisect_left(client_cum, rng.random() * client_cum[-1])]
            if rng.random() < 0.2:
                end_user_id += 1
                users.append((end_user_id, server, f"sub-{server}-{p}", f"user{p}@example.com", f"User {p}", start, now))
                participants.append((f"user:{end_user_id}", end_user_id, None, name, rng.choice(versions)))
            else:
                hex_id = "%032x" % rng.getrandbits(128)
                participants.append((f"session:{hex_id}", None, hex_id, name, rng.choice(versions)))
        out.rows("end_users", END_USER_COLUMNS, users)

        minutes: dict[int, list[int]] = {}
        events, sessions = [], []
        written = 0
        for session_start, p, first, length in plans:
            participant, user_id, anonymous_session, client, version = participants[p]
            mcp_session = anonymous_session or "%032x" % rng.getrandbits(128)
            session_id += 1
            tool_calls = searches = 0
            last_results: list[str] | None = None
            session_events = []
            for i in range(length):
                at = session_start + offsets[first + i]
                tool = summary = key = result_count = page_list = error_code = None
                outcome = "ok"
                if i == 0:
                    method, latency = "initialize", rng.lognormvariate(math.log(1500), 0.5)
                else:
                    followed = session_events[-1][6] == "search_docs" and last_results and rng.random() < follow
                    kind = 2 if followed else bisect.bisect_left(kinds_cum, rng.random() * kinds_cum[-1])
                    if kind == 0:
                        method, latency = "tools/list", rng.lognormvariate(math.log(900), 0.5)
                    elif kind == 1:
                        method, tool, latency = "tools/call", "search_docs", rng.lognormvariate(math.log(9000), 0.6)
                        if rng.random() < 0.1:
                            q = bisect.bisect_left(gap_cum, rng.random() * gap_cum[-1])
                            summary, key, result_count, last_results = gaps[q], gap_keys[q], 0, None
                        else:
                            q = bisect.bisect_left(found_cum, rng.random() * found_cum[-1])
                            summary, key, result_count, last_results = found[q], found_keys[q], 5, results[q]
                            page_list = "\n".join(last_results)
                    elif kind == 2:
                        method, tool, latency = "tools/call", "read_page", rng.lognormvariate(math.log(3000), 0.5)
                        url = rng.choice(last_results) if followed or (last_results and rng.random() < 0.5) else rng.choice(pages)
                        summary = page_list = url
                        if rng.random() < 0.02:
                            outcome = "tool_error"
                    else:
                        method, latency = "tools/call", rng.lognormvariate(math.log(2000), 0.5)
                        tool, summary = rng.choice(OTHER_TOOLS)
                    if rng.random() < 0.003:
                        outcome, error_code = "error", -32603
                    if outcome != "ok":  # failed calls record no results (MCPMethodHandler.describeResults)
                        result_count = page_list = None
                latency_us = int(latency)
                if tool:
                    tool_calls += 1
                    searches += tool == "search_docs"
                event_id += 1
                session_events.append([event_id, server, mcp_session, participant, user_id, method, tool, summary, key, result_count,
                                       page_list, outcome, error_code, latency_us, session_id, None, None, at])
                minute = minutes.get(at // 60_000)
                if minute is None:
                    minute = minutes[at // 60_000] = [0] * (3 + len(BUCKETS_MS) + 1)
                minute[0] += 1
                minute[1] += outcome == "error"
                minute[2] += latency_us
                minute[3 + bucket(latency_us)] += 1
            settle(session_events, now, totals)
            events.extend(session_events)
            used = sorted({event[6] for event in session_events if event[6]})
            sessions.append((session_id, server, participant, user_id, client, version, session_start, session_events[-1][-1],
                             length, tool_calls, searches, "," + ",".join(used) + "," if used else ""))
            written += length
            if len(events) >= 200_000:
                out.rows("mcp_events", EVENT_COLUMNS, events)
                out.rows("analytics_sessions", SESSION_COLUMNS, sessions)
                out.commit()
                events, sessions = [], []
        out.rows("mcp_events", EVENT_COLUMNS, events)
        out.rows("analytics_sessions", SESSION_COLUMNS, sessions)
        out.rows("request_minutes", MINUTE_COLUMNS, [(server, m, *counts) for m, counts in sorted(minutes.items())])
        out.commit()
        totals["events"] += written
        totals["minutes"] += len(minutes)
        print(f"  {slug}: {written} events, {len(minutes)} minutes ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    out.finish()
    indexing = time.monotonic()
    for sql in index_sql:
        out.query(sql)
    if args.sqlite:
        out.db.execute("ANALYZE")
        out.db.close()
    else:  # explicit ids: move the sequences past them
        for table in ("mcp_events", "analytics_sessions", "end_users"):
            out.query(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        out.query("ANALYZE")
    totals["sessions"] = session_id
    print(f"{totals['events']} events, {session_id} sessions, {end_user_id} signed-in participants, {totals['searches']} searches "
          f"({totals['settled']} settled, {totals['resolved']} resolved), {totals['minutes']} request minutes; "
          f"{time.monotonic() - started:.1f} s (indexes {time.monotonic() - indexing:.1f} s)")


def place(rng: random.Random, sessions: list[tuple[int, int]], earliest: int, latest: int, duration: int) -> int | None:
    """A start in [earliest, latest) for a session of `duration` ms more than 30 minutes (plus
    a minute) from every session in `sessions` (sorted, updated); None after 50 tries."""
    margin = GAP_MS + 60_000
    for _ in range(50):
        begin = rng.randrange(earliest, latest)
        i = bisect.bisect_left(sessions, (begin,))
        if (i > 0 and sessions[i - 1][1] + margin > begin) or (i < len(sessions) and begin + duration + margin > sessions[i][0]):
            continue
        sessions.insert(i, (begin, begin + duration))
        return begin
    return None


def settle(session: list[list], now: int, totals: dict[str, int]) -> None:
    """Resolution of the session's searches, as AnalyticsProcessor.settle decides it (searches
    younger than the resolution window are left to the processor)."""
    for index, event in enumerate(session):
        if event[6] != "search_docs":
            continue
        totals["searches"] += 1
        at = event[17]
        if at > now - RESOLUTION_MS:
            continue
        if event[11] != "ok":
            resolution = ("unresolved", "failed")
        elif not event[9]:
            resolution = ("unresolved", "no_results")
        else:
            shown = set(event[10].split("\n"))
            read = searched_again = False
            resolution = None
            for later in session[index + 1:]:
                if later[17] > at + RESOLUTION_MS:
                    break
                if later[6] == "search_docs":
                    if not read:
                        resolution = ("unresolved", "requery")
                        break
                    searched_again = True
                if not searched_again and later[6] == "read_page" and later[10] in shown:
                    read = True
            resolution = resolution or (("resolved", "read") if read else ("unresolved", "not_read"))
        event[15], event[16] = resolution
        totals["settled"] += 1
        totals["resolved"] += resolution[0] == "resolved"


if __name__ == "__main__":
    main()
