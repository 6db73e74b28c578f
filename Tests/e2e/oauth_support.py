"""Support for the end-user OAuth end-to-end tests (test_oauth.py).

- `InMemoryTokenStorage`: the MCP SDK's TokenStorage protocol, in memory.
- `Browser`: a scripted browser (httpx, cookie jar, no automatic redirects) that walks the
  hops of an authorization: MCPlatform's consent page, the upstream IdP's login, our central
  callback, and captures the final redirect to the client (code, state, iss).
- `PlatformOAuth`: the raw (non-SDK) client side of the flow - discovery, DCR, authorize URLs
  with PKCE, token / refresh / revoke requests, MCP requests with a bearer token - so attack
  tests can tamper with one parameter at a time.
- Upstream identity providers: `MockOIDC` (oidc-provider-mock 0.3.4 in a thread, on
  127.0.0.1, so its issuer is always `http://127.0.0.1:P`) and `PlainOAuthIdP` (a GitHub-like
  OAuth 2 provider without OIDC, stdlib http.server, can be made to misbehave).
- `CimdHost`: an HTTPS server with a certificate from a throwaway CA (the CA's PEM is passed to
  `mcplatform serve --outbound-ca-file`) that serves Client ID Metadata Documents.
- JWT helpers: decode, verify ES256 against a JWKS, forge tokens (bad signature, alg=none, ...).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import secrets
import ssl
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import anyio
import httpx
from harness import LATEST_VERSION

from helpers import check_response, initialize_params, post, request_body

#: Bearer token of the admin API in the OAuth tests (`serve --admin-token`, >= 24 characters).
ADMIN_TOKEN = "e2e-oauth-admin-token-0123456789abcdef"
#: The redirect URI of the test MCP clients. Nothing listens there: the scripted browser
#: captures the redirect instead of following it.
CLIENT_REDIRECT_URI = "http://127.0.0.1:33418/callback"
CSRF_COOKIE = "mcp_oauth_csrf"

#: Upstream client credentials MCPlatform is configured with (both IdPs).
UPSTREAM_CLIENT_ID = "mcplatform-e2e"
UPSTREAM_CLIENT_SECRET = "e2e-upstream-secret-5f1c"


# --------------------------------------------------------------------------------------
# Small utilities


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def query_params(url: str) -> dict[str, str]:
    """The query parameters of `url` (last value wins; blank values kept)."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def strip_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def unwrap(exc: BaseException) -> BaseException:
    """The one real error inside the nested anyio ExceptionGroups the SDK raises."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def run_async(fn: Callable[[], Awaitable[Any]], timeout: float) -> Any:
    """Run an async test body with a deadline; re-raise the single real error from the SDK's
    nested anyio ExceptionGroups so the failure says what went wrong."""

    async def main() -> Any:
        with anyio.fail_after(timeout):
            return await fn()

    try:
        return anyio.run(main)
    except BaseExceptionGroup as group:
        raise unwrap(group) from group


def leaf_exceptions(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaf_exceptions(inner)]
    return [exc]


def describe(response: httpx.Response, limit: int = 600) -> str:
    request = response.request
    location = response.headers.get("location")
    return (
        f"{request.method} {request.url} -> {response.status_code}"
        + (f" Location: {location}" if location else "")
        + f"\n{response.text[:limit]!r}"
    )


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def generate(cls) -> "Pkce":
        verifier = b64url(secrets.token_bytes(48))  # 64 characters
        return cls(verifier, b64url(hashlib.sha256(verifier.encode()).digest()))


# --------------------------------------------------------------------------------------
# The SDK's TokenStorage


class InMemoryTokenStorage:
    """`mcp.client.auth.TokenStorage` in memory; optionally pre-filled."""

    def __init__(self, tokens: Any = None, client_info: Any = None) -> None:
        self.tokens = tokens
        self.client_info = client_info

    async def get_tokens(self) -> Any:
        return self.tokens

    async def set_tokens(self, tokens: Any) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> Any:
        return self.client_info

    async def set_client_info(self, client_info: Any) -> None:
        self.client_info = client_info


# --------------------------------------------------------------------------------------
# HTML forms


@dataclass
class Form:
    method: str
    action: str | None
    #: (name, value, kind) for every <input>/<button>/<textarea> with a name, in order.
    fields: list[tuple[str, str, str]] = field(default_factory=list)

    def hidden(self) -> dict[str, str]:
        return {name: value for name, value, kind in self.fields if kind == "hidden"}

    def buttons(self, name: str) -> list[str]:
        return [value for n, value, kind in self.fields if n == name and kind in ("submit", "button")]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form":
            self._current = Form(method=a.get("method", "get").lower(), action=a.get("action"))
            self.forms.append(self._current)
        elif tag in ("input", "button", "textarea", "select") and self._current is not None and a.get("name"):
            if tag == "button":
                kind = a.get("type", "submit").lower()
            elif tag == "input":
                kind = a.get("type", "text").lower()
            else:
                kind = tag
            self._current.fields.append((a["name"], a.get("value", ""), kind))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def parse_forms(text: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(text)
    parser.close()
    return parser.forms


# --------------------------------------------------------------------------------------
# The scripted browser


@dataclass
class ConsentPage:
    url: str
    response: httpx.Response
    form: Form
    action_url: str

    @property
    def html(self) -> str:
        return self.response.text

    def fields(self, decision: str = "allow", **overrides: str) -> dict[str, str]:
        hidden = self.form.hidden()
        data = {"request": hidden["request"], "csrf_token": hidden["csrf_token"], "decision": decision}
        data.update(overrides)
        return data


@dataclass
class AuthorizationResult:
    """What a client's redirect URI receives: the final redirect of the browser part."""

    location: str
    params: dict[str, str]
    #: Every hop: (method, url, status).
    hops: list[tuple[str, str, int]]
    consent: ConsentPage | None = None

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    @property
    def state(self) -> str | None:
        return self.params.get("state")

    @property
    def iss(self) -> str | None:
        return self.params.get("iss")

    @property
    def error(self) -> str | None:
        return self.params.get("error")


class Browser:
    """A user agent driven by the test: cookie jar, no automatic redirects, each hop checked.

    `platform` is MCPlatform's origin (http://127.0.0.1:PORT); its responses must never be
    500 and must carry X-Request-Id (helpers.check_response)."""

    def __init__(self, platform: str, *, user: str = "alice") -> None:
        self.platform = platform.rstrip("/")
        self.user = user
        self.hops: list[tuple[str, str, int]] = []
        self.http = httpx.Client(follow_redirects=False, timeout=15.0, event_hooks={"response": [self._on_response]})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_response(self, response: httpx.Response) -> None:
        self.hops.append((response.request.method, str(response.request.url), response.status_code))
        if origin(str(response.request.url)) == self.platform:
            check_response(response)

    # -- hop 1: the consent page -------------------------------------------------------

    def consent_page(self, authorization_url: str) -> ConsentPage:
        r = self.http.get(authorization_url)
        assert r.status_code == 200, f"consent page: expected 200 HTML\n{describe(r)}"
        assert r.headers.get("content-type", "").startswith("text/html"), f"consent page is not HTML\n{describe(r)}"
        assert CSRF_COOKIE in self.http.cookies, f"consent page set no {CSRF_COOKIE} cookie: {r.headers.get_list('set-cookie')}"
        for header in r.headers.get_list("set-cookie"):  # absent when the browser already has it
            if header.startswith(f"{CSRF_COOKIE}="):
                attributes = {a.strip().split("=")[0].lower(): a.strip() for a in header.split(";")[1:]}
                assert "httponly" in attributes, f"{CSRF_COOKIE} must be HttpOnly: {header}"
                assert attributes.get("samesite", "").lower() == "samesite=lax", f"{CSRF_COOKIE} must be SameSite=Lax: {header}"
        posts = [f for f in parse_forms(r.text) if f.method == "post"]
        assert len(posts) == 1, f"consent page: expected one POST form, found {len(posts)}\n{r.text[:1500]}"
        form = posts[0]
        hidden = form.hidden()
        assert hidden.get("request") and hidden.get("csrf_token"), f"consent form lacks hidden request/csrf_token: {form}"
        assert set(form.buttons("decision")) >= {"allow", "deny"}, f"consent form lacks allow/deny buttons: {form}"
        action_url = urljoin(str(r.request.url), form.action or str(r.request.url))
        assert origin(action_url) == self.platform, f"consent form posts off-platform: {action_url}"
        return ConsentPage(authorization_url, r, form, action_url)

    # -- hop 2: the decision -----------------------------------------------------------

    def submit_consent(self, page: ConsentPage, decision: str = "allow", **overrides: str) -> httpx.Response:
        return self.http.post(page.action_url, data=page.fields(decision, **overrides))

    def consent(self, page: ConsentPage, decision: str = "allow") -> str:
        """Submit the decision; returns the 303 Location (the upstream IdP for allow)."""
        r = self.submit_consent(page, decision)
        assert r.status_code == 303, f"consent POST (decision={decision}): expected 303\n{describe(r)}"
        location = r.headers.get("location")
        assert location, f"consent POST: 303 without Location\n{describe(r)}"
        return urljoin(str(r.request.url), location)

    # -- hop 3: the upstream login -----------------------------------------------------

    def upstream_login(self, upstream_url: str, user: str | None = None, *, deny: bool = False) -> str:
        """Log in at the upstream IdP (oidc-provider-mock: GET the form, POST `sub` to the same
        URL; PlainOAuthIdP: auto-approves with a redirect, or the same form). Returns the
        Location of its redirect (our central callback)."""
        assert origin(upstream_url) != self.platform, f"consent did not redirect to the upstream IdP: {upstream_url}"
        r = self.http.get(upstream_url)
        if r.status_code not in (302, 303):
            assert r.status_code == 200, f"upstream login page: expected 200\n{describe(r)}"
            data = {"action": "deny"} if deny else {"sub": user or self.user}
            r = self.http.post(upstream_url, data=data)
            assert r.status_code == 302, f"upstream login POST: expected 302\n{describe(r)}"
        location = r.headers.get("location")
        assert location, f"upstream redirect without Location\n{describe(r)}"
        return urljoin(str(r.request.url), location)

    # -- hop 4: our central callback ---------------------------------------------------

    def callback(self, callback_url: str) -> httpx.Response:
        assert strip_query(callback_url) == f"{self.platform}/oauth/callback", (
            f"the upstream IdP did not redirect to the central callback: {callback_url}"
        )
        return self.http.get(callback_url)

    def finish(self, callback_url: str, hops_from: int = 0, consent: ConsentPage | None = None) -> AuthorizationResult:
        r = self.callback(callback_url)
        assert r.status_code == 302, f"central callback: expected 302 to the client\n{describe(r)}"
        location = r.headers.get("location")
        assert location, f"central callback: 302 without Location\n{describe(r)}"
        return AuthorizationResult(location, query_params(location), self.hops[hops_from:], consent)

    # -- all of it ---------------------------------------------------------------------

    def authorize(self, authorization_url: str, user: str | None = None) -> AuthorizationResult:
        """Consent (allow), upstream login, callback; returns what the client's redirect gets."""
        start = len(self.hops)
        page = self.consent_page(authorization_url)
        upstream = self.consent(page)
        callback = self.upstream_login(upstream, user)
        return self.finish(callback, start, page)


# --------------------------------------------------------------------------------------
# The raw client side of the flow against MCPlatform


@dataclass
class RegisteredClient:
    client_id: str
    redirect_uris: list[str]
    client_secret: str | None = None
    token_endpoint_auth_method: str = "none"
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Grant:
    """The outcome of one authorization-code flow done by hand."""

    client: RegisteredClient
    redirect_uri: str
    pkce: Pkce
    state: str
    result: AuthorizationResult
    token_response: httpx.Response | None = None

    @property
    def code(self) -> str:
        assert self.result.code, f"no code in {self.result.location}"
        return self.result.code

    @property
    def tokens(self) -> dict[str, Any]:
        assert self.token_response is not None
        return self.token_response.json()

    @property
    def access_token(self) -> str:
        return self.tokens["access_token"]

    @property
    def refresh_token(self) -> str:
        return self.tokens["refresh_token"]


class PlatformOAuth:
    """MCPlatform's authorization server for one tenant (path form), driven with httpx."""

    def __init__(self, base_url: str, slug: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.slug = slug
        self.mcp_url = f"{self.base_url}/mcp/{slug}"
        self.issuer = self.mcp_url
        self.resource = self.mcp_url
        self.prm_url = f"{self.base_url}/.well-known/oauth-protected-resource/mcp/{slug}"
        self.as_metadata_url = f"{self.base_url}/.well-known/oauth-authorization-server/mcp/{slug}"
        self.authorize_url = f"{self.issuer}/oauth/authorize"
        self.token_url = f"{self.issuer}/oauth/token"
        self.register_url = f"{self.issuer}/oauth/register"
        self.revoke_url = f"{self.issuer}/oauth/revoke"
        self.jwks_url = f"{self.issuer}/oauth/jwks"
        self.callback_url = f"{self.base_url}/oauth/callback"
        self.http = httpx.Client(timeout=15.0, follow_redirects=False, event_hooks={"response": [check_response]})

    def close(self) -> None:
        self.http.close()

    def browser(self, user: str = "alice") -> Browser:
        return Browser(self.base_url, user=user)

    # -- metadata ------------------------------------------------------------------------

    def prm(self) -> dict[str, Any]:
        r = self.http.get(self.prm_url)
        assert r.status_code == 200, describe(r)
        return r.json()

    def metadata(self, url: str | None = None) -> dict[str, Any]:
        r = self.http.get(url or self.as_metadata_url)
        assert r.status_code == 200, describe(r)
        return r.json()

    def jwks(self) -> dict[str, Any]:
        r = self.http.get(self.jwks_url)
        assert r.status_code == 200, describe(r)
        return r.json()

    # -- registration --------------------------------------------------------------------

    def register(self, metadata: Mapping[str, Any] | None = None, **fields: Any) -> httpx.Response:
        body = dict(metadata or {})
        body.update(fields)
        return self.http.post(self.register_url, json=body)

    def register_client(
        self,
        redirect_uris: list[str] | None = None,
        *,
        client_name: str = "E2E Raw Client",
        token_endpoint_auth_method: str = "none",
        **extra: Any,
    ) -> RegisteredClient:
        redirect_uris = redirect_uris or [CLIENT_REDIRECT_URI]
        r = self.register(
            redirect_uris=redirect_uris,
            client_name=client_name,
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method=token_endpoint_auth_method,
            **extra,
        )
        assert r.status_code == 201, f"DCR: expected 201\n{describe(r)}"
        body = r.json()
        assert body.get("client_id"), body
        return RegisteredClient(
            client_id=body["client_id"],
            redirect_uris=list(body.get("redirect_uris") or redirect_uris),
            client_secret=body.get("client_secret"),
            token_endpoint_auth_method=body.get("token_endpoint_auth_method", "none"),
            raw=body,
        )

    # -- authorization -------------------------------------------------------------------

    def authorization_url(
        self,
        client_id: str,
        *,
        redirect_uri: str | None = CLIENT_REDIRECT_URI,
        pkce: Pkce | None = None,
        state: str | None = None,
        scope: str | None = "mcp",
        resource: str | None = "default",
        code_challenge_method: str | None = "S256",
        omit: tuple[str, ...] = (),
        **extra: str,
    ) -> str:
        """An authorization request URL. `None` leaves a parameter out; `omit` too."""
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state if state is not None else secrets.token_urlsafe(16),
            "code_challenge": (pkce or Pkce.generate()).challenge,
            "code_challenge_method": code_challenge_method,
            "scope": scope,
            "resource": self.resource if resource == "default" else resource,
        }
        params.update(extra)
        clean = {k: v for k, v in params.items() if v is not None and k not in omit}
        return f"{self.authorize_url}?{urlencode(clean)}"

    def start_grant(
        self, client: RegisteredClient, *, redirect_uri: str | None = None, scope: str | None = "mcp", **extra: str
    ) -> tuple[str, Pkce, str, str]:
        """(authorization URL, PKCE, state, redirect_uri) for a well-formed request."""
        pkce = Pkce.generate()
        state = secrets.token_urlsafe(16)
        redirect_uri = redirect_uri or client.redirect_uris[0]
        url = self.authorization_url(client.client_id, redirect_uri=redirect_uri, pkce=pkce, state=state, scope=scope, **extra)
        return url, pkce, state, redirect_uri

    def authorize(
        self, client: RegisteredClient, *, user: str = "alice", redirect_uri: str | None = None, scope: str | None = "mcp"
    ) -> Grant:
        """The whole browser part for a well-formed request; checks state and iss."""
        url, pkce, state, redirect_uri = self.start_grant(client, redirect_uri=redirect_uri, scope=scope)
        with self.browser(user) as browser:
            result = browser.authorize(url)
        assert strip_query(result.location) == redirect_uri, f"redirected to {result.location}, expected {redirect_uri}"
        assert result.error is None, f"authorization failed: {result.location}"
        assert result.state == state, f"state not round-tripped: {result.params}"
        assert result.iss == self.issuer, f"iss {result.iss!r} != issuer {self.issuer!r} (RFC 9207)"
        assert result.code, result.params
        return Grant(client, redirect_uri, pkce, state, result)

    def login(self, client: RegisteredClient | None = None, *, user: str = "alice", redirect_uri: str | None = None) -> Grant:
        """Register (unless given a client), authorize and exchange the code; asserts success."""
        client = client or self.register_client()
        grant = self.authorize(client, user=user, redirect_uri=redirect_uri)
        grant.token_response = self.exchange(grant)
        assert grant.token_response.status_code == 200, f"code exchange\n{describe(grant.token_response)}"
        tokens = grant.tokens
        assert tokens.get("access_token") and tokens.get("refresh_token"), tokens
        assert str(tokens.get("token_type", "")).lower() == "bearer", tokens
        return grant

    # -- token endpoint ------------------------------------------------------------------

    def _client_auth(self, client: RegisteredClient | None, data: dict[str, str]) -> tuple[dict[str, str], Any]:
        if client is None:
            return data, None
        data.setdefault("client_id", client.client_id)
        if client.token_endpoint_auth_method == "client_secret_basic" and client.client_secret:
            return data, (client.client_id, client.client_secret)
        if client.token_endpoint_auth_method == "client_secret_post" and client.client_secret:
            data.setdefault("client_secret", client.client_secret)
        return data, None

    def token(self, form: Mapping[str, str | None], client: RegisteredClient | None = None, **kwargs: Any) -> httpx.Response:
        data = {k: v for k, v in form.items() if v is not None}
        data, auth = self._client_auth(client, data)
        return self.http.post(self.token_url, data=data, auth=auth, **kwargs) if auth else self.http.post(self.token_url, data=data, **kwargs)

    def exchange(self, grant: Grant, **overrides: str | None) -> httpx.Response:
        form: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": grant.code,
            "redirect_uri": grant.redirect_uri,
            "code_verifier": grant.pkce.verifier,
            "resource": self.resource,
        }
        form.update(overrides)
        return self.token(form, grant.client)

    def refresh(self, client: RegisteredClient, refresh_token: str, **overrides: str | None) -> httpx.Response:
        form: dict[str, str | None] = {"grant_type": "refresh_token", "refresh_token": refresh_token, "resource": self.resource}
        form.update(overrides)
        return self.token(form, client)

    def revoke(self, client: RegisteredClient, token: str, hint: str | None = None) -> httpx.Response:
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        data, auth = self._client_auth(client, data)
        return self.http.post(self.revoke_url, data=data, auth=auth) if auth else self.http.post(self.revoke_url, data=data)

    # -- the MCP endpoint ----------------------------------------------------------------

    def mcp(self, access_token: str | None, url: str | None = None) -> httpx.Response:
        """An `initialize` POST with (or without) a bearer token."""
        headers = {"authorization": f"Bearer {access_token}"} if access_token is not None else {}
        return post(self.http, url or self.mcp_url, request_body("initialize", initialize_params(LATEST_VERSION)), headers=headers)


# --------------------------------------------------------------------------------------
# Assertions on OAuth answers


def oauth_error(response: httpx.Response) -> str:
    """The `error` of an RFC 6749 §5.2 JSON error response."""
    assert response.headers.get("content-type", "").startswith("application/json"), f"not a JSON OAuth error\n{describe(response)}"
    body = response.json()
    assert isinstance(body.get("error"), str), f"no error member\n{describe(response)}"
    return body["error"]


def assert_oauth_error(response: httpx.Response, status: int | tuple[int, ...], errors: str | tuple[str, ...]) -> None:
    statuses = (status,) if isinstance(status, int) else status
    names = (errors,) if isinstance(errors, str) else errors
    assert response.status_code in statuses, f"expected HTTP {statuses} {names}\n{describe(response)}"
    error = oauth_error(response)
    assert error in names, f"expected error {names}, got {error!r}\n{describe(response)}"
    assert "access_token" not in response.text, describe(response)


def assert_html_error(response: httpx.Response, statuses: tuple[int, ...] = (400, 401, 403, 404, 409, 410, 422, 502)) -> None:
    """A browser-facing error: an HTML page with a 4xx/502 status, no redirect, never 500."""
    assert response.status_code in statuses, f"expected an HTML error page with status in {statuses}\n{describe(response)}"
    assert "location" not in response.headers, f"an error page must not redirect\n{describe(response)}"
    assert response.headers.get("content-type", "").startswith("text/html"), f"error page is not HTML\n{describe(response)}"


def assert_bearer_challenge(response: httpx.Response, prm_url: str, *, token_sent: bool) -> dict[str, str]:
    """A 401 with `WWW-Authenticate: Bearer resource_metadata="<PRM>", scope="mcp"`
    (+ error="invalid_token" when a token was sent). Returns the parsed parameters."""
    assert response.status_code == 401, f"expected 401\n{describe(response)}"
    header = response.headers.get("www-authenticate", "")
    params = parse_www_authenticate(header)
    assert header.lower().startswith("bearer"), f"WWW-Authenticate is not a Bearer challenge: {header!r}"
    assert params.get("resource_metadata") == prm_url, f"resource_metadata {params.get('resource_metadata')!r} != {prm_url!r}"
    assert params.get("scope") == "mcp", f"scope in challenge: {header!r}"
    if token_sent:
        assert params.get("error") == "invalid_token", f"a rejected token needs error=\"invalid_token\": {header!r}"
    return params


def parse_www_authenticate(header: str) -> dict[str, str]:
    import re

    _, _, rest = header.partition(" ")
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in re.finditer(r'([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', rest)}


# --------------------------------------------------------------------------------------
# JWTs


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    header, payload, signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload)), b64url_decode(signature)


def encode_jwt(header: Mapping[str, Any], payload: Mapping[str, Any], signature: bytes = b"") -> str:
    def part(obj: Mapping[str, Any]) -> str:
        return b64url(json.dumps(obj, separators=(",", ":")).encode())

    return f"{part(header)}.{part(payload)}.{b64url(signature)}"


def verify_es256(token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """Verify an ES256 JWT's signature with the key its `kid` names in `jwks`; returns the payload."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    header, payload, signature = jwt_parts(token)
    assert header.get("alg") == "ES256", header
    keys = [k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")]
    assert len(keys) == 1, f"kid {header.get('kid')!r} not (uniquely) in JWKS {jwks}"
    jwk = keys[0]
    assert jwk.get("kty") == "EC" and jwk.get("crv") == "P-256", jwk
    assert "d" not in jwk, "the JWKS publishes a private key"
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(jwk["x"]), "big"), int.from_bytes(b64url_decode(jwk["y"]), "big"), ec.SECP256R1()
    )
    assert len(signature) == 64, f"ES256 signature must be 64 bytes (r||s), got {len(signature)}"
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    signing_input = token.rsplit(".", 1)[0].encode()
    numbers.public_key().verify(der, signing_input, ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature
    return payload


def sign_es256(header: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    """A JWT signed with a fresh (attacker's) P-256 key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = ec.generate_private_key(ec.SECP256R1())
    unsigned = encode_jwt(header, payload).rsplit(".", 1)[0]
    r, s = decode_dss_signature(key.sign(unsigned.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{unsigned}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


# --------------------------------------------------------------------------------------
# Admin API


class Admin:
    """The operator admin API (`/api/v1`) of one platform instance."""

    def __init__(self, base_url: str, token: str = ADMIN_TOKEN) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            timeout=30.0, headers={"authorization": f"Bearer {token}"}, event_hooks={"response": [check_response]}
        )

    def close(self) -> None:
        self.http.close()

    def put_auth(self, slug: str, config: Mapping[str, Any]) -> httpx.Response:
        return self.http.put(f"{self.base_url}/api/v1/servers/{slug}/auth", json=dict(config))

    def get_auth(self, slug: str) -> httpx.Response:
        return self.http.get(f"{self.base_url}/api/v1/servers/{slug}/auth")

    def test_auth(self, slug: str) -> httpx.Response:
        return self.http.post(f"{self.base_url}/api/v1/servers/{slug}/auth/test")

    def enable_oauth(self, slug: str, provider: Mapping[str, Any]) -> dict[str, Any]:
        """PUT mode=oauth with `provider`; asserts 200 and that the secret is not echoed."""
        r = self.put_auth(slug, {"mode": "oauth", "provider": dict(provider)})
        assert r.status_code == 200, f"PUT auth\n{describe(r)}"
        body = r.json()
        assert body.get("mode") == "oauth", body
        secret = provider.get("client_secret")
        if secret:
            assert secret not in r.text, f"the admin API echoed the upstream client secret: {r.text}"
            assert client_secret_set(body) is True, body
        return body


def client_secret_set(config: Mapping[str, Any]) -> Any:
    """`client_secret_set` of an auth config (top level, or inside `provider`)."""
    if "client_secret_set" in config:
        return config["client_secret_set"]
    return (config.get("provider") or {}).get("client_secret_set")


# --------------------------------------------------------------------------------------
# Upstream IdP 1: oidc-provider-mock in a thread


class MockOIDC:
    """oidc-provider-mock 0.3.4 served by werkzeug on 127.0.0.1 (so the issuer, which follows
    the Host header, is always `http://127.0.0.1:P` - for us and for MCPlatform)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.issuer = f"http://127.0.0.1:{server.server_port}"
        self.discovery_url = f"{self.issuer}/.well-known/openid-configuration"
        self.http = httpx.Client(timeout=10.0)

    @classmethod
    @contextmanager
    def run(cls, users: Mapping[str, Mapping[str, Any]] | None = None, **options: Any) -> Iterator["MockOIDC"]:
        """`users`: sub -> claims of predefined users. `options`: oidc_provider_mock.app()
        keyword arguments (require_client_registration, require_nonce, issue_refresh_token,
        access_token_max_age)."""
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback
        with warnings.catch_warnings():
            # The mock imports the deprecated authlib.jose; authlib.deprecate force-enables its
            # warnings at import, so import it first and override that inside this block only.
            import authlib.deprecate  # noqa: F401

            warnings.simplefilter("ignore")
            import oidc_provider_mock
        import werkzeug.serving

        class QuietHandler(werkzeug.serving.WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        users = users if users is not None else {"alice": {"email": "alice@example.com", "name": "Alice Example"}}
        app = oidc_provider_mock.app(
            user_claims=[oidc_provider_mock.User(sub=sub, claims=dict(claims)) for sub, claims in users.items()], **options
        )
        server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        mock = cls(server)
        try:
            yield mock
        finally:
            mock.http.close()
            server.shutdown()
            server.server_close()
            thread.join(5)

    def provider_config(self, **overrides: Any) -> dict[str, Any]:
        """The `provider` object of `PUT /api/v1/servers/S/auth` for this IdP (discovery)."""
        config: dict[str, Any] = {
            "discovery_url": self.discovery_url,
            "client_id": UPSTREAM_CLIENT_ID,
            "client_secret": UPSTREAM_CLIENT_SECRET,
            "scopes": "openid email profile",
            "token_auth_method": "client_secret_basic",
        }
        config.update(overrides)
        return config

    def set_user(self, sub: str, claims: Mapping[str, Any]) -> None:
        r = self.http.put(f"{self.issuer}/users/{sub}", json=dict(claims))
        assert r.status_code == 204, describe(r)

    def revoke_tokens(self, sub: str) -> None:
        """Disable the account upstream: every access and refresh token of `sub` stops working."""
        r = self.http.post(f"{self.issuer}/users/{sub}/revoke-tokens")
        assert r.status_code == 204, describe(r)


# --------------------------------------------------------------------------------------
# Upstream IdP 2: plain OAuth 2 without OIDC (GitHub-like)


@dataclass
class PlainUser:
    id: int
    login: str
    email: str | None
    name: str | None = None

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "login": self.login, "email": self.email, "name": self.name, "type": "User"}


class PlainOAuthIdP:
    """A GitHub-like OAuth 2 provider (no OIDC, no discovery, no id_token).

    GET  /authorize  client_id, redirect_uri (must be the registered one), state,
                     [code_challenge, code_challenge_method=S256]; auto-approves (302
                     redirect_uri?code&state) or, with `auto_approve = False`, shows a form
                     whose POST (`sub=...` approves, `action=deny` denies) redirects.
    POST /token      authorization_code (single use; redirect_uri and PKCE verifier checked)
                     and refresh_token; client authentication per `auth_method`
                     ("client_secret_basic", "client_secret_post" or "any").
    GET  /user       Bearer access token -> the user's JSON ({"id": 4242, "login": "octo", ...}).

    `fail[endpoint] = "500" | "garbage" | "html" | "hang" | "error"` makes /token or /user
    misbehave ("error" = a well-formed OAuth error, 400 invalid_grant for /token, 401 for /user).
    Every request is recorded in `requests` as (method, path, headers, form or query)."""

    def __init__(self) -> None:
        self.client_id = UPSTREAM_CLIENT_ID
        self.client_secret = UPSTREAM_CLIENT_SECRET
        self.auth_method = "any"
        self.redirect_uri: str | None = None  # the registered one; None accepts any
        self.auto_approve = True
        self.issue_refresh_token = True
        self.require_pkce = False
        self.user = PlainUser(4242, "octo", "octo@example.com", "Octo Cat")
        self.fail: dict[str, str] = {}
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, PlainUser] = {}
        self._refresh: dict[str, PlainUser] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @classmethod
    @contextmanager
    def run(cls) -> Iterator["PlainOAuthIdP"]:
        idp = cls()
        idp.start()
        try:
            yield idp
        finally:
            idp.stop()

    def start(self) -> None:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                idp._handle(self, "GET")

            def do_POST(self) -> None:
                idp._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def authorization_url(self) -> str:
        return f"{self.base_url}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def userinfo_url(self) -> str:
        return f"{self.base_url}/user"

    def provider_config(self, **overrides: Any) -> dict[str, Any]:
        """The `provider` object of `PUT /api/v1/servers/S/auth`: explicit URLs, userinfo only."""
        config: dict[str, Any] = {
            "authorization_url": self.authorization_url,
            "token_url": self.token_url,
            "userinfo_url": self.userinfo_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": "read:user user:email",
            "token_auth_method": "client_secret_post",
            "claims": {"subject": "id", "email": "email", "name": "login"},
        }
        config.update(overrides)
        return config

    def revoke_all(self) -> None:
        """Disable the account: every access and refresh token stops working."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()

    def recorded(self, path: str) -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
        return [r for r in self.requests if r[1] == path]

    # -- request handling ----------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length else b""
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in h.headers.items()}
        self.requests.append((method, parts.path, headers, form if method == "POST" else query))
        try:
            if parts.path == "/authorize":
                self._authorize(h, method, query, form)
            elif parts.path == "/token" and method == "POST":
                self._token(h, headers, form)
            elif parts.path == "/user":
                self._userinfo(h, headers)
            else:
                self._send(h, 404, {"message": "Not Found"})
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            content_type = "application/json"
        else:
            data = body.encode() if isinstance(body, str) else body
            content_type = "text/html; charset=utf-8"
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _misbehave(self, h: BaseHTTPRequestHandler, endpoint: str) -> bool:
        mode = self.fail.get(endpoint)
        if not mode:
            return False
        if mode == "500":
            self._send(h, 500, {"message": "Internal Server Error"})
        elif mode == "garbage":
            self._send(h, 200, b'{"access_token": "x", "token_type": ', {"Content-Type": "application/json"})
        elif mode == "html":
            self._send(h, 200, "<html><body>Service unavailable, please retry</body></html>")
        elif mode == "hang":
            self._release.wait(120)
            self._send(h, 504, {"message": "hung"})
        elif mode == "error":
            if endpoint == "token":
                self._send(h, 400, {"error": "invalid_grant", "error_description": "The code is invalid"})
            else:
                self._send(h, 401, {"message": "Bad credentials"})
        else:
            raise AssertionError(f"unknown failure mode {mode!r}")
        return True

    def _authorize(self, h: BaseHTTPRequestHandler, method: str, query: dict[str, str], form: dict[str, str]) -> None:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri or (
            self.redirect_uri is not None and redirect_uri != self.redirect_uri
        ):
            self._send(h, 400, "<html><body><h1>Bad authorization request</h1></body></html>")
            return
        state = query.get("state")
        challenge, challenge_method = query.get("code_challenge"), query.get("code_challenge_method")
        if (self.require_pkce and not challenge) or (challenge and challenge_method != "S256"):
            self._redirect(h, redirect_uri, {"error": "invalid_request", "state": state})
            return
        if method == "GET" and not self.auto_approve:
            page = (
                "<html><body><h1>Authorize mcplatform-e2e?</h1><form method=\"post\">"
                "<input name=\"sub\" value=\"octo\"><button type=\"submit\">Authorize</button></form>"
                "<form method=\"post\"><button name=\"action\" value=\"deny\">Cancel</button></form></body></html>"
            )
            self._send(h, 200, page)
            return
        if method == "POST" and form.get("action") == "deny":
            self._redirect(h, redirect_uri, {"error": "access_denied", "error_description": "The user denied access", "state": state})
            return
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {"redirect_uri": redirect_uri, "challenge": challenge, "user": self.user}
        self._redirect(h, redirect_uri, {"code": code, "state": state})

    def _redirect(self, h: BaseHTTPRequestHandler, target: str, params: Mapping[str, str | None]) -> None:
        sep = "&" if "?" in target else "?"
        location = target + sep + urlencode({k: v for k, v in params.items() if v is not None})
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    def _client_ok(self, headers: dict[str, str], form: dict[str, str]) -> bool:
        basic = None
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                from urllib.parse import unquote

                basic = (unquote(user), unquote(password))
            except ValueError:
                return False
        post = (form.get("client_id"), form.get("client_secret")) if "client_secret" in form else None
        expected = (self.client_id, self.client_secret)
        if self.auth_method == "client_secret_basic":
            return basic == expected and post is None
        if self.auth_method == "client_secret_post":
            return post == expected and basic is None
        return basic == expected or post == expected

    def _token(self, h: BaseHTTPRequestHandler, headers: dict[str, str], form: dict[str, str]) -> None:
        if self._misbehave(h, "token"):
            return
        if not self._client_ok(headers, form):
            self._send(h, 401, {"error": "invalid_client"})
            return
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                entry = self._codes.pop(form.get("code", ""), None)
                if entry is None or form.get("redirect_uri") not in (None, entry["redirect_uri"]):
                    self._send(h, 400, {"error": "invalid_grant", "error_description": "bad code or redirect_uri"})
                    return
                if entry["challenge"]:
                    verifier = form.get("code_verifier", "")
                    if b64url(hashlib.sha256(verifier.encode()).digest()) != entry["challenge"]:
                        self._send(h, 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
                        return
                user = entry["user"]
            elif grant_type == "refresh_token":
                user = self._refresh.pop(form.get("refresh_token", ""), None)
                if user is None:
                    self._send(h, 400, {"error": "invalid_grant", "error_description": "bad refresh token"})
                    return
            else:
                self._send(h, 400, {"error": "unsupported_grant_type"})
                return
            access = "gho_" + secrets.token_urlsafe(18)
            self._access[access] = user
            body: dict[str, Any] = {"access_token": access, "token_type": "bearer", "scope": "read:user,user:email", "expires_in": 28800}
            if self.issue_refresh_token:
                refresh = "ghr_" + secrets.token_urlsafe(24)
                self._refresh[refresh] = user
                body["refresh_token"] = refresh
        self._send(h, 200, body)

    def _userinfo(self, h: BaseHTTPRequestHandler, headers: dict[str, str]) -> None:
        if self._misbehave(h, "user"):
            return
        scheme, _, token = headers.get("authorization", "").partition(" ")
        with self._lock:
            user = self._access.get(token) if scheme.lower() in ("bearer", "token") else None
        if user is None:
            self._send(h, 401, {"message": "Bad credentials"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        self._send(h, 200, user.json())


# --------------------------------------------------------------------------------------
# HTTPS host for Client ID Metadata Documents


def make_test_ca(directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for `hosts` signed by it.
    Returns (ca.pem, server chain pem, server key pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MCPlatform e2e test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = directory / "ca.pem"
    chain_pem = directory / "server.pem"
    key_pem = directory / "server-key.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    chain_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_pem, chain_pem, key_pem


class CimdHost:
    """HTTPS on 127.0.0.1 (certificate from a throwaway CA: `ca_file`) serving JSON documents.

    `documents[path] = object` (served as application/json) or `(status, bytes, content_type)`.
    Fetches are recorded in `fetches` (paths)."""

    def __init__(self, directory: Path) -> None:
        self.ca_file, chain, key = make_test_ca(directory)
        self.documents: dict[str, Any] = {}
        self.fetches: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                host.fetches.append(path)
                doc = host.documents.get(path)
                if doc is None:
                    status, data, content_type = 404, b'{"error":"not found"}', "application/json"
                elif isinstance(doc, tuple):
                    status, data, content_type = doc
                else:
                    status, data, content_type = 200, json.dumps(doc).encode(), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @classmethod
    @contextmanager
    def run(cls, directory: Path) -> Iterator["CimdHost"]:
        host = cls(directory)
        try:
            yield host
        finally:
            host.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def publish_client(
        self,
        path: str = "/clients/e2e-cimd.json",
        *,
        client_name: str = "E2E CIMD Client",
        redirect_uris: list[str] | None = None,
        **extra: Any,
    ) -> str:
        """Serve a Client ID Metadata Document at `path`; returns its URL (= the client_id)."""
        client_id = self.url(path)
        self.documents[path] = {
            "client_id": client_id,
            "client_name": client_name,
            "redirect_uris": redirect_uris or [CLIENT_REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            **extra,
        }
        return client_id
