import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// Quotas and input limits: servers per organization (store, dashboard, admin API), the
/// documentation quota on every kind of source, and every tool's argument limits.
@Suite struct LimitsTests {
    // MARK: Servers per organization

    @Test(arguments: Backend.available)
    func concurrentCreationsStopAtTheQuota(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let tenancy = TenancyStore(database: database, maximumServersPerOrganization: 3)
            let acme = try await tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let globex = try await tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            let slugs = try (0..<8).map { try Slug("acme-\($0)") }
            let created = await withTaskGroup(of: Bool.self) { group in
                for slug in slugs {
                    group.addTask {
                        do {
                            _ = try await tenancy.createServer(slug: slug, name: "", organization: acme)
                            return true
                        } catch TenancyError.serverQuotaReached(let organization, let maximum) {
                            #expect(organization == "acme" && maximum == 3)
                            return false
                        } catch {
                            Issue.record("unexpected \(error)")
                            return false
                        }
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(created == 3)
            #expect(try await tenancy.servers(organizationID: acme.id).count == 3)

            // Other organizations have their own count; a deletion makes room again.
            _ = try await tenancy.createServer(slug: Slug("globex-docs"), name: "", organization: globex)
            let extra = try Slug("acme-extra")
            do {
                _ = try await tenancy.createServer(slug: extra, name: "", organization: acme)
                Issue.record("a fourth server was created")
            } catch {
                #expect(
                    "\(error)"
                        == "organization 'acme' already has 3 MCP servers, the most allowed (--max-servers-per-org): delete one first")
            }
            let first = try #require(try await tenancy.servers(organizationID: acme.id).first)
            try await tenancy.deleteServer(slug: first.slug)
            _ = try await tenancy.createServer(slug: extra, name: "", organization: acme)
        }
    }

    @Test func theDashboardExplainsTheQuota() async throws {
        try await DashboardHarness.run(configure: { $0.maxServersPerOrganization = 2 }) { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            try await harness.createServer(by: ada, in: "acme", slug: "one")
            try await harness.createServer(by: ada, in: "acme", slug: "two")
            let refused = try await ada.submit("/orgs/acme/servers/new", ["name": "Three", "slug": "three"])
            #expect(refused.status == .unprocessableContent)
            #expect(
                refused.text(ofID: "quota-error")
                    == "Acme already has 2 MCP servers, the most an organization may have. Delete one first, or ask the platform's operator to raise the limit."
            )
            #expect(refused.inputValue("name") == "Three")
            #expect(try await harness.count("mcp_servers") == 2)
        }
    }

    @Test func theAdminAPIAnswers409() async throws {
        let token = AdminAPITests.token
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database) {
                $0.adminToken = token
                $0.maxServersPerOrganization = 1
            }
            let acme = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            _ = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Guide", organization: acme)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                let response = try await AdminAPITests.call(
                    client, .post, "/api/v1/servers", json: #"{"slug":"more","organization":"acme"}"#)
                #expect(response.status == .conflict)
                #expect(response.json["error"] as? String == "quota_exceeded")
                #expect((response.json["message"] as? String)?.contains("already has 1 MCP servers") == true)
            }
        }
    }

    // MARK: Documentation quota

    /// Every source kind goes through the same runner, which counts the server's stored bytes:
    /// pages beyond the quota fail with the reason, and a changed page takes its old size's place.
    @Test(arguments: [DocSource.Kind.folder, .git])
    func theDocsQuotaHoldsForEverySourceKind(kind: DocSource.Kind) async throws {
        let page = String(repeating: "word ", count: 200)  // 1,000 bytes plus the heading
        try await DocsIngestionTests.withDocs(
            .sqlite, files: ["a.md": "# A\n\n" + page, "b.md": "# B\n\n" + page, "c.md": "# C\n\n" + page]
        ) {
            platform, server, folder in
            if kind == .git { try Self.commit(folder) }
            var limits = IngestLimits()
            limits.maximumServerBytes = 2100
            let job = try await Self.ingest(folder, kind: kind, into: server, platform: platform, limits: limits)
            #expect(job.status == .succeeded)
            #expect(job.pagesIndexed == 2 && job.pagesFailed == 1)
            let failed = try await IngestJobStore(database: platform.database).pages(jobID: job.id, status: .failed)
            #expect(failed.map(\.error) == ["the server's documentation quota of 0 MiB is used up"])
            #expect(try await DocsStore(database: platform.database).totalBytes(serverID: server.id) <= 2100)

            // A stored page that grows a little replaces its old size: it still fits.
            let stored = try await DocsIngestionTests.topURLs("word", server: server, platform: platform)
            let grown = try #require(stored.first.map { String($0.prefix { $0 != "#" }) })
            try folder.write(grown, "# Grown\n\n" + page + "more")
            try folder.write("c.md", "# C\n\nsmall")
            if kind == .git { try Self.commit(folder) }
            let again = try await Self.ingest(folder, kind: kind, into: server, platform: platform, limits: limits)
            #expect(again.pagesIndexed == 2, "\(again)")
            #expect(again.pagesFailed == 0)
        }
    }

    static func ingest(
        _ folder: DocsIngestionTests.Folder, kind: DocSource.Kind, into server: TenantServer, platform: Platform, limits: IngestLimits
    ) async throws -> IngestJob {
        let source = try await DocsStore(database: platform.database).source(
            serverID: server.id, kind: kind, location: folder.url.path, version: "latest", settings: SourceSettings())
        let job = try await IngestJobStore(database: platform.database).create(source: source, running: true)
        return try await IngestRunner(
            database: platform.database, limits: limits, cacheDirectory: DocsIngestionTests.cacheDirectory, logger: .quiet
        ).run(job)
    }

    static func commit(_ folder: DocsIngestionTests.Folder) throws {
        for arguments in [
            ["init", "--quiet", "--initial-branch=main"], ["add", "-A"], ["commit", "--quiet", "--allow-empty", "-m", "docs"],
        ] {
            try folder.git(arguments)
        }
    }

    // MARK: Tool arguments

    /// Every free-text argument of every tool has a limit, answered as a tool error the model can act on.
    @Test func everyToolRefusesOverlongArguments() async throws {
        try await WalkthroughToolsTests.withWalkthrough { client, _, _ in
            let (session, _) = try await client.initialize()
            func long(_ count: Int) -> String { String(repeating: "a", count: count + 1) }
            let cases: [(String, [String: Any], String)] = [
                ("search_docs", ["query": long(1000)], "'query' is longer than 1000 characters."),
                ("search_docs", ["query": "x", "version": long(100)], "'version' is longer than 100 characters."),
                ("read_page", ["url": long(2000)], "'url' is longer than 2000 characters."),
                ("create_support_ticket", ["title": long(200), "description": "d"], "'title' is longer than 200 characters."),
                ("create_support_ticket", ["title": "t", "description": long(10_000)], "'description' is longer than 10000 characters."),
                (
                    "create_support_ticket", ["title": "t", "description": "d", "context": long(20_000)],
                    "'context' is longer than 20000 characters."
                ),
                ("submit_feedback", ["helpful": true, "comment": long(2000)], "'comment' is longer than 2000 characters."),
                ("submit_feedback", ["helpful": false, "query": long(500)], "'query' is longer than 500 characters."),
                ("start_walkthrough", ["slug": long(63)], "'slug' is longer than 63 characters."),
                ("get_walkthrough_step", ["slug": long(63)], "'slug' is longer than 63 characters."),
                ("complete_step", ["slug": long(63), "step": 1], "'slug' is longer than 63 characters."),
                ("complete_step", ["slug": "start", "step": 1, "note": long(2000)], "'note' is longer than 2000 characters."),
            ]
            for (tool, arguments, message) in cases {
                let body = try JSONSerialization.data(
                    withJSONObject: ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": tool, "arguments": arguments]])
                let response = try await client.post(String(decoding: body, as: UTF8.self), session: session)
                let result = try #require(response.json["result"] as? [String: Any], "\(tool): \(response.json)")
                #expect(result["isError"] as? Bool == true, "\(tool)")
                let text = (result["content"] as? [[String: Any]])?.first?["text"] as? String
                #expect(text?.contains(message) == true, "\(tool): \(text ?? "")")
            }
        }
    }
}
