import Foundation
import HTTPTypes
import Testing

@testable import MCPlatform

/// Uploading documentation in the dashboard: a .zip or files, posted as multipart forms built
/// here, ingested by the worker's runner and searched.
@Suite struct DocumentUploadTests {
    typealias Harness = DashboardHarness

    static let docs = "/orgs/acme/servers/guide/docs"

    /// Ada, owner of `acme` with the server `guide`, on its documentation page.
    static func owner(_ harness: Harness) async throws -> Browser {
        let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
        try await harness.createServer(by: ada, in: "acme", slug: "guide")
        let page = try await ada.get(docs)
        try #require(page.status == .ok)
        return ada
    }

    /// Posts the upload form with the page's `_csrf`.
    static func upload(
        _ files: [(String, [UInt8])], by browser: Browser, name: String = "", version: String = "", csrf: Browser.CSRF = .fromLastPage
    ) async throws -> WebPage {
        let token: String?
        switch csrf {
        case .fromLastPage: token = await browser.csrf
        case .omitted: token = nil
        case .value(let value): token = value
        }
        return try await browser.post("\(docs)/uploads", multipart: .upload(csrf: token, files: files, name: name, version: version))
    }

    /// The URLs of the pages found, with their best section's `#anchor`.
    static func search(_ query: String, _ harness: Harness, version: String? = nil) async throws -> [String] {
        let server = try #require(try await harness.platform.tenancy.server(slug: "guide"))
        return try await DocsSearch(database: harness.platform.database, indexes: SearchIndexCache()).search(
            serverID: server.id, query: query, version: version, limit: 5, offset: 0
        ).results.map(\.url)
    }

    /// The pages found, without anchors.
    static func pages(_ query: String, _ harness: Harness, version: String? = nil) async throws -> [String] {
        try await search(query, harness, version: version).map { String($0.prefix { $0 != "#" }) }
    }

    /// Counts of what an upload stores: sources, files, jobs.
    static func stored(_ harness: Harness) async throws -> [Int] {
        try await [harness.count("doc_sources"), harness.count("doc_upload_files"), harness.count("ingest_jobs")]
    }

    // MARK: Ingested

    @Test(arguments: Backend.available)
    func aZipOfMarkdownIsIngestedAndSearchable(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.owner(harness)
            let page = try await ada.get(Self.docs)
            for id in ["upload-docs", "upload-files", "upload-folder", "upload-name", "upload-version", "upload-submit"] {
                #expect(page.has(id: id), "\(id)")
            }
            #expect(page.html.contains(#"enctype="multipart/form-data""#))
            #expect(page.html.contains("webkitdirectory"))

            let zip = TestZip([
                .init("handbook/", "", deflate: false),
                .init("handbook/index.md", "# Handbook\n\nWelcome to the handbook."),
                .init("handbook/guide/install.md", "# Install\n\nRun the frobnicator to install the widget.", deflate: false),
                .init("handbook/guide/old.md", "# Old\n\nThe obsolete gadget."),
                .init("handbook/logo.png", [0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2]),
                .init("handbook/link.md", "guide/install.md", deflate: false, unixMode: 0o120777),
                .init("__MACOSX/handbook/._index.md", "resource fork"),
                .init("handbook/.drafts/secret.md", "# Secret"),
            ])
            let response = try await Self.upload([("handbook.zip", zip.bytes)], by: ada)
            #expect(response.status == .seeOther, "\(response.html)")
            let location = try #require(response.location)
            #expect(location.hasPrefix("\(Self.docs)/jobs/"))

            let job = try await harness.runQueuedIngestion()
            #expect(job.status == .succeeded)
            #expect(job.pagesIndexed == 3)
            #expect(job.pagesFailed == 0)
            #expect(try await Self.pages("frobnicator", harness) == ["guide/install.md"])
            let sources = try await DocsStore(database: harness.platform.database).sources(serverID: job.serverID)
            #expect(sources.map(\.kind) == [.upload])
            #expect(sources.map(\.location) == ["handbook"])
            #expect(sources.first?.settings.upload?.files == 3)

            let jobPage = try await ada.get(location)
            #expect(jobPage.has(id: "upload-skipped"))
            #expect(jobPage.html.contains("handbook/logo.png"))
            #expect(jobPage.html.contains("symbolic link"))
            #expect(!jobPage.html.contains("secret.md"))
            #expect(!jobPage.html.contains("._index.md"))
            #expect(try await ada.get(Self.docs).html.contains(#"<span class="badge">upload</span>"#))

            // Uploading again replaces the files: one unchanged, one changed, one gone.
            _ = try await ada.get(Self.docs)
            let second = TestZip([
                .init("handbook/index.md", "# Handbook\n\nWelcome to the handbook."),
                .init("handbook/guide/install.md", "# Install\n\nRun the gizmo to install the widget."),
            ])
            let again = try await Self.upload([("handbook.zip", second.bytes)], by: ada)
            #expect(again.status == .seeOther, "\(again.html)")
            let rerun = try await harness.runQueuedIngestion()
            #expect(rerun.sourceID == job.sourceID)
            #expect([rerun.pagesIndexed, rerun.pagesUnchanged, rerun.pagesRemoved] == [Int](repeating: 1, count: 3))
            #expect(try await Self.search("frobnicator", harness).isEmpty)
            #expect(try await Self.pages("gizmo", harness) == ["guide/install.md"])
            #expect(try await Self.search("obsolete gadget", harness).isEmpty)
            #expect(try await Self.stored(harness) == [1, 2, 2])
            #expect(!(try await ada.get(again.location ?? "")).has(id: "upload-skipped"))
        }
    }

    @Test func severalFilesOfAFolderAreIngested() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let spec = """
                openapi: 3.0.0
                info: {title: Widget API, version: "1"}
                paths:
                  /widgets:
                    get:
                      operationId: listWidgets
                      summary: List the widgets in the warehouse
                      responses: {"200": {description: OK}}
                """
            let files: [(String, [UInt8])] = [
                ("product/intro.md", Array("# Intro\n\nThe quasar module.".utf8)),
                ("product/ref/cli.rst", Array("CLI\n===\n\nThe zap flag zaps.".utf8)),
                ("product/api.yaml", Array(spec.utf8)),
                ("product/mkdocs.yml", Array("site_name: Product".utf8)),
                ("product/photo.jpg", [0xFF, 0xD8, 0xFF, 0xE0]),
            ]
            let response = try await Self.upload(files, by: ada, name: "Product docs", version: "2.0")
            #expect(response.status == .seeOther, "\(response.html)")
            let job = try await harness.runQueuedIngestion()
            #expect(job.status == .succeeded)
            #expect(job.pagesIndexed == 4, "two pages and the spec's overview and operation")
            #expect(try await Self.pages("quasar", harness, version: "2.0") == ["intro.md"])
            #expect(try await Self.pages("zap", harness, version: "2.0") == ["ref/cli.rst"])
            #expect(try await Self.search("warehouse widgets", harness, version: "2.0").contains { $0.hasPrefix("api.yaml#") })
            let source = try #require(try await DocsStore(database: harness.platform.database).sources(serverID: job.serverID).first)
            #expect([source.location, source.version] == ["Product docs", "2.0"])
            #expect(source.settings.upload?.skipped.map(\.path).sorted() == ["product/mkdocs.yml", "product/photo.jpg"])
        }
    }

    // MARK: Refused

    @Test(arguments: ["../evil.md", "docs/../../evil.md", "/etc/evil.md", "C:/evil.md", "..\\evil.md"])
    func namesLeavingTheFolderRefuseTheUpload(name: String) async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let zip = TestZip([.init("docs/fine.md", "# Fine"), .init(name, "# Evil")])
            for files in [[("docs.zip", zip.bytes)], [("fine.md", Array("# Fine".utf8)), (name, Array("# Evil".utf8))]] {
                _ = try await ada.get(Self.docs)
                let response = try await Self.upload(files, by: ada)
                #expect(response.status == .unprocessableContent)
                #expect(response.text(ofID: "upload-error")?.contains("points outside the folder") == true, "\(response.html)")
            }
            #expect(try await Self.stored(harness) == [0, 0, 0])
        }
    }

    @Test func aZipBombIsRefusedUnopened() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            // 3 MiB of one letter deflates about a thousand times.
            let bomb = TestZip([.init("docs/readme.md", "# Readme"), .init("docs/bomb.md", [UInt8](repeating: 0x61, count: 3 << 20))])
            let response = try await Self.upload([("docs.zip", bomb.bytes)], by: ada)
            #expect(response.status == .unprocessableContent)
            #expect(response.text(ofID: "upload-error")?.contains("looks like a zip bomb") == true, "\(response.html)")

            // A header that understates an entry's size is caught while inflating.
            _ = try await ada.get(Self.docs)
            let liar = TestZip([.init("docs/a.md", String(repeating: "a", count: 500_000), declaredSize: 4000)])
            let lied = try await Self.upload([("docs.zip", liar.bytes)], by: ada)
            #expect(lied.status == .unprocessableContent)
            #expect(lied.text(ofID: "upload-error")?.contains("larger than its header says") == true, "\(lied.html)")
            #expect(try await Self.stored(harness) == [0, 0, 0])
        }
    }

    @Test func overTheQuotaOrTheUploadLimitGets413() async throws {
        try await Harness.run(configure: {
            $0.ingestLimits.maximumServerBytes = 64 << 10
            $0.maxUploadBytes = 1 << 20
        }) { harness in
            let ada = try await Self.owner(harness)
            let page = Array(("# Big\n\n" + String(repeating: "lorem ipsum ", count: 10_000)).utf8)
            let overQuota = try await Self.upload([("big.md", page)], by: ada)
            #expect(overQuota.status == .contentTooLarge)
            #expect(overQuota.text(ofID: "upload-error")?.contains("left in this server's documentation quota") == true)

            _ = try await ada.get(Self.docs)
            let many = (0..<12).map { ("docs/\($0).md", page) }
            let overLimit = try await Self.upload(many, by: ada)
            #expect(overLimit.status == .contentTooLarge)
            #expect(overLimit.text(ofID: "upload-error")?.contains("an upload may hold at most 1.0 MiB") == true, "\(overLimit.html)")

            // A body beyond the limit and the form's room is not read at all.
            _ = try await ada.get(Self.docs)
            let huge = try await Self.upload([("huge.md", [UInt8](repeating: 0x61, count: 10 << 20))], by: ada)
            #expect(huge.status == .contentTooLarge)
            #expect(huge.text(ofID: "upload-error")?.contains("The upload is larger than 1.0 MiB") == true, "\(huge.html)")
            #expect(try await Self.stored(harness) == [0, 0, 0])
        }
    }

    @Test func moreThan20000FilesAreRefused() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let names = (0...20_000).map { "docs/\($0).md" }
            let zip = TestZip(names.map { .init($0, "# Page", deflate: false) })
            let zipped = try await Self.upload([("docs.zip", zip.bytes)], by: ada)
            #expect(zipped.status == .contentTooLarge)
            #expect(zipped.text(ofID: "upload-error")?.contains("holds 20001 entries") == true, "\(zipped.html)")

            _ = try await ada.get(Self.docs)
            let loose = try await Self.upload(names.map { ($0, Array("# Page".utf8)) }, by: ada)
            #expect(loose.status == .contentTooLarge)
            #expect(loose.text(ofID: "upload-error")?.contains("20001 files is too many") == true, "\(loose.html)")
            #expect(try await Self.stored(harness) == [0, 0, 0])
        }
    }

    @Test(arguments: [
        ("docs.zip", Array("this is text, not an archive".utf8), "docs.zip is not a zip archive"),
        ("docs.zip", TestZip([]).bytes, "docs.zip is empty"),
        ("docs.zip", TestZip([.init("docs/", "", deflate: false)]).bytes, "docs.zip is empty"),
        ("assets.zip", TestZip([.init("logo.png", [0x89, 0x50]), .init("data.bin", [0, 1])]).bytes, "Nothing to ingest"),
        ("hidden.zip", TestZip([.init(".git/config", "[core]")]).bytes, "no files to ingest"),
        ("config.yaml", Array("site_name: Docs".utf8), "Nothing to ingest"),
        ("", [], "Choose a .zip archive"),
    ])
    func unusableUploadsAreExplained(filename: String, content: [UInt8], message: String) async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let response = try await Self.upload([(filename, content)], by: ada, name: "Kept name")
            #expect(response.status == .unprocessableContent)
            #expect(response.text(ofID: "upload-error")?.contains(message) == true, "\(response.html)")
            #expect(response.inputValue("name") == "Kept name")
            #expect(try await Self.stored(harness) == [0, 0, 0])
        }
    }

    @Test func aNameTakenByAnotherKindOfSourceOrUnusableIsRefused() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let server = try #require(try await harness.platform.tenancy.server(slug: "guide"))
            _ = try await DocsStore(database: harness.platform.database).source(
                serverID: server.id, kind: .folder, location: "handbook", version: "latest")
            let taken = try await Self.upload([("handbook.zip", TestZip([.init("a.md", "# A")]).bytes)], by: ada)
            #expect(taken.status == .unprocessableContent)
            #expect(taken.text(ofID: "upload-error")?.contains("A folder source is already called handbook") == true, "\(taken.html)")

            _ = try await ada.get(Self.docs)
            let slash = try await Self.upload([("a.md", Array("# A".utf8))], by: ada, name: "https://example.com/docs")
            #expect(slash.status == .unprocessableContent)
            #expect(try await Self.stored(harness) == [1, 0, 0])
        }
    }

    // MARK: Who may

    @Test func membersCannotUpload() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let max = try await harness.member("max@example.com", as: .member, of: "acme", invitedBy: ada)
            let page = try await max.get(Self.docs)
            #expect(page.status == .ok)
            #expect(!page.has(id: "upload-docs"))
            let response = try await Self.upload([("a.md", Array("# A".utf8))], by: max)
            #expect(response.status == .forbidden)
            #expect(response.html.contains("Your role (member)"))
            #expect(try await Self.stored(harness) == [0, 0, 0])
        }
    }

    @Test(arguments: [Browser.CSRF.omitted, .value("forged")])
    func uploadsNeedTheFormsCSRFToken(csrf: Browser.CSRF) async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let response = try await Self.upload([("a.md", Array("# A".utf8))], by: ada, csrf: csrf)
            #expect(response.status == .forbidden)
            #expect(response.html.contains("This form has expired"))
            #expect(try await Self.stored(harness) == [0, 0, 0])
        }
    }

    @Test func aBodyThatIsNotMultipartIsExplained() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let response = try await ada.post("\(Self.docs)/uploads", ["files": "a.md"])
            #expect(response.status == .badRequest)
            #expect(response.text(ofID: "upload-error")?.contains("multipart/form-data") == true)
            #expect(try await ada.post("\(Self.docs)/uploads", ["files": "a.md"], csrf: .omitted).status == .forbidden)
        }
    }
}

extension DashboardHarness {
    /// Claims the oldest queued ingestion job and runs it, as the worker would.
    func runQueuedIngestion() async throws -> IngestJob {
        let job = try #require(try await IngestJobStore(database: platform.database).claimNext(), "no queued job")
        return try await IngestRunner(
            database: platform.database, limits: platform.configuration.ingestLimits,
            cacheDirectory: FileManager.default.temporaryDirectory.path, logger: .quiet
        ).run(job)
    }
}
