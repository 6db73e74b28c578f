"""Email delivery over SMTP: `mcplatform serve --smtp-url` against a local SMTP server
(aiosmtpd on 127.0.0.1) standing in for the relay.

- A password reset asked for on the dashboard arrives at the relay with the right headers and
  a link that works (both backends), over plain SMTP, over STARTTLS with AUTH (a throwaway CA
  passed with --outbound-ca-file), and over implicit TLS (smtps://).
- A transient refusal (451 once) is retried a minute later, and the operator console shows the
  message with its error meanwhile.
- A permanent refusal (550) gives up at once.
"""

from __future__ import annotations

import re
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from harness import Backend, Cli, ServerFactory, ServerProcess, child_env, free_port
from oauth_support import make_test_ca, parse_forms

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"
SMTP_USER = "mailer@mcp.test"
SMTP_PASSWORD = "relay secret"
RESET_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/password/reset/[A-Za-z0-9_-]+)")


class Sink:
    """aiosmtpd handler: keeps the messages it accepts; refuses the next RCPTs with `refusals`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refusals: list[str] = []
        self.rcpt_attempts = 0
        self.auth_logins: list[str] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        with self.lock:
            self.rcpt_attempts += 1
            if self.refusals:
                return self.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 queued"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD:
            self.auth_logins.append(f"{mechanism}:{auth_data.login.decode()}")
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def wait_for_message(self, timeout: float = 30.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.messages:
                    return self.messages[0]
            time.sleep(0.2)
        raise AssertionError(f"no email reached the SMTP server within {timeout:.0f}s (RCPT attempts: {self.rcpt_attempts})")


@contextmanager
def smtp_sink(*, tls_dir: Path | None = None, mode: str = "plain") -> Iterator[tuple[Sink, int, Path | None]]:
    """An aiosmtpd server on 127.0.0.1: `plain`; `starttls` (required, with AUTH required); or
    `implicit` TLS. Yields (sink, port, CA file or None)."""
    sink = Sink()
    ca_file = None
    kwargs: dict[str, Any] = {}
    if mode != "plain":
        assert tls_dir is not None
        ca_file, chain, key = make_test_ca(tls_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain, key)
        if mode == "starttls":
            kwargs = dict(tls_context=context, require_starttls=True, authenticator=sink.authenticate, auth_required=True)
        else:
            kwargs = dict(ssl_context=context, authenticator=sink.authenticate, auth_required=True, auth_require_tls=False)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **kwargs)
    controller.start()
    try:
        yield sink, port, ca_file
    finally:
        controller.stop()


def csrf_for(page: httpx.Response, action: str) -> str:
    for form in parse_forms(page.text):
        if form.method == "post" and form.hidden().get("_csrf") and (form.action or "").endswith(action):
            return form.hidden()["_csrf"]
    raise AssertionError(f"no form posting to {action} with a _csrf on {page.request.url.path}: {page.text[:400]!r}")


def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=15.0)


def sign_up(server: ServerProcess, email: str) -> None:
    with client(server) as http:
        page = http.get("/signup")
        r = http.post("/signup", data={"_csrf": csrf_for(page, "/signup"), "name": "Ada E2E", "email": email, "password": PASSWORD})
        assert r.status_code == 303, f"sign-up: HTTP {r.status_code} {r.text[:300]!r}"


def ask_for_reset(server: ServerProcess, email: str) -> None:
    with client(server) as http:
        page = http.get("/password/forgot")
        assert page.status_code == 200, f"GET /password/forgot: HTTP {page.status_code}"
        r = http.post("/password/forgot", data={"_csrf": csrf_for(page, "/password/forgot"), "email": email})
        assert r.status_code == 200 and "reset link is on its way" in r.text, f"POST /password/forgot: HTTP {r.status_code} {r.text[:300]!r}"


def start(server_factory: ServerFactory, backend: Backend, smtp_url: str, *extra: str) -> ServerProcess:
    return server_factory.start(
        backend,
        extra_args=["--public-url", "http://127.0.0.1:{port}", "--smtp-url", smtp_url, "--mail-from", "MCPlatform E2E <no-reply@mcp.test>", *extra],
    )


def check_reset_email(message: EmailMessage, server: ServerProcess, email: str) -> str:
    """The headers and body of the reset email; returns the link."""
    assert message["To"] == email
    assert message["From"] == "MCPlatform E2E <no-reply@mcp.test>"
    assert message["Subject"] == "Reset your MCPlatform password"
    assert message["Message-ID"] and message["Message-ID"].endswith("@mcp.test>"), message["Message-ID"]
    assert message["Date"] and message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content()
    links = RESET_LINK.findall(body)
    assert links and links[0].startswith(server.base_url + "/password/reset/"), f"no reset link in {body!r}"
    return links[0]


def use_reset_link(server: ServerProcess, link: str, email: str) -> None:
    """The link opens the reset form; setting a password signs in; the new password works."""
    path = link.removeprefix(server.base_url)
    with client(server) as http:
        page = http.get(path)
        assert page.status_code == 200, f"GET {path}: HTTP {page.status_code} {page.text[:300]!r}"
        token = next(f.hidden()["_csrf"] for f in parse_forms(page.text) if f.method == "post" and f.hidden().get("_csrf"))
        r = http.post(path, data={"_csrf": token, "password": NEW_PASSWORD})
        assert r.status_code == 303, f"POST {path}: HTTP {r.status_code} {r.text[:300]!r}"
        assert http.get(path).status_code == 410, "a used reset link no longer works"
    with client(server) as http:
        page = http.get("/login")
        r = http.post("/login", data={"_csrf": csrf_for(page, "/login"), "email": email, "password": NEW_PASSWORD})
        assert r.status_code == 303, f"sign-in with the new password: HTTP {r.status_code}"


def test_password_reset_email_is_delivered(backend: Backend, server_factory: ServerFactory) -> None:
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    with smtp_sink() as (sink, port, _):
        server = start(server_factory, backend, f"smtp://127.0.0.1:{port}")
        sign_up(server, email)
        ask_for_reset(server, email)
        message = sink.wait_for_message()
        assert sink.envelopes[0] == ("no-reply@mcp.test", [email])
        link = check_reset_email(message, server, email)
        use_reset_link(server, link, email)
    assert "email sent" in server.stderr_path.read_text()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_tls_and_auth(server_factory: ServerFactory, sqlite_backend: Backend, tmp_path: Path, mode: str) -> None:
    """STARTTLS (required by the server, as is AUTH) and smtps://, trusting a private CA given
    with --outbound-ca-file; the password never appears in the logs."""
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    with smtp_sink(tls_dir=tmp_path / "tls", mode=mode) as (sink, port, ca_file):
        scheme = "smtp" if mode == "starttls" else "smtps"
        url = f"{scheme}://mailer%40mcp.test:relay%20secret@127.0.0.1:{port}"
        if mode == "starttls":
            url += "?starttls=require"
        server = start(server_factory, sqlite_backend, url, "--outbound-ca-file", str(ca_file))
        sign_up(server, email)
        ask_for_reset(server, email)
        check_reset_email(sink.wait_for_message(), server, email)
        assert sink.auth_logins and sink.auth_logins[0].endswith(f":{SMTP_USER}")
    logs = server.stderr_path.read_text() + server.stdout_path.read_text()
    assert "relay secret" not in logs and "relay%20secret" not in logs, "the SMTP password was logged"
    assert "mailer%40mcp.test:****@127.0.0.1" in logs, "the relay is logged with the password masked"


def test_untrusted_certificate_is_refused(server_factory: ServerFactory, sqlite_backend: Backend, tmp_path: Path) -> None:
    """Without the private CA the STARTTLS handshake fails: nothing is sent and the error is kept."""
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    with smtp_sink(tls_dir=tmp_path / "tls", mode="starttls") as (sink, port, _):
        server = start(server_factory, sqlite_backend, f"smtp://mailer%40mcp.test:relay%20secret@127.0.0.1:{port}")
        sign_up(server, email)
        ask_for_reset(server, email)
        deadline = time.monotonic() + 20
        while "will retry" not in server.stderr_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "will retry" in server.stderr_path.read_text(), server.logs()
        assert "TLS" in server.stderr_path.read_text(), server.logs()
        assert not sink.messages and sink.rcpt_attempts == 0


def operator(cli: Cli, backend: Backend) -> tuple[str, str]:
    email, password = f"op-{uuid.uuid4().hex[:6]}@example.com", "operator password 1"
    cli.migrate(backend)
    proc = subprocess.run(
        [str(cli.binary), "user", "create", email, "--name", "Operator", "--operator", *backend.args()],
        env=child_env(MCPLATFORM_USER_PASSWORD=password), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    return email, password


def operator_console(server: ServerProcess, email: str, password: str) -> str:
    with client(server) as http:
        page = http.get("/login")
        r = http.post("/login", data={"_csrf": csrf_for(page, "/login"), "email": email, "password": password})
        assert r.status_code == 303
        page = http.get("/operator")
        assert page.status_code == 200
        return page.text


@contextmanager
def reset_through_a_refusing_relay(
    server_factory: ServerFactory, backend: Backend, refusal: str
) -> Iterator[tuple[Sink, str, ServerProcess, str]]:
    """A new user asks for a password reset on an instance whose relay refuses the first RCPT
    with `refusal`. Yields (sink, relay URL, server, the user's email)."""
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    with smtp_sink() as (sink, port, _):
        sink.refusals.append(refusal)
        relay = f"smtp://127.0.0.1:{port}"
        server = start(server_factory, backend, relay)
        sign_up(server, email)
        ask_for_reset(server, email)
        yield sink, relay, server, email


def test_transient_failure_is_retried(server_factory: ServerFactory, sqlite_backend: Backend, cli: Cli) -> None:
    """451 at RCPT: the message stays queued with its error (shown in the operator console) and
    is delivered on the retry a minute later."""
    op_email, op_password = operator(cli, sqlite_backend)
    with reset_through_a_refusing_relay(server_factory, sqlite_backend, "451 4.7.1 Greylisted, try again later") as (sink, relay, server, email):
        deadline = time.monotonic() + 20
        while sink.rcpt_attempts < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sink.rcpt_attempts == 1 and not sink.messages
        time.sleep(1)
        console = operator_console(server, op_email, op_password)
        assert "Email is delivered through the SMTP relay" in console and relay in console
        outbox = console[console.index('id="outbox"') :]
        assert email in outbox and "451 4.7.1 Greylisted, try again later (after RCPT TO)" in outbox, outbox[:2000]
        assert "1 attempt; next at" in outbox, outbox[:2000]

        message = sink.wait_for_message(timeout=90)
        assert sink.rcpt_attempts == 2
        check_reset_email(message, server, email)
        time.sleep(1)
        console = operator_console(server, op_email, op_password)
        assert email not in console[console.index('id="outbox"') :], "a sent message leaves the console's list"


def test_permanent_failure_gives_up(server_factory: ServerFactory, sqlite_backend: Backend, cli: Cli) -> None:
    op_email, op_password = operator(cli, sqlite_backend)
    with reset_through_a_refusing_relay(server_factory, sqlite_backend, "550 5.1.1 No such mailbox") as (sink, _, server, email):
        deadline = time.monotonic() + 20
        while "given up" not in server.stderr_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        outbox = operator_console(server, op_email, op_password)
        outbox = outbox[outbox.index('id="outbox"') :]
        assert "Given up" in outbox and "550 5.1.1 No such mailbox" in outbox, outbox[:2000]
        assert sink.rcpt_attempts == 1 and not sink.messages


def test_without_smtp_the_console_says_so(server_factory: ServerFactory, sqlite_backend: Backend, cli: Cli) -> None:
    op_email, op_password = operator(cli, sqlite_backend)
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    server = server_factory.start(sqlite_backend, extra_args=["--public-url", "http://127.0.0.1:{port}"])
    sign_up(server, email)
    ask_for_reset(server, email)
    console = operator_console(server, op_email, op_password)
    assert "No SMTP relay is configured" in console
    assert email in console and "/password/reset/" in console


def test_instances_sharing_a_database_send_each_message_once(
    postgres_backend: Backend, server_factory: ServerFactory
) -> None:
    # The database fixture comes first, so that the servers are stopped before it is dropped.
    """Two instances on one PostgreSQL database, both delivering: every reset email arrives once."""
    emails = [f"ada-{uuid.uuid4().hex[:6]}@example.com" for _ in range(4)]
    with smtp_sink() as (sink, port, _):
        servers = [start(server_factory, postgres_backend, f"smtp://127.0.0.1:{port}") for _ in range(2)]
        for index, email in enumerate(emails):
            sign_up(servers[index % 2], email)
            ask_for_reset(servers[(index + 1) % 2], email)
        deadline = time.monotonic() + 30
        while len(sink.messages) < len(emails) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(5)  # both instances polled again meanwhile
        recipients = sorted(to for _, tos in sink.envelopes for to in tos)
        assert recipients == sorted(emails), recipients
