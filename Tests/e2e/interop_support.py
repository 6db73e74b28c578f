"""The interop matrix's pieces (test_interop_matrix.py, test_interop_http.py): one server with
content for every feature (documentation, a published walkthrough, tickets), the clients it
is tested with, each at the protocol revisions it can be made to speak, and one check per
feature that every client runs the same way.

Clients, each behind a small `Driver` so that a feature check is written once:
- `python-mcp-<revision>`: the official SDK's low-level `ClientSession` over
  `streamable_http_client`, its `initialize` sent by hand to offer that revision.
- `python-mcp-auto`: `mcp.Client(url)` in its default `mode="auto"` (server/discover probe,
  then whatever it negotiates).
- `fastmcp-legacy` / `fastmcp-auto`: fastmcp's `Client` with `mode="legacy"` (the initialize
  handshake at the SDK's newest handshake revision) and its default `mode="auto"`. fastmcp
  cannot be made to offer an older handshake revision.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import fastmcp
import mcp
import mcp.types as types
import pytest
from harness import LATEST_VERSION, Backend, Cli, Site, Tenant, module_site
from mcp import ClientSession
from test_mcp_client import legacy_session
from oauth_support import ADMIN_TOKEN
from test_docs_search import write_docs
from test_walkthroughs_mcp import DOCUMENT, publish_walkthrough
from test_walkthroughs_mcp import SLUG as WALKTHROUGH

#: What `ingest` indexes for the documentation checks (version 1.0).
DOCS = {
    "install.md": "# Install the Acme CLI\n\nInstall it with `brew install acme` on macOS.\n\n"
    "## Verify the installation\n\nRun `acme --version`; it prints the installed version.\n",
    "guides/keys.md": "# API keys\n\nOpen **Settings → API keys** and click *New key*.\n\n"
    "## Rotate a key\n\nCreate the new key first, deploy it, then revoke the old one.\n",
    # Enough pages for resources/list to take two pages (100 a page).
    **{f"widgets/w{n:03}.md": f"# Widget {n}\n\nWidget {n} is a gadget of the catalogue.\n" for n in range(110)},
}


# --------------------------------------------------------------------------------------
# The server under test


def site_fixture(
    cli: Cli, tmp_path_factory: pytest.TempPathFactory, name: str, postgres_server_url: str | None = None
) -> Iterator[Site]:
    """For a module-scoped fixture: an instance whose tenant has DOCS (version 1.0) and the
    published walkthrough; on SQLite, or on a new database on `postgres_server_url`."""
    docs = write_docs(tmp_path_factory.mktemp(f"{name}-docs"), DOCS)

    def ingest(backend: Backend, tenant: Tenant) -> None:
        cli.run("ingest", tenant.slug, str(docs), "--version", "1.0", *backend.args())

    with module_site(
        cli,
        tmp_path_factory,
        name,
        postgres_server_url=postgres_server_url,
        extra_args=["--admin-token", ADMIN_TOKEN, "--public-url", "http://127.0.0.1:{port}"],
        prepare=ingest,
    ) as site:
        publish_walkthrough(site.server.base_url, site.tenant.slug)
        yield site


# --------------------------------------------------------------------------------------
# Clients


def dump(model: Any) -> dict[str, Any]:
    """A protocol object as it was on the wire (camelCase keys, no unset fields)."""
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


@dataclass
class ToolOutcome:
    is_error: bool
    structured: Any
    text: str
    #: What the client made of the structured content: fastmcp hydrates it from the output
    #: schema (`.data`); the SDK validates it against the schema and passes it on.
    hydrated: Any


#: (progress, total, message) of each progress notification of a call.
Progress = list[tuple[float, float | None, str | None]]


class Driver(Protocol):
    """One connected client, seen through the calls the feature checks make."""

    version: str
    handshake: dict[str, Any]
    #: The log messages (`notifications/message` params) the client received.
    logs: list[dict[str, Any]]

    async def list_tools(self) -> list[dict[str, Any]]: ...
    async def call_tool(self, name: str, arguments: dict[str, Any], progress: Progress | None = None) -> ToolOutcome: ...
    async def list_resources(self) -> list[dict[str, Any]]: ...
    async def resource_page_sizes(self) -> list[int]: ...
    async def list_resource_templates(self) -> list[dict[str, Any]]: ...
    async def read_resource(self, uri: str) -> list[dict[str, Any]]: ...
    async def ping(self) -> None: ...
    async def list_prompts(self) -> list[dict[str, Any]]: ...
    async def get_prompt(self, name: str, arguments: dict[str, str]) -> str: ...
    async def complete(self, ref: types.PromptReference | types.ResourceTemplateReference, name: str, value: str,
                       context: dict[str, str] | None = None) -> list[str]: ...
    async def set_logging_level(self, level: types.LoggingLevel) -> None: ...
    async def discover(self) -> dict[str, Any]: ...


def _text(content: list[Any]) -> str:
    return "\n".join(block.text for block in content if isinstance(block, types.TextContent))


def _prompt_text(result: types.GetPromptResult) -> str:
    return "\n".join(message.content.text for message in result.messages if isinstance(message.content, types.TextContent))


class SDKDriver:
    """The official SDK's `ClientSession` (also what `mcp.Client` runs on)."""

    def __init__(self, session: ClientSession, logs: list[dict[str, Any]]) -> None:
        self.session = session
        self.logs = logs
        #: On 2026-07-28 the log level travels in each request's `_meta` (set_logging_level).
        self.meta: dict[str, Any] | None = None
        self.version = session.protocol_version or ""
        result = session.initialize_result or session.discover_result
        self.handshake = dump(result) if result is not None else {}

    async def list_tools(self) -> list[dict[str, Any]]:
        return [dump(tool) for tool in (await self.session.list_tools()).tools]

    async def call_tool(self, name: str, arguments: dict[str, Any], progress: Progress | None = None) -> ToolOutcome:
        # call_tool validates structuredContent against the tool's outputSchema (fetching
        # tools/list first when it has not seen the tool) and raises when it does not conform.
        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            assert progress is not None
            progress.append((done, total, message))

        result = await self.session.call_tool(
            name, arguments, progress_callback=on_progress if progress is not None else None, meta=self.meta)
        return ToolOutcome(bool(result.is_error), result.structured_content, _text(result.content), result.structured_content)

    async def resource_page_sizes(self) -> list[int]:
        sizes, cursor = [], None
        while True:
            page = await self.session.list_resources(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
            sizes.append(len(page.resources))
            if not (cursor := page.next_cursor):
                return sizes

    async def list_resources(self) -> list[dict[str, Any]]:
        resources, cursor = [], None
        while True:
            page = await self.session.list_resources(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
            resources += [dump(resource) for resource in page.resources]
            if not (cursor := page.next_cursor):
                return resources

    async def list_resource_templates(self) -> list[dict[str, Any]]:
        return [dump(template) for template in (await self.session.list_resource_templates()).resource_templates]

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        return [dump(content) for content in (await self.session.read_resource(uri)).contents]

    async def ping(self) -> None:
        await self.session.send_ping()

    async def list_prompts(self) -> list[dict[str, Any]]:
        return [dump(prompt) for prompt in (await self.session.list_prompts()).prompts]

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> str:
        return _prompt_text(await self.session.get_prompt(name, arguments))

    async def complete(self, ref: types.PromptReference | types.ResourceTemplateReference, name: str, value: str,
                       context: dict[str, str] | None = None) -> list[str]:
        return (await self.session.complete(ref, {"name": name, "value": value}, context)).completion.values

    async def set_logging_level(self, level: types.LoggingLevel) -> None:
        if self.version == MODERN:
            self.meta = {LOG_LEVEL_KEY: level}
        else:
            await self.session.set_logging_level(level)

    async def discover(self) -> dict[str, Any]:
        """server/discover sent now (a version-pinned client never sent one)."""
        return await self.session.send_discover(MODERN)


class FastMCPDriver:
    """fastmcp's `Client` (its own API: lists come back whole, following cursors; results are
    hydrated)."""

    def __init__(self, client: fastmcp.Client, logs: list[dict[str, Any]]) -> None:
        self.client = client
        self.received = logs
        self.min_level: types.LoggingLevel = "debug"
        self.version = client.protocol_version or ""
        result = client.initialize_result or client.session.discover_result
        self.handshake = dump(result) if result is not None else {}

    @property
    def logs(self) -> list[dict[str, Any]]:
        """The log messages received at or above the level set."""
        return [log for log in self.received if LOG_LEVELS.index(log["level"]) >= LOG_LEVELS.index(self.min_level)]

    async def list_tools(self) -> list[dict[str, Any]]:
        return [dump(tool) for tool in await self.client.list_tools()]

    async def call_tool(self, name: str, arguments: dict[str, Any], progress: Progress | None = None) -> ToolOutcome:
        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            assert progress is not None
            progress.append((done, total, message))

        result = await self.client.call_tool(
            name, arguments, raise_on_error=False, progress_handler=on_progress if progress is not None else None)
        return ToolOutcome(result.is_error, result.structured_content, _text(result.content), result.data)

    async def resource_page_sizes(self) -> list[int]:
        sizes, cursor = [], None
        while True:
            page = await self.client.list_resources_mcp(cursor=cursor)
            sizes.append(len(page.resources))
            if not (cursor := page.next_cursor):
                return sizes

    async def list_resources(self) -> list[dict[str, Any]]:
        return [dump(resource) for resource in await self.client.list_resources()]

    async def list_resource_templates(self) -> list[dict[str, Any]]:
        return [dump(template) for template in await self.client.list_resource_templates()]

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        return [dump(content) for content in await self.client.read_resource(uri)]

    async def ping(self) -> None:
        assert await self.client.ping() is True

    async def list_prompts(self) -> list[dict[str, Any]]:
        return [dump(prompt) for prompt in await self.client.list_prompts()]

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> str:
        return _prompt_text(await self.client.get_prompt(name, arguments))

    async def complete(self, ref: types.PromptReference | types.ResourceTemplateReference, name: str, value: str,
                       context: dict[str, str] | None = None) -> list[str]:
        return (await self.client.complete(ref, {"name": name, "value": value}, context)).values

    async def set_logging_level(self, level: types.LoggingLevel) -> None:
        if self.version == MODERN:
            # fastmcp asks for every level on each modern request and leaves filtering to the
            # receiving side, as its set_logging_level advises.
            self.min_level = level
        else:
            await self.client.set_logging_level(level)

    async def discover(self) -> dict[str, Any]:
        return await self.client.session.send_discover(MODERN)


Connect = Callable[[str], AbstractAsyncContextManager[Driver]]


@dataclass(frozen=True)
class Profile:
    """A client at one revision: how to connect it, and which revision it must end up on."""

    id: str
    connect: Connect
    expected_version: str


def sdk_pinned(version: str) -> Connect:
    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[Driver]:
        logs: list[dict[str, Any]] = []

        async def on_log(params: types.LoggingMessageNotificationParams) -> None:
            logs.append(dump(params))

        async with legacy_session(url, version, logging_callback=on_log) as (session, _):
            yield SDKDriver(session, logs)

    return connect


def sdk_client(mode: str) -> Connect:
    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[Driver]:
        logs: list[dict[str, Any]] = []

        async def on_log(params: types.LoggingMessageNotificationParams) -> None:
            logs.append(dump(params))

        async with mcp.Client(url, mode=mode, read_timeout_seconds=30.0, logging_callback=on_log) as client:
            yield SDKDriver(client.session, logs)

    return connect


def fastmcp_client(mode: str) -> Connect:
    @asynccontextmanager
    async def connect(url: str) -> AsyncIterator[Driver]:
        logs: list[dict[str, Any]] = []

        async def on_log(message: Any) -> None:
            logs.append(dump(message))

        async with fastmcp.Client(url, mode=mode, timeout=30.0, log_handler=on_log) as client:
            yield FastMCPDriver(client, logs)

    return connect


#: The stateless revision: no initialize, no session.
MODERN = "2026-07-28"

#: The `_meta` key of a 2026-07-28 request's log level.
LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel"

#: Log levels, least severe first.
LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]

PROFILES = [
    Profile("python-mcp-2025-03-26", sdk_pinned("2025-03-26"), "2025-03-26"),
    Profile("python-mcp-2025-06-18", sdk_pinned("2025-06-18"), "2025-06-18"),
    Profile("python-mcp-2025-11-25", sdk_pinned("2025-11-25"), "2025-11-25"),
    Profile("python-mcp-2026-07-28", sdk_client(MODERN), MODERN),
    Profile("python-mcp-auto", sdk_client("auto"), MODERN),
    Profile("fastmcp-legacy", fastmcp_client("legacy"), LATEST_VERSION),
    Profile("fastmcp-2026-07-28", fastmcp_client(MODERN), MODERN),
    Profile("fastmcp-auto", fastmcp_client("auto"), MODERN),
]

#: The profiles that open sessions (initialize); the others have none to end or lose.
SESSION_PROFILES = [profile for profile in PROFILES if profile.expected_version != MODERN]


# --------------------------------------------------------------------------------------
# Feature checks: each connects with a profile and exercises one feature.

Check = Callable[[Driver, Site, Profile], Awaitable[None]]


async def check_handshake(driver: Driver, site: Site, profile: Profile) -> None:
    """initialize, or server/discover on 2026-07-28: the revision, server info, capabilities."""
    assert driver.version == profile.expected_version, (driver.version, driver.handshake)
    if driver.version == MODERN:
        handshake = await driver.discover()
        assert handshake["supportedVersions"][0] == MODERN and LATEST_VERSION in handshake["supportedVersions"], handshake
        info = handshake["_meta"]["io.modelcontextprotocol/serverInfo"]
    else:
        handshake = driver.handshake
        info = handshake["serverInfo"]
    assert info.get("name") == site.tenant.slug and info.get("title") == site.tenant.name, handshake
    capabilities = handshake["capabilities"]
    assert {"tools", "resources", "prompts", "completions"} <= capabilities.keys(), capabilities
    assert "list_walkthroughs" in handshake.get("instructions", ""), handshake


async def check_tools(driver: Driver, site: Site, profile: Profile) -> None:
    """tools/list: names, titles, annotations and output schemas as clients parse them."""
    tools = {tool["name"]: tool for tool in await driver.list_tools()}
    expected = {"search_docs", "read_page", "list_sources", "about", "create_support_ticket", "list_walkthroughs"}
    assert expected <= tools.keys(), sorted(tools)
    for name, tool in tools.items():
        assert len(site.tenant.slug) + len(name) < 60, f"server+tool name too long for some clients: {name}"
        assert tool.get("title") and tool["inputSchema"].get("type") == "object", tool
    search = tools["search_docs"]
    assert search["annotations"] == {
        "title": "Search the documentation",
        "readOnlyHint": True,
        "idempotentHint": True,
        "openWorldHint": False,
    }, search
    assert search["outputSchema"]["type"] == "object" and "results" in search["outputSchema"]["properties"], search
    ticket = tools["create_support_ticket"]["annotations"]
    assert ticket["readOnlyHint"] is False and ticket["destructiveHint"] is False and ticket["idempotentHint"] is False, ticket


async def check_search(driver: Driver, site: Site, profile: Profile) -> None:
    """tools/call search_docs: structuredContent that the client checks against outputSchema."""
    outcome = await driver.call_tool("search_docs", {"query": "how do I rotate an API key", "limit": 3})
    assert not outcome.is_error, outcome
    urls = [result["url"] for result in outcome.structured["results"]]
    assert urls and urls[0].startswith("guides/keys.md"), urls
    assert "guides/keys.md" in outcome.text, outcome.text
    assert _field(outcome.hydrated, "results"), outcome.hydrated


async def check_read_page(driver: Driver, site: Site, profile: Profile) -> None:
    outcome = await driver.call_tool("read_page", {"url": "guides/keys.md#rotate-a-key"})
    assert not outcome.is_error, outcome
    assert outcome.structured["content"].startswith("## Rotate a key"), outcome.structured
    assert "revoke the old one" in outcome.text, outcome.text


async def check_resources(driver: Driver, site: Site, profile: Profile) -> None:
    """resources/list, resources/templates/list, resources/read."""
    uris = {resource["uri"] for resource in await driver.list_resources()}
    assert {"docs://1.0/guides/keys.md", "docs://1.0/install.md"} <= uris and len(uris) == len(DOCS), sorted(uris)[:5]
    templates = [template["uriTemplate"] for template in await driver.list_resource_templates()]
    assert templates == ["docs://{version}/{+url}"], templates
    contents = await driver.read_resource("docs://1.0/install.md")
    assert len(contents) == 1 and contents[0]["mimeType"] == "text/markdown", contents
    assert "brew install acme" in contents[0]["text"], contents


async def check_ping(driver: Driver, site: Site, profile: Profile) -> None:
    await driver.ping()


async def check_walkthrough(driver: Driver, site: Site, profile: Profile) -> None:
    """list_walkthroughs, start_walkthrough, complete_step, get_walkthrough_step."""
    listing = await driver.call_tool("list_walkthroughs", {})
    assert [w["slug"] for w in listing.structured["walkthroughs"]] == [WALKTHROUGH], listing
    # restart: the auto profiles are stateless on 2026-07-28, where two programs sending the same
    # clientInfo name and User-Agent from one address are one anonymous participant, so a run
    # from an earlier check may be under way.
    started = await driver.call_tool("start_walkthrough", {"slug": WALKTHROUGH, "restart": True})
    assert not started.is_error and started.structured["step"]["number"] == 1, started
    done = await driver.call_tool("complete_step", {"slug": WALKTHROUGH, "step": 1})
    assert not done.is_error and done.structured["progress"]["stepsCompleted"] == 1, done
    step = await driver.call_tool("get_walkthrough_step", {"slug": WALKTHROUGH})
    assert step.structured["step"]["number"] == 2 and step.structured["step"]["title"] == DOCUMENT["steps"][1]["title"], step
    assert _field(step.hydrated, "progress"), step.hydrated


async def check_ticket(driver: Driver, site: Site, profile: Profile) -> None:
    """create_support_ticket (anonymous, with an email), then get_support_ticket."""
    title = f"Interop {profile.id}"
    created = await driver.call_tool(
        "create_support_ticket",
        {"title": title, "description": "acme login fails with 401.", "email": "user@example.com"},
    )
    assert not created.is_error, created
    number = created.structured["number"]
    assert isinstance(number, int) and created.structured["status"] == "pending", created.structured
    read = await driver.call_tool("get_support_ticket", {"number": number})
    assert not read.is_error and read.structured["title"] == title, read
    assert _field(read.hydrated, "number") == number, read.hydrated


async def check_pagination(driver: Driver, site: Site, profile: Profile) -> None:
    """resources/list in pages of 100: the client follows nextCursor to the end."""
    assert await driver.resource_page_sizes() == [100, len(DOCS) - 100]


async def check_prompts(driver: Driver, site: Site, profile: Profile) -> None:
    """prompts/list and prompts/get."""
    names = [prompt["name"] for prompt in await driver.list_prompts()]
    assert names == ["explain-error", "search-docs", "start-walkthrough"], names
    explained = await driver.get_prompt("explain-error", {"error": "401 after I rotated my API key"})
    assert "guides/keys.md" in explained and "read_page" in explained, explained
    walkthrough = await driver.get_prompt("start-walkthrough", {"slug": WALKTHROUGH})
    assert WALKTHROUGH in walkthrough and DOCUMENT["title"] in walkthrough, walkthrough


async def check_completion(driver: Driver, site: Site, profile: Profile) -> None:
    """completion/complete for a prompt argument and both arguments of the docs template."""
    assert await driver.complete(types.PromptReference(name="start-walkthrough"), "slug", "get") == [WALKTHROUGH]
    template = types.ResourceTemplateReference(uri="docs://{version}/{+url}")
    assert await driver.complete(template, "version", "") == ["1.0"]
    assert await driver.complete(template, "url", "guides/", {"version": "1.0"}) == ["guides/keys.md"]


async def check_logging(driver: Driver, site: Site, profile: Profile) -> None:
    """The level (logging/setLevel in a session; each request's `_meta` on 2026-07-28), then the
    log message of a search that finds nothing."""
    await driver.set_logging_level("info")
    outcome = await driver.call_tool("search_docs", {"query": "zebra unicorn"})
    assert not outcome.is_error, outcome
    assert [(log["level"], log.get("logger")) for log in driver.logs] == [("info", "tools")], driver.logs


async def check_progress(driver: Driver, site: Site, profile: Profile) -> None:
    """A tools/call with a progress token: notifications/progress before the result."""
    progress: Progress = []
    outcome = await driver.call_tool("search_docs", {"query": "rotate a key"}, progress)
    assert not outcome.is_error, outcome
    assert [(done, total) for done, total, _ in progress] == [(0, 1), (1, 1)], progress


def _field(value: Any, name: str) -> Any:
    """A field of a structured result, whether a dict (SDK) or a hydrated object (fastmcp)."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name)


FEATURES: dict[str, Check] = {
    "handshake": check_handshake,
    "tools": check_tools,
    "search": check_search,
    "read-page": check_read_page,
    "resources": check_resources,
    "ping": check_ping,
    "walkthrough": check_walkthrough,
    "ticket": check_ticket,
    "pagination": check_pagination,
    "prompts": check_prompts,
    "completion": check_completion,
    "logging": check_logging,
    "progress": check_progress,
}

