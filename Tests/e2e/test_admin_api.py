"""The admin API against its OpenAPI document, fuzzed by schemathesis: no 5xx, and every
response matches the documented schema, status codes, content types and headers. Run with the
operator's token (every organization) and with an organization's API key made in the dashboard."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from harness import Backend, ServerFactory, ServerProcess

OPERATOR_TOKEN = "e2e-operator-token-0123456789abcdef"
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance"


def schemathesis(server: ServerProcess, token: str, *extra: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).parent / "schemathesis"
    return subprocess.run(
        [
            str(binary), *(["--config-file", str(config)] if config else []), "run", f"{server.base_url}/api/v1/openapi.json",
            "-H", f"Authorization: Bearer {token}",
            "--checks", CHECKS, "--max-examples", "25", "--generation-deterministic", "--request-timeout", "10", *extra,
        ],
        capture_output=True, text=True, timeout=600,
    )


def organization_api_key(base_url: str) -> str:
    """Signs up, creates an organization with a server, and creates an API key in the dashboard."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        def csrf(path: str) -> str:
            return re.search(r'name="_csrf" value="([^"]+)"', client.get(path).text).group(1)

        assert client.post("/signup", data={"_csrf": csrf("/signup"), "name": "Ada", "email": "ada@example.com", "password": "a long password"}).status_code == 303
        assert client.post("/orgs/new", data={"_csrf": csrf("/orgs/new"), "name": "Acme", "slug": "acme"}).status_code == 303
        assert client.post("/orgs/acme/servers/new", data={"_csrf": csrf("/orgs/acme/servers/new"), "name": "Acme Docs", "slug": "acme-docs"}).status_code == 303
        page = client.post("/orgs/acme/api-keys", data={"_csrf": csrf("/orgs/acme/api-keys"), "name": "fuzz"})
        assert page.status_code == 200, page.text[:300]
        return re.search(r'id="new-api-key"[^>]*>([^<]+)<', page.text).group(1)


def test_admin_api_conforms_to_its_openapi_document(backend: Backend, server_factory: ServerFactory, tmp_path: Path) -> None:
    server = server_factory.start(backend, extra_args=["--admin-token", OPERATOR_TOKEN, "--public-url", "http://127.0.0.1:{port}"])
    key = organization_api_key(server.base_url)
    # Random server slugs reach only the 404s of the walkthrough operations: run them once more on
    # the organization's server, with a walkthrough that exists (until the fuzzer deletes it).
    created = httpx.post(
        f"{server.base_url}/api/v1/servers/acme-docs/walkthroughs", params={"slug": "first-steps"},
        headers={"authorization": f"Bearer {key}", "content-type": "text/markdown"}, content=b"# First steps\n\n## Install\nRun the installer.\n",
    )
    assert created.status_code == 201, created.text
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"path.slug" = "acme-docs"\n"path.walkthrough" = "first-steps"\n')
    runs = [schemathesis(server, key), schemathesis(server, OPERATOR_TOKEN)]
    runs.append(schemathesis(server, key, "--include-path-regex", "/walkthroughs", config=config))
    for result in runs:
        assert result.returncode == 0, f"schemathesis failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
        assert re.search(r"\d+ generated, \d+ passed", result.stdout), result.stdout[-2000:]
    log = server.stderr_path.read_text(errors="replace")
    assert "http.status=5" not in log, "the server answered 5xx:\n" + "\n".join(l for l in log.splitlines() if "http.status=5" in l)[:3000]


def test_openapi_document_is_public_and_keys_are_scoped(sqlite_backend: Backend, server_factory: ServerFactory) -> None:
    server = server_factory.start(sqlite_backend, extra_args=["--admin-token", OPERATOR_TOKEN, "--public-url", "http://127.0.0.1:{port}"])
    document = httpx.get(f"{server.base_url}/api/v1/openapi.json")
    assert document.status_code == 200 and document.json()["openapi"] == "3.1.0"
    key = organization_api_key(server.base_url)
    headers = {"authorization": f"Bearer {key}"}
    servers = httpx.get(f"{server.base_url}/api/v1/servers", headers=headers).json()["servers"]
    assert [s["slug"] for s in servers] == ["acme-docs"]
    created = httpx.post(f"{server.base_url}/api/v1/servers", headers=headers, json={"slug": "acme-api", "name": "Acme API"})
    assert created.status_code == 201 and created.json()["organization"] == "acme", created.text
    operator = {"authorization": f"Bearer {OPERATOR_TOKEN}"}
    other = httpx.post(f"{server.base_url}/api/v1/onboard", headers=operator, json={"organization": "globex", "owner_email": "ceo@globex.com"})
    assert other.status_code == 201, other.text
    assert httpx.get(f"{server.base_url}/api/v1/servers/globex/sources", headers=headers).status_code == 404
    assert httpx.delete(f"{server.base_url}/api/v1/servers/globex", headers=headers).status_code == 404
    assert httpx.post(f"{server.base_url}/api/v1/onboard", headers=headers, json={"organization": "x1", "owner_email": "a@b.co"}).status_code == 403
    assert httpx.delete(f"{server.base_url}/api/v1/servers/acme-api", headers=headers).status_code == 204
