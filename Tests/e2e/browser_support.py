"""Browser end-to-end support (Selenium + headless Chromium) for the dashboard tests.

Fixtures (imported into conftest.py so pytest registers them and the hooks below):
  chrome     session-scoped WebDriver: headless Chromium through chromedriver
  browser    a Browser for one test: cookies cleared before and after, screenshots go to
             Tests/e2e/.artifacts/screenshots/<test>/ (a failing test also gets
             failure.png and failure.html there)

Page objects: `Dashboard(browser, base_url)` drives the contract of /tmp/dash-SPEC.md
(sign_up, log_in, log_out, create_org, create_server, invite, accept_invitation, ...).
Selenium does not expose HTTP status codes: `Browser.status` reads the Navigation Timing
`responseStatus` of the current document (the final response after redirects).

Environment:
  MCPLATFORM_TEST_CHROMIUM        the browser binary (default: chromium on PATH, /usr/bin/chromium)
  MCPLATFORM_TEST_CHROMEDRIVER    the driver (default: chromedriver on PATH, /usr/bin/chromedriver)
  MCPLATFORM_TEST_ARTIFACTS       where screenshots go (default: Tests/e2e/.artifacts)
  MCPLATFORM_REQUIRE_BROWSER=1    fail (instead of skip) when the browser is missing; CI=true does too
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from harness import env_flag
from helpers import check_response

try:  # Only the browser tests need Selenium: the other e2e tests run without it.
    from selenium import webdriver
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        TimeoutException,
        WebDriverException,
    )
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    SELENIUM_ERROR: str | None = None
except ImportError as e:  # pragma: no cover - depends on the venv
    SELENIUM_ERROR = f"selenium is not installed ({e}): pip install -r Tests/e2e/requirements.txt"
    WebDriver = WebElement = Any  # type: ignore[misc,assignment]

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = Path(os.environ.get("MCPLATFORM_TEST_ARTIFACTS") or E2E_DIR / ".artifacts")
SCREENSHOT_DIR = ARTIFACTS_DIR / "screenshots"

#: Explicit waits (page loads after a click, elements appearing).
WAIT_SECONDS = 15.0
#: Implicit wait for find_element: small, the helpers wait explicitly where it matters.
IMPLICIT_WAIT_SECONDS = 0.5
WINDOW_SIZE = (1280, 900)
NARROW_WIDTH = 390  # a phone
MAX_SCREENSHOT_HEIGHT = 8000

SESSION_COOKIE = "mcp_session"


# --------------------------------------------------------------------------------------
# Finding and starting the browser


def _find_binary(env: str, names: tuple[str, ...], fallbacks: tuple[str, ...]) -> str | None:
    explicit = os.environ.get(env, "").strip()
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in names:
        if found := shutil.which(name):
            return found
    return next((path for path in fallbacks if os.access(path, os.X_OK)), None)


def _browser_unavailable(message: str) -> None:
    """Skip, or fail on CI (CI=true) / with MCPLATFORM_REQUIRE_BROWSER=1."""
    if env_flag("CI") or env_flag("MCPLATFORM_REQUIRE_BROWSER"):
        pytest.fail(message + " (required: CI=true or MCPLATFORM_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(message)


def chrome_options(binary: str) -> Any:
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
        "--lang=en-US",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--password-store=basic",
    ):
        options.add_argument(arg)
    # No "save password?" bubbles or leak-detection calls home.
    options.add_experimental_option(
        "prefs",
        {"credentials_enable_service": False, "profile.password_manager_enabled": False, "profile.password_manager_leak_detection": False},
    )
    return options


@pytest.fixture(scope="session")
def chrome() -> Iterator[WebDriver]:
    """Headless Chromium, one for the whole session (tests clear cookies between them)."""
    if SELENIUM_ERROR:
        _browser_unavailable(SELENIUM_ERROR)
    binary = _find_binary("MCPLATFORM_TEST_CHROMIUM", ("chromium", "chromium-browser"), ("/usr/bin/chromium",))
    driver_path = _find_binary("MCPLATFORM_TEST_CHROMEDRIVER", ("chromedriver",), ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"))
    missing = [what for what, path in (("chromium", binary), ("chromedriver", driver_path)) if path is None]
    if missing:
        _browser_unavailable(
            f"{' and '.join(missing)} not found (apt-get install -y chromium chromium-driver, "
            "or set MCPLATFORM_TEST_CHROMIUM / MCPLATFORM_TEST_CHROMEDRIVER)"
        )
    assert binary and driver_path
    log_path = ARTIFACTS_DIR / "chromedriver.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _ignore_artifacts()
    try:
        driver = webdriver.Chrome(service=Service(driver_path, log_output=str(log_path)), options=chrome_options(binary))
    except WebDriverException as e:
        _browser_unavailable(f"could not start {binary} through {driver_path}: {e.msg or e} (log: {log_path})")
    driver.implicitly_wait(IMPLICIT_WAIT_SECONDS)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _ignore_artifacts() -> None:
    """Keep the artifacts out of `git status` without touching the repository's .gitignore."""
    ignore = ARTIFACTS_DIR / ".gitignore"
    if ARTIFACTS_DIR.is_relative_to(E2E_DIR) and not ignore.exists():
        ignore.write_text("*\n")


# --------------------------------------------------------------------------------------
# Screenshots


def _test_folder_name(nodeid: str) -> str:
    name = nodeid.split("::", 1)[-1] if "::" in nodeid else nodeid
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120] or "test"


class Screenshots:
    """Numbered full-page PNGs of one test: <SCREENSHOT_DIR>/<test>/01-signup.png, ..."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.taken: list[Path] = []
        if folder.exists():
            shutil.rmtree(folder)  # the previous run's pictures of this test

    def path_for(self, name: str) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
        return self.folder / f"{self.count:02d}-{safe}.png"


_screenshot_folders: list[Path] = []


# --------------------------------------------------------------------------------------
# The browser of one test


_PAGE_PROBLEMS_JS = r"""
const problems = [];
if (!document.querySelector('main#main')) problems.push('no <main id="main">');
if (!document.querySelector('h1')) problems.push('no <h1>');
for (const form of document.querySelectorAll('form')) {
  if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') continue;
  const csrf = form.querySelector('input[name="_csrf"]');
  const what = form.id ? 'form#' + form.id : 'form action=' + form.getAttribute('action');
  if (!csrf) problems.push(what + ': no _csrf input');
  else if (csrf.type !== 'hidden' || !csrf.value) problems.push(what + ': _csrf is not a hidden input with a value');
}
for (const field of document.querySelectorAll('input, select, textarea')) {
  const type = (field.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
  const name = field.getAttribute('name') || field.id || field.outerHTML.slice(0, 80);
  const labelled = field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
  // The contract: every input of a page's forms has a <label for>. Controls outside <main>
  // (the top bar's organization switcher) may use aria-label or a wrapping <label> instead.
  const outside = !field.closest('main') &&
    (field.getAttribute('aria-label') || field.getAttribute('aria-labelledby') || field.closest('label'));
  if (!labelled && !outside) problems.push('field ' + name + ' has no <label for=...>');
  if (type === 'password' && field.getAttribute('value'))
    problems.push('password field ' + name + ' echoes a value');
}
return problems;
"""


class Browser:
    """One test's view of the shared Chromium: navigation with status codes, forms,
    screenshots, cookies. `base_url` is set by the test once its server runs."""

    def __init__(self, driver: WebDriver, shots: Screenshots, base_url: str = "") -> None:
        self.driver = driver
        self.shots = shots
        self.base_url = base_url.rstrip("/")
        #: Check the page invariants of the contract after every navigation (main, h1, _csrf, labels).
        self.check_pages = True

    # ---- navigation ------------------------------------------------------------------

    def url_for(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else f"{self.base_url}{path_or_url}"

    def go(self, path_or_url: str) -> int:
        """Load a page; returns its HTTP status (the last response after redirects)."""
        self.driver.get(self.url_for(path_or_url))
        self._wait_loaded()
        return self.after_navigation(f"GET {path_or_url}")

    @property
    def status(self) -> int:
        status = self.driver.execute_script(
            "const e = performance.getEntriesByType('navigation')[0]; return e ? e.responseStatus : null;"
        )
        return int(status or 0)

    @property
    def url(self) -> str:
        return self.driver.current_url

    @property
    def path(self) -> str:
        return urlsplit(self.driver.current_url).path

    def describe(self) -> str:
        """Where the browser is, for assertion messages."""
        try:
            text = self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            text = ""
        text = re.sub(r"\s+", " ", text)[:600]
        return f"[{self.status} {self.url}] {text!r}"

    def after_navigation(self, what: str) -> int:
        status = self.status
        assert status != 500, f"{what}: 500 {self.describe()}"
        if self.check_pages and self.url.startswith(self.base_url or "\0"):
            problems = self.driver.execute_script(_PAGE_PROBLEMS_JS)
            assert not problems, f"{what}: page breaks the contract's invariants: {problems} {self.describe()}"
        return status

    def _wait_loaded(self) -> None:
        # Scripts can fail while a navigation swaps documents: poll again.
        WebDriverWait(self.driver, WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    @staticmethod
    def _replaced(old: WebElement) -> Any:
        """A wait condition: `old` (the previous page's <html>) has left the document."""

        def gone(_: WebDriver) -> bool:
            try:
                old.tag_name
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as e:
                # Mid-navigation chromedriver may answer "Node with given id does not belong
                # to the document" (the node is the old document's): gone too. Anything else:
                # ask again.
                return "does not belong to the document" in str(e)

        return gone

    def click_and_wait(self, element: WebElement, what: str) -> int:
        """Click something that navigates (a submit button, a link); returns the new page's status."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        try:
            WebDriverWait(self.driver, WAIT_SECONDS).until(self._replaced(old))
        except TimeoutException:
            invalid = self.driver.execute_script(
                "return [...document.querySelectorAll(':invalid')].filter(e => e.name)"
                ".map(e => e.name + ': ' + e.validationMessage);"
            )
            hint = f"; the browser's form validation blocked it: {invalid}" if invalid else ""
            raise AssertionError(f"{what}: the page did not change within {WAIT_SECONDS}s{hint} {self.describe()}") from None
        self._wait_loaded()
        return self.after_navigation(what)

    # ---- elements --------------------------------------------------------------------

    def find(self, css: str, within: WebElement | None = None) -> WebElement:
        try:
            return (within or self.driver).find_element(By.CSS_SELECTOR, css)
        except NoSuchElementException:
            raise AssertionError(f"no element matches {css!r} {self.describe()}") from None

    def find_all(self, css: str, within: WebElement | None = None) -> list[WebElement]:
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def exists(self, css: str) -> bool:
        # find_elements waits the implicit wait when nothing matches: fine, it is small.
        return bool(self.driver.find_elements(By.CSS_SELECTOR, css))

    def wait_for(self, css: str, timeout: float = WAIT_SECONDS) -> WebElement:
        try:
            return WebDriverWait(self.driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise AssertionError(f"{css!r} did not appear within {timeout}s {self.describe()}") from None

    def text_of(self, css: str) -> str:
        """The text an element shows (textContent, else value, for inputs). A page that reloads
        itself (a finished job's page) can replace the element between finding and reading it:
        then it is found again in the new document."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                self._wait_loaded()
                element = self.find(css)
                text = (element.get_attribute("textContent") or "").strip()
                return text or (element.get_attribute("value") or "").strip()
            except StaleElementReferenceException:
                time.sleep(0.1)
        raise AssertionError(f"{css!r} kept leaving the document {self.describe()}")

    def form_of(self, submit_id: str) -> WebElement:
        return self.find(f"#{submit_id}").find_element(By.XPATH, "./ancestor::form")

    def field_value(self, name: str, submit_id: str) -> str:
        return self.find(f'[name="{name}"]', self.form_of(submit_id)).get_attribute("value") or ""

    def fill(self, submit_id: str, fields: Mapping[str, str]) -> WebElement:
        """Fill the fields (by name) of the form holding the button #submit_id; returns the form."""
        form = self.form_of(submit_id)
        for name, value in fields.items():
            field = self.find(f'[name="{name}"]', form)
            if field.tag_name == "select":
                select = Select(field)
                values = [o.get_attribute("value") for o in select.options]
                assert value in values, f"select {name}: no option {value!r} (options: {values}) {self.describe()}"
                select.select_by_value(value)
            else:
                field.clear()
                if value:
                    field.send_keys(value)
        return form

    def submit(self, submit_id: str, fields: Mapping[str, str] | None = None, *, novalidate: bool = False) -> int:
        """Fill and submit the form of #submit_id; returns the status of the page it leads to.

        novalidate: switch off the browser's own validation (type=email, minlength, required)
        so that the server's validation is what gets tested."""
        form = self.fill(submit_id, fields or {})
        if novalidate:
            self.driver.execute_script("arguments[0].noValidate = true;", form)
        return self.click_and_wait(self.find(f"#{submit_id}"), f"submit #{submit_id}")

    # ---- screenshots -----------------------------------------------------------------

    def screenshot(self, name: str, *, width: int | None = None) -> Path:
        """A full-page PNG of the current page: the window is made as tall as the page for the
        picture (Chromium's capture-beyond-viewport leaves scrollable <pre>s below the fold
        unpainted). `width` (e.g. NARROW_WIDTH, a phone) narrows the window for this picture."""
        path = self.shots.path_for(name if width is None else f"{name}-{width}px")
        original = self.driver.get_window_size()
        try:
            if width is not None:
                self.driver.set_window_size(width, original["height"])
                self._settle()
            height, frame = self.driver.execute_script(
                "return [Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0),"
                " window.outerHeight - window.innerHeight];"
            )
            self.driver.set_window_size(width or original["width"], min(int(height) + int(frame), MAX_SCREENSHOT_HEIGHT))
            self._settle()
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(original["width"], original["height"])
        self.shots.taken.append(path)
        return path

    def _settle(self) -> None:
        """Wait for two animation frames: layout and paint after a resize or a load."""
        self.driver.set_script_timeout(5)
        self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
        )

    # ---- sessions and cookies --------------------------------------------------------

    def new_session(self) -> None:
        """A fresh, signed-out browser session: every cookie (of every host and port) goes."""
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
        self.driver.get("about:blank")

    def cookies(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}

    def cookie(self, name: str) -> dict[str, Any]:
        for c in self.driver.get_cookies():
            if c["name"] == name:
                return c
        raise AssertionError(f"no {name} cookie; cookies: {[c['name'] for c in self.driver.get_cookies()]}")

    def http(self, **kwargs: Any) -> httpx.Client:
        """An httpx client carrying this browser's cookies (no redirects followed; every
        response is checked for 500 and X-Request-Id)."""
        kwargs.setdefault("timeout", 15.0)
        return httpx.Client(
            base_url=self.base_url,
            cookies=self.cookies(),
            follow_redirects=False,
            event_hooks={"response": [check_response]},
            **kwargs,
        )

    def csrf_token(self) -> str:
        """The `_csrf` of the first form on the current page."""
        return self.find('form input[name="_csrf"]').get_attribute("value") or ""


# --------------------------------------------------------------------------------------
# The dashboard's pages (page objects)


class Dashboard:
    """The dashboard of one running server, as the contract (/tmp/dash-SPEC.md) describes it.
    The helpers assert the happy path and take a screenshot of each form they fill."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.b = browser
        self.base_url = base_url.rstrip("/")
        browser.base_url = self.base_url

    # ---- accounts --------------------------------------------------------------------

    def sign_up(self, name: str, email: str, password: str, *, open_page: bool = True, expect_path: str | None = "/orgs/new") -> None:
        """Sign up on /signup (or on the sign-up form already open); lands on `expect_path`."""
        if open_page:
            status = self.b.go("/signup")
            assert status == 200, f"GET /signup: {self.b.describe()}"
        self.b.fill("signup-submit", {"name": name, "email": email, "password": password})
        self.b.screenshot("signup")
        status = self.b.submit("signup-submit")
        assert status == 200, f"sign-up of {email}: {self.b.describe()}"
        if expect_path is not None:
            assert self.b.path == expect_path, f"sign-up of {email}: expected to land on {expect_path} {self.b.describe()}"
        self.b.cookie(SESSION_COOKIE)

    def log_in(self, email: str, password: str, *, expect_path: str | None = None) -> None:
        status = self.b.go("/login")
        assert status == 200, f"GET /login: {self.b.describe()}"
        self.b.fill("login-submit", {"email": email, "password": password})
        self.b.screenshot("login")
        status = self.b.submit("login-submit")
        assert status == 200 and self.b.path != "/login", f"log-in of {email}: {self.b.describe()}"
        if expect_path is not None:
            assert self.b.path == expect_path, f"log-in of {email}: expected {expect_path} {self.b.describe()}"

    def log_out(self) -> None:
        """The top bar's log-out button; lands on /login."""
        status = self.b.click_and_wait(self.b.find("#logout"), "click #logout")
        assert status == 200 and self.b.path == "/login", f"log-out: {self.b.describe()}"

    # ---- organizations and servers ---------------------------------------------------

    def create_org(self, name: str, slug: str | None = None) -> str:
        """/orgs/new; returns the organization's slug (derived from the name when not given)."""
        status = self.b.go("/orgs/new")
        assert status == 200, f"GET /orgs/new: {self.b.describe()}"
        fields = {"name": name}
        if slug is not None:
            fields["slug"] = slug
        self.b.fill("create-org", fields)
        self.b.screenshot("new-org")
        status = self.b.submit("create-org")
        assert status == 200, f"creating organization {name!r}: {self.b.describe()}"
        match = re.fullmatch(r"/orgs/([^/]+)/?", self.b.path)
        assert match, f"creating organization {name!r}: expected /orgs/<slug> {self.b.describe()}"
        if slug is not None:
            assert match.group(1) == slug, f"creating organization {slug}: landed on {self.b.path}"
        return match.group(1)

    def create_server(self, org: str, name: str, slug: str, description: str = "") -> None:
        """From the organization home, the #new-server link, then the form; lands on the overview."""
        status = self.b.go(f"/orgs/{org}")
        assert status == 200, f"GET /orgs/{org}: {self.b.describe()}"
        link = self.b.find("#new-server")
        assert urlsplit(link.get_attribute("href") or "").path == f"/orgs/{org}/servers/new", link.get_attribute("href")
        status = self.b.click_and_wait(link, "click #new-server")
        assert status == 200 and self.b.path == f"/orgs/{org}/servers/new", f"#new-server: {self.b.describe()}"
        fields = {"name": name, "slug": slug}
        if description:
            fields["description"] = description
        self.b.fill("create-server", fields)
        self.b.screenshot("new-server")
        status = self.b.submit("create-server")
        expected = f"/orgs/{org}/servers/{slug}"
        assert status == 200 and self.b.path == expected, f"creating server {slug}: expected {expected} {self.b.describe()}"

    # ---- members and invitations -----------------------------------------------------

    def invite(self, org: str, email: str, role: str = "member") -> str:
        """The members page's invite form; returns the invitation link it shows."""
        status = self.b.go(f"/orgs/{org}/members")
        assert status == 200, f"GET /orgs/{org}/members: {self.b.describe()}"
        self.b.fill("invite", {"email": email, "role": role})
        self.b.screenshot("members-invite")
        status = self.b.submit("invite")
        assert status == 200, f"inviting {email}: {self.b.describe()}"
        link = invitation_link_text(self.b.find("#invitation-link"))
        assert link.startswith(f"{self.base_url}/invitations/") and len(link) > len(f"{self.base_url}/invitations/"), (
            f"#invitation-link should be {self.base_url}/invitations/<token>, is {link!r}"
        )
        return link

    def accept_invitation(self, link: str) -> str:
        """Signed in: open the link, press #accept-invitation; returns the organization slug."""
        status = self.b.go(link)
        assert status == 200, f"GET {link}: {self.b.describe()}"
        self.b.screenshot("invitation")
        status = self.b.click_and_wait(self.b.find("#accept-invitation"), "click #accept-invitation")
        match = re.fullmatch(r"/orgs/([^/]+)/?", self.b.path)
        assert status == 200 and match, f"accepting {link}: expected /orgs/<org> {self.b.describe()}"
        return match.group(1)

    # ---- server overview -------------------------------------------------------------

    def endpoint_url(self) -> str:
        return self.b.text_of("#endpoint-url")

    def copy_texts(self, section_id: str) -> list[str]:
        """The data-copy of every copy button in the install section #section_id."""
        section = self.b.find(f"#{section_id}")
        return [b.get_attribute("data-copy") or "" for b in self.b.find_all(".copy", section)]


def invitation_link_text(element: WebElement) -> str:
    """The link an #invitation-link element shows: its text, else value (input), else href."""
    for value in (element.get_attribute("textContent"), element.get_attribute("value"), element.get_attribute("href")):
        if value and value.strip():
            return value.strip()
    return ""


def decode_cursor_deeplink(href: str) -> tuple[str, dict[str, Any]]:
    """`cursor://anysphere.cursor-deeplink/mcp/install?name=N&config=BASE64(JSON)` -> (N, config)."""
    query = parse_qs(urlsplit(href).query)
    assert query.get("name") and query["name"][0], f"Cursor deeplink without a name: {href}"
    assert query.get("config"), f"Cursor deeplink without a config: {href}"
    encoded = query["config"][0].strip()
    encoded += "=" * (-len(encoded) % 4)
    try:
        raw = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
        config = json.loads(raw)
    except (ValueError, json.JSONDecodeError) as e:
        raise AssertionError(f"Cursor deeplink config is not base64 JSON ({e}): {query['config'][0]!r}") from None
    assert isinstance(config, dict), f"Cursor deeplink config is not a JSON object: {config!r}"
    return query["name"][0], config


# --------------------------------------------------------------------------------------
# Fixtures and hooks


@pytest.fixture
def browser(chrome: WebDriver, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """The shared Chromium, signed out (no cookies), for this test; its screenshots go to
    Tests/e2e/.artifacts/screenshots/<test>/, plus failure.png/.html when the test fails."""
    folder = SCREENSHOT_DIR / _test_folder_name(request.node.nodeid)
    b = Browser(chrome, Screenshots(folder))
    b.new_session()
    yield b
    report = getattr(request.node, "_browser_call_report", None)
    if report is not None and report.failed:
        try:
            b.check_pages = False
            b.screenshot("failure")
            (folder / "failure.html").write_text(f"<!-- {b.url} (HTTP {b.status}) -->\n{chrome.page_source}")
        except WebDriverException:
            pass
    if b.shots.taken or folder.exists():
        _screenshot_folders.append(folder)
    try:
        b.new_session()
    except WebDriverException:
        pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item._browser_call_report = report  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _screenshot_folders:
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOT_DIR}/ ({len(_screenshot_folders)} tests)")
