"""Time dashboard pages: a server with a large analytics history against an empty one.

    python analytics-pages.py BASE_URL --email E --password P --org ORG --server BIG --baseline EMPTY \
        [--page 'analytics?days=30' …] [--api-page 'analytics?days=30' --admin-token T] \
        [--global-page '/operator/analytics?days=30' …] [--requests 20]

Signs in through /login like a browser (double-submit CSRF cookie, session cookie), then for
every --page requests `/orgs/ORG/servers/<server>/<page>` one at a time, alternating the big
server and the empty baseline, after one unmeasured request each: p50/p95 per server and
their ratio. --api-page does the same with the admin API, `/api/v1/servers/<server>/<page>`
with the operator's --admin-token. --global-page paths (e.g. the operator's) are timed alone
(no baseline).
"""

from __future__ import annotations

import argparse
import re
import time

import httpx


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), -(-len(ordered) * p // 100)) - 1)] if ordered else 0.0


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    form = client.get("/login")
    form.raise_for_status()
    token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
    assert token, "no CSRF field on /login"
    answer = client.post("/login", data={"email": email, "password": password, "_csrf": token.group(1)})
    assert answer.status_code in (302, 303), f"sign-in failed: HTTP {answer.status_code}"


def timed(client: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, f"GET {path}: HTTP {response.status_code}"
    return elapsed * 1000, len(response.content)


def missing(client: httpx.Client, path: str) -> bool:
    """True (and says so) when the page does not exist in this build."""
    if client.get(path).status_code == 404:
        print(f"{path}: 404, not in this build: skipped")
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--org", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--page", action="append", default=[])
    parser.add_argument("--api-page", action="append", default=[])
    parser.add_argument("--admin-token")
    parser.add_argument("--global-page", action="append", default=[])
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    with httpx.Client(base_url=args.base, timeout=600) as client:
        sign_in(client, args.email, args.password)
        print(f"{'page':<34} | {'server':<9} | {'p50 ms':>9} | {'p95 ms':>9} | {'min ms':>9} | {'max ms':>9} | {'first ms':>9} | {'KiB':>6}")
        pages = [(page, f"/orgs/{args.org}/servers/{{}}/{page}", {}) for page in args.page]
        pages += [(f"API {page}", f"/api/v1/servers/{{}}/{page}", {"Authorization": f"Bearer {args.admin_token}"}) for page in args.api_page]
        for page, template, headers in pages:
            client.headers.update(headers)
            paths = {name: template.format(slug) for name, slug in (("history", args.server), ("empty", args.baseline))}
            if missing(client, paths["empty"]):
                continue
            times: dict[str, list[float]] = {name: [] for name in paths}
            first = {name: timed(client, path) for name, path in paths.items()}
            for _ in range(args.requests):
                for name, path in paths.items():
                    times[name].append(timed(client, path)[0])
            stats = {}
            for name, values in times.items():
                stats[name] = (percentile(values, 50), percentile(values, 95))
                print(f"{page:<34} | {name:<9} | {stats[name][0]:>9.1f} | {stats[name][1]:>9.1f} | {min(values):>9.1f} | "
                      f"{max(values):>9.1f} | {first[name][0]:>9.1f} | {first[name][1] / 1024:>6.0f}")
            (h50, h95), (e50, e95) = stats["history"], stats["empty"]
            print(f"{page:<34} | {'ratio':<9} | {h50 / e50:>8.1f}x | {h95 / e95:>8.1f}x |")
            for name in headers:
                del client.headers[name]
        for path in args.global_page:
            if missing(client, path):
                continue
            first = timed(client, path)
            values = [timed(client, path)[0] for _ in range(args.requests)]
            print(f"{path:<34} | {'all':<9} | {percentile(values, 50):>9.1f} | {percentile(values, 95):>9.1f} | {min(values):>9.1f} | "
                  f"{max(values):>9.1f} | {first[0]:>9.1f} | {first[1] / 1024:>6.0f}")


if __name__ == "__main__":
    main()
