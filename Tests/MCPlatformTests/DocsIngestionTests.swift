import Foundation
import Testing

@testable import MCPlatform

/// Ingestion and search over real folders, on each backend.
@Suite struct DocsIngestionTests {
    /// A docs folder written to a temporary directory.
    struct Folder {
        let url: URL

        init(url: URL) {
            self.url = url
        }

        init(_ files: [String: String]) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString)")
            for (path, text) in files { try write(path, text) }
        }

        /// Runs git in the folder (as a throwaway committer).
        func git(_ arguments: [String]) throws {
            let outcome = try ChildProcess.run(
                "/usr/bin/env", ["git", "-C", url.path, "-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments,
                environment: ProcessInfo.processInfo.environment)
            #expect(outcome.exitStatus == 0, "git \(arguments)")
        }

        func write(_ path: String, _ text: String) throws {
            let file = url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }

        func remove(_ path: String) throws {
            try FileManager.default.removeItem(at: url.appendingPathComponent(path))
        }
    }

    static let corpus: [String: String] = [
        "install.md": """
        # Installation

        Install the Acme SDK with pip.

        ```sh
        pip install acme-sdk
        ```

        ## Upgrading

        Run `pip install --upgrade acme-sdk` to get the newest release.
        """,
        "guide/client.md": """
        # The client

        Create a `Client` with your API key, then call `Client.connect()`.

        ## Timeouts

        Every request times out after 30 seconds; pass `timeout=` to change it.

        ## Retries

        Failed requests are retried three times with exponential backoff.
        """,
        "guide/errors.mdx": """
        ---
        title: Error reference
        ---
        import Callout from './Callout';

        ## RateLimitError

        <Callout>Raised when you exceed 100 requests per minute.</Callout>

        ## AuthenticationError

        The API key is missing or revoked.
        """,
        "reference/cli.rst": """
        CLI
        ===

        acme deploy
        -----------

        Deploys the app. Use ``--dry-run`` to preview the changes::

            acme deploy --dry-run
        """,
        "notes.txt": "Release notes: version 2 renamed get_user_name to fetch_user_name.",
        "image.png": "not a page",
        ".hidden/secret.md": "# Secret\nnever indexed",
    ]

    @discardableResult
    static func withDocs<T>(
        _ backend: Backend, files: [String: String] = corpus, _ body: (Platform, TenantServer, Folder) async throws -> T
    ) async throws -> T {
        let folder = try Folder(files)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        return try await backend.withDatabase { database in
            let platform = Platform.test(database: database)
            let organization = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let server = try await platform.tenancy.createServer(slug: Slug("acme-docs"), name: "Acme Docs", organization: organization)
            return try await body(platform, server, folder)
        }
    }

    static let cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("mcplatform-cache-\(UUID().uuidString)").path

    static func ingest(
        _ folder: Folder, into server: TenantServer, platform: Platform, version: String = "latest",
        kind: DocSource.Kind = .folder, settings: SourceSettings = SourceSettings()
    ) async throws -> IngestJob {
        let source = try await DocsStore(database: platform.database).source(
            serverID: server.id, kind: kind, location: folder.url.path, version: version, settings: settings
        )
        let job = try await IngestJobStore(database: platform.database).create(source: source, running: true)
        return try await IngestRunner(database: platform.database, cacheDirectory: Self.cacheDirectory, logger: .quiet).run(job)
    }

    static func topURLs(_ query: String, server: TenantServer, platform: Platform, version: String? = nil) async throws -> [String] {
        try await DocsSearch(database: platform.database, indexes: SearchIndexCache()).search(
            serverID: server.id, query: query, version: version, limit: 5, offset: 0
        )
        .results.map(\.url)
    }

    /// Deleting a source removes its pages from search and its jobs, and leaves other sources alone.
    @Test(arguments: Backend.available)
    func deletingASourceRemovesItsPagesFromSearch(backend: Backend) async throws {
        try await Self.withDocs(backend, files: ["a.md": "# Alpha\n\nThe quokka lives on Rottnest."]) { platform, server, folder in
            let other = try Folder(["b.md": "# Beta\n\nThe quokka also appears in this guide."])
            defer { try? FileManager.default.removeItem(at: other.url) }
            _ = try await Self.ingest(folder, into: server, platform: platform)
            _ = try await Self.ingest(other, into: server, platform: platform)
            let before = try await Self.topURLs("quokka", server: server, platform: platform)
            #expect(Set(before.map { String($0.prefix { $0 != "#" }) }) == ["a.md", "b.md"], "\(before)")
            let docs = DocsStore(database: platform.database)
            let first = try #require(try await docs.sources(serverID: server.id).first { $0.location == folder.url.path })
            try await docs.deleteSource(first)
            let after = try await Self.topURLs("quokka", server: server, platform: platform)
            #expect(after.map { String($0.prefix { $0 != "#" }) } == ["b.md"], "\(after)")
            #expect(try await docs.sources(serverID: server.id).map(\.location) == [other.url.path])
            #expect(try await platform.database.query("SELECT id FROM ingest_jobs WHERE source_id = \(first.id)").isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func ingestsEveryFormatAndFindsTheRightSection(backend: Backend) async throws {
        try await Self.withDocs(backend) { platform, server, folder in
            let job = try await Self.ingest(folder, into: server, platform: platform)
            #expect(job.status == .succeeded)
            #expect(job.pagesTotal == 5)
            #expect(job.pagesIndexed == 5)
            #expect(job.pagesFailed == 0)

            #expect(
                try await Self.topURLs("how do I change the request timeout?", server: server, platform: platform).first
                    == "guide/client.md#timeouts")
            #expect(try await Self.topURLs("RateLimitError", server: server, platform: platform).first == "guide/errors.mdx#ratelimiterror")
            #expect(
                try await Self.topURLs("preview a deploy with dry-run", server: server, platform: platform).first
                    == "reference/cli.rst#acme-deploy")
            #expect(try await Self.topURLs("upgrade the sdk", server: server, platform: platform).first == "install.md#upgrading")
            #expect(try await Self.topURLs("fetch_user_name", server: server, platform: platform) == ["notes.txt"])
            #expect(try await Self.topURLs("secret", server: server, platform: platform).isEmpty)
            #expect(try await Self.topURLs("zebra unicorn", server: server, platform: platform).isEmpty)

            let mdx = try #require(
                try await DocsStore(database: platform.database).page(serverID: server.id, version: "latest", url: "guide/errors.mdx"))
            #expect(mdx.title == "Error reference")
            #expect(!mdx.content.contains("Callout"))
        }
    }

    @Test(arguments: Backend.available)
    func prefixAndPhraseQueries(backend: Backend) async throws {
        let files = [
            "apart.md": "# Exponential\n\nExponential growth of the backoff delay; backoff capped.",
            "phrase.md": "# Phrase\n\nRetries use exponential backoff with jitter.",
            "ids.md": "# Identifiers\n\nCall `frobnicate_widget()` or `frobnicate_gadget()`.",
        ]
        try await Self.withDocs(backend, files: files) { platform, server, folder in
            _ = try await Self.ingest(folder, into: server, platform: platform)
            #expect(try await Self.topURLs("frobnicate_wid*", server: server, platform: platform).first == "ids.md#identifiers")
            #expect(try await Self.topURLs("frobni*", server: server, platform: platform) == ["ids.md#identifiers"])
            #expect(try await Self.topURLs("fr*", server: server, platform: platform).isEmpty)
            // Without quotes the page with more of the words wins; quoted, the one with the phrase.
            #expect(try await Self.topURLs("exponential backoff", server: server, platform: platform).first == "apart.md#exponential")
            #expect(try await Self.topURLs("\"exponential backoff\"", server: server, platform: platform).first == "phrase.md#phrase")
            #expect(SearchQuery("say \"exponential backoff\" and get_user*").phrases == [["exponential", "backoff"]])
            #expect(SearchQuery("say \"exponential backoff\" and get_user*").prefixes == ["get_user"])
        }
    }

    @Test(arguments: Backend.available)
    func reingestIsIncremental(backend: Backend) async throws {
        try await Self.withDocs(backend) { platform, server, folder in
            _ = try await Self.ingest(folder, into: server, platform: platform)
            try folder.write("install.md", "# Installation\n\nUse the installer wizard.")
            try folder.remove("notes.txt")
            try folder.write("new.md", "# New page\n\nAbout webhooks.")
            let job = try await Self.ingest(folder, into: server, platform: platform)
            #expect(job.pagesIndexed == 2)
            #expect(job.pagesUnchanged == 3)
            #expect(job.pagesRemoved == 1)
            #expect(try await Self.topURLs("fetch_user_name", server: server, platform: platform).isEmpty)
            #expect(try await Self.topURLs("wizard", server: server, platform: platform) == ["install.md#installation"])
            #expect(try await Self.topURLs("pip", server: server, platform: platform).isEmpty)
            #expect(try await Self.topURLs("webhooks", server: server, platform: platform) == ["new.md#new-page"])
        }
    }

    @Test(arguments: Backend.available)
    func badPagesFailWithAReasonAndAreNotIndexed(backend: Backend) async throws {
        try await Self.withDocs(backend, files: ["good.md": "# Good\nuseful words"]) { platform, server, folder in
            try Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0xFF, 0xFE]).write(to: folder.url.appendingPathComponent("binary.md"))
            try folder.write("huge.md", String(repeating: "x", count: 5 << 20))
            try FileManager.default.createSymbolicLink(
                atPath: folder.url.appendingPathComponent("escape.md").path, withDestinationPath: "/etc/hostname")
            let job = try await Self.ingest(folder, into: server, platform: platform)
            #expect(job.pagesIndexed == 1)
            #expect(job.pagesFailed == 2)
            let failed = try await IngestJobStore(database: platform.database).pages(jobID: job.id, status: .failed)
            #expect(failed.map(\.url) == ["binary.md", "huge.md"])
            #expect(failed[0].error == "binary or not UTF-8 text")
            #expect(failed[1].error?.contains("page limit") == true)
            #expect(try await Self.topURLs("xxxx", server: server, platform: platform).isEmpty)
            #expect(try await DocsStore(database: platform.database).page(serverID: server.id, version: "latest", url: "escape.md") == nil)
        }
    }

    @Test(arguments: Backend.available)
    func queuedJobsAreClaimedOnceAndAbandonedOnesResumed(backend: Backend) async throws {
        try await Self.withDocs(backend) { platform, server, folder in
            let docs = DocsStore(database: platform.database)
            let jobs = IngestJobStore(database: platform.database)
            let source = try await docs.source(serverID: server.id, kind: .folder, location: folder.url.path, version: "latest")
            let queued = try await jobs.create(source: source, running: false)
            #expect(queued.status == .queued)
            let claimed = try #require(try await jobs.claimNext())
            #expect(claimed.id == queued.id)
            #expect(claimed.status == .running)
            #expect(try await jobs.claimNext() == nil)

            // The runner died after one page: another worker resumes the job once it looks abandoned.
            _ = try await jobs.record(jobID: claimed.id, url: "install.md", status: .failed, bytes: 0, error: "interrupted")
            _ = try await jobs.record(jobID: claimed.id, url: "install.md", status: .failed, bytes: 0, error: "interrupted")
            #expect(try await jobs.claimNext(now: Date().addingTimeInterval(30)) == nil)
            let resumed = try #require(try await jobs.claimNext(now: Date().addingTimeInterval(IngestJobStore.staleAfter + 5)))
            #expect(resumed.id == claimed.id)
            let finished = try await IngestRunner(database: platform.database, cacheDirectory: Self.cacheDirectory, logger: .quiet).run(
                resumed)
            #expect(finished.status == .succeeded)
            #expect(finished.pagesFailed == 1)
            #expect(finished.pagesIndexed == 4)
            #expect(try await jobs.claimNext(now: Date().addingTimeInterval(3600)) == nil)
        }
    }

    @Test func gitRepositoriesAreCheckedOutAtARefAndSubfolder() async throws {
        try await Self.withDocs(.sqlite, files: ["docs/guide.md": "# Guide\n\nThe frobnicator setup.", "README.md": "# Readme\nnot docs"]) {
            platform, server, folder in
            func git(_ arguments: String...) throws { try folder.git(arguments) }
            try git("init", "--quiet", "--initial-branch=main")
            try git("add", ".")
            try git("commit", "--quiet", "-m", "docs")
            try git("tag", "v1")
            let settings = SourceSettings(gitRef: "main", gitPath: "docs")
            let first = try await Self.ingest(folder, into: server, platform: platform, kind: .git, settings: settings)
            #expect(first.status == .succeeded)
            #expect(first.pagesIndexed == 1)
            #expect(try await Self.topURLs("frobnicator", server: server, platform: platform) == ["guide.md#guide"])

            try folder.write("docs/other.md", "# Other\n\nwidgets")
            try git("add", ".")
            try git("commit", "--quiet", "-m", "more")
            let second = try await Self.ingest(folder, into: server, platform: platform, kind: .git, settings: settings)
            #expect(second.pagesIndexed == 1)
            #expect(second.pagesUnchanged == 1)
            let pinned = try await Self.ingest(
                folder, into: server, platform: platform, kind: .git, settings: SourceSettings(gitRef: "v1", gitPath: "docs"))
            #expect(pinned.pagesRemoved == 1)

            let missingRef = try await Self.ingest(
                folder, into: server, platform: platform, kind: .git, settings: SourceSettings(gitRef: "nope"))
            #expect(missingRef.status == .failed)
            #expect(missingRef.error?.contains("git fetch failed") == true, "\(missingRef.error ?? "")")
            let escape = try await Self.ingest(
                folder, into: server, platform: platform, kind: .git, settings: SourceSettings(gitPath: "../.."))
            #expect(escape.error?.contains("leaves the repository") == true)
        }
    }

    @Test func openAPISpecsBecomeOnePagePerOperation() async throws {
        let spec = """
            openapi: 3.0.3
            info: {title: Pets, version: "1.0"}
            paths:
              /pets:
                post:
                  operationId: createPet
                  summary: Create a pet
                  requestBody:
                    content:
                      application/json:
                        schema: {type: object, properties: {name: {type: string, description: The pet's name}}}
                  responses: {"201": {description: Created}}
                get:
                  operationId: listPets
                  summary: List pets
                  responses: {"200": {description: OK}}
            """
        try await Self.withDocs(.sqlite, files: ["pets.yaml": spec]) { platform, server, folder in
            let specFolder = Folder(url: folder.url.appendingPathComponent("pets.yaml"))
            let job = try await Self.ingest(specFolder, into: server, platform: platform, kind: .openapi)
            #expect(job.status == .succeeded, "\(job.error ?? "")")
            #expect(job.pagesIndexed == 3)
            #expect(
                try await Self.topURLs("how do I create a pet", server: server, platform: platform).first?.hasPrefix("pets.yaml#createPet")
                    == true)
            let broken = try await Self.ingest(
                Folder(url: folder.url.appendingPathComponent("missing.yaml")), into: server, platform: platform, kind: .openapi)
            #expect(broken.status == .failed)
        }
    }

    @Test(arguments: Backend.available)
    func missingFolderFailsTheJob(backend: Backend) async throws {
        try await Self.withDocs(backend, files: [:]) { platform, server, folder in
            let job = try await Self.ingest(Folder(url: folder.url.appendingPathComponent("nope")), into: server, platform: platform)
            #expect(job.status == .failed)
            #expect(job.error?.contains("no such file or folder") == true)
        }
    }

    @Test(arguments: Backend.available)
    func versionsAreSeparateAndTheLatestIsTheDefault(backend: Backend) async throws {
        try await Self.withDocs(backend, files: ["a.md": "# Alpha\nold behaviour of frobnicate"]) { platform, server, folder in
            _ = try await Self.ingest(folder, into: server, platform: platform, version: "1.9")
            let newer = try Folder(["a.md": "# Alpha\nnew behaviour of frobnicate"])
            defer { try? FileManager.default.removeItem(at: newer.url) }
            _ = try await Self.ingest(newer, into: server, platform: platform, version: "1.10")
            #expect(try await DocsStore(database: platform.database).versions(serverID: server.id) == ["1.10", "1.9"])
            let search = DocsSearch(database: platform.database, indexes: SearchIndexCache())
            let latest = try await search.search(serverID: server.id, query: "frobnicate", version: nil, limit: 5, offset: 0)
            #expect(latest.version == "1.10")
            #expect(latest.results.first?.snippet.contains("new behaviour") == true)
            let old = try await search.search(serverID: server.id, query: "frobnicate", version: "1.9", limit: 5, offset: 0)
            #expect(old.results.first?.snippet.contains("old behaviour") == true)
            await #expect(throws: ToolError.self) {
                try await search.search(serverID: server.id, query: "x", version: "7", limit: 5, offset: 0)
            }
        }
    }

    @Test(arguments: Backend.available)
    func oneTenantNeverSeesAnothersDocs(backend: Backend) async throws {
        try await Self.withDocs(backend) { platform, server, folder in
            _ = try await Self.ingest(folder, into: server, platform: platform)
            let organization = try #require(try await platform.tenancy.organization(slug: "acme"))
            let other = try await platform.tenancy.createServer(slug: Slug("other"), name: "Other", organization: organization)
            #expect(try await Self.topURLs("timeout", server: other, platform: platform).isEmpty)
            #expect(try await DocsStore(database: platform.database).page(serverID: other.id, version: "latest", url: "install.md") == nil)
            #expect(try await DocsStore(database: platform.database).sources(serverID: other.id).isEmpty)

            // Deleting the server deletes its docs and its index.
            #expect(try await platform.tenancy.deleteServer(slug: server.slug))
            #expect(try await platform.database.query("SELECT id FROM doc_chunks").isEmpty)
            if backend == .sqlite {
                #expect(try await platform.database.query("SELECT name FROM sqlite_master WHERE name LIKE 'doc_fts_%'").isEmpty)
            }
        }
    }

    /// Both backends compute the same BM25, so they rank alike.
    @Test func bothBackendsRankTheSame() async throws {
        guard Backend.available.contains(.postgres) else { return }
        let queries = ["request timeout", "install sdk pip", "error api key", "deploy", "retries backoff requests", "client connect"]
        var rankings: [Backend: [[SearchResult]]] = [:]
        for backend in [Backend.sqlite, .postgres] {
            rankings[backend] = try await Self.withDocs(backend) { platform, server, folder in
                _ = try await Self.ingest(folder, into: server, platform: platform)
                var results: [[SearchResult]] = []
                for query in queries {
                    results.append(
                        try await DocsSearch(database: platform.database, indexes: SearchIndexCache()).search(
                            serverID: server.id, query: query, version: nil, limit: 10, offset: 0
                        ).results
                    )
                }
                return results
            }
        }
        let sqlite = try #require(rankings[.sqlite])
        let postgres = try #require(rankings[.postgres])
        #expect(sqlite.map { $0.map(\.url) } == postgres.map { $0.map(\.url) })
        #expect(sqlite.flatMap { $0 }.count > queries.count)
        for (a, b) in zip(sqlite.joined(), postgres.joined()) {
            #expect(abs(a.score - b.score) <= 0.002 * max(abs(a.score), 1), "\(a.url): \(a.score) vs \(b.score)")
        }
    }
}
