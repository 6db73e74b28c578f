"""The customer dashboard (issue 6, first slice) in a real browser: headless Chromium driven
by Selenium (browser_support.py) against `mcplatform serve --public-url http://127.0.0.1:PORT`.

The contract is /tmp/dash-SPEC.md. The journey (sign-up, organization, server, install
instructions, invitation, roles, outsiders) and the session tests run on both backends; the
form-level checks (validation, CSRF, login rate limit) on SQLite only. Status codes come from
the browser's Navigation Timing (the final response after redirects); raw POSTs (CSRF, roles
enforced server-side) go through httpx with the browser's cookies.

Screenshots of every main page: Tests/e2e/.artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import json
import re
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from browser_support import NARROW_WIDTH, SESSION_COOKIE, Browser, Dashboard, decode_cursor_deeplink
from harness import REPO_ROOT, Backend, ServerFactory, ServerProcess, static_site
from helpers import check_response, http_client, initialize
from oauth_support import parse_forms

PASSWORD = "correct horse battery staple"
CURSOR_DEEPLINK = "cursor://anysphere.cursor-deeplink/mcp/install?name="
CLAUDE_CODE_COMMAND = "claude mcp add --transport http"
INSTALL_SECTIONS = ("install-cursor", "install-vscode", "install-claude-code", "install-claude-desktop", "install-json")


@dataclass
class Person:
    name: str
    email: str
    password: str = PASSWORD


def person(label: str) -> Person:
    suffix = uuid.uuid4().hex[:6]
    return Person(name=f"{label.title()} {suffix.upper()}", email=f"{label}-{suffix}@example.com")


def owner_of_a_new_org(dash: Dashboard, label: str, organization: str, prefix: str) -> tuple[Person, str, str]:
    """Signs a new person up and has them create an organization: the person, the
    organization's slug (`<prefix>-<suffix>`) and the random suffix of both."""
    suffix = uuid.uuid4().hex[:6]
    owner = person(label)
    dash.sign_up(owner.name, owner.email, owner.password)
    return owner, dash.create_org(f"{organization} {suffix.upper()}", f"{prefix}-{suffix}"), suffix


def start_platform(server_factory: ServerFactory, backend: Backend) -> ServerProcess:
    # serve migrates the database itself; the dashboard needs no tenant made by the CLI.
    # --allow-private-urls: the documentation site the journey crawls is on 127.0.0.1.
    return server_factory.start(backend, extra_args=["--public-url", "http://127.0.0.1:{port}", "--allow-private-urls"])


@contextmanager
def docs_site() -> Iterator[str]:
    """The repository's docs/ folder served over HTTP on 127.0.0.1: a small website to crawl."""
    with static_site(REPO_ROOT / "docs") as url:
        yield url + "/"


def add_docs_and_search(b: Browser, overview: str, site: str) -> None:
    """Documentation page: add the site as a website source, follow the job page until the
    crawl finishes (it updates itself), then ask the search playground a question."""
    assert b.go(f"{overview}/docs") == 200, b.describe()
    b.screenshot("docs-empty")
    b.fill("add-source-submit", {"location": site})
    assert b.submit("add-source-submit") == 200 and "/docs/jobs/" in b.path, f"adding a source: {b.describe()}"
    b.screenshot("job-running")
    deadline = time.monotonic() + 60
    while b.text_of("#job-status") not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert b.text_of("#job-status") == "succeeded", f"the ingestion job did not succeed: {b.describe()}"
    assert int(b.text_of("#job-indexed")) >= 3, f"too few pages indexed: {b.describe()}"
    b.screenshot("job-finished")
    assert b.go(f"{overview}/playground?q=refresh+token+rotation+reuse") == 200, b.describe()
    assert b.field_value("q", "search") == "refresh token rotation reuse", "the query box shows the query with spaces"
    titles = [element.text for element in b.find_all("#results .result-title")]
    # The repository's own docs: the sign-in guide (auth.md) and the threat model (security.md)
    # both cover refresh-token rotation; the guide must be among the best three.
    assert any("sign-in" in title.lower() for title in titles[:3]), f"the sign-in guide should be among the best results: {titles}"
    assert "Excerpts are quoted documentation" in b.text_of("#model-text"), b.describe()
    b.screenshot("playground")


def upload_docs_and_search(b: Browser, overview: str, folder: Path) -> None:
    """Documentation page: upload a .zip of Markdown files through the file input, follow the
    job to the end, then find the uploaded page in the playground."""
    archive = folder / "handbook.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zip_file:
        zip_file.writestr("handbook/warp-drive.md", "# Warp drive\n\nCalibrate the flux capacitor before engaging the warp drive.\n")
        zip_file.writestr("handbook/teleporter.md", "# Teleporter\n\nThe teleporter needs a pattern buffer.\n")
        zip_file.writestr("__MACOSX/._warp-drive.md", "resource fork")
    assert b.go(f"{overview}/docs") == 200, b.describe()
    b.find("#upload-files").send_keys(str(archive))
    b.fill("upload-submit", {"name": "handbook"})
    assert b.submit("upload-submit") == 200 and "/docs/jobs/" in b.path, f"uploading a zip: {b.describe()}"
    deadline = time.monotonic() + 60
    while b.text_of("#job-status") not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert b.text_of("#job-status") == "succeeded", f"the upload's ingestion did not succeed: {b.describe()}"
    assert int(b.text_of("#job-indexed")) == 2, f"two pages should be indexed: {b.describe()}"
    b.screenshot("upload-finished")
    assert b.go(f"{overview}/playground?q=flux+capacitor") == 200, b.describe()
    titles = [element.text for element in b.find_all("#results .result-title")]
    assert titles and titles[0].startswith("Warp drive"), f"the uploaded page should be found: {titles}"


def location_path(response: httpx.Response) -> str:
    return urlsplit(response.headers.get("location", "")).path


def describe(response: httpx.Response) -> str:
    request = response.request
    return f"{request.method} {request.url.path}: HTTP {response.status_code} location={response.headers.get('location')!r} {response.text[:300]!r}"


def form_action(b: Browser, submit_id: str) -> str:
    """The path a form posts to (its action, resolved against the page)."""
    action = b.form_of(submit_id).get_attribute("action") or b.url
    return urlsplit(action).path


def main_text(b: Browser) -> str:
    return b.find("main#main").text


def member_rows(b: Browser) -> dict[str, str]:
    """email -> the text of its table row, for every table row on the page naming an email."""
    rows: dict[str, str] = {}
    for row in b.find_all("main table tr"):
        text = row.text
        for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text):
            rows.setdefault(email, text)
    return rows


def assert_org_switcher_lists(b: Browser, org: str) -> None:
    """The top bar's organization switcher (a select#org-switcher or a.org-link) names `org`."""
    options = [(o.get_attribute("value") or "") + " " + o.text for o in b.find_all("#org-switcher option")]
    links = [(a.get_attribute("href") or "") + " " + a.text for a in b.find_all("a.org-link")]
    assert options or links, f"no organization switcher (select#org-switcher or a.org-link) {b.describe()}"
    assert any(org in entry for entry in options + links), f"the organization switcher does not list {org}: {options or links}"


# --------------------------------------------------------------------------------------
# Overview checks


def check_overview(b: Browser, dash: Dashboard, server: ServerProcess, slug: str) -> str:
    """The endpoint URL and the install instructions; returns the endpoint URL."""
    endpoint = dash.endpoint_url()
    path_form = f"{server.base_url}/mcp/{slug}"
    host_form = f"http://{slug}.localhost:{server.port}/mcp"
    assert endpoint in (path_form, host_form), (
        f"#endpoint-url shows {endpoint!r}; expected the path form {path_form} or the host form {host_form}"
    )

    # Cursor: a deeplink whose config (base64 JSON) points at the endpoint.
    deeplinks = [a.get_attribute("href") or "" for a in b.find_all("#install-cursor a")]
    cursor = [href for href in deeplinks if href.startswith(CURSOR_DEEPLINK)]
    assert cursor, f"#install-cursor has no <a href='{CURSOR_DEEPLINK}...'>; links: {deeplinks}"
    name, config = decode_cursor_deeplink(cursor[0])
    assert config.get("url") == endpoint, f"Cursor deeplink {name!r}: config {config} does not point at {endpoint}"

    # Claude Code: the command, with the endpoint, shown and on its copy button.
    claude = b.text_of("#install-claude-code")
    assert CLAUDE_CODE_COMMAND in claude, f"#install-claude-code does not show `{CLAUDE_CODE_COMMAND}`: {claude!r}"
    command = claude[claude.index(CLAUDE_CODE_COMMAND):].splitlines()[0]
    assert endpoint in command, f"the Claude Code command does not name the endpoint {endpoint}: {command!r}"
    copies = dash.copy_texts("install-claude-code")
    assert any(CLAUDE_CODE_COMMAND in c and endpoint in c for c in copies), f"#install-claude-code copy buttons: {copies}"

    # Every section has a copy button with something to copy; the others name the endpoint.
    for section in INSTALL_SECTIONS:
        copies = dash.copy_texts(section)
        assert copies and all(c.strip() for c in copies), f"#{section}: expected copy buttons (.copy[data-copy]), got {copies}"
        if section != "install-cursor":
            shown = b.text_of(f"#{section}")
            assert endpoint in shown or any(endpoint in c for c in copies), f"#{section} does not name {endpoint}: {shown!r} {copies}"
    parsed = []
    for text in dash.copy_texts("install-json"):
        try:
            parsed.append(json.loads(text))
        except json.JSONDecodeError:
            pass
    assert any(endpoint in json.dumps(p) for p in parsed), (
        f"#install-json: no copy button holds JSON naming {endpoint}: {dash.copy_texts('install-json')}"
    )
    return endpoint


def check_endpoint_serves_mcp(server: ServerProcess, endpoint: str) -> None:
    """The URL the overview shows is a working MCP endpoint (host form: sent to 127.0.0.1
    with its Host header)."""
    parts = urlsplit(endpoint)
    with http_client() as client:
        if parts.hostname == "127.0.0.1":
            session = initialize(client, endpoint)
        else:
            session = initialize(client, f"{server.base_url}{parts.path}", headers={"host": parts.netloc})
        assert session.result("tools/list").get("tools"), f"{endpoint}: tools/list is empty"


# --------------------------------------------------------------------------------------
# The journey


def test_dashboard_journey(backend: Backend, server_factory: ServerFactory, browser: Browser, tmp_path: Path) -> None:
    """Owner signs up, creates an organization and a server, reads the install instructions,
    invites a member; the member joins through the link and can read but not change; an
    outsider with an organization of their own sees none of it (404)."""
    server = start_platform(server_factory, backend)
    b = browser
    dash = Dashboard(b, server.base_url)
    suffix = uuid.uuid4().hex[:6]
    owner, invitee, outsider = person("owner"), person("member"), person("outsider")
    org_slug, server_slug = f"acme-{suffix}", f"docs-{suffix}"

    # --- the owner ------------------------------------------------------------------------
    dash.sign_up(owner.name, owner.email, owner.password)  # lands on /orgs/new: no organization yet
    cookie = b.cookie(SESSION_COOKIE)
    assert cookie.get("httpOnly") is True, f"{SESSION_COOKIE} must be HttpOnly: {cookie}"
    assert cookie.get("sameSite") == "Lax", f"{SESSION_COOKIE} must be SameSite=Lax: {cookie}"
    assert b.go("/") == 200 and b.path == "/orgs/new", f"/ for a user without organization: {b.describe()}"

    org = dash.create_org(f"Acme {suffix.upper()}", org_slug)
    assert org == org_slug
    b.screenshot("org-home-empty")
    assert_org_switcher_lists(b, org)

    dash.create_server(org, f"Acme Docs {suffix.upper()}", server_slug, "Product documentation")
    overview = f"/orgs/{org}/servers/{server_slug}"
    b.screenshot("overview")
    b.screenshot("overview", width=NARROW_WIDTH)
    endpoint = check_overview(b, dash, server, server_slug)
    check_endpoint_serves_mcp(server, endpoint)
    with docs_site() as site:
        add_docs_and_search(b, overview, site)
    upload_docs_and_search(b, overview, tmp_path)

    assert b.go(f"/orgs/{org}") == 200, b.describe()
    links = [urlsplit(a.get_attribute("href") or "").path for a in b.find_all("a.server-link")]
    assert overview in links, f"organization home: no a.server-link to {overview}; links: {links}"
    b.screenshot("org-home")
    assert b.go("/") == 200 and b.path == f"/orgs/{org}", f"/ should lead to the first organization: {b.describe()}"

    assert b.go(f"/orgs/{org}/servers/new") == 200, b.describe()
    create_server_action = form_action(b, "create-server")

    link = dash.invite(org, invitee.email, "member")
    b.screenshot("members-invited")
    b.screenshot("members-invited", width=NARROW_WIDTH)
    assert invitee.email in main_text(b), f"the pending invitation of {invitee.email} is not listed {b.describe()}"
    assert owner.email in member_rows(b), f"members table does not list the owner {owner.email}: {member_rows(b)}"
    invite_action = form_action(b, "invite")

    # --- the invitee, in a fresh browser session -------------------------------------------
    b.new_session()
    assert b.go(link) == 200, f"invitation link, signed out: {b.describe()}"
    b.screenshot("invitation-signed-out")
    assert not b.exists("#accept-invitation"), f"signed out, the invitation must not offer to accept yet {b.describe()}"
    assert b.exists('main a[href*="/login"]'), f"the invitation page offers no sign-in link {b.describe()}"
    signup_links = b.find_all('main a[href*="/signup"]')
    assert signup_links, f"the invitation page offers no sign-up link {b.describe()}"
    status = b.click_and_wait(signup_links[0], "the invitation's sign-up link")
    assert status == 200 and b.path == "/signup", f"sign-up link: {b.describe()}"
    # Signing up returns to the invitation, which now offers to accept it.
    dash.sign_up(invitee.name, invitee.email, invitee.password, open_page=False, expect_path=urlsplit(link).path)
    assert b.exists("#accept-invitation"), f"back on the invitation after sign-up: no #accept-invitation {b.describe()}"
    assert dash.accept_invitation(link) == org
    b.screenshot("member-org-home")

    # The member reads everything...
    assert b.go("/") == 200 and b.path == f"/orgs/{org}", f"/ for the member: {b.describe()}"
    links = [urlsplit(a.get_attribute("href") or "").path for a in b.find_all("a.server-link")]
    assert overview in links, f"member's organization home: no link to {overview}: {links}"
    assert b.go(overview) == 200, f"member on the overview: {b.describe()}"
    assert dash.endpoint_url() == endpoint
    b.screenshot("member-overview")
    assert b.go(f"/orgs/{org}/members") == 200, f"member on the members page: {b.describe()}"
    b.screenshot("members-as-member")
    assert not b.exists("#invite"), f"a member must not see the invite form {b.describe()}"
    assert not b.find_all('main form select[name="role"]'), f"a member must not see the invite form {b.describe()}"
    rows = member_rows(b)
    assert owner.email in rows and "owner" in rows[owner.email].lower(), f"members table, owner row: {rows}"
    assert invitee.email in rows and "member" in rows[invitee.email].lower(), f"members table, member row: {rows}"

    # ...but changes nothing: the pages answer 403 and so do the raw POSTs (server-side roles).
    assert b.go(f"/orgs/{org}/servers/new") == 403, f"member on servers/new: {b.describe()}"
    b.screenshot("member-new-server-403")
    assert not b.exists("#create-server"), f"the 403 page must not show the form {b.describe()}"
    assert b.go(f"/orgs/{org}") == 200
    token = b.csrf_token()
    sneaky = f"sneaky-{suffix}"
    with b.http(headers={"Origin": server.base_url}) as http:
        r = http.post(create_server_action, data={"_csrf": token, "name": "Sneaky", "slug": sneaky})
        assert r.status_code == 403, f"member creating a server: {describe(r)}"
        r = http.post(invite_action, data={"_csrf": token, "email": f"friend-{suffix}@example.com", "role": "admin"})
        assert r.status_code == 403, f"member inviting: {describe(r)}"
        r = http.get(f"/orgs/{org}/servers/{sneaky}")
        assert r.status_code == 404, f"the member's server must not exist: {describe(r)}"

    # --- an outsider with an organization of their own --------------------------------------
    b.new_session()
    dash.sign_up(outsider.name, outsider.email, outsider.password)
    own = dash.create_org(f"Other {suffix.upper()}", f"other-{suffix}")
    for path in (
        f"/orgs/{org}",
        f"/orgs/{org}/servers/new",
        overview,
        f"/orgs/{org}/members",
        f"/orgs/no-such-org-{suffix}",
    ):
        status = b.go(path)
        assert status == 404, f"outsider on {path}: expected 404 {b.describe()}"
    b.screenshot("outsider-404")
    assert b.go(f"/orgs/{own}/servers/new") == 200, f"the outsider's own organization: {b.describe()}"
    token = b.csrf_token()
    with b.http(headers={"Origin": server.base_url}) as http:
        r = http.post(invite_action, data={"_csrf": token, "email": f"x-{suffix}@example.com", "role": "member"})
        assert r.status_code == 404, f"outsider posting an invitation to {org}: {describe(r)}"
        r = http.post(create_server_action, data={"_csrf": token, "name": "Sneaky", "slug": sneaky})
        assert r.status_code == 404, f"outsider creating a server in {org}: {describe(r)}"

    # The invitation was used: 410.
    assert b.go(link) == 410, f"a used invitation: {b.describe()}"
    b.screenshot("invitation-used-410")
    assert not b.exists("#accept-invitation"), b.describe()


# --------------------------------------------------------------------------------------
# Sessions


def test_log_out_and_log_in(backend: Backend, server_factory: ServerFactory, browser: Browser) -> None:
    """Log-out ends the session (on the server too); signed out, / leads to /login; a wrong
    password is a 401 with a flash error; the right one signs in."""
    server = start_platform(server_factory, backend)
    b = browser
    dash = Dashboard(b, server.base_url)
    user = person("user")

    with httpx.Client(base_url=server.base_url, event_hooks={"response": [check_response]}) as anonymous:
        r = anonymous.get("/")
        assert r.status_code == 303 and location_path(r) == "/login", f"/ signed out: {describe(r)}"

    dash.sign_up(user.name, user.email, user.password)
    old_session = b.cookie(SESSION_COOKIE)["value"]
    dash.log_out()
    b.screenshot("logged-out")
    assert b.go("/") == 200 and b.path == "/login", f"/ after log-out: {b.describe()}"
    with httpx.Client(base_url=server.base_url, cookies={SESSION_COOKIE: old_session}, event_hooks={"response": [check_response]}) as replay:
        r = replay.get("/")
        assert r.status_code == 303 and location_path(r) == "/login", f"the logged-out session still works: {describe(r)}"

    assert b.go("/login") == 200
    b.screenshot("login")
    status = b.submit("login-submit", {"email": user.email, "password": "not the password!"})
    assert status == 401, f"wrong password: {b.describe()}"
    b.screenshot("login-wrong-password")
    assert b.exists(".flash.error"), f"wrong password: no .flash.error {b.describe()}"
    assert b.exists("#login-submit"), f"wrong password: the page should show the form again {b.describe()}"
    assert b.go("/") == 200 and b.path == "/login", f"still signed out after a wrong password: {b.describe()}"

    dash.log_in(user.email, user.password, expect_path="/orgs/new")  # / -> no organization yet
    b.cookie(SESSION_COOKIE)


def test_login_rate_limit(sqlite_backend: Backend, server_factory: ServerFactory, browser: Browser) -> None:
    """Five wrong passwords for one email within 15 minutes: the next attempt is a 429 that
    says when to retry."""
    # The limit's windows are fixed (15 minutes): a count starts again when one ends, so the
    # six attempts must not run across an end.
    remaining = 900 - time.time() % 900
    if remaining < 120:
        time.sleep(remaining + 0.1)
    server = start_platform(server_factory, sqlite_backend)
    b = browser
    dash = Dashboard(b, server.base_url)
    user = person("victim")
    dash.sign_up(user.name, user.email, user.password)
    b.new_session()
    for attempt in range(1, 6):
        assert b.go("/login") == 200
        status = b.submit("login-submit", {"email": user.email, "password": f"wrong password {attempt}"})
        assert status == 401, f"wrong password #{attempt}: {b.describe()}"
    assert b.go("/login") == 200
    status = b.submit("login-submit", {"email": user.email, "password": "wrong password 6"})
    assert status == 429, f"sixth failure within 15 min: {b.describe()}"
    b.screenshot("login-429")
    text = main_text(b)
    assert re.search(r"\d", text) and re.search(r"minute|second|retry|try again|later", text, re.I), (
        f"the 429 page should say when to retry: {text!r}"
    )


# --------------------------------------------------------------------------------------
# Redirects and the session cookie, over raw HTTP (no browser needed)


def csrf_for(response: httpx.Response, action: str) -> str:
    """The `_csrf` of the page's form posting to `action` (a form without action posts to the page)."""
    page = response.request.url.path
    for form in parse_forms(response.text):
        target = urlsplit(form.action).path if form.action else page
        if form.method == "post" and target == action and form.hidden().get("_csrf"):
            return form.hidden()["_csrf"]
    raise AssertionError(f"{page}: no form posting to {action} with a _csrf: {response.text[:500]!r}")


def test_redirects_and_session_cookie(sqlite_backend: Backend, server_factory: ServerFactory) -> None:
    """The statuses behind the browser's redirects (303s the browser follows silently) and
    the attributes of the session cookie."""
    server = start_platform(server_factory, sqlite_backend)
    user = person("raw")
    suffix = uuid.uuid4().hex[:6]
    org, slug = f"raw-{suffix}", f"raw-docs-{suffix}"

    def expect_redirect(r: httpx.Response, path: str) -> None:
        assert r.status_code == 303 and location_path(r) == path, f"expected 303 to {path}: {describe(r)}"

    with httpx.Client(
        base_url=server.base_url, headers={"Origin": server.base_url}, event_hooks={"response": [check_response]}, timeout=15.0
    ) as http:
        expect_redirect(http.get("/"), "/login")
        page = http.get("/signup")
        assert page.status_code == 200, describe(page)
        r = http.post("/signup", data={"_csrf": csrf_for(page, "/signup"), "name": user.name, "email": user.email, "password": user.password})
        expect_redirect(r, "/orgs/new")
        session_cookies = [c for c in r.headers.get_list("set-cookie") if c.strip().startswith(f"{SESSION_COOKIE}=")]
        assert len(session_cookies) == 1, f"sign-up should set {SESSION_COOKIE} once: {r.headers.get_list('set-cookie')}"
        attributes = [a.strip().lower() for a in session_cookies[0].split(";")[1:]]
        assert "httponly" in attributes, f"{SESSION_COOKIE} must be HttpOnly: {session_cookies[0]}"
        assert "samesite=lax" in attributes, f"{SESSION_COOKIE} must be SameSite=Lax: {session_cookies[0]}"
        assert "secure" not in attributes, f"over plain http the cookie cannot be Secure: {session_cookies[0]}"
        expect_redirect(http.get("/"), "/orgs/new")

        page = http.get("/orgs/new")
        r = http.post("/orgs/new", data={"_csrf": csrf_for(page, "/orgs/new"), "name": f"Raw {suffix}", "slug": org})
        expect_redirect(r, f"/orgs/{org}")
        expect_redirect(http.get("/"), f"/orgs/{org}")
        page = http.get(f"/orgs/{org}/servers/new")
        action = f"/orgs/{org}/servers/new"
        r = http.post(action, data={"_csrf": csrf_for(page, action), "name": f"Raw Docs {suffix}", "slug": slug})
        expect_redirect(r, f"/orgs/{org}/servers/{slug}")
        assert http.get(f"/orgs/{org}/servers/{slug}").status_code == 200

        page = http.get(f"/orgs/{org}")
        expect_redirect(http.post("/logout", data={"_csrf": csrf_for(page, "/logout")}), "/login")
        expect_redirect(http.get("/"), "/login")

        page = http.get("/login")
        r = http.post("/login", data={"_csrf": csrf_for(page, "/login"), "email": user.email, "password": "not the password!"})
        assert r.status_code == 401, f"wrong password: {describe(r)}"
        page = http.get("/login")
        r = http.post("/login", data={"_csrf": csrf_for(page, "/login"), "email": user.email, "password": user.password})
        expect_redirect(r, "/")
        expect_redirect(http.get("/"), f"/orgs/{org}")


# --------------------------------------------------------------------------------------
# Forms


def test_signup_validation(sqlite_backend: Backend, server_factory: ServerFactory, browser: Browser) -> None:
    """A short password or a malformed email: 422, a field-error, the values kept (never
    the password). The browser's own validation is switched off to test the server's."""
    server = start_platform(server_factory, sqlite_backend)
    b = browser
    b.base_url = server.base_url
    user = person("valid")

    assert b.go("/signup") == 200
    b.screenshot("signup-empty")
    status = b.submit("signup-submit", {"name": user.name, "email": user.email, "password": "short-pw1"}, novalidate=True)
    assert status == 422, f"a 9-character password: {b.describe()}"
    b.screenshot("signup-short-password")
    assert b.find_all(".field-error"), f"no .field-error for the short password {b.describe()}"
    assert b.field_value("email", "signup-submit") == user.email, "the email must be kept"
    assert b.field_value("name", "signup-submit") == user.name, "the name must be kept"
    assert b.field_value("password", "signup-submit") == "", "the password must not be echoed"
    assert b.go("/") == 200 and b.path == "/login", f"a failed sign-up must not sign in: {b.describe()}"

    assert b.go("/signup") == 200
    status = b.submit("signup-submit", {"name": user.name, "email": "not-an-email", "password": PASSWORD}, novalidate=True)
    assert status == 422, f"a malformed email: {b.describe()}"
    b.screenshot("signup-bad-email")
    assert b.find_all(".field-error"), f"no .field-error for the malformed email {b.describe()}"
    assert b.field_value("email", "signup-submit") == "not-an-email", "the email must be kept"
    assert b.field_value("password", "signup-submit") == "", "the password must not be echoed"


def test_form_posts_need_csrf(sqlite_backend: Backend, server_factory: ServerFactory, browser: Browser) -> None:
    """A form POST with the session cookie but without (or with a forged) `_csrf` is a 403
    and changes nothing; the same POST with the page's token works."""
    server = start_platform(server_factory, sqlite_backend)
    b = browser
    dash = Dashboard(b, server.base_url)
    user = person("csrf")
    slug = f"csrf-{uuid.uuid4().hex[:6]}"
    origin = {"Origin": server.base_url}

    # Signed out: the login form needs its token too (login CSRF).
    dash.sign_up(user.name, user.email, user.password)
    with httpx.Client(base_url=server.base_url, event_hooks={"response": [check_response]}) as anonymous:
        r = anonymous.post("/login", data={"email": user.email, "password": user.password}, headers=origin)
        assert r.status_code == 403, f"log-in without _csrf: {describe(r)}"

    assert b.go("/orgs/new") == 200
    token = b.csrf_token()
    assert token
    with b.http(headers=origin) as http:
        fields = {"name": "CSRF Org", "slug": slug}
        r = http.post("/orgs/new", data=fields)
        assert r.status_code == 403, f"POST /orgs/new without _csrf: {describe(r)}"
        r = http.post("/orgs/new", data={**fields, "_csrf": "forged-" + token[::-1]})
        assert r.status_code == 403, f"POST /orgs/new with a forged _csrf: {describe(r)}"
        r = http.get(f"/orgs/{slug}")
        assert r.status_code == 404, f"the organization must not exist: {describe(r)}"
        r = http.post("/logout", data={})
        assert r.status_code == 403, f"POST /logout without _csrf: {describe(r)}"
        r = http.get("/orgs/new")
        assert r.status_code == 200, f"still signed in after the refused log-out: {describe(r)}"

        r = http.post("/orgs/new", data={**fields, "_csrf": token})
        assert r.status_code == 303 and location_path(r) == f"/orgs/{slug}", f"POST /orgs/new with the page's _csrf: {describe(r)}"
