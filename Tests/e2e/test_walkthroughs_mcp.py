"""Walkthroughs end to end: the admin API imports and publishes a walkthrough, and the official
Python MCP client (ClientSession over streamable HTTP) goes through it with the walkthrough
tools (list_walkthroughs, start_walkthrough, get_walkthrough_step, complete_step).

- A whole run, with a failed and a skipped step, and the problems an agent can run into, which
  come back as `isError` results (both backends).
- Progress of a signed-in end user (OAuth mode, oidc-provider-mock upstream) on two instances
  on one PostgreSQL database: instance A is killed and restarted in the middle of the run, the
  user resumes in a new session on instance B; another user has not started.
- Versions: a run keeps the version it started with until restarted; archiving ends it.
- The walkthrough's analytics count the run.

Tool texts and structured results are compared in full.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import mcp.types as types
import pytest
from harness import Backend, Cli, ServerFactory, ServerProcess, Tenant
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from oauth_support import ADMIN_TOKEN, MockOIDC, PlatformOAuth, describe, run_async

from helpers import check_response

TEST_TIMEOUT = 45.0

# oidc-provider-mock runs in-process; authlib warns about its own deprecated APIs there.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")

SLUG = "get-started"
TOOLS = ["list_walkthroughs", "start_walkthrough", "get_walkthrough_step", "complete_step"]
INSTRUCTIONS_HINT = "It also offers step-by-step walkthroughs: when the user wants to set something up, call `list_walkthroughs`."

#: The walkthrough file the admin API imports (WalkthroughDocument, format version 1).
DOCUMENT: dict[str, Any] = {
    "format_version": 1,
    "slug": SLUG,
    "title": "Get started with Acme",
    "description": "Install the CLI, sign in and make a first call.",
    "type": "quickstart",
    "estimated_minutes": 10,
    "steps": [
        {
            "title": "Install the CLI",
            "introduction": "First we install the acme command-line tool.",
            "context": "The user has a terminal open on macOS.",
            "operations": "Run `brew install acme`.",
            "content": "Installing **acme** takes about a minute.",
            "check": "`acme --version` prints 2.x.",
        },
        {"title": "Sign in", "introduction": "", "context": "", "operations": "", "content": "Run **acme login** and approve it in the browser.", "check": ""},
        {"title": "First call", "introduction": "", "context": "", "operations": "Run `acme ping`.", "content": "", "check": "It prints `pong`."},
    ],
}


def document_v2() -> dict[str, Any]:
    """DOCUMENT, edited: step 1 renamed, a fourth step."""
    changed = copy.deepcopy(DOCUMENT)
    changed["steps"][0]["title"] = "Install the acme CLI"
    changed["steps"].append(
        {"title": "Deploy", "introduction": "", "context": "", "operations": "Run `acme deploy`.", "content": "", "check": ""}
    )
    return changed


# --------------------------------------------------------------------------------------
# What the tools answer (the expected texts and structured results)


def next_text(number: int) -> str:
    return (
        f'When the step is done and its check passes, call complete_step {{"slug": "{SLUG}", "step": {number}}}. '
        'If the user wants to skip it, pass "outcome": "skipped"; if it cannot be done, pass "outcome": "failed" '
        'and a "note" saying why: that keeps you on this step, so you can try again, search the docs, or skip.'
    )


SECTIONS = (
    ("Introduce the step to the user", "introduction"),
    ("Context for you", "context"),
    ("Do this", "operations"),
    ("Show the user", "content"),
    ("Check that it worked", "check"),
)


def step_text(document: Mapping[str, Any], number: int, *, version: int = 1, preface: str | None = None) -> str:
    """The text of step `number` when it is the current step."""
    step = document["steps"][number - 1]
    sections = [f"Walkthrough: {document['title']} ({document['type']}, version {version})"]
    if preface:
        sections.append(preface)
    sections.append(f"# Step {number} of {len(document['steps'])}: {step['title']}")
    sections += [f"## {heading}\n{step[key]}" for heading, key in SECTIONS if step[key]]
    sections.append(f"## Next\n{next_text(number)}")
    return "\n\n".join(sections)


def step_structured(document: Mapping[str, Any], number: int, completed: int, *, version: int = 1) -> dict[str, Any]:
    total = len(document["steps"])
    return {
        "walkthrough": {"slug": SLUG, "title": document["title"], "type": document["type"], "version": version, "totalSteps": total},
        "progress": {"stepsCompleted": completed, "totalSteps": total, "finished": False},
        "step": {"number": number, **document["steps"][number - 1]},
        "next": next_text(number),
    }


FINISHED_NEXT = (
    f'Tell the user they completed "{DOCUMENT["title"]}" and summarize what they set up. For further questions, use search_docs.'
)
FINISHED_TEXT = f"Walkthrough complete: all 3 steps of {DOCUMENT['title']} are done (in 0 min).\n\n## Next\n{FINISHED_NEXT}"
FINISHED_STRUCTURED = {
    "walkthrough": {"slug": SLUG, "title": DOCUMENT["title"], "type": "quickstart", "version": 1, "totalSteps": 3},
    "progress": {"stepsCompleted": 3, "totalSteps": 3, "finished": True},
    "next": FINISHED_NEXT,
}
ALREADY_FINISHED = (
    f"The user already finished '{SLUG}'. To go through it again, call start_walkthrough "
    f'{{"slug": "{SLUG}", "restart": true}}.'
)
NOT_STARTED = f"You have not started '{SLUG}'. Call start_walkthrough {{\"slug\": \"{SLUG}\"}} first."

#: The literal text of start_walkthrough on a fresh run (what step_text builds, spelled out).
STARTED_TEXT = """Walkthrough: Get started with Acme (quickstart, version 1)

Started. Install the CLI, sign in and make a first call. It takes about 10 minutes.

# Step 1 of 3: Install the CLI

## Introduce the step to the user
First we install the acme command-line tool.

## Context for you
The user has a terminal open on macOS.

## Do this
Run `brew install acme`.

## Show the user
Installing **acme** takes about a minute.

## Check that it worked
`acme --version` prints 2.x.

## Next
""" + next_text(1)


def listing(progress: str, completed: int, *, steps: int = 3, version: int = 1) -> dict[str, Any]:
    return {
        "walkthroughs": [
            {
                "slug": SLUG,
                "title": DOCUMENT["title"],
                "type": "quickstart",
                "description": DOCUMENT["description"],
                "steps": steps,
                "version": version,
                "estimatedMinutes": 10,
                "progress": progress,
                "stepsCompleted": completed,
            }
        ]
    }


def listing_text(server_name: str, marker: str = "", *, steps: int = 3) -> str:
    return (
        f"Walkthroughs on {server_name}:\n"
        f"- {SLUG}: {DOCUMENT['title']} (quickstart, {steps} steps, about 10 min). {DOCUMENT['description']}{marker}\n"
        '\nStart or resume one with start_walkthrough {"slug": …}.'
    )


# --------------------------------------------------------------------------------------
# The admin API's walkthrough routes


class WalkthroughAPI:
    """`/api/v1/servers/{server}/walkthroughs` with the operator's token; each call asserts its status."""

    def __init__(self, base_url: str, server: str, token: str = ADMIN_TOKEN) -> None:
        self.url = f"{base_url.rstrip('/')}/api/v1/servers/{server}/walkthroughs"
        self.http = httpx.Client(timeout=30.0, headers={"authorization": f"Bearer {token}"}, event_hooks={"response": [check_response]})

    def close(self) -> None:
        self.http.close()

    @staticmethod
    def _expect(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, f"expected {status}\n{describe(response, 2000)}"
        return response.json() if response.content else {}

    def import_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        body = self._expect(self.http.post(self.url, json=dict(document)), 201)
        assert body["created"] is True and body["walkthrough"]["status"] == "draft", body
        assert body["walkthrough"]["draft_version"] == 1 and body["walkthrough"]["published_version"] is None, body
        return body

    def replace(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Saves `document` as the draft (a new version while the walkthrough has none)."""
        return self._expect(self.http.put(f"{self.url}/{document['slug']}", json=dict(document)), 200)

    def publish(self, slug: str = SLUG) -> dict[str, Any]:
        body = self._expect(self.http.post(f"{self.url}/{slug}/publish"), 200)
        assert body["status"] == "published" and body["draft_version"] is None, body
        return body

    def archive(self, slug: str = SLUG) -> dict[str, Any]:
        body = self._expect(self.http.post(f"{self.url}/{slug}/archive"), 200)
        assert body["status"] == "archived", body
        return body

    def analytics(self, slug: str = SLUG, version: int | None = None) -> dict[str, Any]:
        params = {"version": version} if version is not None else None
        return self._expect(self.http.get(f"{self.url}/{slug}/analytics", params=params), 200)

    def list(self) -> list[dict[str, Any]]:
        return self._expect(self.http.get(self.url), 200)["walkthroughs"]


def publish_walkthrough(base_url: str, server: str) -> None:
    """Imports DOCUMENT into `server` and publishes it: walkthrough SLUG is live."""
    api = WalkthroughAPI(base_url, server)
    try:
        api.import_document(DOCUMENT)
        api.publish()
    finally:
        api.close()


@pytest.fixture
def api_server(cli: Cli, backend: Backend, server_factory: ServerFactory) -> Iterator[tuple[ServerProcess, Tenant, WalkthroughAPI]]:
    """An instance with the admin API and one tenant (anonymous MCP sessions)."""
    cli.migrate(backend)
    tenant = cli.create_tenant(backend)
    server = server_factory.start(backend, extra_args=["--admin-token", ADMIN_TOKEN, "--public-url", "http://127.0.0.1:{port}"])
    api = WalkthroughAPI(server.base_url, tenant.slug)
    yield server, tenant, api
    api.close()


# --------------------------------------------------------------------------------------
# The MCP client


def run(fn: Callable[[], Awaitable[Any]]) -> Any:
    return run_async(fn, TEST_TIMEOUT)


class Switchable(httpx2.AsyncBaseTransport):
    """Sends every request to `port` (which the test may change), like a load balancer whose
    backend moved: a session outlives the instance it started on."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(port=self.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@asynccontextmanager
async def mcp_session(
    url: str, *, token: str | None = None, transport: httpx2.AsyncBaseTransport | None = None
) -> AsyncIterator[tuple[ClientSession, types.InitializeResult]]:
    """An initialized ClientSession (streamable HTTP), optionally with an end user's bearer token."""
    headers = {"authorization": f"Bearer {token}"} if token else None
    async with httpx2.AsyncClient(headers=headers, transport=transport, timeout=httpx2.Timeout(30.0, read=60.0)) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=30.0) as session:
                yield session, await session.initialize()


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


async def tool_names(session: ClientSession) -> list[str]:
    return [tool.name for tool in (await session.list_tools()).tools]


async def call(session: ClientSession, name: str, arguments: dict[str, Any], text: str, structured: Any = None) -> None:
    """A successful call whose text (and structuredContent, when given) are exactly these.
    The SDK also validates the structuredContent against the tool's output schema."""
    result = await session.call_tool(name, arguments)
    assert not result.is_error, f"{name} {arguments}: isError: {text_of(result)}"
    assert text_of(result) == text, f"{name} {arguments}:\n--- got\n{text_of(result)}\n--- expected\n{text}"
    if structured is not None:
        assert result.structured_content == structured, f"{name} {arguments}: {result.structured_content}"


async def refused(session: ClientSession, name: str, arguments: dict[str, Any], text: str) -> None:
    """A tool error: an `isError` result (not a JSON-RPC error) with exactly this text."""
    result = await session.call_tool(name, arguments)
    assert result.is_error, f"{name} {arguments}: expected isError, got {result}"
    assert text_of(result) == text, f"{name} {arguments}:\n--- got\n{text_of(result)}\n--- expected\n{text}"
    assert result.structured_content is None, result


async def go_through(server: ServerProcess, tenant: Tenant, api: WalkthroughAPI) -> None:
    """Tests 1 and 4: import (draft: no tools), publish (tools), and the whole run."""
    url = server.mcp_url(tenant.slug)
    async with mcp_session(url) as (session, init):
        assert set(await tool_names(session)).isdisjoint(TOOLS)
        api.import_document(DOCUMENT)
        names = await tool_names(session)
        assert set(names).isdisjoint(TOOLS), f"a draft walkthrough shows no tools: {names}"
        assert INSTRUCTIONS_HINT not in (init.instructions or ""), init.instructions
        # Never published: the tools are unknown (a JSON-RPC error, not a tool result).
        with pytest.raises(MCPError) as unknown:
            await session.call_tool("start_walkthrough", {"slug": SLUG})
        assert (unknown.value.code, unknown.value.error.message) == (-32602, "Invalid params: Unknown tool: start_walkthrough"), unknown.value

    api.publish()
    async with mcp_session(url) as (session, init):
        names = await tool_names(session)
        assert [name for name in names if name in TOOLS] == TOOLS, names
        assert init.instructions and INSTRUCTIONS_HINT in init.instructions, init.instructions

        await call(session, "list_walkthroughs", {}, listing_text(tenant.name), listing("not_started", 0))
        await refused(
            session, "start_walkthrough", {"slug": "nope"},
            f"There is no walkthrough 'nope' on this server. Available: {SLUG}. Call list_walkthroughs for details.",
        )
        await refused(session, "get_walkthrough_step", {"slug": SLUG}, NOT_STARTED)

        await call(session, "start_walkthrough", {"slug": SLUG}, STARTED_TEXT, step_structured(DOCUMENT, 1, 0))
        await call(
            session, "list_walkthroughs", {}, listing_text(tenant.name, " [in progress: step 1 of 3]"), listing("in_progress", 0)
        )
        await call(
            session, "complete_step", {"slug": SLUG, "step": 1},
            step_text(DOCUMENT, 2, preface="Step 1 done. Now step 2:"), step_structured(DOCUMENT, 2, 1),
        )
        await call(
            session, "complete_step", {"slug": SLUG, "step": 2, "outcome": "failed", "note": "No browser on this machine."},
            step_text(
                DOCUMENT, 2,
                preface="Recorded that step 2 failed. The user is still on step 2: fix the problem and try again "
                '(search_docs can help), or complete it with "outcome": "skipped".',
            ),
            step_structured(DOCUMENT, 2, 1),
        )
        await call(session, "get_walkthrough_step", {"slug": SLUG}, step_text(DOCUMENT, 2), step_structured(DOCUMENT, 2, 1))
        await refused(
            session, "complete_step", {"slug": SLUG, "step": 3},
            f'Step 3 cannot be completed yet: the current step is 2. Finish it first (get_walkthrough_step {{"slug": "{SLUG}"}}).',
        )
        await refused(
            session, "complete_step", {"slug": SLUG, "step": 1},
            f'Step 1 is already completed; the current step is 2. Call get_walkthrough_step {{"slug": "{SLUG}"}} to see it.',
        )
        await call(
            session, "complete_step", {"slug": SLUG, "step": 2, "outcome": "skipped"},
            step_text(DOCUMENT, 3, preface="Step 2 skipped. Now step 3:"), step_structured(DOCUMENT, 3, 2),
        )
        await call(session, "complete_step", {"slug": SLUG, "step": 3}, FINISHED_TEXT, FINISHED_STRUCTURED)

        await refused(session, "start_walkthrough", {"slug": SLUG}, ALREADY_FINISHED)
        await refused(session, "complete_step", {"slug": SLUG, "step": 3}, ALREADY_FINISHED)
        await refused(
            session, "get_walkthrough_step", {"slug": SLUG},
            f"The user finished '{SLUG}'; there is no current step. Pass \"step\" to read one again, or restart with "
            f'start_walkthrough {{"slug": "{SLUG}", "restart": true}}.',
        )
        await call(session, "list_walkthroughs", {}, listing_text(tenant.name, " [finished]"), listing("finished", 3))

    # Anonymous progress belongs to the session: a new one has not started.
    async with mcp_session(url) as (session, _):
        await call(session, "list_walkthroughs", {}, listing_text(tenant.name), listing("not_started", 0))
        await refused(session, "get_walkthrough_step", {"slug": SLUG}, NOT_STARTED)


# --------------------------------------------------------------------------------------
# 1. A whole run with the official client


def test_whole_walkthrough_with_the_sdk(api_server: tuple[ServerProcess, Tenant, WalkthroughAPI]) -> None:
    server, tenant, api = api_server
    run(lambda: go_through(server, tenant, api))


# --------------------------------------------------------------------------------------
# 4. Analytics of that run


def test_analytics_count_the_run(api_server: tuple[ServerProcess, Tenant, WalkthroughAPI]) -> None:
    server, tenant, api = api_server
    run(lambda: go_through(server, tenant, api))
    [summary] = api.list()
    assert (summary["slug"], summary["published_version"], summary["starts"], summary["completions"]) == (SLUG, 1, 1, 1), summary
    funnel = api.analytics()
    medians = [step.pop("median_seconds") for step in funnel["steps"]]
    assert all(isinstance(m, (int, float)) and 0 <= m < 60 for m in medians), medians
    notes = funnel.pop("notes")
    assert [{k: v for k, v in note.items() if k != "at"} for note in notes] == [
        {"step": 2, "outcome": "failed", "text": "No browser on this machine."}
    ], notes

    def outcomes(done: int = 0, skipped: int = 0, failed: int = 0) -> dict[str, int]:
        return {"done": done, "skipped": skipped, "failed": failed}

    def step(number: int, title: str, **counts: int) -> dict[str, Any]:
        return {"number": number, "title": title, "reached": 1, "completed": 1, "dropped_off": 0, "outcomes": outcomes(**counts)}

    assert funnel == {
        "version": 1,
        "starts": 1,
        "completions": 1,
        "completion_rate": 1.0,
        "steps": [
            step(1, "Install the CLI", done=1),
            step(2, "Sign in", skipped=1, failed=1),
            step(3, "First call", done=1),
        ],
        "outcomes": outcomes(done=2, skipped=1, failed=1),
    }, funnel


# --------------------------------------------------------------------------------------
# 3. Versions: a run keeps its version; archiving ends it


def test_run_keeps_its_version_until_restarted(api_server: tuple[ServerProcess, Tenant, WalkthroughAPI]) -> None:
    server, tenant, api = api_server
    api.import_document(DOCUMENT)
    api.publish()
    v2 = document_v2()

    async def body() -> None:
        async with mcp_session(server.mcp_url(tenant.slug)) as (session, _):
            await call(session, "start_walkthrough", {"slug": SLUG}, STARTED_TEXT)
            await call(session, "complete_step", {"slug": SLUG, "step": 1}, step_text(DOCUMENT, 2, preface="Step 1 done. Now step 2:"))

            assert api.replace(v2)["draft_version"] == 2
            # A draft changes nothing for agents.
            await call(session, "get_walkthrough_step", {"slug": SLUG}, step_text(DOCUMENT, 2), step_structured(DOCUMENT, 2, 1))
            await call(session, "list_walkthroughs", {}, listing_text(tenant.name, " [in progress: step 2 of 3]"), listing("in_progress", 1))

            assert api.publish()["published_version"] == 2
            await call(
                session, "start_walkthrough", {"slug": SLUG},
                step_text(
                    DOCUMENT, 2,
                    preface="Resuming: 1 of 3 steps are done. (Version 2 has been published since; restart: true switches to it.)",
                ),
                step_structured(DOCUMENT, 2, 1),
            )
            await call(session, "get_walkthrough_step", {"slug": SLUG}, step_text(DOCUMENT, 2), step_structured(DOCUMENT, 2, 1))
            # The list shows the published version; the run's progress counts the steps of its own.
            await call(
                session, "list_walkthroughs", {},
                listing_text(tenant.name, " [in progress: step 2 of 3]", steps=4),
                listing("in_progress", 1, steps=4, version=2),
            )
            await call(
                session, "complete_step", {"slug": SLUG, "step": 2},
                step_text(DOCUMENT, 3, preface="Step 2 done. Now step 3:"), step_structured(DOCUMENT, 3, 2),
            )

            preface = "Started. Install the CLI, sign in and make a first call. It takes about 10 minutes."
            await call(
                session, "start_walkthrough", {"slug": SLUG, "restart": True},
                step_text(v2, 1, version=2, preface=preface), step_structured(v2, 1, 0, version=2),
            )
            await call(
                session, "complete_step", {"slug": SLUG, "step": 1},
                step_text(v2, 2, version=2, preface="Step 1 done. Now step 2:"), step_structured(v2, 2, 1, version=2),
            )

            # The restart replaced the v1 run (kept for the analytics, stopped at step 3).
            v1 = api.analytics(version=1)
            assert (v1["version"], v1["starts"], v1["completions"]) == (1, 1, 0), v1
            assert [(s["reached"], s["completed"], s["dropped_off"]) for s in v1["steps"]] == [(1, 1, 0), (1, 1, 0), (1, 0, 1)], v1
            assert (api.analytics()["version"], api.analytics()["starts"]) == (2, 1)

            api.archive()
            archived = f"The walkthrough '{SLUG}' was archived by {tenant.org_name} and is no longer available."
            await refused(session, "get_walkthrough_step", {"slug": SLUG}, archived)
            await refused(session, "complete_step", {"slug": SLUG, "step": 2}, archived)
            await refused(session, "start_walkthrough", {"slug": SLUG, "restart": True}, archived)
            names = await tool_names(session)
            assert set(names).isdisjoint(TOOLS), f"no published walkthrough left, so no walkthrough tools: {names}"

    run(body)


# --------------------------------------------------------------------------------------
# 2. A signed-in end user: restart of instance A in the middle, resumed on instance B


@pytest.fixture
def mock_idp() -> Iterator[MockOIDC]:
    users = {
        "alice": {"email": "alice@example.com", "name": "Alice Example"},
        "bob": {"email": "bob@example.com", "name": "Bob Example"},
    }
    with MockOIDC.run(users) as idp:
        yield idp


def test_signed_in_progress_survives_a_restart_and_moves_to_another_instance(
    cli: Cli, postgres_backend: Backend, server_factory: ServerFactory, mock_idp: MockOIDC
) -> None:
    cli.migrate(postgres_backend)
    tenant = cli.create_tenant(postgres_backend)
    # Both instances have one public URL (B's), as behind a load balancer: tokens issued
    # through B are for that resource, and A accepts them too.
    common = ["--admin-token", ADMIN_TOKEN, "--allow-private-urls"]
    b = server_factory.start(postgres_backend, name="instance-b", extra_args=[*common, "--public-url", "http://127.0.0.1:{port}"])
    a = server_factory.start(postgres_backend, name="instance-a", extra_args=[*common, "--public-url", b.base_url])

    oauth = PlatformOAuth(b.base_url, tenant.slug)
    api = WalkthroughAPI(b.base_url, tenant.slug)
    try:
        r = api.http.put(f"{b.base_url}/api/v1/servers/{tenant.slug}/auth", json={"mode": "oauth", "provider": mock_idp.provider_config()})
        assert r.status_code == 200, describe(r)
        api.import_document(DOCUMENT)
        api.publish()
        alice = oauth.login(user="alice").access_token
        bob = oauth.login(user="bob").access_token
        # Signed-in servers refuse anonymous sessions.
        assert oauth.mcp(None, url=a.mcp_url(tenant.slug)).status_code == 401

        path = f"/mcp/{tenant.slug}"
        to_a = Switchable(a.port)

        async def body() -> None:
            # Session 1 on A: start, step 1 done.
            async with mcp_session(a.base_url + path, token=alice, transport=to_a) as (one, _):
                await call(one, "start_walkthrough", {"slug": SLUG}, STARTED_TEXT, step_structured(DOCUMENT, 1, 0))
                await call(
                    one, "complete_step", {"slug": SLUG, "step": 1},
                    step_text(DOCUMENT, 2, preface="Step 1 done. Now step 2:"), step_structured(DOCUMENT, 2, 1),
                )

                # A dies in the middle of the run (SIGKILL) and comes back on another port.
                assert a.proc is not None
                a.proc.kill()
                a.proc.wait(10)
                a.start()
                to_a.port = a.port
                # The same session on the new process: still on step 2.
                await call(one, "get_walkthrough_step", {"slug": SLUG}, step_text(DOCUMENT, 2), step_structured(DOCUMENT, 2, 1))

                # Session 2 on B, the same user: resumes at step 2, and finishes there.
                async with mcp_session(b.base_url + path, token=alice) as (two, _):
                    await call(
                        two, "start_walkthrough", {"slug": SLUG},
                        step_text(DOCUMENT, 2, preface="Resuming: 1 of 3 steps are done."), step_structured(DOCUMENT, 2, 1),
                    )
                    await call(
                        two, "complete_step", {"slug": SLUG, "step": 2},
                        step_text(DOCUMENT, 3, preface="Step 2 done. Now step 3:"), step_structured(DOCUMENT, 3, 2),
                    )
                    await call(two, "complete_step", {"slug": SLUG, "step": 3}, FINISHED_TEXT, FINISHED_STRUCTURED)

                # Session 1 (on A) sees it finished.
                await call(one, "list_walkthroughs", {}, listing_text(tenant.name, " [finished]"), listing("finished", 3))
                await refused(one, "complete_step", {"slug": SLUG, "step": 3}, ALREADY_FINISHED)

            # Another end user, on B: not started.
            async with mcp_session(b.base_url + path, token=bob) as (other, _):
                await call(other, "list_walkthroughs", {}, listing_text(tenant.name), listing("not_started", 0))
                await refused(other, "get_walkthrough_step", {"slug": SLUG}, NOT_STARTED)
                await call(other, "start_walkthrough", {"slug": SLUG}, STARTED_TEXT, step_structured(DOCUMENT, 1, 0))

        run(body)
    finally:
        api.close()
        oauth.close()
