"""Fixtures for the end-to-end tests: the mcplatform binary and its CLI, throwaway
databases (SQLite data dirs, fresh PostgreSQL databases) and running `mcplatform serve`
processes. The machinery behind them is in harness.py.

Environment:
  MCPLATFORM_BIN                 the binary (default: .build/debug/mcplatform)
  MCPLATFORM_TEST_POSTGRES_URL   a PostgreSQL server the tests may create databases on
                                 (scripts/start-postgres makes one); each test gets its own
  MCPLATFORM_REQUIRE_POSTGRES=1  fail (instead of skip) the PostgreSQL tests when the URL is
                                 missing; scripts/test sets it when CI=true
  MCPLATFORM_SECRET_KEY          ignored: every instance gets harness.TEST_SECRET_KEY
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import (
    REPO_ROOT,
    Backend,
    Cli,
    ServerFactory,
    ServerProcess,
    Tenant,
    env_flag,
    new_postgres_database,
)


@pytest.fixture(scope="session")
def mcplatform_bin() -> Path:
    """Path to the mcplatform executable (MCPLATFORM_BIN, else .build/debug/mcplatform).

    Missing: an error when MCPLATFORM_BIN was given or on CI, else a skip."""
    explicit = os.environ.get("MCPLATFORM_BIN")
    path = Path(explicit) if explicit else REPO_ROOT / ".build" / "debug" / "mcplatform"
    if path.is_file() and os.access(path, os.X_OK):
        return path
    message = f"mcplatform binary not found at {path}: run `swift build` first (or set MCPLATFORM_BIN)"
    if explicit or env_flag("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def cli(mcplatform_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """Runs `mcplatform migrate|org create|server create ...` (see harness.Cli)."""
    return Cli(mcplatform_bin, tmp_path_factory.mktemp("cli-cwd"))


# --------------------------------------------------------------------------------------
# Databases


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """MCPLATFORM_TEST_POSTGRES_URL; skips (fails with MCPLATFORM_REQUIRE_POSTGRES=1) without it."""
    url = os.environ.get("MCPLATFORM_TEST_POSTGRES_URL", "").strip()
    if not url:
        message = "MCPLATFORM_TEST_POSTGRES_URL is not set (scripts/start-postgres starts a throwaway cluster)"
        if env_flag("MCPLATFORM_REQUIRE_POSTGRES"):
            pytest.fail(message + " and MCPLATFORM_REQUIRE_POSTGRES=1", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test only; dropped afterwards."""
    # Servers using it are stopped by then: they depend on this fixture.
    with new_postgres_database(postgres_server_url) as url:
        yield url


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> Backend:
    """SQLite: no --database, the file lives in a fresh --data-dir."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return Backend("sqlite", data_dir)


@pytest.fixture
def postgres_backend(postgres_url: str, tmp_path: Path) -> Backend:
    """PostgreSQL: a fresh database (plus a fresh --data-dir)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return Backend("postgres", data_dir, postgres_url)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Parametrizes a test over both storage backends."""
    return request.getfixturevalue(f"{request.param}_backend")


# --------------------------------------------------------------------------------------
# Running servers


@pytest.fixture
def server_factory(mcplatform_bin: Path, tmp_path: Path) -> Iterator[ServerFactory]:
    """Starts `mcplatform serve` instances (free port, waits for /healthz); at teardown
    sends each SIGTERM and asserts a graceful exit (status 0 within 10 s)."""
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    factory = ServerFactory(mcplatform_bin, log_dir)
    yield factory
    problems = factory.stop_all()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def tenant(cli: Cli, backend: Backend) -> Tenant:
    """A migrated database with one organization and one MCP server in it."""
    cli.migrate(backend)
    return cli.create_tenant(backend)


@pytest.fixture
def server(backend: Backend, server_factory: ServerFactory, tenant: Tenant) -> ServerProcess:
    """A running instance serving `tenant`, on the parametrized backend."""
    return server_factory.start(backend)


# --------------------------------------------------------------------------------------
# Browser (test_dashboard.py): headless Chromium through Selenium. Importing the fixtures
# and hooks here registers them (screenshots of failing tests, where screenshots went).

from browser_support import browser, chrome, pytest_runtest_makereport, pytest_terminal_summary  # noqa: E402,F401
