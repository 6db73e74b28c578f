import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The admin API's walkthrough routes (`/api/v1/servers/{slug}/walkthroughs`), without sockets.
@Suite struct WalkthroughAdminAPITests {
    static let base = "/api/v1/servers/guide/walkthroughs"

    static let document = WalkthroughDocument(
        slug: "first-request",
        content: WalkthroughContent(
            title: "Your first request", description: "Send a request with the SDK.", kind: .integration, estimatedMinutes: 15,
            steps: [
                WalkthroughStep(title: "Install", operations: "npm install acme", content: "Install the SDK.", check: "`npm ls acme`"),
                WalkthroughStep(title: "Call the API", introduction: "Now the call.", content: "```js\nawait acme.ping()\n```"),
            ]))

    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, body: String? = nil,
        contentType: String? = "application/json", token: String? = AdminAPITests.token
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        headers[.contentType] = contentType
        headers[.authorization] = token.map { "Bearer \($0)" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    static func json(_ document: WalkthroughDocument) -> String { String(decoding: document.json(), as: UTF8.self) }

    @Test func importExportPublishAndStatusChanges() async throws {
        try await AdminAPITests.withAPI { client, _ in
            let imported = try await Self.send(client, .post, Self.base, body: Self.json(Self.document))
            #expect(imported.status == .created)
            #expect(imported.json["created"] as? Bool == true)
            let summary = try #require(imported.json["walkthrough"] as? [String: Any])
            #expect(summary["slug"] as? String == "first-request" && summary["title"] as? String == "Your first request")
            #expect(summary["type"] as? String == "integration" && summary["status"] as? String == "draft")
            #expect(summary["published_version"] is NSNull && summary["draft_version"] as? Int == 1)
            #expect(summary["steps"] as? Int == 2 && summary["starts"] as? Int == 0 && summary["completions"] as? Int == 0)

            let listed = try #require(try await Self.send(client, .get, Self.base).json["walkthroughs"] as? [[String: Any]])
            #expect(listed.map { $0["slug"] as? String } == ["first-request"])

            // Export gives back the file as it was imported, with the version it is.
            let exported = try await Self.send(client, .get, "\(Self.base)/first-request")
            #expect(exported.status == .ok && exported.headers[.contentType] == "application/json")
            var expected = Self.document
            expected.version = 1
            #expect(Data(exported.body.readableBytesView) == expected.json())

            let published = try await Self.send(client, .post, "\(Self.base)/first-request/publish")
            #expect(published.status == .ok)
            #expect(published.json["status"] as? String == "published" && published.json["published_version"] as? Int == 1)
            #expect(published.json["draft_version"] is NSNull)

            // A PUT without a slug makes version 2, a draft; version 1 stays published.
            var edited = try #require(try JSONSerialization.jsonObject(with: Self.document.json()) as? [String: Any])
            edited["slug"] = nil
            edited["title"] = "Your first request, revised"
            let put = try await Self.send(
                client, .put, "\(Self.base)/first-request",
                body: String(decoding: try JSONSerialization.data(withJSONObject: edited), as: UTF8.self))
            #expect(put.status == .ok)
            #expect(put.json["published_version"] as? Int == 1 && put.json["draft_version"] as? Int == 2)
            #expect(put.json["title"] as? String == "Your first request, revised")
            let draft = try await Self.send(client, .get, "\(Self.base)/first-request")
            #expect(draft.json["version"] as? Int == 2 && draft.json["title"] as? String == "Your first request, revised")
            let first = try await Self.send(client, .get, "\(Self.base)/first-request?version=1")
            #expect(Data(first.body.readableBytesView) == expected.json())

            // Importing the same slug again replaces the draft: 200, not created.
            let again = try await Self.send(client, .post, Self.base, body: Self.json(Self.document))
            #expect(again.status == .ok && again.json["created"] as? Bool == false)
            #expect((again.json["walkthrough"] as? [String: Any])?["draft_version"] as? Int == 2)

            for (action, status, published) in [("unpublish", "draft", 1), ("archive", "archived", 1), ("restore", "published", 1)] {
                let response = try await Self.send(client, .post, "\(Self.base)/first-request/\(action)")
                #expect(response.status == .ok, "\(action)")
                #expect(response.json["status"] as? String == status, "\(action)")
                #expect(response.json["published_version"] as? Int == published, "\(action)")
            }

            let analytics = try await Self.send(client, .get, "\(Self.base)/first-request/analytics")
            #expect(analytics.status == .ok)
            #expect(analytics.json["version"] as? Int == 1 && analytics.json["starts"] as? Int == 0)
            #expect(analytics.json["completion_rate"] as? Double == 0)
            let steps = try #require(analytics.json["steps"] as? [[String: Any]])
            #expect(steps.map { $0["title"] as? String } == ["Install", "Call the API"])
            #expect(steps.allSatisfy { $0["median_seconds"] is NSNull && $0["dropped_off"] as? Int == 0 })
            #expect(analytics.json["outcomes"] as? [String: Int] == ["done": 0, "skipped": 0, "failed": 0])
            #expect(try await Self.send(client, .get, "\(Self.base)/first-request/analytics?version=2").json["version"] as? Int == 2)

            #expect(try await Self.send(client, .delete, "\(Self.base)/first-request").status == .noContent)
            #expect(try await Self.send(client, .get, "\(Self.base)/first-request").status == .notFound)
            #expect(try await Self.send(client, .delete, "\(Self.base)/first-request").status == .notFound)
        }
    }

    @Test func restoringANeverPublishedWalkthroughLeavesItADraft() async throws {
        try await AdminAPITests.withAPI { client, _ in
            _ = try await Self.send(client, .post, Self.base, body: Self.json(Self.document))
            #expect(try await Self.send(client, .post, "\(Self.base)/first-request/archive").json["status"] as? String == "archived")
            #expect(try await Self.send(client, .post, "\(Self.base)/first-request/restore").json["status"] as? String == "draft")
        }
    }

    @Test func analyticsOfRuns() async throws {
        try await AdminAPITests.withAPI { client, platform in
            _ = try await Self.send(client, .post, Self.base, body: Self.json(Self.document))
            _ = try await Self.send(client, .post, "\(Self.base)/first-request/publish")
            let server = try #require(try await platform.tenancy.server(slug: "guide"))
            let version = try #require(
                try await WalkthroughStore(database: platform.database).entry(slug: "first-request", serverID: server.id)?.live)
            let session = try await MCPSessionStore(database: platform.database, idleTimeout: 60).create(
                serverID: server.id, protocolVersion: ProtocolVersion.latest, clientName: nil, clientVersion: nil, clientCapabilities: "{}")
            let runs = WalkthroughRunStore(database: platform.database)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var run = try await runs.start(version, serverID: server.id, participant: Participant(session: session), now: start)
            run = try await runs.complete(run, step: 1, totalSteps: 2, outcome: .done, note: "easy", now: start.addingTimeInterval(42))
            _ = try await runs.complete(run, step: 2, totalSteps: 2, outcome: .failed, note: "timeout", now: start.addingTimeInterval(50))

            let analytics = try await Self.send(client, .get, "\(Self.base)/first-request/analytics").json
            #expect(analytics["starts"] as? Int == 1 && analytics["completions"] as? Int == 0)
            let steps = try #require(analytics["steps"] as? [[String: Any]])
            #expect(steps.map { $0["reached"] as? Int } == [1, 1] && steps.map { $0["completed"] as? Int } == [1, 0])
            #expect(steps.map { $0["dropped_off"] as? Int } == [0, 1])
            #expect(steps[0]["median_seconds"] as? Double == 42 && steps[1]["median_seconds"] is NSNull)
            #expect(steps[1]["outcomes"] as? [String: Int] == ["done": 0, "skipped": 0, "failed": 1])
            #expect(analytics["outcomes"] as? [String: Int] == ["done": 1, "skipped": 0, "failed": 1])
            let notes = try #require(analytics["notes"] as? [[String: Any]])
            #expect(notes.map { $0["text"] as? String } == ["timeout", "easy"])
            #expect(notes.first?["at"] as? String == "2027-01-15T08:00:50Z" && notes.first?["outcome"] as? String == "failed")
            let listed = try #require(try await Self.send(client, .get, Self.base).json["walkthroughs"] as? [[String: Any]])
            #expect(listed.first?["starts"] as? Int == 1 && listed.first?["completions"] as? Int == 0)
        }
    }

    @Test func problemsAreAnswered422ByField() async throws {
        try await AdminAPITests.withAPI { client, _ in
            let cases: [(String, [String])] = [
                (#"{"slug":"x1","title":"T","description":"","type":"quickstart","steps":[]}"#, ["format_version"]),
                (#"{"format_version":2,"slug":"x1","title":"T","description":"","type":"quickstart","steps":[]}"#, ["format_version"]),
                (#"{"format_version":1,"slug":["x"],"title":"T","description":"","type":"quickstart","steps":[]}"#, ["slug"]),
                (#"{"format_version":1,"slug":"x1","title":"T","description":"","type":"quickstart","steps":"none"}"#, ["steps"]),
                (
                    #"{"format_version":1,"slug":"x1","title":"T","description":"","type":"quickstart","steps":[{"title":false}]}"#,
                    ["steps.1.title"]
                ),
                (#"{"format_version":1,"slug":"x1","title":"T","description":"","type":"tour","steps":[]}"#, ["type"]),
                (
                    #"{"format_version":1,"slug":"Not Valid","title":" ","description":"","type":"quickstart","steps":[{"title":""}]}"#,
                    ["slug", "steps.1.title", "title"]
                ),
                ("not json", ["file"]),
                ("[]", ["file"]),
                ("", ["file"]),
            ]
            for (body, fields) in cases {
                let response = try await Self.send(client, .post, Self.base, body: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.json["error"] as? String == "invalid", "\(body)")
                #expect(response.json["message"] is String, "\(body)")
                #expect((response.json["fields"] as? [String: String]).map { $0.keys.sorted() } == fields, "\(body)")
            }
            #expect(try #require(try await Self.send(client, .get, Self.base).json["walkthroughs"] as? [Any]).isEmpty)

            _ = try await Self.send(client, .post, Self.base, body: Self.json(Self.document))
            var other = Self.document
            other.slug = "other-slug"
            let mismatch = try await Self.send(client, .put, "\(Self.base)/first-request", body: Self.json(other))
            #expect(mismatch.status == .unprocessableContent)
            #expect((mismatch.json["fields"] as? [String: String])?.keys.sorted() == ["slug"])
            var empty = Self.document
            empty.content.steps = []
            #expect(try await Self.send(client, .put, "\(Self.base)/first-request", body: Self.json(empty)).status == .ok)
            let publish = try await Self.send(client, .post, "\(Self.base)/first-request/publish")
            #expect(publish.status == .unprocessableContent)
            #expect(publish.json["fields"] as? [String: String] == ["steps": "add at least one step before publishing"])
        }
    }

    @Test func badRequestsAreNeverServerErrors() async throws {
        try await AdminAPITests.withAPI { client, _ in
            _ = try await Self.send(client, .post, Self.base, body: Self.json(Self.document))
            let cases: [(HTTPRequest.Method, String, HTTPResponse.Status)] =
                [
                    (.get, "\(Self.base)/first-request?version=abc", .badRequest),
                    (.get, "\(Self.base)/first-request?version=0", .badRequest),
                    (.get, "\(Self.base)/first-request?version=-1", .badRequest),
                    (.get, "\(Self.base)/first-request?version=99999999999999999999999", .badRequest),
                    (.get, "\(Self.base)/first-request?version=2", .notFound),
                    (.get, "\(Self.base)/first-request?version=\(Int.max)", .notFound),
                    (.get, "\(Self.base)/first-request/analytics?version=x", .badRequest),
                    (.get, "\(Self.base)/first-request/analytics?version=7", .notFound),
                    (.get, "\(Self.base)/nope", .notFound),
                    (.get, "\(Self.base)/\(String(repeating: "a", count: 500))", .notFound),
                    (.put, "\(Self.base)/nope", .notFound),
                    (.delete, "\(Self.base)/nope", .notFound),
                    (.get, "\(Self.base)/nope/analytics", .notFound),
                    (.get, "/api/v1/servers/nope/walkthroughs", .notFound),
                    (.post, "/api/v1/servers/nope/walkthroughs", .notFound),
                ] + ["publish", "unpublish", "archive", "restore"].map { (.post, "\(Self.base)/nope/\($0)", .notFound) }
            for (method, path, status) in cases {
                let response = try await Self.send(client, method, path, body: method == .get ? nil : Self.json(Self.document))
                #expect(response.status == status, "\(method) \(path)")
                #expect(response.json["message"] is String, "\(method) \(path)")
            }
            let unsupported = try await Self.send(client, .post, Self.base, body: "<walkthrough/>", contentType: "application/xml")
            #expect(unsupported.status == .unsupportedMediaType && unsupported.json["error"] as? String == "unsupported_media_type")
            #expect(try await Self.send(client, .get, Self.base, token: nil).status == .unauthorized)
        }
    }

    @Test func anotherOrganizationsKeyFindsNothing() async throws {
        try await AdminAPITests.withAPI { client, platform in
            let acme = try #require(try await platform.tenancy.organization(slug: "acme"))
            let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            let (_, acmeKey) = try await platform.accounts.apiKeys.create(organizationID: acme.id, name: "ci", createdBy: nil)
            let (_, globexKey) = try await platform.accounts.apiKeys.create(organizationID: globex.id, name: "ci", createdBy: nil)
            #expect(try await Self.send(client, .post, Self.base, body: Self.json(Self.document), token: acmeKey).status == .created)

            let requests: [(HTTPRequest.Method, String)] = [
                (.get, Self.base), (.post, Self.base), (.get, "\(Self.base)/first-request"), (.put, "\(Self.base)/first-request"),
                (.post, "\(Self.base)/first-request/publish"), (.post, "\(Self.base)/first-request/archive"),
                (.get, "\(Self.base)/first-request/analytics"), (.delete, "\(Self.base)/first-request"),
            ]
            for (method, path) in requests {
                let response = try await Self.send(client, method, path, body: Self.json(Self.document), token: globexKey)
                #expect(response.status == .notFound, "\(method) \(path)")
            }
            #expect(try await Self.send(client, .get, "\(Self.base)/first-request", token: acmeKey).json["version"] as? Int == 1)
            #expect(try await Self.send(client, .post, "\(Self.base)/first-request/publish", token: acmeKey).status == .ok)
        }
    }

    @Test func bodiesOverOneMebibyteAre413() async throws {
        try await AdminAPITests.withAPI { client, _ in
            var huge = Self.document
            huge.content.description = String(repeating: "x", count: WalkthroughDocument.maximumBytes)
            #expect(try await Self.send(client, .post, Self.base, body: Self.json(huge)).status == .contentTooLarge)
            let markdown = "# Title\n\n## Step\n" + String(repeating: "y", count: WalkthroughDocument.maximumBytes)
            let response = try await Self.send(client, .post, Self.base, body: markdown, contentType: "text/markdown")
            #expect(response.status == .contentTooLarge && response.json["error"] as? String == "too_large")
            _ = try await Self.send(client, .post, Self.base, body: Self.json(Self.document))
            #expect(try await Self.send(client, .put, "\(Self.base)/first-request", body: Self.json(huge)).status == .contentTooLarge)
            // Just under the limit is a problem of content, not of size.
            var large = Self.document
            large.content.description = String(repeating: "x", count: WalkthroughDocument.maximumBytes - 1000)
            let tooLong = try await Self.send(client, .post, Self.base, body: Self.json(large))
            #expect(tooLong.status == .unprocessableContent)
            #expect((tooLong.json["fields"] as? [String: String])?.keys.sorted() == ["description"])
        }
    }

    @Test func markdownImport() async throws {
        try await AdminAPITests.withAPI { client, _ in
            let markdown = """
                ---
                type: installer
                ---
                # Install the CLI

                Two steps.

                ## Download
                ### Operations
                ```sh
                ## a comment, not a step
                curl -fsSL https://example.com/install.sh | sh
                ```
                ### Check
                `acme --version`

                ## Log in
                Run `acme login`.
                """
            let created = try await Self.send(
                client, .post, "\(Self.base)?slug=cli-setup", body: markdown, contentType: "text/markdown; charset=utf-8")
            #expect(created.status == .created)
            let summary = try #require(created.json["walkthrough"] as? [String: Any])
            #expect(summary["slug"] as? String == "cli-setup" && summary["type"] as? String == "installer" && summary["steps"] as? Int == 2)
            let exported = try await Self.send(client, .get, "\(Self.base)/cli-setup")
            let document = try WalkthroughDocument.decode(json: exported.body.readableBytesView)
            #expect(document.content.title == "Install the CLI" && document.content.description == "Two steps.")
            #expect(document.content.steps.map(\.title) == ["Download", "Log in"])
            #expect(
                document.content.steps[0].operations
                    == "```sh\n## a comment, not a step\ncurl -fsSL https://example.com/install.sh | sh\n```")
            #expect(document.content.steps[0].check == "`acme --version`" && document.content.steps[1].content == "Run `acme login`.")

            let again = try await Self.send(client, .post, "\(Self.base)?slug=cli-setup", body: markdown, contentType: "text/markdown")
            #expect(again.status == .ok && again.json["created"] as? Bool == false)
            // Without ?slug= the slug is made from the title.
            #expect(
                try await Self.send(client, .post, Self.base, body: markdown, contentType: "text/markdown").json["walkthrough"]
                    .flatMap { ($0 as? [String: Any])?["slug"] as? String } == "install-the-cli")
            // A Markdown draft replaces the draft too.
            let put = try await Self.send(
                client, .put, "\(Self.base)/cli-setup", body: "# Renamed\n## Only\nx", contentType: "text/markdown")
            #expect(put.status == .ok && put.json["title"] as? String == "Renamed" && put.json["steps"] as? Int == 1)

            let untitled = try await Self.send(client, .post, Self.base, body: "Just text", contentType: "text/markdown")
            #expect(untitled.status == .unprocessableContent)
            #expect((untitled.json["fields"] as? [String: String])?.keys.sorted() == ["steps", "title"])
            let binary = try await client.execute(
                uri: Self.base, method: .post,
                headers: [.contentType: "text/markdown", .authorization: "Bearer \(AdminAPITests.token)"],
                body: ByteBuffer(bytes: [0x23, 0x20, 0xFF, 0xFE]))
            #expect(binary.status == .unprocessableContent && (binary.json["fields"] as? [String: String])?["file"] != nil)
        }
    }
}
