"""The client interoperability matrix: every client profile (interop_support.PROFILES: the
official Python SDK at each revision it can be made to speak, fastmcp's client) × every
feature (interop_support.FEATURES), each in a session of its own, on one SQLite-backed
server; a representative subset again on PostgreSQL. Test ids read `<client>-<feature>`,
e.g. `python-mcp-2025-06-18-tools`. docs/compatibility.md is the table these prove.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from harness import LATEST_VERSION, Cli, Site
from interop_support import FEATURES, MODERN, PROFILES, Check, Profile, site_fixture
from test_mcp_client import legacy_session

TEST_TIMEOUT = 60.0

# The matrix sets the log level on the session-based revisions, which the SDK deprecates for 2026-07-28.
pytestmark = pytest.mark.filterwarnings("ignore:The logging capability is deprecated")

#: Methods 2026-07-28 removed: ping (logging/setLevel too, but its check sends the level in `_meta` there).
NOT_IN_MODERN = {"ping"}


@pytest.fixture(scope="module")
def sqlite_site(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from site_fixture(cli, tmp_path_factory, "interop-sqlite")


@pytest.fixture(scope="module")
def postgres_site(cli: Cli, postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from site_fixture(cli, tmp_path_factory, "interop-postgres", postgres_server_url)


def run_check(site: Site, profile: Profile, check: Check) -> None:
    async def main() -> None:
        with anyio.fail_after(TEST_TIMEOUT):
            async with profile.connect(site.url) as driver:
                await check(driver, site, profile)

    anyio.run(main)


def matrix(profiles: list[Profile], features: list[str]) -> list[pytest.param]:
    """Every profile × feature that exists on the profile's revision."""
    return [
        pytest.param(profile, name, id=f"{profile.id}-{name}")
        for profile in profiles
        for name in features
        if not (profile.expected_version == MODERN and name in NOT_IN_MODERN)
    ]


@pytest.mark.parametrize(("profile", "feature"), matrix(PROFILES, list(FEATURES)))
def test_sqlite(sqlite_site: Site, profile: Profile, feature: str) -> None:
    run_check(sqlite_site, profile, FEATURES[feature])


#: On PostgreSQL: the oldest legacy, newest legacy and modern SDK revisions and fastmcp, the features that
#: touch storage differently (sessions, search, walkthrough progress, tickets).
POSTGRES_IDS = ("python-mcp-2025-03-26", "python-mcp-2025-11-25", "python-mcp-2026-07-28", "fastmcp-auto")
POSTGRES_PROFILES = [profile for profile in PROFILES if profile.id in POSTGRES_IDS]
POSTGRES_FEATURES = ["handshake", "search", "resources", "walkthrough", "ticket"]


@pytest.mark.parametrize(("profile", "feature"), matrix(POSTGRES_PROFILES, POSTGRES_FEATURES))
def test_postgres(postgres_site: Site, profile: Profile, feature: str) -> None:
    run_check(postgres_site, profile, FEATURES[feature])


@pytest.mark.parametrize("offered", ["2024-11-05", "2099-01-01"])
def test_python_mcp_offering_an_unsupported_revision_gets_the_latest(sqlite_site: Site, offered: str) -> None:
    """2024-11-05 (HTTP+SSE era, not served) and an unknown future revision: the server answers
    with its latest, which the SDK accepts, and the session works on it."""

    async def main() -> None:
        with anyio.fail_after(TEST_TIMEOUT):
            async with legacy_session(sqlite_site.url, offered) as (session, init):
                assert init.protocol_version == LATEST_VERSION
                assert (await session.call_tool("about", {})).structured_content["protocolVersion"] == LATEST_VERSION

    anyio.run(main)
