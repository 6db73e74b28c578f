"""Walkthroughs through the admin API, on both storage backends: a JSON walkthrough file
imported, published and exported comes back as it went in; Markdown imports; problems are
answered 422 by field."""

from __future__ import annotations

import json

import httpx

from harness import Backend, ServerFactory, Tenant

ADMIN_TOKEN = "e2e-walkthroughs-token-0123456789abcdef"

#: A walkthrough file as an export writes it (with the version it was exported from).
DOCUMENT = {
    "format_version": 1,
    "slug": "first-request",
    "version": 1,
    "title": "Your first request",
    "description": "Send a request with the Acme SDK — in five minutes.",
    "type": "integration",
    "estimated_minutes": 5,
    "steps": [
        {
            "title": "Install the SDK",
            "introduction": "We start by installing the SDK.",
            "context": "The user has Node 20 and an empty project.",
            "operations": "npm install @acme/sdk",
            "content": "Run:\n\n```sh\nnpm install @acme/sdk\n## not a step\n```",
            "check": "`npm ls @acme/sdk` lists it",
        },
        {
            "title": "Send a request",
            "introduction": "",
            "context": "",
            "operations": "Create `index.js` calling `acme.ping()`.",
            "content": "Ünïcode, \"quotes\", back\\slashes / and emoji 🎉",
            "check": "",
        },
    ],
}


def api(server_url: str, tenant: Tenant) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server_url}/api/v1/servers/{tenant.slug}/walkthroughs",
        headers={"authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=30,
    )


def test_a_walkthrough_file_round_trips_through_import_publish_and_export(
    tenant: Tenant, backend: Backend, server_factory: ServerFactory
) -> None:
    server = server_factory.start(backend, extra_args=["--admin-token", ADMIN_TOKEN])
    with api(server.base_url, tenant) as client:
        created = client.post("", content=json.dumps(DOCUMENT), headers={"content-type": "application/json"})
        assert created.status_code == 201, created.text
        assert created.json() == {
            "created": True,
            "walkthrough": {
                "slug": "first-request", "title": "Your first request", "type": "integration", "status": "draft",
                "published_version": None, "draft_version": 1, "steps": 2, "starts": 0, "completions": 0,
            },
        }

        published = client.post("/first-request/publish")
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"
        assert published.json()["published_version"] == 1 and published.json()["draft_version"] is None

        exported = client.get("/first-request")
        assert exported.status_code == 200 and exported.headers["content-type"] == "application/json"
        assert exported.json() == DOCUMENT

        # The export imported again (a new draft, version 2) and exported: the same file but for its version.
        again = client.post("", content=exported.content, headers={"content-type": "application/json"})
        assert again.status_code == 200 and again.json()["created"] is False, again.text
        assert again.json()["walkthrough"]["draft_version"] == 2
        draft = client.get("/first-request")
        assert draft.json() == {**DOCUMENT, "version": 2}
        assert draft.content == exported.content.replace(b'"version" : 1', b'"version" : 2')
        assert client.get("/first-request", params={"version": 1}).content == exported.content

        listed = client.get("").json()["walkthroughs"]
        assert [(w["slug"], w["status"], w["published_version"], w["draft_version"]) for w in listed] == [
            ("first-request", "published", 1, 2)
        ]
        analytics = client.get("/first-request/analytics").json()
        assert analytics["version"] == 1 and analytics["starts"] == 0 and analytics["completion_rate"] == 0
        assert [s["title"] for s in analytics["steps"]] == ["Install the SDK", "Send a request"]

        assert client.delete("/first-request").status_code == 204
        assert client.get("/first-request").status_code == 404


def test_markdown_import_and_problems_by_field(tenant: Tenant, backend: Backend, server_factory: ServerFactory) -> None:
    server = server_factory.start(backend, extra_args=["--admin-token", ADMIN_TOKEN])
    markdown = "---\ntype: installer\nestimated_minutes: 3\n---\n# Install the CLI\n\nOne step.\n\n## Download\n### Operations\nbrew install acme\n### Check\n`acme --version`\n"
    with api(server.base_url, tenant) as client:
        created = client.post("", params={"slug": "cli"}, content=markdown.encode(), headers={"content-type": "text/markdown"})
        assert created.status_code == 201, created.text
        exported = client.get("/cli").json()
        assert exported["title"] == "Install the CLI" and exported["type"] == "installer" and exported["estimated_minutes"] == 3
        assert exported["steps"] == [
            {"title": "Download", "introduction": "", "context": "", "operations": "brew install acme", "content": "", "check": "`acme --version`"}
        ]

        wrong = client.post("", json={**DOCUMENT, "format_version": 2, "steps": "none"})
        assert wrong.status_code == 422
        assert wrong.json()["error"] == "invalid" and list(wrong.json()["fields"]) == ["format_version"]
        typed = client.post("", json={**DOCUMENT, "steps": [{"title": 3}]})
        assert typed.status_code == 422 and typed.json()["fields"] == {"steps.1.title": "must be a string"}
        renamed = client.put("/cli", json={**DOCUMENT, "slug": "other"})
        assert renamed.status_code == 422 and list(renamed.json()["fields"]) == ["slug"]
        assert client.get("/cli", params={"version": "x"}).status_code == 400
        assert client.get("/cli", params={"version": 9}).status_code == 404
        assert client.post("", content=b"x" * (1 << 20 | 1), headers={"content-type": "text/markdown"}).status_code == 413
    log = server.stderr_path.read_text(errors="replace")
    assert "http.status=5" not in log
