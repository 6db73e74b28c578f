"""End-user OAuth: MCPlatform as the authorization server of each MCP server (path form,
`/mcp/<slug>`), federating the login to an upstream identity provider.

The contract is /tmp/auth/SPEC.md (issue 5). The sign-in happy paths run with the official
Python SDK client (`mcp.client.auth.OAuthClientProvider`) on both backends; the attack matrix
drives the flow by hand (oauth_support.PlatformOAuth) on SQLite only. Upstreams:
oidc-provider-mock (OIDC, discovery) and oauth_support.PlainOAuthIdP (GitHub-like OAuth 2,
userinfo only). Client ID Metadata Documents come from a local HTTPS host whose CA is given to
the server with --outbound-ca-file.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import anyio.to_thread
import httpx
import httpx2
import mcp
import pytest
from harness import Backend, Cli, ServerFactory, ServerProcess, Tenant, free_port
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata
from oauth_support import (
    ADMIN_TOKEN,
    CLIENT_REDIRECT_URI,
    CSRF_COOKIE,
    UPSTREAM_CLIENT_ID,
    Admin,
    AuthorizationResult,
    CimdHost,
    InMemoryTokenStorage,
    MockOIDC,
    Pkce,
    PlainOAuthIdP,
    PlatformOAuth,
    RegisteredClient,
    assert_bearer_challenge,
    assert_html_error,
    assert_oauth_error,
    client_secret_set,
    describe,
    encode_jwt,
    jwt_parts,
    query_params,
    sign_es256,
    strip_query,
    verify_es256,
    run_async,
)
from test_docs_search import write_docs

TEST_TIMEOUT = 60.0

# oidc-provider-mock runs in-process; authlib warns about its own deprecated APIs there.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")

DOCS = {
    "guides/sign-in.md": """# Signing in

Connect your MCP client to the server; it opens a browser window where you sign in with your
company account.

## Token lifetime

Access tokens expire after fifteen minutes; the client refreshes them with its refresh token.
""",
}
SEARCH_QUERY = "how long do access tokens last before refresh"


def run(fn: Callable[[], Awaitable[Any]]) -> Any:
    return run_async(fn, TEST_TIMEOUT)


# --------------------------------------------------------------------------------------
# Fixtures


@dataclass
class OAuthPlatform:
    """One `mcplatform serve` (--admin-token, --public-url, --allow-private-urls) with
    tenants whose auth is configured through the admin API."""

    server: ServerProcess
    tenants: list[Tenant]
    admin: Admin
    clients: dict[str, PlatformOAuth] = field(default_factory=dict)

    @property
    def tenant(self) -> Tenant:
        return self.tenants[0]

    @property
    def oauth(self) -> PlatformOAuth:
        return self.for_tenant(self.tenant)

    def for_tenant(self, tenant: Tenant) -> PlatformOAuth:
        if tenant.slug not in self.clients:
            self.clients[tenant.slug] = PlatformOAuth(self.server.base_url, tenant.slug)
        return self.clients[tenant.slug]

    def close(self) -> None:
        self.admin.close()
        for client in self.clients.values():
            client.close()


PlatformFactory = Callable[..., OAuthPlatform]


@pytest.fixture
def platform_factory(cli: Cli, server_factory: ServerFactory, tmp_path: Path) -> Iterator[PlatformFactory]:
    made: list[OAuthPlatform] = []

    def make(
        backend: Backend,
        provider: dict[str, Any] | None,
        *,
        tenants: int = 1,
        extra_args: list[str] | tuple[str, ...] = (),
        docs: bool = True,
    ) -> OAuthPlatform:
        cli.migrate(backend)
        created = [cli.create_tenant(backend) for _ in range(tenants)]
        if docs:
            folder = write_docs(tmp_path / f"docs-{created[0].slug}", DOCS)
            cli.run("ingest", created[0].slug, str(folder), *backend.args())
        server = server_factory.start(
            backend,
            extra_args=[
                "--admin-token", ADMIN_TOKEN,
                "--public-url", "http://127.0.0.1:{port}",
                "--allow-private-urls",
                *extra_args,
            ],
        )
        platform = OAuthPlatform(server, created, Admin(server.base_url))
        made.append(platform)
        if provider is not None:
            for tenant in created:
                platform.admin.enable_oauth(tenant.slug, provider)
        return platform

    yield make
    for platform in made:
        platform.close()


@pytest.fixture
def mock_idp() -> Iterator[MockOIDC]:
    with MockOIDC.run() as idp:
        yield idp


@pytest.fixture
def plain_idp() -> Iterator[PlainOAuthIdP]:
    with PlainOAuthIdP.run() as idp:
        yield idp


@pytest.fixture
def cimd_host(tmp_path: Path) -> Iterator[CimdHost]:
    with CimdHost.run(tmp_path / "cimd-tls") as host:
        yield host


@pytest.fixture
def sqlite_platform(platform_factory: PlatformFactory, sqlite_backend: Backend, mock_idp: MockOIDC) -> OAuthPlatform:
    """SQLite, one tenant in oauth mode federated to oidc-provider-mock."""
    return platform_factory(sqlite_backend, mock_idp.provider_config())


# --------------------------------------------------------------------------------------
# The official SDK client


@dataclass
class SdkFlow:
    storage: InMemoryTokenStorage = field(default_factory=InMemoryTokenStorage)
    #: (method, path, status) of every HTTP exchange the SDK made (MCP and auth flow).
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    authorization_urls: list[str] = field(default_factory=list)
    results: list[AuthorizationResult] = field(default_factory=list)

    def calls(self, method: str, path: str) -> list[int]:
        return [status for m, p, status in self.requests if m == method and p == path]


@asynccontextmanager
async def sdk_client(
    oauth: PlatformOAuth,
    *,
    user: str = "alice",
    client_name: str = "E2E SDK Client",
    client_metadata_url: str | None = None,
) -> AsyncIterator[tuple[mcp.Client, SdkFlow]]:
    """mcp.Client (mode auto) over an httpx2 client with OAuthClientProvider; the browser part
    is done by the scripted Browser in a worker thread."""
    flow = SdkFlow()
    browser = oauth.browser(user)

    async def redirect_handler(authorization_url: str) -> None:
        flow.authorization_urls.append(authorization_url)
        flow.results.append(await anyio.to_thread.run_sync(browser.authorize, authorization_url))

    async def callback_handler() -> AuthorizationCodeResult:
        result = flow.results[-1]
        assert result.code, f"the authorization ended without a code: {result.location}"
        return AuthorizationCodeResult(code=result.code, state=result.state, iss=result.iss)

    provider = OAuthClientProvider(
        server_url=oauth.mcp_url,
        client_metadata=OAuthClientMetadata(
            redirect_uris=[CLIENT_REDIRECT_URI],
            client_name=client_name,
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=flow.storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
        client_metadata_url=client_metadata_url,
    )

    async def record(response: httpx2.Response) -> None:
        flow.requests.append((response.request.method, response.request.url.path, response.status_code))

    try:
        async with httpx2.AsyncClient(
            auth=provider, timeout=httpx2.Timeout(30.0, read=60.0), event_hooks={"response": [record]}
        ) as http:
            async with mcp.Client(streamable_http_client(oauth.mcp_url, http_client=http)) as client:
                yield client, flow
    finally:
        browser.close()


async def use_docs_tools(client: mcp.Client, signed_in_as: str | None = None) -> None:
    names = [tool.name for tool in (await client.list_tools()).tools]
    assert "search_docs" in names, names
    result = await client.call_tool("search_docs", {"query": SEARCH_QUERY, "limit": 3})
    assert not result.is_error, result
    urls = [entry["url"] for entry in result.structured_content["results"]]
    assert urls and urls[0].startswith("guides/sign-in.md"), urls
    if signed_in_as is not None:
        # The end user's identity reaches the MCP session: `about` names who is signed in.
        about = await client.call_tool("about", {})
        assert about.structured_content.get("signedInAs", {}).get("subject") == signed_in_as, about.structured_content


def check_sdk_flow(oauth: PlatformOAuth, flow: SdkFlow, *, dcr: bool) -> dict[str, Any]:
    """What every SDK sign-in must look like on the wire; returns the access token's claims."""
    base = f"/mcp/{oauth.slug}"
    mcp_posts = flow.calls("POST", base)
    assert mcp_posts and mcp_posts[0] == 401, f"the first MCP request must be refused with 401: {flow.requests}"
    assert 200 in mcp_posts, f"no MCP request succeeded with the token: {flow.requests}"
    assert flow.calls("GET", f"/.well-known/oauth-protected-resource{base}") == [200], flow.requests
    assert flow.calls("GET", f"/.well-known/oauth-authorization-server{base}") == [200], flow.requests
    registrations = flow.calls("POST", f"{base}/oauth/register")
    assert registrations == ([201] if dcr else []), f"register calls: {registrations} ({'DCR' if dcr else 'CIMD'})"
    assert flow.calls("POST", f"{base}/oauth/token") == [200], flow.requests
    assert len(flow.results) == 1, f"expected exactly one browser sign-in, got {len(flow.results)}"

    # The authorization request the SDK built from our metadata.
    params = query_params(flow.authorization_urls[0])
    assert strip_query(flow.authorization_urls[0]) == oauth.authorize_url, flow.authorization_urls[0]
    assert params.get("code_challenge_method") == "S256" and params.get("code_challenge"), params
    assert params.get("resource") == oauth.resource, params
    assert "mcp" in params.get("scope", "").split(), params

    # The browser hops: consent 200, decision 303, upstream login, callback 302 to the client.
    result = flow.results[0]
    statuses = [status for _, _, status in result.hops]
    assert statuses[:2] == [200, 303] and statuses[-1] == 302, result.hops
    assert result.iss == oauth.issuer and result.state == params["state"], result.params

    # The access token: an ES256 JWT for this resource, verifiable with the published JWKS.
    tokens = flow.storage.tokens
    assert tokens is not None and tokens.refresh_token, tokens
    claims = verify_es256(tokens.access_token, oauth.jwks())
    assert claims.get("iss") == oauth.issuer, claims
    audience = claims.get("aud")
    assert audience == oauth.resource or (isinstance(audience, list) and oauth.resource in audience), claims
    assert claims.get("sub"), claims
    assert 0 < claims["exp"] - time.time() <= 900 + 5, f"default lifetime is 15 min: {claims}"
    assert oauth.mcp(tokens.access_token).status_code == 200
    return claims


# --------------------------------------------------------------------------------------
# Sign-in happy paths (both backends)


def test_sdk_sign_in_with_dcr_and_oidc_upstream(backend: Backend, platform_factory: PlatformFactory, mock_idp: MockOIDC) -> None:
    """The official client: 401 -> PRM -> AS metadata -> DCR -> consent -> oidc-provider-mock
    login -> callback -> token -> tools work."""
    platform = platform_factory(backend, mock_idp.provider_config())
    oauth = platform.oauth
    assert_bearer_challenge(oauth.mcp(None), oauth.prm_url, token_sent=False)

    async def body() -> SdkFlow:
        async with sdk_client(oauth, client_name="E2E SDK Client") as (client, flow):
            await use_docs_tools(client, signed_in_as="alice")
        return flow

    flow = run(body)
    check_sdk_flow(oauth, flow, dcr=True)
    result = flow.results[0]
    assert "E2E SDK Client" in result.consent.html, "the consent page must name the client"
    assert "127.0.0.1" in result.consent.html, "the consent page must show the redirect URI's host"

    # The upstream authorization request: our upstream client, PKCE S256, nonce, the central callback.
    upstream = next(url for _, url, _ in result.hops if url.startswith(mock_idp.issuer + "/oauth2/authorize"))
    up = query_params(upstream)
    assert up.get("client_id") == UPSTREAM_CLIENT_ID, up
    assert up.get("redirect_uri") == oauth.callback_url, up
    assert up.get("code_challenge_method") == "S256" and up.get("code_challenge"), up
    assert up.get("state") and up.get("nonce"), up
    assert "openid" in up.get("scope", "").split(), up
    assert up["state"] != result.state, "the upstream state must not be the client's state"


def test_sdk_sign_in_with_client_id_metadata_document(
    backend: Backend, platform_factory: PlatformFactory, mock_idp: MockOIDC, cimd_host: CimdHost
) -> None:
    """client_metadata_url (CIMD): the client_id is an https URL the server fetches; no /register."""
    client_id = cimd_host.publish_client(client_name="E2E CIMD Client")
    platform = platform_factory(
        backend, mock_idp.provider_config(), extra_args=["--outbound-ca-file", str(cimd_host.ca_file)]
    )
    oauth = platform.oauth

    async def body() -> SdkFlow:
        async with sdk_client(oauth, client_metadata_url=client_id) as (client, flow):
            await use_docs_tools(client)
        return flow

    flow = run(body)
    check_sdk_flow(oauth, flow, dcr=False)
    assert query_params(flow.authorization_urls[0]).get("client_id") == client_id
    assert "/clients/e2e-cimd.json" in cimd_host.fetches, f"the server never fetched the document: {cimd_host.fetches}"
    assert "E2E CIMD Client" in flow.results[0].consent.html, "the consent page must show the document's client_name"


def test_sdk_sign_in_with_plain_oauth2_upstream(
    backend: Backend, platform_factory: PlatformFactory, plain_idp: PlainOAuthIdP
) -> None:
    """A GitHub-like upstream without OIDC: identity from userinfo through the claim mapping
    (numeric id), client_secret_post, PKCE verified by the upstream."""
    plain_idp.auth_method = "client_secret_post"
    plain_idp.require_pkce = True
    platform = platform_factory(backend, plain_idp.provider_config())
    oauth = platform.oauth
    plain_idp.redirect_uri = oauth.callback_url

    async def body() -> SdkFlow:
        async with sdk_client(oauth) as (client, flow):
            await use_docs_tools(client, signed_in_as="4242")
        return flow

    flow = run(body)
    check_sdk_flow(oauth, flow, dcr=True)

    [(_, _, _, authorize)] = plain_idp.recorded("/authorize")
    assert authorize.get("redirect_uri") == oauth.callback_url and authorize.get("state"), authorize
    assert authorize.get("code_challenge_method") == "S256", authorize
    [(_, _, headers, token_form)] = plain_idp.recorded("/token")
    assert token_form.get("client_secret") == plain_idp.client_secret and "authorization" not in headers, (headers, token_form)
    assert token_form.get("redirect_uri") == oauth.callback_url, token_form
    userinfo = plain_idp.recorded("/user")
    assert userinfo and userinfo[0][2].get("authorization", "").lower().startswith(("bearer ", "token ")), userinfo


def test_refresh_rotates_and_replay_revokes_the_family(backend: Backend, platform_factory: PlatformFactory, mock_idp: MockOIDC) -> None:
    platform = platform_factory(backend, mock_idp.provider_config(), docs=False)
    oauth = platform.oauth
    grant = oauth.login()
    assert oauth.mcp(grant.access_token).status_code == 200

    refreshed = oauth.refresh(grant.client, grant.refresh_token)
    assert refreshed.status_code == 200, describe(refreshed)
    pair = refreshed.json()
    assert pair["access_token"] != grant.access_token and pair["refresh_token"] != grant.refresh_token, pair
    assert str(pair.get("token_type", "")).lower() == "bearer", pair
    assert oauth.mcp(pair["access_token"]).status_code == 200

    # The old refresh token again while its successor is unused: a retried refresh whose answer
    # was lost gets the same successor (never a second one).
    retried = oauth.refresh(grant.client, grant.refresh_token)
    assert retried.status_code == 200 and retried.json()["refresh_token"] == pair["refresh_token"], describe(retried)
    third = oauth.refresh(grant.client, pair["refresh_token"])
    assert third.status_code == 200, describe(third)

    # Once the successor was used, the old token again is a replay: the whole grant is revoked.
    assert_oauth_error(oauth.refresh(grant.client, grant.refresh_token), 400, "invalid_grant")
    assert_oauth_error(oauth.refresh(grant.client, third.json()["refresh_token"]), 400, "invalid_grant")
    assert_bearer_challenge(oauth.mcp(pair["access_token"]), oauth.prm_url, token_sent=True)
    assert_bearer_challenge(oauth.mcp(grant.access_token), oauth.prm_url, token_sent=True)


def test_revocation_kills_the_grant_only(backend: Backend, platform_factory: PlatformFactory, mock_idp: MockOIDC) -> None:
    """RFC 7009: revoking the access or the refresh token revokes that grant (its access tokens
    are refused at /mcp at once); other grants of the same client keep working."""
    platform = platform_factory(backend, mock_idp.provider_config(), docs=False)
    oauth = platform.oauth
    client = oauth.register_client()
    by_access, by_refresh, bystander = (oauth.login(client) for _ in range(3))

    r = oauth.revoke(client, by_access.access_token, "access_token")
    assert r.status_code == 200, describe(r)
    assert_bearer_challenge(oauth.mcp(by_access.access_token), oauth.prm_url, token_sent=True)
    assert_oauth_error(oauth.refresh(client, by_access.refresh_token), 400, "invalid_grant")

    r = oauth.revoke(client, by_refresh.refresh_token, "refresh_token")
    assert r.status_code == 200, describe(r)
    assert_bearer_challenge(oauth.mcp(by_refresh.access_token), oauth.prm_url, token_sent=True)
    assert_oauth_error(oauth.refresh(client, by_refresh.refresh_token), 400, "invalid_grant")

    unknown = oauth.revoke(client, "not-a-token-" + secrets.token_urlsafe(8))
    assert unknown.status_code == 200, f"RFC 7009 §2.2: an unknown token is not an error\n{describe(unknown)}"

    assert oauth.mcp(bystander.access_token).status_code == 200
    assert oauth.refresh(client, bystander.refresh_token).status_code == 200


# --------------------------------------------------------------------------------------
# Metadata and configuration (SQLite)


def test_metadata_documents(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    r = oauth.mcp(None)
    assert_bearer_challenge(r, oauth.prm_url, token_sent=False)

    prm = oauth.prm()
    assert prm.get("resource") == oauth.resource, prm
    assert prm.get("authorization_servers") == [oauth.issuer], prm
    assert "mcp" in prm.get("scopes_supported", []), prm

    meta = oauth.metadata()
    assert meta.get("issuer") == oauth.issuer, f"issuer must be exactly {oauth.issuer!r}: {meta.get('issuer')!r}"
    assert meta.get("authorization_endpoint") == oauth.authorize_url, meta
    assert meta.get("token_endpoint") == oauth.token_url, meta
    assert meta.get("registration_endpoint") == oauth.register_url, meta
    assert meta.get("revocation_endpoint") == oauth.revoke_url, meta
    assert meta.get("jwks_uri") == oauth.jwks_url, meta
    assert meta.get("code_challenge_methods_supported") == ["S256"], meta
    assert meta.get("response_types_supported") == ["code"], meta
    assert {"authorization_code", "refresh_token"} <= set(meta.get("grant_types_supported", [])), meta
    assert "implicit" not in meta.get("grant_types_supported", []) and "password" not in meta.get("grant_types_supported", []), meta
    assert "none" in meta.get("token_endpoint_auth_methods_supported", []), meta
    assert meta.get("authorization_response_iss_parameter_supported") is True, meta
    assert meta.get("client_id_metadata_document_supported") is True, meta
    assert "mcp" in meta.get("scopes_supported", []), meta

    # The same document under the other discovery URLs the SDK (and OIDC clients) try.
    for url in (
        f"{oauth.base_url}/.well-known/openid-configuration/mcp/{oauth.slug}",
        f"{oauth.mcp_url}/.well-known/openid-configuration",
    ):
        assert oauth.metadata(url).get("issuer") == oauth.issuer, url

    jwks = oauth.jwks()
    assert jwks.get("keys"), jwks
    for key in jwks["keys"]:
        assert key.get("kid") and key.get("kty") == "EC" and key.get("crv") == "P-256", key
        assert "d" not in key, "private key material in the JWKS"


def test_admin_auth_config_and_mode_switch(sqlite_platform: OAuthPlatform, mock_idp: MockOIDC) -> None:
    """GET returns the stored config without the secret; mode none makes the server anonymous
    again (provider kept); the admin API needs the admin token."""
    platform, oauth = sqlite_platform, sqlite_platform.oauth
    slug = platform.tenant.slug
    got = platform.admin.get_auth(slug)
    assert got.status_code == 200, describe(got)
    assert got.json().get("mode") == "oauth" and client_secret_set(got.json()) is True, got.json()
    assert mock_idp.provider_config()["client_secret"] not in got.text

    anonymous = httpx.put(f"{oauth.base_url}/api/v1/servers/{slug}/auth", json={"mode": "none"}, timeout=10)
    assert anonymous.status_code == 401, describe(anonymous)

    off = platform.admin.put_auth(slug, {"mode": "none"})
    assert off.status_code == 200 and off.json().get("mode") == "none", describe(off)
    assert oauth.mcp(None).status_code == 200, "mode none: anonymous MCP requests are served"
    kept = platform.admin.get_auth(slug).json()
    assert kept.get("provider", {}).get("discovery_url") == mock_idp.discovery_url, f"mode none keeps the provider: {kept}"

    on = platform.admin.put_auth(slug, {"mode": "oauth", "provider": mock_idp.provider_config()})
    assert on.status_code == 200, describe(on)
    assert_bearer_challenge(oauth.mcp(None), oauth.prm_url, token_sent=False)


def test_admin_auth_test_endpoint(sqlite_platform: OAuthPlatform, mock_idp: MockOIDC) -> None:
    platform = sqlite_platform
    slug = platform.tenant.slug
    good = platform.admin.test_auth(slug)
    assert good.status_code == 200, describe(good)
    report = good.json()
    assert report.get("ok") is True and report.get("checks"), report
    assert all(check.get("ok") is True and isinstance(check.get("name"), str) for check in report["checks"]), report

    wrong = mock_idp.provider_config(discovery_url=f"{mock_idp.issuer}/nowhere/.well-known/openid-configuration")
    stored = platform.admin.put_auth(slug, {"mode": "oauth", "provider": wrong})
    if stored.status_code == 200:
        bad = platform.admin.test_auth(slug)
        assert bad.status_code == 200, describe(bad)
        report = bad.json()
        assert report.get("ok") is False, report
        failed = [check for check in report.get("checks", []) if check.get("ok") is False]
        assert failed and all(check.get("detail") for check in failed), report
    else:  # validated when saved instead: a 4xx naming the problem is fine too
        assert 400 <= stored.status_code < 500 and "discovery" in stored.text.lower(), describe(stored)


# --------------------------------------------------------------------------------------
# Attack matrix (SQLite)


def assert_authorize_rejected(response: httpx.Response, oauth: PlatformOAuth, redirect_uri: str, state: str | None, errors: tuple[str, ...]) -> None:
    """Refused at /authorize: either a 400 HTML page, or (redirect_uri already validated) a
    redirect to the client with one of `errors`, the state and iss - never a consent page."""
    assert response.status_code != 200, f"the request reached the consent page\n{describe(response)}"
    if response.status_code in (302, 303):
        location = response.headers["location"]
        assert strip_query(location) == redirect_uri, f"error redirect to an unexpected place\n{describe(response)}"
        params = query_params(location)
        assert params.get("error") in errors and "code" not in params, params
        assert params.get("state") == state, params
        assert params.get("iss") == oauth.issuer, f"RFC 9207: error responses carry iss too: {params}"
    else:
        assert_html_error(response, (400,))


def test_authorize_requires_pkce_s256(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    cases = {
        "no code_challenge": {"omit": ("code_challenge", "code_challenge_method")},
        "method plain": {"code_challenge_method": "plain"},
        "method missing (defaults to plain)": {"code_challenge_method": None},
        "unknown method": {"code_challenge_method": "S512"},
    }
    for name, tweak in cases.items():
        state = secrets.token_urlsafe(8)
        url = oauth.authorization_url(client.client_id, state=state, **tweak)
        with oauth.browser() as browser:
            r = browser.http.get(url)
        try:
            assert_authorize_rejected(r, oauth, CLIENT_REDIRECT_URI, state, ("invalid_request",))
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None


def test_authorize_rejects_other_response_types_and_unknown_clients(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    state = "s-" + secrets.token_urlsafe(6)
    for response_type in ("token", "code id_token", ""):
        r = oauth.http.get(oauth.authorization_url(client.client_id, state=state, response_type=response_type))
        assert_authorize_rejected(r, oauth, CLIENT_REDIRECT_URI, state, ("unsupported_response_type", "invalid_request"))
    for client_id in ("no-such-client", "", f"http://127.0.0.1:{free_port()}/not-https-so-not-a-metadata-document.json"):
        r = oauth.http.get(oauth.authorization_url(client_id, state=state))
        assert_html_error(r, (400,))


def test_wrong_code_verifier_is_rejected(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    grant = oauth.authorize(oauth.register_client())
    assert_oauth_error(oauth.exchange(grant, code_verifier=Pkce.generate().verifier), 400, "invalid_grant")
    assert_oauth_error(oauth.exchange(grant, code_verifier=None), 400, ("invalid_grant", "invalid_request"))
    assert_oauth_error(oauth.exchange(grant, code_verifier=grant.pkce.challenge), 400, "invalid_grant")


def test_code_reuse_fails_and_revokes_the_first_tokens(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    grant = oauth.login()
    assert oauth.mcp(grant.access_token).status_code == 200
    assert_oauth_error(oauth.exchange(grant), 400, "invalid_grant")
    assert_bearer_challenge(oauth.mcp(grant.access_token), oauth.prm_url, token_sent=True)
    assert_oauth_error(oauth.refresh(grant.client, grant.refresh_token), 400, "invalid_grant")


def test_code_is_bound_to_its_client(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    grant = oauth.authorize(oauth.register_client())
    other = oauth.register_client(client_name="Other Client")
    r = oauth.token(
        {"grant_type": "authorization_code", "code": grant.code, "redirect_uri": grant.redirect_uri,
         "code_verifier": grant.pkce.verifier, "resource": oauth.resource},
        other,
    )
    assert_oauth_error(r, (400, 401), ("invalid_grant", "invalid_client"))


def test_refresh_token_is_bound_to_its_client(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    grant = oauth.login()
    other = oauth.register_client(client_name="Other Client")
    assert_oauth_error(oauth.refresh(other, grant.refresh_token), (400, 401), ("invalid_grant", "invalid_client"))
    assert_oauth_error(oauth.refresh(grant.client, grant.access_token), 400, "invalid_grant")


def test_unregistered_redirect_uris_are_never_redirected_to(sqlite_platform: OAuthPlatform) -> None:
    """redirect_uri not registered (open redirect attempts): a 400 page, never a redirect -
    also when the request has other errors that would normally be redirected."""
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    port = CLIENT_REDIRECT_URI.split(":")[2].split("/")[0]
    attacker_uris = [
        "https://evil.example/callback",
        f"http://evil.example:{port}/callback",
        f"http://127.0.0.1.evil.example:{port}/callback",
        f"http://127.0.0.1:{port}/callback/../evil",
        f"http://127.0.0.1:{port}/callbackX",
        f"http://127.0.0.1:{port}/callback?next=https://evil.example",
        f"http://evil.example@127.0.0.1:{port}/callback",
        f"https://127.0.0.1:{port}/callback",
        "//evil.example/callback",
        "javascript:alert(1)",
    ]
    for uri in attacker_uris:
        for tweak in ({}, {"omit": ("code_challenge", "code_challenge_method")}, {"response_type": "token"}):
            r = oauth.http.get(oauth.authorization_url(client.client_id, redirect_uri=uri, **tweak))
            try:
                assert_html_error(r, (400,))
            except AssertionError as e:
                raise AssertionError(f"redirect_uri={uri!r} {tweak}: {e}") from None
    r = oauth.http.get(oauth.authorization_url(client.client_id, redirect_uri=None))
    assert r.status_code in (200, 400), f"a missing redirect_uri: consent (single registered URI) or 400\n{describe(r)}"
    assert "location" not in r.headers


def test_loopback_redirect_uri_may_use_another_port(sqlite_platform: OAuthPlatform) -> None:
    """RFC 8252 §7.3: for a loopback redirect URI only the port may differ."""
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    other = f"http://127.0.0.1:{free_port()}/callback"
    grant = oauth.authorize(client, redirect_uri=other)
    assert grant.result.location.startswith(other + "?"), grant.result.location
    grant.token_response = oauth.exchange(grant)
    assert grant.token_response.status_code == 200, describe(grant.token_response)
    assert oauth.mcp(grant.access_token).status_code == 200
    # The path must still match.
    r = oauth.http.get(oauth.authorization_url(client.client_id, redirect_uri=f"http://127.0.0.1:{free_port()}/elsewhere"))
    assert_html_error(r, (400,))


def test_redirect_uri_must_match_at_the_token_endpoint(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    second = "http://127.0.0.1:33418/second"
    client = oauth.register_client([CLIENT_REDIRECT_URI, second])
    grant = oauth.authorize(client, redirect_uri=CLIENT_REDIRECT_URI)
    assert_oauth_error(oauth.exchange(grant, redirect_uri=second), 400, "invalid_grant")
    grant2 = oauth.authorize(client, redirect_uri=CLIENT_REDIRECT_URI)
    assert_oauth_error(oauth.exchange(grant2, redirect_uri=None), 400, ("invalid_grant", "invalid_request"))


def test_resource_must_be_this_server(sqlite_platform: OAuthPlatform) -> None:
    """RFC 8707: a foreign resource is refused at /authorize and at /token."""
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    for resource in (f"{oauth.base_url}/mcp/some-other-server", "https://evil.example/mcp"):
        state = secrets.token_urlsafe(8)
        r = oauth.http.get(oauth.authorization_url(client.client_id, state=state, resource=resource))
        assert_authorize_rejected(r, oauth, CLIENT_REDIRECT_URI, state, ("invalid_target", "invalid_request"))
    grant = oauth.authorize(client)
    r = oauth.exchange(grant, resource=f"{oauth.base_url}/mcp/some-other-server")
    assert_oauth_error(r, 400, ("invalid_target", "invalid_grant"))
    login = oauth.login(client)
    r = oauth.refresh(client, login.refresh_token, resource="https://evil.example/mcp")
    assert_oauth_error(r, 400, ("invalid_target", "invalid_grant"))


def test_token_of_one_server_is_refused_by_another(platform_factory: PlatformFactory, sqlite_backend: Backend, mock_idp: MockOIDC) -> None:
    platform = platform_factory(sqlite_backend, mock_idp.provider_config(), tenants=2, docs=False)
    a, b = (platform.for_tenant(t) for t in platform.tenants)
    grant = a.login()
    assert a.mcp(grant.access_token).status_code == 200
    assert_bearer_challenge(b.mcp(grant.access_token), b.prm_url, token_sent=True)
    # A's refresh token and client at B's token endpoint.
    r = b.refresh(grant.client, grant.refresh_token, resource=b.resource)
    assert_oauth_error(r, (400, 401), ("invalid_grant", "invalid_client"))
    # A's client id at B's authorization endpoint.
    assert_html_error(b.http.get(b.authorization_url(grant.client.client_id)), (400,))


def test_expired_access_token_is_refused(platform_factory: PlatformFactory, sqlite_backend: Backend, mock_idp: MockOIDC) -> None:
    platform = platform_factory(sqlite_backend, mock_idp.provider_config(), extra_args=["--access-token-ttl", "5"], docs=False)
    oauth = platform.oauth
    grant = oauth.login()
    assert grant.tokens.get("expires_in") == 5, grant.tokens
    _, claims, _ = jwt_parts(grant.access_token)
    assert claims["exp"] - time.time() <= 5.5, f"--access-token-ttl 5: {claims}"
    assert oauth.mcp(grant.access_token).status_code == 200
    time.sleep(max(0.0, claims["exp"] - time.time()) + 1.2)
    assert_bearer_challenge(oauth.mcp(grant.access_token), oauth.prm_url, token_sent=True)
    # The refresh token still works after the access token expired.
    assert oauth.refresh(grant.client, grant.refresh_token).status_code == 200


def test_forged_tokens_are_refused(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    grant = oauth.login()
    token = grant.access_token
    header, claims, signature = jwt_parts(token)
    later = {**claims, "exp": claims["exp"] + 86400}
    forged = {
        "payload changed, signature kept": encode_jwt(header, {**claims, "sub": "mallory"}, signature),
        "exp extended, signature kept": encode_jwt(header, later, signature),
        "signature bit flipped": encode_jwt(header, claims, bytes([signature[0] ^ 1]) + signature[1:]),
        "signed by another key, same kid": sign_es256(header, claims),
        "alg none, no signature": encode_jwt({**header, "alg": "none"}, claims),
        "alg none, original signature": encode_jwt({**header, "alg": "none"}, claims, signature),
        "alg HS256": encode_jwt({**header, "alg": "HS256"}, claims, b"\x00" * 32),
        "unknown kid": sign_es256({**header, "kid": "attacker"}, claims),
        "other audience": sign_es256(header, {**claims, "aud": "https://evil.example/mcp"}),
        "not a JWT": "opaque-" + secrets.token_urlsafe(24),
        "refresh token as access token": grant.refresh_token,
        "two segments": token.rsplit(".", 1)[0],
    }
    for name, bad in forged.items():
        try:
            assert_bearer_challenge(oauth.mcp(bad), oauth.prm_url, token_sent=True)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
    assert oauth.mcp(token).status_code == 200, "the genuine token still works"
    # Malformed Authorization headers.
    for value in ("Bearer", f"Basic {token}", f"Bearer {token} extra", f"bearer{token}"):
        r = oauth.http.post(oauth.mcp_url, headers={"authorization": value, "content-type": "application/json",
                                                    "accept": "application/json, text/event-stream"}, content=b"{}")
        assert r.status_code in (400, 401), f"Authorization: {value[:20]}...\n{describe(r)}"


def test_consent_csrf(sqlite_platform: OAuthPlatform) -> None:
    """The consent POST needs the mcp_oauth_csrf cookie and the matching csrf_token (403 otherwise)."""
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    url, _, _, _ = oauth.start_grant(client)
    with oauth.browser() as victim, oauth.browser() as attacker, httpx.Client(timeout=10) as no_cookies:
        page = victim.consent_page(url)
        attacker_page = attacker.consent_page(oauth.start_grant(client)[0])
        assert victim.http.cookies[CSRF_COOKIE] != attacker.http.cookies[CSRF_COOKIE]

        r = no_cookies.post(page.action_url, data=page.fields())
        assert r.status_code == 403 and "location" not in r.headers, f"no cookie\n{describe(r)}"
        r = victim.submit_consent(page, csrf_token="x" + page.fields()["csrf_token"][1:])
        assert r.status_code == 403 and "location" not in r.headers, f"wrong csrf_token\n{describe(r)}"
        r = victim.submit_consent(page, csrf_token="")
        assert r.status_code == 403 and "location" not in r.headers, f"empty csrf_token\n{describe(r)}"
        # Cross-site: the attacker's own request and token, posted with the victim's cookie.
        r = victim.http.post(attacker_page.action_url, data=attacker_page.fields())
        assert r.status_code == 403 and "location" not in r.headers, f"attacker's form, victim's cookie\n{describe(r)}"
        # The genuine submission still works.
        assert victim.submit_consent(page).status_code == 303


def test_consent_request_cannot_be_tampered_with(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    url, _, _, _ = oauth.start_grant(client)
    with oauth.browser() as browser:
        page = browser.consent_page(url)
        request = page.fields()["request"]
        for bad in (request[:-2] + ("AA" if not request.endswith("AA") else "BB"), "", "x" * 64, request + "."):
            r = browser.submit_consent(page, request=bad)
            assert r.status_code in (400, 403) and "location" not in r.headers, f"request={bad[:30]!r}\n{describe(r)}"
        r = browser.submit_consent(page, decision="maybe")
        if r.status_code in (302, 303):  # anything but allow may count as deny
            params = query_params(r.headers["location"])
            assert params.get("error") == "access_denied" and "code" not in params, describe(r)
        else:
            assert r.status_code == 400 and "location" not in r.headers, describe(r)


def test_consent_deny_redirects_with_access_denied(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    url, _, state, redirect_uri = oauth.start_grant(client)
    with oauth.browser() as browser:
        location = browser.consent(browser.consent_page(url), decision="deny")
    assert strip_query(location) == redirect_uri, location
    params = query_params(location)
    assert params.get("error") == "access_denied" and "code" not in params, params
    assert params.get("state") == state and params.get("iss") == oauth.issuer, params


def test_consent_page_escapes_the_client_name(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    name = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
    r = oauth.register(redirect_uris=[CLIENT_REDIRECT_URI], client_name=name, token_endpoint_auth_method="none")
    if r.status_code == 400:
        return  # refusing such a name at registration is fine too
    assert r.status_code == 201, describe(r)
    client = RegisteredClient(r.json()["client_id"], [CLIENT_REDIRECT_URI])
    with oauth.browser() as browser:
        page = browser.consent_page(oauth.start_grant(client)[0])
    assert "<script>alert(" not in page.html and "<img src=x" not in page.html, "client_name is not HTML-escaped"


def test_callback_with_unknown_or_replayed_state(sqlite_platform: OAuthPlatform, mock_idp: MockOIDC) -> None:
    oauth = sqlite_platform.oauth
    http = oauth.http
    for query in ({"code": "abc", "state": "unknown-" + secrets.token_urlsafe(8)}, {"code": "abc"}, {"state": "x"}, {}):
        r = http.get(f"{oauth.callback_url}?{urlencode(query)}")
        assert_html_error(r, (400, 403, 404, 410))

    client = oauth.register_client()
    url, _, state, _ = oauth.start_grant(client)
    with oauth.browser() as browser:
        page = browser.consent_page(url)
        callback = browser.upstream_login(browser.consent(page))
        first = browser.finish(callback)
        assert first.code and first.state == state, first.params
        replay = browser.callback(callback)
        assert_html_error(replay, (400, 403, 404, 409, 410))
        # The real state with a different code: also refused (state is single-use).
        forged = callback.replace("code=", "code=x", 1)
        assert_html_error(browser.callback(forged), (400, 403, 404, 409, 410))


def test_callback_from_another_browser_is_refused(sqlite_platform: OAuthPlatform) -> None:
    """Login CSRF / session fixation: the upstream callback must come back to the browser that
    started it (bound by a cookie) - or, if the server does not bind it, at least work once."""
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    url = oauth.start_grant(client)[0]
    with oauth.browser() as starter, oauth.browser() as other:
        callback = starter.upstream_login(starter.consent(starter.consent_page(url)))
        r = other.callback(callback)
        assert r.status_code != 500, describe(r)
        if r.status_code == 302:
            pytest.skip("the central callback is not bound to the browser that started the flow (no cookie binding)")
        assert_html_error(r, (400, 403))


def test_upstream_denial_ends_cleanly(sqlite_platform: OAuthPlatform) -> None:
    """oidc-provider-mock's deny redirects to our callback with error=access_denied and no state."""
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    url, _, state, redirect_uri = oauth.start_grant(client)
    with oauth.browser() as browser:
        callback = browser.upstream_login(browser.consent(browser.consent_page(url)), deny=True)
        assert query_params(callback).get("error") == "access_denied", callback
        r = browser.callback(callback)
    assert_callback_failed(r, redirect_uri, state, oauth)


def assert_callback_failed(r: httpx.Response, redirect_uri: str, state: str, oauth: PlatformOAuth) -> None:
    """An upstream failure: an HTML error page (4xx/502-504) or a redirect to the client with error=."""
    assert r.status_code != 500, describe(r)
    if r.status_code in (302, 303):
        location = r.headers["location"]
        assert strip_query(location) == redirect_uri, describe(r)
        params = query_params(location)
        assert params.get("error") and "code" not in params, params
        assert params.get("state") == state and params.get("iss") == oauth.issuer, params
    else:
        assert_html_error(r, (400, 401, 403, 502, 503, 504))


def test_upstream_failures_end_in_clean_errors(
    platform_factory: PlatformFactory, sqlite_backend: Backend, plain_idp: PlainOAuthIdP
) -> None:
    """The plain OAuth 2 upstream denies, errors, returns garbage or is down: never a 500, never a code."""
    platform = platform_factory(sqlite_backend, plain_idp.provider_config(), docs=False)
    oauth = platform.oauth
    client = oauth.register_client()

    def attempt(label: str, *, deny: bool = False) -> None:
        url, _, state, redirect_uri = oauth.start_grant(client)
        with oauth.browser() as browser:
            upstream = browser.consent(browser.consent_page(url))
            if deny:
                plain_idp.auto_approve = False
            callback = browser.upstream_login(upstream, deny=deny)
            plain_idp.auto_approve = True
            r = browser.callback(callback)
        try:
            assert_callback_failed(r, redirect_uri, state, oauth)
        except AssertionError as e:
            raise AssertionError(f"{label}: {e}") from None

    attempt("user denies upstream", deny=True)
    for endpoint, mode in (("token", "500"), ("token", "garbage"), ("token", "html"), ("token", "error"),
                           ("user", "500"), ("user", "garbage"), ("user", "error")):
        plain_idp.fail = {endpoint: mode}
        attempt(f"{endpoint} {mode}")
    plain_idp.fail = {}

    # The token endpoint is down (a closed port).
    platform.admin.enable_oauth(platform.tenant.slug, plain_idp.provider_config(token_url=f"http://127.0.0.1:{free_port()}/token"))
    attempt("token endpoint down")

    # A userinfo answer without the mapped subject claim.
    platform.admin.enable_oauth(
        platform.tenant.slug, plain_idp.provider_config(claims={"subject": "no_such_claim", "email": "email", "name": "login"})
    )
    attempt("no subject claim")

    # And the happy path still works afterwards.
    platform.admin.enable_oauth(platform.tenant.slug, plain_idp.provider_config())
    assert oauth.login(client).access_token


def test_upstream_account_disabled_stops_refresh(sqlite_platform: OAuthPlatform, mock_idp: MockOIDC) -> None:
    oauth = sqlite_platform.oauth
    grant = oauth.login()
    first = oauth.refresh(grant.client, grant.refresh_token)
    assert first.status_code == 200, describe(first)
    mock_idp.revoke_tokens("alice")
    assert_oauth_error(oauth.refresh(grant.client, first.json()["refresh_token"]), 400, "invalid_grant")


def test_oversized_parameters_are_refused(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    client = oauth.register_client()
    big = "A" * 10_240
    for name, url in (
        ("state", oauth.authorization_url(client.client_id, state=big)),
        ("redirect_uri", oauth.authorization_url(client.client_id, redirect_uri=f"http://127.0.0.1:33418/{big}")),
        ("scope", oauth.authorization_url(client.client_id, scope="mcp " + big)),
        ("client_id", oauth.authorization_url(big)),
    ):
        r = oauth.http.get(url)
        assert r.status_code in (400, 414, 431) and "location" not in r.headers, f"10 KB {name}\n{describe(r, 200)}"

    r = oauth.token({"grant_type": "authorization_code", "code": big, "redirect_uri": CLIENT_REDIRECT_URI,
                     "code_verifier": Pkce.generate().verifier}, client)
    assert_oauth_error(r, 400, ("invalid_grant", "invalid_request"))
    r = oauth.register(redirect_uris=[CLIENT_REDIRECT_URI], client_name=big)
    assert r.status_code == 400, describe(r, 200)
    r = oauth.register(redirect_uris=[f"http://127.0.0.1:{1000 + i}/cb" for i in range(500)])
    assert r.status_code == 400, describe(r, 200)


def test_dcr_rejects_bad_redirect_uris(sqlite_platform: OAuthPlatform) -> None:
    oauth = sqlite_platform.oauth
    for uri in (
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://evil.example/callback",
        "http://192.168.1.10/callback",
        "/relative/callback",
        "http://127.0.0.1:33418/callback#fragment",
        "ftp://127.0.0.1/callback",
        "not a url",
    ):
        r = oauth.register(redirect_uris=[CLIENT_REDIRECT_URI, uri], token_endpoint_auth_method="none")
        assert r.status_code == 400, f"{uri!r}\n{describe(r)}"
        assert r.json().get("error") == "invalid_redirect_uri", f"{uri!r}\n{describe(r)}"
    for body in ({}, {"redirect_uris": []}, {"redirect_uris": "http://127.0.0.1:33418/callback"}):
        r = oauth.register(body)
        assert r.status_code == 400 and r.json().get("error") in ("invalid_redirect_uri", "invalid_client_metadata"), describe(r)
    r = oauth.http.post(oauth.register_url, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400, describe(r)


def test_dcr_minimal_and_confidential_clients(sqlite_platform: OAuthPlatform) -> None:
    """No scope, no auth method: a usable client that gets scope mcp;
    https redirect URIs on other hosts are fine; a confidential client must authenticate."""
    oauth = sqlite_platform.oauth
    r = oauth.register(redirect_uris=[CLIENT_REDIRECT_URI])
    assert r.status_code == 201, describe(r)
    body = r.json()
    # SPEC.md says `none` by default; RFC 7591 §2 says client_secret_basic. Either, echoed and consistent.
    method = body.get("token_endpoint_auth_method")
    assert method in ("none", "client_secret_basic"), f"the method must be echoed (the SDK relies on it): {body}"
    assert bool(body.get("client_secret")) == (method != "none"), body
    assert body.get("redirect_uris") == [CLIENT_REDIRECT_URI], body
    minimal = RegisteredClient(body["client_id"], [CLIENT_REDIRECT_URI], body.get("client_secret"), method)
    grant = oauth.authorize(minimal, scope=None)
    grant.token_response = oauth.exchange(grant)
    assert grant.token_response.status_code == 200, describe(grant.token_response)
    assert "mcp" in str(grant.tokens.get("scope", "mcp")).split(), grant.tokens
    assert oauth.mcp(grant.access_token).status_code == 200

    assert oauth.register(redirect_uris=["https://app.example.com/oauth/callback"]).status_code == 201

    for method in ("client_secret_basic", "client_secret_post"):
        confidential = oauth.register_client(token_endpoint_auth_method=method)
        assert confidential.token_endpoint_auth_method == method and confidential.client_secret, confidential.raw
        grant = oauth.authorize(confidential)
        public = RegisteredClient(confidential.client_id, confidential.redirect_uris)  # no secret
        r = oauth.token({"grant_type": "authorization_code", "code": grant.code, "redirect_uri": grant.redirect_uri,
                         "code_verifier": grant.pkce.verifier}, public)
        assert_oauth_error(r, (400, 401), "invalid_client")
        wrong = RegisteredClient(confidential.client_id, confidential.redirect_uris, "wrong-secret", method)
        r = oauth.token({"grant_type": "authorization_code", "code": grant.code, "redirect_uri": grant.redirect_uri,
                         "code_verifier": grant.pkce.verifier}, wrong)
        assert_oauth_error(r, 401 if method == "client_secret_basic" else (400, 401), "invalid_client")
        r = oauth.exchange(grant)
        assert r.status_code == 200, f"{method}: the right secret\n{describe(r)}"


def test_cimd_documents_are_validated(
    platform_factory: PlatformFactory, sqlite_backend: Backend, mock_idp: MockOIDC, cimd_host: CimdHost
) -> None:
    """A Client ID Metadata Document that does not name itself, lacks the redirect URI, is
    missing, is not JSON or is too large: refused with a 400 page, no redirect."""
    platform = platform_factory(
        sqlite_backend, mock_idp.provider_config(), extra_args=["--outbound-ca-file", str(cimd_host.ca_file)], docs=False
    )
    oauth = platform.oauth
    good = cimd_host.publish_client("/clients/good.json")
    cases = {
        "client_id mismatch": cimd_host.publish_client("/clients/liar.json", client_id="https://other.example/client.json"),
        "redirect_uri not listed": cimd_host.publish_client("/clients/other-redirect.json", redirect_uris=["http://127.0.0.1:1/elsewhere"]),
        "404": cimd_host.url("/clients/missing.json"),
        "not JSON": cimd_host.url("/clients/html.json"),
        "too large": cimd_host.url("/clients/huge.json"),
        "plain http": good.replace("https://", "http://"),
    }
    cimd_host.documents["/clients/html.json"] = (200, b"<html>hello</html>", "text/html")
    cimd_host.documents["/clients/huge.json"] = (200, b'{"client_name": "' + b"x" * (70 * 1024) + b'"}', "application/json")
    for name, client_id in cases.items():
        r = oauth.http.get(oauth.authorization_url(client_id))
        try:
            assert_html_error(r, (400,))
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
    # The good one reaches the consent page.
    with oauth.browser() as browser:
        browser.consent_page(oauth.authorization_url(good))


def test_rate_limits(sqlite_platform: OAuthPlatform) -> None:
    """Registration: 20/min per client IP and server; token: 60/min. Beyond: 429 + Retry-After."""
    oauth = sqlite_platform.oauth
    statuses = [oauth.register(redirect_uris=[CLIENT_REDIRECT_URI]).status_code for _ in range(20)]
    assert statuses == [201] * 20, f"the first 20 registrations must pass: {statuses}"
    limited = [oauth.register(redirect_uris=[CLIENT_REDIRECT_URI]) for _ in range(5)]
    assert any(r.status_code == 429 for r in limited), [r.status_code for r in limited]
    check_retry_after(next(r for r in limited if r.status_code == 429))

    client = RegisteredClient("no-such-client", [CLIENT_REDIRECT_URI])
    form = {"grant_type": "authorization_code", "code": "bogus", "redirect_uri": CLIENT_REDIRECT_URI,
            "code_verifier": Pkce.generate().verifier}
    responses = [oauth.token(form, client) for _ in range(75)]
    codes = [r.status_code for r in responses]
    first_429 = codes.index(429) if 429 in codes else None
    assert first_429 is not None, f"no 429 after 75 token requests: {codes}"
    assert first_429 >= 60 and all(c in (400, 401) for c in codes[:first_429]), codes
    check_retry_after(responses[first_429])


def check_retry_after(response: httpx.Response) -> None:
    value = response.headers.get("retry-after", "")
    assert value.isdigit() and 0 < int(value) <= 60, f"429 needs Retry-After in seconds\n{describe(response)}"
