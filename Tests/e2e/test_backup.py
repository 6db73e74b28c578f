"""Backup and restore: `mcplatform backup` / `restore` on SQLite while MCP traffic runs, a backup
killed with SIGKILL, and scripts/pg-backup + scripts/pg-restore on PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx

from harness import REPO_ROOT, Backend, Cli, ServerFactory, ServerProcess, Tenant, child_env, psql, with_database
from helpers import RawSession, http_client, initialize

DOCS = {
    "guide.md": "# Frobnicator guide\n\nInstall the frobnicator with `acme install frobnicator`, then run it.\n",
    "api.md": "# Widget API\n\nThe widget endpoint returns every widget of an account, paginated.\n",
    "faq.md": "# FAQ\n\n## Login fails with 401\n\nRefresh the token with `acme login` and try again.\n",
}


def write_docs(root: Path) -> Path:
    docs = root / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    return docs


def tool(session: RawSession, name: str, arguments: dict, *, url: str | None = None) -> dict:
    result = session.result("tools/call", {"name": name, "arguments": arguments}, url=url)
    assert not result.get("isError"), result
    return result


def search_urls(session: RawSession, *, url: str | None = None) -> list[str]:
    result = tool(session, "search_docs", {"query": "frobnicator widget login"}, url=url)
    return [hit["url"] for hit in result["structuredContent"]["results"]]


def populate(cli: Cli, backend: Backend, server: ServerProcess, tenant: Tenant, client: httpx.Client) -> tuple[RawSession, list[str]]:
    """A ticket raised in an MCP session (on ingested docs); returns the session and its search's URLs."""
    session = initialize(client, server.mcp_url(tenant.slug))
    urls = search_urls(session)
    assert sorted(url.split("#")[0] for url in urls) == sorted(DOCS), urls
    created = tool(
        session, "create_support_ticket", {"title": "Frobnicator crashes", "description": "It crashes on start.", "email": "dev@example.com"}
    )
    assert created["structuredContent"]["number"] == 1
    return session, urls


def check_served(session: RawSession, server: ServerProcess, tenant: Tenant, urls: list[str]) -> None:
    """The restored data, served by `server`: the docs, and the ticket in the same MCP session."""
    url = server.mcp_url(tenant.slug)
    assert search_urls(session, url=url) == urls
    ticket = tool(session, "get_support_ticket", {"number": 1}, url=url)
    assert ticket["structuredContent"]["title"] == "Frobnicator crashes", ticket


class Traffic:
    """MCP requests in a loop on another thread until stopped; counts answers and failures."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answered = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Traffic":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        with http_client() as client:
            session = initialize(client, self.url)
            while not self._stop.is_set():
                try:
                    result = session.result("tools/call", {"name": "search_docs", "arguments": {"query": "widget"}})
                    if result.get("isError"):
                        self.failures.append(str(result))
                    self.answered += 1
                except Exception as error:  # noqa: BLE001 - every failure counts
                    self.failures.append(repr(error))


def test_sqlite_backup_during_traffic_then_restore_serves_the_same_data(
    cli: Cli, sqlite_backend: Backend, server_factory: ServerFactory, tmp_path: Path
) -> None:
    cli.migrate(sqlite_backend)
    tenant = cli.create_tenant(sqlite_backend)
    cli.run("ingest", tenant.slug, str(write_docs(tmp_path)), *sqlite_backend.args())
    server = server_factory.start(sqlite_backend, extra_args=["--analytics-interval-seconds", "1"])
    backup = tmp_path / "backups" / "nightly.sqlite"
    with http_client() as client:
        session, urls = populate(cli, sqlite_backend, server, tenant, client)
        with Traffic(server.mcp_url(tenant.slug)) as traffic:
            time.sleep(0.3)
            before = traffic.answered
            made = cli.run("backup", "--output", str(backup), *sqlite_backend.args())
            time.sleep(0.3)
            during = traffic.answered - before
            # The database is in use: restore refuses and changes nothing.
            refused = cli.run("restore", str(backup), *sqlite_backend.args(), check=False)
        assert traffic.failures == [], traffic.failures[:5]
        assert during > 0, "no MCP request was answered while the backup ran"
        assert made.stdout.startswith(f"backed up {sqlite_backend.data_dir / 'mcplatform.sqlite'} to {backup}: "), made.stdout
        assert " bytes (" in made.stdout and made.stdout.rstrip().endswith(" s"), made.stdout
        assert refused.returncode != 0 and "is in use by a running mcplatform" in refused.stderr, refused.stderr
        assert not list(sqlite_backend.data_dir.glob("*.before-restore-*"))
        assert [p.name for p in backup.parent.iterdir()] == ["nightly.sqlite"]

        assert server.stop() is None
        for path in sqlite_backend.data_dir.glob("mcplatform.sqlite*"):
            path.unlink()
        restored = cli.run("restore", str(backup), *sqlite_backend.args())
        assert "integrity ok" in restored.stdout and "kept the previous" not in restored.stdout, restored.stdout

        again = server_factory.start(sqlite_backend)
        check_served(session, again, tenant, urls)
    assert tenant.slug in cli.run("server", "list", *sqlite_backend.args()).stdout


def test_sqlite_backup_killed_midway_leaves_no_file_and_the_next_one_works(
    cli: Cli, sqlite_backend: Backend, server_factory: ServerFactory, tmp_path: Path
) -> None:
    cli.migrate(sqlite_backend)
    tenant = cli.create_tenant(sqlite_backend)
    database = sqlite_backend.data_dir / "mcplatform.sqlite"
    with sqlite3.connect(database) as connection:  # ~100 MB, so that the copy takes a while
        connection.execute("CREATE TABLE e2e_ballast (b BLOB)")
        connection.executemany("INSERT INTO e2e_ballast VALUES (randomblob(1048576))", [()] * 100)
    server = server_factory.start(sqlite_backend)
    backup = tmp_path / "backups" / "big.sqlite"
    backup.parent.mkdir()

    command = [str(cli.binary), "backup", "--output", str(backup), *sqlite_backend.args()]
    process = subprocess.Popen(command, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = backup.parent / f".big.sqlite.partial-{process.pid}"
    deadline = time.monotonic() + 20
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert partial.exists(), f"no partial copy appeared (exit {process.poll()}): {process.communicate()}"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL
    assert not backup.exists()

    # The server did not notice.
    with http_client() as client:
        assert client.get(f"{server.base_url}/readyz").status_code == 200
        session = initialize(client, server.mcp_url(tenant.slug))
        tool(session, "create_support_ticket", {"title": "After the kill", "description": "Still here.", "email": "a@example.com"})

    made = cli.run("backup", "--output", str(backup), *sqlite_backend.args())
    assert f"to {backup}: " in made.stdout, made.stdout
    assert [p.name for p in backup.parent.iterdir()] == ["big.sqlite"]  # the abandoned partial is gone
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM e2e_ballast").fetchone() == (100,)
        assert copy.execute("SELECT title FROM tickets").fetchall() == [("After the kill",)]


def test_postgres_dump_restored_into_a_new_database_serves_the_same_data(
    cli: Cli, postgres_backend: Backend, postgres_server_url: str, server_factory: ServerFactory, tmp_path: Path
) -> None:
    cli.migrate(postgres_backend)
    tenant = cli.create_tenant(postgres_backend)
    cli.run("ingest", tenant.slug, str(write_docs(tmp_path)), *postgres_backend.args())
    server = server_factory.start(postgres_backend)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    for old in ("mcplatform-20000101T000000Z.dump", "mcplatform-20000102T000000Z.dump"):
        (dumps / old).write_bytes(b"an old dump")
    env = child_env()
    name = f"mcp_e2e_restored_{uuid.uuid4().hex[:10]}"
    restored_url = with_database(postgres_server_url, name)
    try:
        with http_client() as client:
            session, urls = populate(cli, postgres_backend, server, tenant, client)
            # mcplatform backup / restore point to the scripts on PostgreSQL.
            for command in (["backup"], ["restore", str(dumps / "x.dump")]):
                proc = cli.run(*command, *postgres_backend.args(), check=False)
                assert proc.returncode != 0 and "scripts/pg-" in proc.stderr, proc.stderr
                assert "Fatal error" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr

            backup = run_script("pg-backup", postgres_backend.database_url or "", "--dir", str(dumps), "--keep", "2", env=env)
            assert "(1 old backups deleted)" in backup.stdout, backup.stdout
            made = sorted(p.name for p in dumps.iterdir())
            assert len(made) == 2 and made[0] == "mcplatform-20000102T000000Z.dump", made
            dump = dumps / made[1]

            restore = run_script("pg-restore", str(dump), restored_url, env=env)
            assert "schema version" in restore.stdout and "as in the dump" in restore.stdout, restore.stdout
            twice = run_script("pg-restore", str(dump), restored_url, env=env, check=False)
            assert twice.returncode != 0 and "already exists" in twice.stderr, twice.stderr

            assert server.stop() is None
            restored = server_factory.start(Backend("postgres", postgres_backend.data_dir, restored_url))
            check_served(session, restored, tenant, urls)
            assert restored.stop() is None
    finally:
        server_factory.stop_all()
        psql(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_script(name: str, *args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(REPO_ROOT / "scripts" / name), *args], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    if check:
        assert proc.returncode == 0, f"scripts/{name} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc
