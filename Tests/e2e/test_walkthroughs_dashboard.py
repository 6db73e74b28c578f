"""Authoring walkthroughs in the dashboard (issue 7) in a real browser: headless Chromium
driven by Selenium (browser_support.py) against `mcplatform serve`.

An owner creates a walkthrough, adds two steps through the forms, types Markdown and watches
the live preview render it, reorders the steps from the keyboard, publishes, exports the JSON
file and imports it into a second server through the import form: both servers then have the
same steps in the same order. Between publishing and exporting, an MCP client goes through the
walkthrough and the analytics page shows its run in the funnel.

Screenshots: Tests/e2e/.artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from browser_support import NARROW_WIDTH, WAIT_SECONDS, Browser, Dashboard
from harness import Backend, ServerFactory
from helpers import http_client, initialize, result_text
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from test_dashboard import owner_of_a_new_org, start_platform

TITLE = "Deploy your first app"
SLUG = "deploy-your-first-app"


def press_enter_and_wait(b: Browser, element: WebElement, what: str) -> int:
    """Focus `element` (a button), press Enter, and wait for the page it leads to."""
    old = b.driver.find_element(By.TAG_NAME, "html")
    element.send_keys(Keys.ENTER)
    try:
        WebDriverWait(b.driver, WAIT_SECONDS).until(Browser._replaced(old))
    except TimeoutException:
        raise AssertionError(f"{what}: Enter did not submit the form {b.describe()}") from None
    b._wait_loaded()
    return b.after_navigation(what)


def wait_for_preview(b: Browser, css: str, text: str) -> WebElement:
    """Wait until the live preview holds an element `css` showing `text`."""

    def shown(_: object) -> WebElement | bool:
        try:
            element = b.driver.find_element(By.CSS_SELECTOR, css)
            return element if element.text == text else False
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    try:
        return WebDriverWait(b.driver, WAIT_SECONDS).until(shown)
    except TimeoutException:
        preview = b.driver.execute_script("return document.getElementById('preview-content')?.innerHTML")
        raise AssertionError(f"the preview never showed {css} {text!r}; it holds {preview!r}") from None


def step_titles(b: Browser) -> list[str]:
    return [element.text for element in b.find_all("#step-list .step-title")]


def add_step(b: Browser, title: str, content: str, operations: str) -> None:
    """The walkthrough page's "Add step" form, then the step editor: type the content and wait
    for its preview, fill the operations, save; back on the walkthrough page."""
    walkthrough = b.path
    assert b.submit("add-step", {"step_title": title}) == 200, b.describe()
    assert b.path.startswith(f"{walkthrough}/steps/"), f"adding a step should open its editor {b.describe()}"
    assert b.field_value("title", "save-step") == title
    b.find("#step-content").send_keys(content)
    b.find("#step-operations").send_keys(operations)
    assert b.submit("save-step") == 200 and b.path == walkthrough, f"saving step {title!r}: {b.describe()}"


def complete_as_an_agent(mcp_url: str) -> None:
    """An agent's session through the published walkthrough: step 2 fails once, then works."""
    with http_client() as client:
        session = initialize(client, mcp_url)

        def call(name: str, arguments: dict[str, object]) -> dict[str, object]:
            result = session.result("tools/call", {"name": name, "arguments": arguments})
            assert not result.get("isError"), f"{name} {arguments}: {result}"
            return result

        assert "Step 1 of 2: Deploy" in result_text(call("start_walkthrough", {"slug": SLUG}))
        assert "Step 2 of 2: Install the CLI" in result_text(call("complete_step", {"slug": SLUG, "step": 1}))
        failed = call("complete_step", {"slug": SLUG, "step": 2, "outcome": "failed", "note": "npm not found"})
        assert "still on step 2" in result_text(failed)
        assert "Walkthrough complete" in result_text(call("complete_step", {"slug": SLUG, "step": 2}))


def test_walkthroughs_dashboard(backend: Backend, server_factory: ServerFactory, browser: Browser, tmp_path: Path) -> None:
    server = start_platform(server_factory, backend)
    b = browser
    dash = Dashboard(b, server.base_url)
    _, org, suffix = owner_of_a_new_org(dash, "author", "Tutorials", "tut")
    docs, staging = f"docs-{suffix}", f"staging-{suffix}"
    dash.create_server(org, f"Acme Docs {suffix.upper()}", docs)
    dash.create_server(org, f"Acme Staging {suffix.upper()}", staging)

    # --- the list, from the server's sidebar ------------------------------------------------
    assert b.go(f"/orgs/{org}/servers/{docs}") == 200, b.describe()
    nav = [a for a in b.find_all("nav.sidebar a") if a.text == "Walkthroughs"]
    assert nav, f"no Walkthroughs link in the server's sidebar {b.describe()}"
    list_path = f"/orgs/{org}/servers/{docs}/walkthroughs"
    assert b.click_and_wait(nav[0], "the sidebar's Walkthroughs link") == 200 and b.path == list_path, b.describe()
    assert b.exists("#walkthroughs-empty"), f"the empty list should explain walkthroughs {b.describe()}"
    b.screenshot("walkthroughs-empty")

    # --- create, then two steps through the forms -------------------------------------------
    fields = {"title": TITLE, "kind": "installer", "estimated_minutes": "15", "description": "From zero to a running app."}
    assert b.submit("create-walkthrough", fields) == 200, b.describe()
    page = f"{list_path}/{SLUG}"
    assert b.path == page, f"creating a walkthrough should open it {b.describe()}"
    assert b.text_of("#walkthrough-status") == "draft" and b.text_of("#walkthrough-versions") == "v1 draft", b.describe()

    assert b.submit("add-step", {"step_title": "Install the CLI"}) == 200, b.describe()
    assert b.path == f"{page}/steps/1", f"adding a step should open its editor {b.describe()}"
    content = b.find("#step-content")
    content.send_keys("Run **npm install** in <img src=x onerror=alert(1)> the project.")
    wait_for_preview(b, "#preview-content strong", "npm install")
    preview = b.find("#preview-content")
    assert not b.find_all("#preview-content img"), "raw HTML in the Markdown must show as text"
    assert "<img src=x onerror=alert(1)>" in preview.text, preview.get_attribute("innerHTML")
    b.find("#step-operations").send_keys("Run `npm install -g acme`.")
    wait_for_preview(b, "#preview-operations code", "npm install -g acme")
    b.screenshot("step-editor-preview")
    assert b.submit("save-step") == 200 and b.path == page, f"saving step 1: {b.describe()}"

    add_step(b, "Deploy", "Then type `acme deploy`.", "Run `acme deploy` in the project.")
    assert step_titles(b) == ["Install the CLI", "Deploy"], step_titles(b)
    assert b.find("#step-1 .markdown strong").get_attribute("textContent") == "npm install"
    b.screenshot("walkthrough-two-steps")

    # --- reorder from the keyboard: focus "Move down" and press Enter --------------------------
    assert press_enter_and_wait(b, b.find("#step-1-down"), "Move down step 1") == 200, b.describe()
    assert b.path == page, b.describe()
    assert step_titles(b) == ["Deploy", "Install the CLI"], f"after moving step 1 down: {step_titles(b)}"

    # --- publish ----------------------------------------------------------------------------
    assert b.click_and_wait(b.find("#publish"), "Publish") == 200, b.describe()
    assert b.text_of("#walkthrough-status") == "published", b.describe()
    assert b.text_of("#walkthrough-versions") == "v1 published", b.describe()
    assert b.text_of("#agents-see") == "Agents see version 1.", b.describe()
    b.screenshot("walkthrough-published")
    b.screenshot("walkthrough-published", width=NARROW_WIDTH)
    assert b.click_and_wait(b.find("#analytics-link"), "Analytics") == 200, b.describe()
    assert b.exists("#no-starts"), b.describe()

    # --- an MCP client follows it to the end; the funnel shows the run ------------------------
    complete_as_an_agent(server.mcp_url(docs))
    assert b.go(b.path) == 200, b.describe()
    stats = (b.text_of("#stat-starts"), b.text_of("#stat-completions"), b.text_of("#stat-rate"))
    assert stats == ("1", "1", "100%"), f"starts, completions, rate: {stats} {b.describe()}"
    rows = [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")] for row in b.find_all("#funnel-table tbody tr")]
    # Step 1 (Deploy) done; step 2 (Install the CLI) failed once, then done: reached, completed,
    # dropped off, median, done, skipped, failed.
    assert [row[:4] + row[5:] for row in rows] == [
        ["1. Deploy", "1", "1", "0", "1", "0", "0"],
        ["2. Install the CLI", "1", "1", "0", "1", "0", "1"],
    ], rows
    assert "npm not found" in b.text_of("#notes"), b.describe()
    b.screenshot("analytics")

    # --- export the JSON file with the browser's cookies --------------------------------------
    assert b.go(page) == 200, b.describe()
    export_path = urlsplit(b.find("#export-json").get_attribute("href") or "").path
    with b.http() as http:
        response = http.get(export_path)
    assert response.status_code == 200, f"GET {export_path}: {response.status_code} {response.text[:300]!r}"
    assert response.headers["content-disposition"] == f'attachment; filename="{SLUG}-v1.json"', response.headers
    exported = response.json()
    assert exported["format_version"] == 1 and exported["slug"] == SLUG and exported["version"] == 1, exported
    assert [step["title"] for step in exported["steps"]] == ["Deploy", "Install the CLI"], exported
    file = tmp_path / f"{SLUG}-v1.json"
    file.write_bytes(response.content)

    # --- import it into the second server through the form -----------------------------------
    staging_list = f"/orgs/{org}/servers/{staging}/walkthroughs"
    assert b.go(staging_list) == 200, b.describe()
    b.find("#import-file").send_keys(str(file))
    b.screenshot("import-form")
    assert b.click_and_wait(b.find("#import-submit"), "Import") == 200, b.describe()
    assert b.path == f"{staging_list}/{SLUG}", f"the import should open the walkthrough {b.describe()}"
    assert b.text_of(".flash.success") == "Imported as a new draft.", b.describe()
    assert b.text_of("#walkthrough-status") == "draft", b.describe()
    assert step_titles(b) == ["Deploy", "Install the CLI"], f"imported steps: {step_titles(b)}"
    b.screenshot("imported")
    with b.http() as http:
        again = http.get(f"{staging_list}/{SLUG}/export.json").json()
    assert again == exported, f"the imported walkthrough differs:\n{json.dumps(again, indent=2)}\n---\n{json.dumps(exported, indent=2)}"

    assert b.go(list_path) == 200, b.describe()
    rows = [row.text for row in b.find_all("#walkthroughs tbody tr")]
    assert len(rows) == 1 and "v1 published" in rows[0] and SLUG in rows[0], rows
    b.screenshot("walkthroughs-list")
