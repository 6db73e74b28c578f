import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import MCPlatform

/// The crawler against a real HTTP server on loopback.
@Suite struct WebsiteCrawlTests {
    /// A small documentation site with the usual traps.
    /// The paths the site was asked for.
    final class RequestLog: Sendable {
        private let paths = Mutex<[String]>([])
        func append(_ path: String) { paths.withLock { $0.append(path) } }
        var all: [String] { paths.withLock { $0 } }
    }

    static func html(_ body: String, title: String = "Page") -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(
                byteBuffer: ByteBuffer(
                    string:
                        "<html><head><title>\(title) | Site</title></head><body><nav><a href=\"/docs/nav-only.html\">Nav</a></nav><main>\(body)</main></body></html>"
                ))
        )
    }

    static func site(requests: RequestLog) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(RecordingMiddleware(requests: requests))
        router.get("/robots.txt") { _, _ in "User-agent: *\nDisallow: /docs/private/\nSitemap: /sitemap.xml\n" }
        router.get("/sitemap.xml") { _, _ in
            "<urlset><url><loc>/docs/from-sitemap.html</loc></url><url><loc>/elsewhere.html</loc></url></urlset>"
        }
        router.get("/llms.txt") { _, _ in "# Site\n\n- [Markdown page](/docs/from-llms.md): raw markdown\n" }
        router.get("/docs/index.html") { _, _ in
            Self.html(
                """
                <h1>Welcome</h1><p>Start with <a href="a.html">A</a>, <a href="b.md">B</a>, <a href="private/secret.html">secret</a>,
                <a href="/other/outside.html">outside</a>, <a href="loop1">loop</a>, <a href="logo.png">logo</a>,
                <a href="binary.html">binary</a>, <a href="big.html">big</a>, <a href="gone.html">gone</a>, <a href="a.html#part">A again</a>.</p>
                """, title: "Welcome")
        }
        router.get("/docs/a.html") { request, _ in
            if request.headers[.ifNoneMatch] == "\"a-v1\"" { return Response(status: .notModified) }
            var response = Self.html(
                "<h1>Alpha</h1><p>The frobnicator configuration lives in <code>frob.toml</code>.</p><a href=\"deep.html\">deep</a>",
                title: "Alpha")
            response.headers[.eTag] = "\"a-v1\""
            return response
        }
        router.get("/docs/deep.html") { _, _ in Self.html("<h1>Deep</h1><p>Reached only through Alpha.</p>") }
        router.get("/docs/nav-only.html") { _, _ in Self.html("<h1>Nav target</h1><p>linked from navigation</p>") }
        router.get("/docs/b.md") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/markdown"],
                body: .init(byteBuffer: ByteBuffer(string: "# Bravo\n\nMarkdown served as such.")))
        }
        router.get("/docs/from-sitemap.html") { _, _ in Self.html("<h1>Sitemap page</h1><p>only in the sitemap</p>") }
        router.get("/docs/from-llms.md") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "# From llms.txt\n\nlisted by llms")))
        }
        router.get("/docs/private/secret.html") { _, _ in Self.html("<h1>Secret</h1>") }
        router.get("/other/outside.html") { _, _ in Self.html("<h1>Outside</h1>") }
        router.get("/docs/loop1") { _, _ in Response(status: .found, headers: [.location: "/docs/loop2"]) }
        router.get("/docs/loop2") { _, _ in Response(status: .found, headers: [.location: "/docs/loop1"]) }
        router.get("/docs/binary.html") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: [0, 1, 2])))
        }
        router.get("/docs/big.html") { _, _ in Self.html(String(repeating: "<p>big</p>", count: 20_000)) }
        return router
    }

    struct RecordingMiddleware: RouterMiddleware {
        let requests: RequestLog
        func handle(_ request: Request, context: BasicRequestContext, next: (Request, BasicRequestContext) async throws -> Response)
            async throws -> Response
        {
            requests.append(request.uri.path)
            return try await next(request, context)
        }
    }

    static func crawl(_ url: String, platform: Platform, server: TenantServer, allowPrivate: Bool = true) async throws -> IngestJob {
        let source = try await DocsStore(database: platform.database).source(
            serverID: server.id, kind: .website, location: url, version: "latest", settings: SourceSettings(crawlDelayMilliseconds: 0)
        )
        let job = try await IngestJobStore(database: platform.database).create(source: source, running: true)
        var limits = IngestLimits()
        limits.allowPrivateNetworks = allowPrivate
        limits.maximumPageBytes = 100_000
        return try await IngestRunner(
            database: platform.database, limits: limits, cacheDirectory: DocsIngestionTests.cacheDirectory, logger: .quiet
        ).run(job)
    }

    @Test func crawlsTheSiteWithinScopeAndRules() async throws {
        let requests = RequestLog()
        try await Application(
            router: Self.site(requests: requests), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: .quiet
        )
        .test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            try await DocsIngestionTests.withDocs(.sqlite, files: [:]) { platform, server, _ in
                let job = try await Self.crawl("\(base)/docs/index.html", platform: platform, server: server)
                #expect(job.status == .succeeded, "\(job.error ?? "")")
                let docs = DocsStore(database: platform.database)
                let stored = try await platform.database.query("SELECT url FROM doc_pages ORDER BY url").map {
                    try $0.decode("url", as: String.self)
                }
                let expected = ["a.html", "b.md", "deep.html", "from-llms.md", "from-sitemap.html", "index.html", "nav-only.html"].map {
                    "\(base)/docs/\($0)"
                }
                #expect(stored == expected)
                let failed = try await IngestJobStore(database: platform.database).pages(jobID: job.id, status: .failed)
                let reasons = Dictionary(
                    uniqueKeysWithValues: failed.map { ($0.url.replacingOccurrences(of: base, with: ""), $0.error ?? "") })
                #expect(reasons["/docs/loop1"] == "redirect loop")
                #expect(reasons["/docs/binary.html"]?.hasPrefix("not a documentation page") == true)
                #expect(reasons["/docs/big.html"]?.contains("page limit") == true)
                #expect(reasons["/docs/gone.html"] == "HTTP 404")
                let fetched = requests.all
                #expect(!fetched.contains("/docs/private/secret.html"))
                #expect(!fetched.contains("/other/outside.html"))
                #expect(!fetched.contains("/docs/logo.png"))
                #expect(fetched.filter { $0 == "/docs/a.html" }.count == 1)

                let alpha = try #require(try await docs.page(serverID: server.id, version: "latest", url: "\(base)/docs/a.html"))
                #expect(alpha.title == "Alpha")
                #expect(
                    try await DocsIngestionTests.topURLs("frobnicator configuration", server: server, platform: platform).first
                        == "\(base)/docs/a.html#alpha")

                // A re-crawl revalidates: Alpha answers 304, and its links are still followed.
                let again = try await Self.crawl("\(base)/docs/index.html", platform: platform, server: server)
                #expect(again.pagesRemoved == 0)
                #expect(again.pagesIndexed == 0)
                #expect(again.pagesUnchanged == 7)
                #expect(try await docs.page(serverID: server.id, version: "latest", url: "\(base)/docs/deep.html") != nil)
            }
        }
    }

    @Test func privateAddressesAreRefusedUnlessAllowed() async throws {
        try await DocsIngestionTests.withDocs(.sqlite, files: [:]) { platform, server, _ in
            let job = try await Self.crawl("http://127.0.0.1:9/docs/", platform: platform, server: server, allowPrivate: false)
            #expect(job.status == .failed)
            #expect(job.error?.contains("private, loopback") == true)
            let down = try await Self.crawl("http://127.0.0.1:9/docs/", platform: platform, server: server)
            #expect(down.status == .failed)
            #expect(down.error?.contains("cannot reach http://127.0.0.1:9/") == true, "\(down.error ?? "")")
        }
    }

    @Test(arguments: [
        ("/docs/", "/docs/a", true), ("/docs/", "/doc", false), ("/docs/*.php$", "/docs/x.php", true),
        ("/docs/*.php$", "/docs/x.php5", false),
        ("/*/admin", "/a/b/admin/x", true), ("/", "/anything", true),
    ])
    func robotsPatterns(pattern: String, path: String, matches: Bool) {
        #expect(RobotsTxt.matches(pattern, path) == matches)
    }

    @Test func robotsGroupsAndPrecedence() {
        let robots = RobotsTxt(
            """
            User-agent: *
            Disallow: /

            User-agent: MCPlatformBot
            User-agent: other
            Disallow: /docs/internal/
            Allow: /docs/internal/public/
            Crawl-delay: 2
            Sitemap: https://example.com/sitemap.xml
            """, userAgent: "MCPlatformBot")
        #expect(robots.allows("/docs/intro"))
        #expect(!robots.allows("/docs/internal/x"))
        #expect(robots.allows("/docs/internal/public/y"))
        #expect(robots.crawlDelay == 2)
        #expect(robots.sitemaps == ["https://example.com/sitemap.xml"])
        #expect(!RobotsTxt("User-agent: *\nDisallow: /", userAgent: "MCPlatformBot").allows("/x"))
    }

    @Test func publicAddressClassification() {
        #expect(!NetworkAddress.isPublic(ipv4: 0x7F00_0001))
        #expect(!NetworkAddress.isPublic(ipv4: 0x0A01_0203))
        #expect(!NetworkAddress.isPublic(ipv4: 0xC0A8_0101))
        #expect(!NetworkAddress.isPublic(ipv4: 0xA9FE_A9FE))
        #expect(NetworkAddress.isPublic(ipv4: 0x0808_0808))
        #expect(!NetworkAddress.isPublic(ipv6: [UInt8](repeating: 0, count: 15) + [1]))
        #expect(!NetworkAddress.isPublic(ipv6: [0xFE, 0x80] + [UInt8](repeating: 0, count: 14)))
        #expect(!NetworkAddress.isPublic(host: "localhost"))
        #expect(!NetworkAddress.isPublic(host: "no-such-host.invalid"))
    }
}
