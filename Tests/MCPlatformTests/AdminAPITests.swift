import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The operator's admin API (`/api/v1`) for documentation sources and jobs.
@Suite struct AdminAPITests {
    static let token = "test-admin-token-0123456789abcdef"

    static func withAPI(token: String? = token, _ body: @escaping @Sendable (any TestClientProtocol, Platform) async throws -> Void)
        async throws
    {
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database) { $0.adminToken = token }
            let organization = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            _ = try await platform.tenancy.createServer(slug: Slug("guide"), name: "Acme Docs", organization: organization)
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                try await body(client, platform)
            }
        }
    }

    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String? = token
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.authorization] = token.map { "Bearer \($0)" }
        return try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Without an operator token only organization API keys get in.
    @Test func withoutAnOperatorTokenOnlyAPIKeysGetIn() async throws {
        try await Self.withAPI(token: nil) { client, platform in
            let response = try await Self.call(client, .get, "/api/v1/servers/guide/sources", token: "anything")
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] as? String == "unauthorized")
            let acme = try #require(try await platform.tenancy.organization(slug: "acme"))
            let (_, key) = try await platform.accounts.apiKeys.create(organizationID: acme.id, name: "ci", createdBy: nil)
            #expect(try await Self.call(client, .get, "/api/v1/servers/guide/sources", token: key).status == .ok)
        }
    }

    /// An organization's key reaches its own servers and jobs only; everything else is 404,
    /// and operator-only calls are 403. A revoked key stops working.
    @Test func apiKeysAreScopedToTheirOrganization() async throws {
        try await Self.withAPI { client, platform in
            let acme = try #require(try await platform.tenancy.organization(slug: "acme"))
            let globex = try await platform.tenancy.createOrganization(slug: Slug("globex"), name: "Globex")
            _ = try await platform.tenancy.createServer(slug: Slug("globex-docs"), name: "Globex Docs", organization: globex)
            let (acmeKey, acmeSecret) = try await platform.accounts.apiKeys.create(organizationID: acme.id, name: "ci", createdBy: nil)
            let (_, globexSecret) = try await platform.accounts.apiKeys.create(organizationID: globex.id, name: "ci", createdBy: nil)

            #expect(try await Self.call(client, .get, "/api/v1/servers/guide/sources", token: acmeSecret).status == .ok)
            #expect(try await Self.call(client, .get, "/api/v1/servers/guide/sources", token: globexSecret).status == .notFound)
            #expect(try await Self.call(client, .get, "/api/v1/servers/guide/auth", token: globexSecret).status == .notFound)
            let added = try await Self.call(
                client, .post, "/api/v1/servers/guide/sources", json: #"{"kind":"website","location":"https://docs.example.com/"}"#,
                token: acmeSecret)
            #expect(added.status == .accepted)
            let jobID = try #require((added.json["job"] as? [String: Any])?["id"] as? Int)
            #expect(try await Self.call(client, .get, "/api/v1/jobs/\(jobID)", token: acmeSecret).status == .ok)
            #expect(try await Self.call(client, .get, "/api/v1/jobs/\(jobID)", token: globexSecret).status == .notFound)
            #expect(try await Self.call(client, .get, "/api/v1/jobs/\(jobID)").status == .ok)
            let onboard = try await Self.call(
                client, .post, "/api/v1/onboard", json: #"{"organization":"initech","owner_email":"bill@initech.com"}"#, token: acmeSecret)
            #expect(onboard.status == .forbidden)

            try await platform.accounts.apiKeys.revoke(id: acmeKey.id, organizationID: acme.id)
            #expect(try await Self.call(client, .get, "/api/v1/servers/guide/sources", token: acmeSecret).status == .unauthorized)
        }
    }

    @Test func wrongOrMissingTokensAreRefused() async throws {
        try await Self.withAPI { client, _ in
            for token in [nil, "wrong-token-0123456789abcdef0000", Self.token + "x", ""] as [String?] {
                let response = try await Self.call(client, .get, "/api/v1/servers/guide/sources", token: token)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            #expect(try await Self.call(client, .get, "/api/v1/servers/guide/sources").status == .ok)
        }
    }

    @Test func addingARemoteSourceQueuesAJob() async throws {
        try await Self.withAPI { client, platform in
            let created = try await Self.call(
                client, .post, "/api/v1/servers/guide/sources",
                json: #"{"kind":"website","location":"https://docs.example.com/guide/","version":"2.0","maxPages":50}"#
            )
            #expect(created.status == .accepted)
            let job = try #require(created.json["job"] as? [String: Any])
            #expect(job["status"] as? String == "queued")
            let jobID = try #require(job["id"] as? Int)
            let sourceID = try #require(created.json["sourceID"] as? Int)

            let fetched = try await Self.call(client, .get, "/api/v1/jobs/\(jobID)")
            #expect(fetched.json["status"] as? String == "queued")
            // Any instance's worker takes it from the database.
            #expect(try await IngestJobStore(database: platform.database).claimNext()?.id == Int64(jobID))

            let again = try await Self.call(client, .post, "/api/v1/servers/guide/sources/\(sourceID)/ingest")
            #expect(again.status == .accepted)
            #expect(again.json["id"] as? Int != jobID)

            let sources = try #require(
                try await Self.call(client, .get, "/api/v1/servers/guide/sources").json["sources"] as? [[String: Any]])
            #expect(sources.map { $0["location"] as? String } == ["https://docs.example.com/guide/"])
            let pages = try await Self.call(client, .get, "/api/v1/jobs/\(jobID)/pages?status=failed")
            #expect((pages.json["pages"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func badRequestsAreExplained() async throws {
        try await Self.withAPI { client, _ in
            let cases: [(String, String, HTTPResponse.Status)] = [
                ("/api/v1/servers/guide/sources", #"{"kind":"folder","location":"/etc"}"#, .badRequest),
                ("/api/v1/servers/guide/sources", #"{"kind":"git","location":"/srv/repo"}"#, .badRequest),
                ("/api/v1/servers/guide/sources", #"{"kind":"git","location":"file:///srv/repo"}"#, .badRequest),
                ("/api/v1/servers/guide/sources", #"{"kind":"website","location":"ftp://x"}"#, .badRequest),
                ("/api/v1/servers/guide/sources", #"{"kind":"sharepoint","location":"https://x"}"#, .badRequest),
                ("/api/v1/servers/guide/sources", #"{"location":"https://x"}"#, .badRequest),
                ("/api/v1/servers/guide/sources", #"{"kind":"website","location":"https://x.dev","maxPages":0}"#, .badRequest),
                ("/api/v1/servers/guide/sources", "not json", .badRequest),
                ("/api/v1/servers/nope/sources", #"{"kind":"website","location":"https://x.dev"}"#, .notFound),
                ("/api/v1/servers/guide/sources/999/ingest", "", .notFound),
            ]
            for (path, body, status) in cases {
                let response = try await Self.call(client, .post, path, json: body)
                #expect(response.status == status, "\(path) \(body)")
                #expect(response.json["message"] is String, "\(path) \(body)")
            }
            #expect(try await Self.call(client, .get, "/api/v1/jobs/12345").status == .notFound)
            #expect(try await Self.call(client, .get, "/api/v1/jobs/abc").status == .notFound)
        }
    }
}

/// The OpenAPI document at `/api/v1/openapi.json` lists exactly the admin API's routes.
@Suite struct OpenAPIDocumentTests {
    @Test func documentCoversEveryAdminRouteAndNothingElse() async throws {
        try await Backend.sqlite.withDatabase { database in
            let platform = Platform.test(database: database)
            let router = buildRouter(platform: platform)
            @Sendable func normalized(_ path: String) -> String {
                path.replacing(/\{[^}]+\}|:[A-Za-z_]+/, with: "{}")
            }
            let routes = Set(
                router.routes.map { ($0.method.rawValue, normalized($0.path.description)) }
                    .filter { $0.1.hasPrefix("/api/v1/") && $0.1 != "/api/v1/openapi.json" }
                    .map { "\($0.0) \($0.1)" })
            #expect(!routes.isEmpty)
            try await Application(router: router, logger: .quiet).test(.router) { client in
                let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
                #expect(response.status == .ok)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                var documented: Set<String> = []
                for (path, item) in paths {
                    for method in item.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                        documented.insert("\(method.uppercased()) \(normalized("/api/v1" + path))")
                    }
                }
                #expect(
                    documented == routes,
                    "undocumented: \(routes.subtracting(documented).sorted()); not routed: \(documented.subtracting(routes).sorted())")
            }
        }
    }
}
