import Foundation
import Testing

@testable import MCPlatform

/// A migrated database with two organizations, each with one server, and the walkthrough stores.
struct WalkthroughFixture {
    let database: any Database
    let store: WalkthroughStore
    let runs: WalkthroughRunStore
    let server: TenantServer
    /// Another organization's server.
    let other: TenantServer

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func with(_ backend: Backend, _ body: (WalkthroughFixture) async throws -> Void) async throws {
        try await backend.withDatabase { database in
            let tenancy = TenancyStore(database: database)
            let acme = try await tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let globex = try await tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            let fixture = WalkthroughFixture(
                database: database, store: WalkthroughStore(database: database), runs: WalkthroughRunStore(database: database),
                server: try await tenancy.createServer(slug: Slug("acme-docs"), name: "Acme Docs", organization: acme),
                other: try await tenancy.createServer(slug: Slug("globex-docs"), name: "Globex Docs", organization: globex))
            try await body(fixture)
        }
    }

    /// Content with `steps` complete steps.
    static func content(_ title: String = "Get started", steps: Int = 3) -> WalkthroughContent {
        WalkthroughContent(
            title: title, description: "From zero to a first request.", kind: .quickstart, estimatedMinutes: 10,
            steps: (0..<steps).map {
                WalkthroughStep(
                    title: "Step \($0 + 1)", introduction: "Now step \($0 + 1).", operations: "run step \($0 + 1)",
                    content: "Do step \($0 + 1).", check: "step \($0 + 1) works")
            })
    }

    /// A published walkthrough of `steps` steps.
    func published(_ slug: String = "intro", steps: Int = 3, now: Date = t0) async throws -> WalkthroughStore.Entry {
        let created = try await store.create(slug: slug, content: Self.content(steps: steps), serverID: server.id, now: now)
        return try await store.publish(created, now: now)
    }

    /// A published walkthrough of three steps, and a new participant's run of it.
    func startedRun(
        endUserID: Int64? = nil, now: Date = t0
    ) async throws -> (version: WalkthroughVersion, participant: Participant, run: WalkthroughRun) {
        let version = try #require(try await published().live)
        let participant = try await participant(endUserID: endUserID)
        return (version, participant, try await runs.start(version, serverID: server.id, participant: participant, now: now))
    }

    /// The participant of a new MCP session, anonymous or signed in as `endUserID`.
    func participant(endUserID: Int64? = nil) async throws -> Participant {
        let session = try await MCPSessionStore(database: database, idleTimeout: 3600).create(
            serverID: server.id, protocolVersion: ProtocolVersion.latest, clientName: "test", clientVersion: nil, clientCapabilities: "{}",
            endUserID: endUserID)
        return Participant(session: session)
    }

    func endUser(_ subject: String) async throws -> Int64 {
        try await EndUserStore(database: database).upsert(
            UpstreamIdentity(subject: subject, email: "\(subject)@example.com", name: nil), serverID: server.id
        ).id
    }

    func count(_ table: String, walkthroughID: Int64) async throws -> Int64 {
        try await database.one("SELECT COUNT(*) AS n FROM \(raw: table) WHERE walkthrough_id = \(walkthroughID)").decode(
            "n", as: Int64.self)
    }
}

/// The problems `body` throws, by field; records an issue when it throws none or something else.
func walkthroughProblems(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> [String: String] {
    do {
        try await body()
        Issue.record("no problems reported", sourceLocation: sourceLocation)
    } catch let problems as WalkthroughProblems {
        return problems.fields
    } catch {
        Issue.record("expected WalkthroughProblems, got \(error)", sourceLocation: sourceLocation)
    }
    return [:]
}

/// Walkthroughs and their versions, on every backend.
@Suite struct WalkthroughStoreTests {
    typealias Fixture = WalkthroughFixture

    @Test(arguments: Backend.available)
    func createValidatesSlugAndContent(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            var bad = Fixture.content()
            bad.title = "  "
            bad.estimatedMinutes = 0
            bad.steps[1].title = "two\nlines"
            let problems = await walkthroughProblems {
                _ = try await f.store.create(slug: "Not A Slug", content: bad, serverID: f.server.id)
            }
            #expect(Set(problems.keys) == ["slug", "title", "estimated_minutes", "steps.2.title"])
            #expect(problems["steps.2.title"] == "must be a single line")
            #expect(try await f.store.list(serverID: f.server.id).isEmpty)

            let entry = try await f.store.create(slug: "intro", content: Fixture.content(), serverID: f.server.id, now: Fixture.t0)
            #expect(entry.walkthrough.slug == "intro")
            #expect(entry.walkthrough.status == .draft)
            #expect(entry.latest.number == 1 && entry.latest.isDraft && entry.draft == entry.latest)
            #expect(entry.published == nil && entry.live == nil)
            #expect(entry.latest.content == Fixture.content())
            #expect(try await f.store.entry(slug: "intro", serverID: f.server.id) == entry)

            let taken = await walkthroughProblems {
                _ = try await f.store.create(slug: "intro", content: Fixture.content(), serverID: f.server.id)
            }
            #expect(taken["slug"]?.contains("already has a walkthrough 'intro'") == true)
            // Slugs are unique per server only.
            #expect(try await f.store.create(slug: "intro", content: Fixture.content(), serverID: f.other.id).walkthrough.slug == "intro")
            // Surrounding whitespace is trimmed on save.
            var padded = Fixture.content("  Padded  ")
            padded.steps[0].content = "\n Do it. \n"
            let trimmed = try await f.store.create(slug: "padded", content: padded, serverID: f.server.id)
            #expect(trimmed.latest.content.title == "Padded" && trimmed.latest.content.steps[0].content == "Do it.")
        }
    }

    @Test(arguments: Backend.available)
    func aServerHasAtMostTheMaximumNumberOfWalkthroughs(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let values = (1..<WalkthroughStore.maximumPerServer).map { "(\(f.server.id), 'w\($0)', 'draft', 0, 0)" }
            try await f.database.query(
                "INSERT INTO walkthroughs (server_id, slug, status, created_at, updated_at) VALUES \(raw: values.joined(separator: ", "))")
            _ = try await f.store.create(slug: "last", content: Fixture.content(), serverID: f.server.id)
            let problems = await walkthroughProblems {
                _ = try await f.store.create(slug: "one-more", content: Fixture.content(), serverID: f.server.id)
            }
            #expect(problems["slug"]?.contains("already has \(WalkthroughStore.maximumPerServer) walkthroughs") == true)
            #expect(try await f.store.create(slug: "one-more", content: Fixture.content(), serverID: f.other.id).latest.number == 1)
        }
    }

    @Test(arguments: Backend.available)
    func publishedVersionsNeverChange(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let original = Fixture.content()
            let created = try await f.store.create(slug: "intro", content: original, serverID: f.server.id, now: Fixture.t0)
            let v1 = try await f.store.publish(created, now: Fixture.t0.addingTimeInterval(60))
            #expect(v1.walkthrough.status == .published)
            #expect(v1.draft == nil && v1.published?.number == 1 && v1.live == v1.published)
            #expect(v1.published?.publishedAt == Fixture.t0.addingTimeInterval(60))

            // Editing a published walkthrough makes version 2; version 1 stays live as it was.
            let edited = Fixture.content("Get started, revised", steps: 4)
            let draft = try await f.store.saveDraft(edited, of: v1.walkthrough, now: Fixture.t0.addingTimeInterval(120))
            #expect(draft.number == 2 && draft.isDraft && draft.content == edited)
            let withDraft = try #require(try await f.store.entry(slug: "intro", serverID: f.server.id))
            #expect(withDraft.latest == draft && withDraft.draft == draft)
            #expect(withDraft.published == v1.published && withDraft.live == v1.published)
            #expect(withDraft.live?.content == original)
            // Saving again replaces the draft: still version 2.
            let again = try await f.store.saveDraft(
                Fixture.content("Third try"), of: v1.walkthrough, now: Fixture.t0.addingTimeInterval(180))
            #expect(again.id == draft.id && again.number == 2 && again.content.title == "Third try")
            #expect(try await f.store.versions(of: v1.walkthrough).map(\.number) == [2, 1])
            let v1ID = try #require(v1.published?.id)
            let stored = try #require(try await f.store.version(id: v1ID, serverID: f.server.id))
            #expect(stored == v1.published && stored.content == original)

            let v2 = try await f.store.publish(withDraft, now: Fixture.t0.addingTimeInterval(240))
            #expect(v2.published?.number == 2 && v2.live?.number == 2 && v2.draft == nil)
            #expect(v2.live?.content.title == "Third try")
            #expect(try await f.store.version(number: 1, of: v2.walkthrough) == v1.published)
            #expect(try await f.store.versions(of: v2.walkthrough).allSatisfy { !$0.isDraft })

            // A draft of version 3, discarded: back to version 2.
            let v3 = try await f.store.saveDraft(Fixture.content("Discard me"), of: v2.walkthrough)
            #expect(v3.number == 3)
            #expect(try await f.store.discardDraft(of: v2.walkthrough))
            #expect(try await !f.store.discardDraft(of: v2.walkthrough))
            #expect(try await f.store.entry(slug: "intro", serverID: f.server.id)?.latest == v2.published)
            #expect(try await f.store.version(number: 3, of: v2.walkthrough) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func theOnlyDraftOfANeverPublishedWalkthroughIsNotDiscarded(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let entry = try await f.store.create(slug: "intro", content: Fixture.content(), serverID: f.server.id)
            #expect(try await !f.store.discardDraft(of: entry.walkthrough))
            #expect(try await f.store.entry(slug: "intro", serverID: f.server.id) == entry)
        }
    }

    @Test(arguments: Backend.available)
    func publishingReportsWhatIsMissing(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let empty = try await f.store.create(slug: "empty", content: WalkthroughContent(title: "Empty"), serverID: f.server.id)
            #expect(
                await walkthroughProblems { _ = try await f.store.publish(empty) } == ["steps": "add at least one step before publishing"])
            let bare = try await f.store.create(
                slug: "bare", content: WalkthroughContent(title: "Bare", steps: [WalkthroughStep(title: "Only a title")]),
                serverID: f.server.id)
            #expect(await walkthroughProblems { _ = try await f.store.publish(bare) }.keys.sorted() == ["steps.1.content"])
            #expect(try await f.store.entry(slug: "bare", serverID: f.server.id)?.walkthrough.status == .draft)
            #expect(try await !f.store.hasLive(serverID: f.server.id))
        }
    }

    @Test(arguments: Backend.available)
    func publishingAStaleEntryValidatesTheDraftSavedSince(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let stale = try await f.store.create(slug: "intro", content: Fixture.content(), serverID: f.server.id, now: Fixture.t0)
            try await f.store.saveDraft(
                WalkthroughContent(title: "No steps yet"), of: stale.walkthrough, now: Fixture.t0.addingTimeInterval(1))
            #expect(await walkthroughProblems { _ = try await f.store.publish(stale) }.keys.sorted() == ["steps"])
            #expect(try await f.store.entry(slug: "intro", serverID: f.server.id)?.published == nil)
        }
    }

    @Test(arguments: Backend.available)
    func statusDecidesWhatAgentsSee(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let entry = try await f.published()
            let live = try #require(entry.live)
            func current() async throws -> WalkthroughStore.Entry {
                try #require(try await f.store.entry(slug: "intro", serverID: f.server.id))
            }
            #expect(try await f.store.hasLive(serverID: f.server.id))
            #expect(try await f.store.live(serverID: f.server.id).map(\.walkthrough.slug) == ["intro"])

            try await f.store.setStatus(.draft, of: entry.walkthrough)  // unpublish
            let unpublished = try await current()
            #expect(unpublished.live == nil && unpublished.published == live)
            #expect(try await !f.store.hasLive(serverID: f.server.id))
            #expect(try await f.store.live(serverID: f.server.id).isEmpty)

            try await f.store.setStatus(.published, of: entry.walkthrough)
            #expect(try await current().live == live)
            try await f.store.setStatus(.archived, of: entry.walkthrough)
            let archived = try await current()
            #expect(archived.walkthrough.status == .archived && archived.live == nil)
            #expect(try await !f.store.hasLive(serverID: f.server.id))
            try await f.store.setStatus(.published, of: entry.walkthrough)  // restore
            #expect(try await current().live == live)
            #expect(try await f.store.hasLive(serverID: f.server.id))

            // Shown but never published: nothing is live.
            let never = try await f.store.create(slug: "later", content: Fixture.content(), serverID: f.other.id)
            try await f.store.setStatus(.published, of: never.walkthrough)
            #expect(try await f.store.entry(slug: "later", serverID: f.other.id)?.live == nil)
            #expect(try await !f.store.hasLive(serverID: f.other.id))
            #expect(try await f.store.live(serverID: f.other.id).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func anotherServersWalkthroughsAreNotFound(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let entry = try await f.published()
            let version = try #require(entry.published)
            #expect(try await f.store.entry(slug: "intro", serverID: f.other.id) == nil)
            #expect(try await f.store.version(id: version.id, serverID: f.other.id) == nil)
            #expect(try await f.store.version(id: version.id, serverID: f.server.id) == version)
            #expect(try await f.store.list(serverID: f.other.id).isEmpty)
            #expect(try await f.store.live(serverID: f.other.id).isEmpty)
            #expect(try await !f.store.hasLive(serverID: f.other.id))
            #expect(try await f.store.entry(slug: String(repeating: "a", count: 64), serverID: f.server.id) == nil)
            // The same slug on the other server is another walkthrough.
            let theirs = try await f.store.create(slug: "intro", content: Fixture.content("Theirs"), serverID: f.other.id)
            #expect(theirs.walkthrough.id != entry.walkthrough.id)
            try await f.store.delete(theirs.walkthrough)
            #expect(try await f.store.entry(slug: "intro", serverID: f.server.id) != nil)
        }
    }

    @Test(arguments: Backend.available)
    func deletingAWalkthroughDeletesItsVersionsRunsAndEvents(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let entry = try await f.published()
            let kept = try await f.published("kept")
            for walkthrough in [entry, kept] {
                let run = try await f.runs.start(
                    try #require(walkthrough.live), serverID: f.server.id, participant: try await f.participant())
                _ = try await f.runs.complete(run, step: 1, totalSteps: 3, outcome: .done, note: "fine")
            }
            try await f.store.delete(entry.walkthrough)
            #expect(try await f.store.entry(slug: "intro", serverID: f.server.id) == nil)
            for table in ["walkthrough_versions", "walkthrough_runs", "walkthrough_step_events"] {
                #expect(try await f.count(table, walkthroughID: entry.walkthrough.id) == 0, "\(table)")
                #expect(try await f.count(table, walkthroughID: kept.walkthrough.id) == 1, "\(table)")
            }
        }
    }

    @Test(arguments: Backend.available)
    func duplicatesGetTheNextFreeCopySlug(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let entry = try await f.published()
            try await f.store.saveDraft(Fixture.content("Draft title"), of: entry.walkthrough)
            let current = try #require(try await f.store.entry(slug: "intro", serverID: f.server.id))
            let copy = try await f.store.duplicate(current)
            #expect(copy.walkthrough.slug == "intro-copy")
            #expect(copy.walkthrough.status == .draft && copy.published == nil && copy.latest.number == 1)
            // The copy is of the newest version, the draft.
            #expect(copy.latest.content.title == "Copy of Draft title")
            #expect(copy.latest.content.steps == current.latest.content.steps)
            #expect(try await f.store.duplicate(current).walkthrough.slug == "intro-copy-2")
            #expect(try await f.store.duplicate(current).walkthrough.slug == "intro-copy-3")
            #expect(try await f.store.duplicate(copy).walkthrough.slug == "intro-copy-copy")
            #expect(
                try await f.store.list(serverID: f.server.id).map(\.walkthrough.slug) == [
                    "intro", "intro-copy", "intro-copy-2", "intro-copy-3", "intro-copy-copy",
                ])
        }
    }

    @Test(arguments: Backend.available)
    func importingCreatesOrMakesANewDraft(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let document = WalkthroughDocument(slug: "intro", content: Fixture.content())
            let (created, isNew) = try await f.store.importDocument(document, serverID: f.server.id)
            #expect(isNew && created.latest.number == 1 && created.draft != nil && created.latest.content == document.content)
            let published = try await f.store.publish(created)

            let revised = WalkthroughDocument(slug: "intro", content: Fixture.content("Revised", steps: 2), version: 1)
            let (updated, updatedIsNew) = try await f.store.importDocument(revised, serverID: f.server.id)
            #expect(!updatedIsNew && updated.walkthrough.id == created.walkthrough.id)
            #expect(updated.draft?.number == 2 && updated.draft?.content == revised.content)
            #expect(updated.live == published.live && updated.live?.content == document.content)
            // Imported again: the same draft, replaced.
            let (again, _) = try await f.store.importDocument(revised, serverID: f.server.id)
            #expect(again.draft?.id == updated.draft?.id)

            let invalid = WalkthroughDocument(slug: "Bad", content: WalkthroughContent(title: ""))
            #expect(
                await walkthroughProblems { _ = try await f.store.importDocument(invalid, serverID: f.server.id) }.keys.sorted() == [
                    "slug", "title",
                ])
            // Another server's import of the same slug is its own walkthrough.
            #expect(try await f.store.importDocument(document, serverID: f.other.id).created)
        }
    }
}

/// The walkthrough file: JSON round trips and problems, and Markdown import.
@Suite struct WalkthroughDocumentTests {
    static let document = WalkthroughDocument(
        slug: "first-request",
        content: WalkthroughContent(
            title: "Your first request", description: "Send a request with the SDK.", kind: .integration, estimatedMinutes: 15,
            steps: [
                WalkthroughStep(
                    title: "Install", introduction: "We start by installing the SDK.", context: "The user has Node 20.",
                    operations: "npm install acme", content: "Run:\n\n```sh\nnpm install acme\n```", check: "`npm ls acme` lists it"),
                WalkthroughStep(title: "Call the API", content: "Ünïcode \"quotes\" / slashes \\ and emoji 🎉"),
            ]),
        version: 3)

    @Test func jsonRoundTrips() throws {
        let json = Self.document.json()
        #expect(try WalkthroughDocument.decode(json: json) == Self.document)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"description\""))  // pretty-printed, keys sorted
        #expect(text.contains("\"format_version\" : 1"))
        #expect(text.contains("\"type\" : \"integration\"") && text.contains("\"estimated_minutes\" : 15"))
        // Exported again: the same bytes.
        #expect(try WalkthroughDocument.decode(json: json).json() == json)
        var unversioned = Self.document
        unversioned.version = nil
        unversioned.content.estimatedMinutes = nil
        #expect(try WalkthroughDocument.decode(json: unversioned.json()) == unversioned)
        #expect(!String(decoding: unversioned.json(), as: UTF8.self).contains("estimated_minutes"))
    }

    @Test func aFileWithoutASlugTakesTheFallback() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Self.document.json()) as? [String: Any])
        object["slug"] = nil
        let json = try JSONSerialization.data(withJSONObject: object)
        #expect(try WalkthroughDocument.decode(json: json, fallbackSlug: "first-request") == Self.document)
        let problems = #expect(throws: WalkthroughProblems.self) { try WalkthroughDocument.decode(json: json) }
        #expect(problems?.fields == ["slug": "required"])
    }

    @Test(
        arguments: [
            (#"{"slug":"a","title":"T","description":"","type":"quickstart","steps":[]}"#, "format_version", "required"),
            (
                #"{"format_version":2,"slug":"a","title":"T","description":"","type":"quickstart","steps":[]}"#, "format_version",
                "not supported"
            ),
            (
                #"{"format_version":0,"slug":"a","title":"T","description":"","type":"quickstart","steps":[]}"#, "format_version",
                "not supported"
            ),
            (
                #"{"format_version":"1","slug":"a","title":"T","description":"","type":"quickstart","steps":[]}"#, "format_version",
                "whole number"
            ),
            (
                #"{"format_version":1.5,"slug":"a","title":"T","description":"","type":"quickstart","steps":[]}"#, "format_version",
                "whole number"
            ),
            (
                #"{"format_version":1,"slug":"a","title":"T","description":"","type":"quickstart","estimated_minutes":1e30,"steps":[]}"#,
                "estimated_minutes", "whole number"
            ),
            (
                #"{"format_version":1,"slug":"a","version":2.5,"title":"T","description":"","type":"quickstart","steps":[]}"#,
                "version", "whole number"
            ),
            (#"{"format_version":1,"slug":7,"title":"T","description":"","type":"quickstart","steps":[]}"#, "slug", "must be a string"),
            (#"{"format_version":1,"slug":"a","description":"","type":"quickstart","steps":[]}"#, "title", "required"),
            (#"{"format_version":1,"slug":"a","title":null,"description":"","type":"quickstart","steps":[]}"#, "title", "must be a string"),
            (
                #"{"format_version":1,"slug":"a","title":"T","description":"","type":"blog","steps":[]}"#, "type",
                "must be one of quickstart"
            ),
            (#"{"format_version":1,"slug":"a","title":"T","description":"","type":"quickstart","steps":{}}"#, "steps", "must be a list"),
            (
                #"{"format_version":1,"slug":"a","title":"T","description":"","type":"quickstart","steps":[{"title":"x"},{"title":7}]}"#,
                "steps.2.title", "must be a string"
            ),
            (
                #"{"format_version":1,"slug":"a","title":"T","description":"","type":"quickstart","steps":[3]}"#, "steps.1",
                "must be an object"
            ),
            (
                #"{"format_version":1,"slug":"a","title":"T","description":"","type":"quickstart","estimated_minutes":"ten","steps":[]}"#,
                "estimated_minutes", "whole number"
            ),
            (#"[1, 2]"#, "file", "must be an object"),
            (#"{"format_version": 1,"#, "file", "not valid JSON"),
            ("", "file", "not valid JSON"),
        ] as [(String, String, String)])
    func jsonProblemsAreReportedByField(json: String, field: String, message: String) {
        let problems = #expect(throws: WalkthroughProblems.self) { try WalkthroughDocument.decode(json: Array(json.utf8)) }
        #expect(problems?.fields.keys.sorted() == [field])
        #expect(problems?.fields[field]?.contains(message) == true, "\(problems?.fields ?? [:])")
    }

    @Test func filesOverOneMebibyteAreRefused() {
        let huge = Array(repeating: UInt8(ascii: " "), count: WalkthroughDocument.maximumBytes + 1)
        let json = #expect(throws: WalkthroughProblems.self) { try WalkthroughDocument.decode(json: huge) }
        #expect(json?.fields.keys.sorted() == ["file"])
        let markdown = "# T\n## S\n" + String(repeating: "x", count: WalkthroughDocument.maximumBytes)
        let text = #expect(throws: WalkthroughProblems.self) { try WalkthroughDocument.decode(markdown: markdown, fallbackSlug: nil) }
        #expect(text?.fields.keys.sorted() == ["file"])
    }

    static let markdown = """
        ---
        slug: deploy-first-app
        type: installer
        estimated_minutes: 20
        ---
        # Deploy your *first* app

        Takes you from an empty folder
        to a running app.

        ## Install the CLI

        ### Introduction
        First, the command-line tool.

        ### Context
        The user is on macOS.

        ### Operations
        ```sh
        ## not a step: a comment in the script
        # nor a title
        brew install acme
        ```

        ### Check
        `acme --version` prints 2.x.

        ## Log in
        Run `acme login` and follow the browser.

        ### Troubleshooting
        A third-level heading that is no field stays in the content.

        ### Content
        More for the user.
        """

    @Test func markdownImport() throws {
        let document = try WalkthroughDocument.decode(markdown: Self.markdown, fallbackSlug: "ignored")
        #expect(document.slug == "deploy-first-app")
        #expect(document.version == nil)
        #expect(document.content.title == "Deploy your first app")
        #expect(document.content.description == "Takes you from an empty folder\nto a running app.")
        #expect(document.content.kind == .installer && document.content.estimatedMinutes == 20)
        #expect(document.content.steps.map(\.title) == ["Install the CLI", "Log in"])
        #expect(
            document.content.steps[0]
                == WalkthroughStep(
                    title: "Install the CLI", introduction: "First, the command-line tool.", context: "The user is on macOS.",
                    operations: "```sh\n## not a step: a comment in the script\n# nor a title\nbrew install acme\n```",
                    check: "`acme --version` prints 2.x."))
        #expect(
            document.content.steps[1]
                == WalkthroughStep(
                    title: "Log in",
                    content:
                        "Run `acme login` and follow the browser.\n\n### Troubleshooting\nA third-level heading that is no field stays in the content.\n\nMore for the user."
                ))
        // The imported content can be published as it is.
        #expect(try document.content.validated(forPublishing: true) == document.content)
    }

    @Test func markdownWithoutFrontmatterGetsDefaults() throws {
        let document = try WalkthroughDocument.decode(markdown: "# Hello, World!\r\n\r\n## One\r\nDo it.\r\n", fallbackSlug: nil)
        #expect(document.slug == "hello-world")
        #expect(document.content.kind == .quickstart && document.content.estimatedMinutes == nil)
        #expect(document.content.description.isEmpty)
        #expect(document.content.steps == [WalkthroughStep(title: "One", content: "Do it.")])
        #expect(try WalkthroughDocument.decode(markdown: "# Hello\n## One\nx", fallbackSlug: "given").slug == "given")
    }

    @Test func frontmatterTitleAndDescriptionWin() throws {
        let document = try WalkthroughDocument.decode(
            markdown: "---\ntitle: From frontmatter\ndescription: Short.\n---\n# From the heading\n\nLonger text.\n\n## One\nx",
            fallbackSlug: nil)
        #expect(document.content.title == "From frontmatter")
        #expect(document.content.description == "Short.")
        let headingOnly = try WalkthroughDocument.decode(
            markdown: "---\ntitle: From frontmatter\n---\n# From the heading\n\nThe description.\n\n## One\nx", fallbackSlug: nil)
        #expect(headingOnly.content.description == "The description.")
    }

    @Test(
        arguments: [
            ("Just text.\n\n## A step\nx", ["title"]),
            ("# Title\n\nNo steps.\n```\n## in a fence\n```\n", ["steps"]),
            ("No title, no steps.", ["steps", "title"]),
            ("---\ntype: blog\nestimated_minutes: soon\n---\n# T\n## S\nx", ["estimated_minutes", "type"]),
        ] as [(String, [String])])
    func markdownProblemsAreReportedByField(markdown: String, fields: [String]) {
        let problems = #expect(throws: WalkthroughProblems.self) { try WalkthroughDocument.decode(markdown: markdown, fallbackSlug: nil) }
        #expect(problems?.fields.keys.sorted() == fields)
    }

    @Test(arguments: [("Hello, World!", "hello-world"), ("Déjà vu 2", "deja-vu-2"), ("!!", "walkthrough"), ("A", "walkthrough")])
    func suggestedSlugs(title: String, slug: String) {
        #expect(WalkthroughDocument.suggestedSlug(for: title) == slug)
    }
}

/// Runs through walkthroughs and the analytics made from them, on every backend.
@Suite struct WalkthroughRunTests {
    typealias Fixture = WalkthroughFixture

    static func at(_ seconds: TimeInterval) -> Date { Fixture.t0.addingTimeInterval(seconds) }

    @Test(arguments: Backend.available)
    func stepsAreCompletedInOrder(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let (version, participant, run) = try await f.startedRun(now: Self.at(0))
            #expect(run.stepsCompleted == 0 && !run.isFinished && run.versionID == version.id)
            await #expect(throws: WalkthroughRunStore.Conflict.self) {
                _ = try await f.runs.complete(run, step: 2, totalSteps: 3, outcome: .done, note: nil)
            }
            let one = try await f.runs.complete(run, step: 1, totalSteps: 3, outcome: .done, note: nil, now: Self.at(10))
            #expect(one.stepsCompleted == 1 && one.updatedAt == Self.at(10))
            // The old view of the run is stale now.
            await #expect(throws: WalkthroughRunStore.Conflict.self) {
                _ = try await f.runs.complete(run, step: 1, totalSteps: 3, outcome: .done, note: nil)
            }
            // A failure is recorded but the run stays on the step.
            let failed = try await f.runs.complete(one, step: 2, totalSteps: 3, outcome: .failed, note: "no network", now: Self.at(20))
            #expect(failed == one)
            let two = try await f.runs.complete(failed, step: 2, totalSteps: 3, outcome: .skipped, note: nil, now: Self.at(30))
            #expect(two.stepsCompleted == 2 && !two.isFinished)
            // A failure reported against a stale view of the run is a conflict too.
            await #expect(throws: WalkthroughRunStore.Conflict.self) {
                _ = try await f.runs.complete(one, step: 2, totalSteps: 3, outcome: .failed, note: nil)
            }
            await #expect(throws: WalkthroughRunStore.Conflict.self) {
                _ = try await f.runs.complete(two, step: 4, totalSteps: 3, outcome: .done, note: nil)
            }
            let done = try await f.runs.complete(two, step: 3, totalSteps: 3, outcome: .done, note: nil, now: Self.at(40))
            #expect(done.stepsCompleted == 3 && done.finishedAt == Self.at(40) && done.isFinished)
            await #expect(throws: WalkthroughRunStore.Conflict.self) {
                _ = try await f.runs.complete(done, step: 4, totalSteps: 4, outcome: .done, note: nil)
            }
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: participant) == done)
            #expect(try await f.count("walkthrough_step_events", walkthroughID: version.walkthroughID) == 4)
        }
    }

    @Test(arguments: Backend.available)
    func startingAgainReplacesTheCurrentRun(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let (version, participant, first) = try await f.startedRun(now: Self.at(0))
            let advanced = try await f.runs.complete(first, step: 1, totalSteps: 3, outcome: .done, note: nil, now: Self.at(5))
            let second = try await f.runs.start(version, serverID: f.server.id, participant: participant, now: Self.at(10))
            #expect(second.id != first.id && second.stepsCompleted == 0)
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: participant) == second)
            #expect(try await f.runs.current(serverID: f.server.id, participant: participant) == [version.walkthroughID: second])
            // The replaced run can no longer move.
            for outcome in WalkthroughOutcome.allCases {
                await #expect(throws: WalkthroughRunStore.Conflict.self) {
                    _ = try await f.runs.complete(advanced, step: 2, totalSteps: 3, outcome: outcome, note: nil)
                }
            }
            // Both runs stay for the analytics.
            #expect(try await f.count("walkthrough_runs", walkthroughID: version.walkthroughID) == 2)
        }
    }

    @Test(arguments: Backend.available)
    func aSignedInUsersRunFollowsThemAcrossSessions(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let version = try #require(try await f.published().live)
            let ada = try await f.endUser("ada")
            let laptop = try await f.participant(endUserID: ada)
            let desktop = try await f.participant(endUserID: ada)
            #expect(laptop.sessionID != desktop.sessionID)
            let run = try await f.runs.start(version, serverID: f.server.id, participant: laptop)
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: desktop) == run)
            let moved = try await f.runs.complete(run, step: 1, totalSteps: 3, outcome: .done, note: nil)
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: desktop) == moved)

            // Anonymous sessions each have their own runs; another user has none.
            let anonymous = try await f.participant()
            let otherAnonymous = try await f.participant()
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: anonymous) == nil)
            let own = try await f.runs.start(version, serverID: f.server.id, participant: anonymous)
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: anonymous) == own)
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: otherAnonymous) == nil)
            let grace = try await f.participant(endUserID: try await f.endUser("grace"))
            #expect(try await f.runs.current(serverID: f.server.id, participant: grace).isEmpty)
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: laptop) == moved)
        }
    }

    @Test(arguments: Backend.available)
    func concurrentCompletionsOfAStepHaveOneWinner(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let (version, participant, run) = try await f.startedRun(endUserID: try await f.endUser("ada"))
            let runs = f.runs
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await runs.complete(run, step: 1, totalSteps: 3, outcome: .done, note: nil)
                            return true
                        } catch is WalkthroughRunStore.Conflict {
                            return false
                        } catch {
                            Issue.record("unexpected \(error)")
                            return false
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            #expect(try await f.runs.current(walkthroughID: version.walkthroughID, participant: participant)?.stepsCompleted == 1)
            #expect(try await f.count("walkthrough_step_events", walkthroughID: version.walkthroughID) == 1)
        }
    }

    @Test(arguments: Backend.available)
    func analyticsOfAScriptedSetOfRuns(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let entry = try await f.published(now: Self.at(-60))
            let v1 = try #require(entry.live)
            // (step, outcome, seconds since the start, note) per attempt, one list per run.
            let scripts: [[(Int, WalkthroughOutcome, TimeInterval, String?)]] = [
                [(1, .done, 60, nil), (2, .done, 180, nil), (3, .done, 200, nil)],
                [(1, .done, 30, nil), (2, .failed, 100, "npm not found"), (2, .skipped, 160, "installed by hand"), (3, .done, 260, nil)],
                [(1, .done, 90, nil)],
                [],
            ]
            for script in scripts {
                var run = try await f.runs.start(v1, serverID: f.server.id, participant: try await f.participant(), now: Self.at(0))
                for (step, outcome, seconds, note) in script {
                    run = try await f.runs.complete(run, step: step, totalSteps: 3, outcome: outcome, note: note, now: Self.at(seconds))
                }
            }
            let funnel = try await WalkthroughAnalytics(database: f.database).funnel(of: v1)
            #expect(funnel.versionNumber == 1)
            #expect(funnel.starts == 4 && funnel.completions == 2 && funnel.completionRate == 0.5)
            #expect(funnel.steps.map(\.number) == [1, 2, 3])
            #expect(funnel.steps.map(\.title) == ["Step 1", "Step 2", "Step 3"])
            #expect(funnel.steps.map(\.reached) == [4, 3, 2])
            #expect(funnel.steps.map(\.completed) == [3, 2, 2])
            #expect(funnel.steps.map(\.droppedOff) == [1, 1, 0])
            // Step 1: 60, 30, 90 s; step 2: 120 and 130 s (a failure does not restart the clock); step 3: 20 and 100 s.
            #expect(funnel.steps.map(\.medianSeconds) == [60, 125, 60])
            #expect(funnel.steps.map(\.outcomes) == [[.done: 3], [.done: 1, .skipped: 1, .failed: 1], [.done: 2]])
            #expect(funnel.outcomes == [.done: 6, .skipped: 1, .failed: 1])
            #expect(
                funnel.notes == [
                    WalkthroughFunnel.Note(step: 2, outcome: .skipped, text: "installed by hand", at: Self.at(160)),
                    WalkthroughFunnel.Note(step: 2, outcome: .failed, text: "npm not found", at: Self.at(100)),
                ])

            // Version 2's funnel counts its own runs only; the totals count every version's.
            try await f.store.saveDraft(Fixture.content("Shorter", steps: 1), of: entry.walkthrough)
            let edited = try #require(try await f.store.entry(slug: "intro", serverID: f.server.id))
            let v2 = try #require(try await f.store.publish(edited).live)
            let run = try await f.runs.start(v2, serverID: f.server.id, participant: try await f.participant(), now: Self.at(0))
            _ = try await f.runs.complete(run, step: 1, totalSteps: 1, outcome: .done, note: nil, now: Self.at(45))
            let funnel2 = try await WalkthroughAnalytics(database: f.database).funnel(of: v2)
            #expect(funnel2.versionNumber == 2 && funnel2.starts == 1 && funnel2.completions == 1 && funnel2.completionRate == 1)
            #expect(funnel2.steps.map(\.medianSeconds) == [45] && funnel2.notes.isEmpty)
            #expect(try await WalkthroughAnalytics(database: f.database).funnel(of: v1) == funnel)
            let totals = try await WalkthroughAnalytics(database: f.database).totals(serverID: f.server.id)
            #expect(totals == [entry.walkthrough.id: WalkthroughTotals(starts: 5, completions: 3)])
            #expect(try await WalkthroughAnalytics(database: f.database).totals(serverID: f.other.id).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func aVersionWithoutRunsHasAnEmptyFunnel(backend: Backend) async throws {
        try await Fixture.with(backend) { f in
            let funnel = try await WalkthroughAnalytics(database: f.database).funnel(of: try #require(try await f.published().live))
            #expect(funnel.starts == 0 && funnel.completions == 0 && funnel.completionRate == 0)
            #expect(funnel.steps.map(\.reached) == [0, 0, 0] && funnel.steps.allSatisfy { $0.medianSeconds == nil && $0.outcomes.isEmpty })
            #expect(funnel.outcomes.isEmpty && funnel.notes.isEmpty)
        }
    }
}
