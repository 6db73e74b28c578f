import Foundation

/// A documentation website, crawled from a start URL.
///
/// The crawl stays under the start URL's directory (`https://example.com/docs/intro` covers
/// `https://example.com/docs/…`). Seeds are the start URL, the pages listed by the site's
/// `sitemap.xml` (and sitemaps named in `robots.txt`) and its `llms.txt`; links found in pages are
/// followed breadth-first up to `maximumDepth`. `robots.txt` is honoured (including
/// `Crawl-delay`), at most `concurrency` requests run at once, request starts are spaced by the
/// politeness delay, and pages unchanged since the last crawl are re-validated with
/// `If-None-Match` / `If-Modified-Since` rather than downloaded again.
struct WebsiteSource: DocumentSource {
    let start: URL
    let fetcher: WebFetcher
    var maximumPages = 1000
    var maximumDepth = 10
    var concurrency = 4
    var politenessDelay: Duration = .milliseconds(200)

    /// The URL prefix the crawl stays under.
    var scope: String {
        let absolute = start.absoluteString.split(separator: "#").first.map(String.init) ?? start.absoluteString
        let withoutQuery = absolute.split(separator: "?").first.map(String.init) ?? absolute
        guard let slash = withoutQuery.lastIndex(of: "/"), withoutQuery.distance(from: withoutQuery.startIndex, to: slash) > 8 else {
            return withoutQuery + "/"
        }
        return String(withoutQuery[...slash])
    }

    func inScope(_ url: URL) -> Bool {
        url.absoluteString.hasPrefix(scope) || url.absoluteString + "/" == scope
    }

    func pages(known: [String: KnownPage]) -> Pages {
        Pages(source: self, known: known)
    }

    /// Crawls as the runner asks: each step fetches the next few frontier URLs concurrently.
    struct Pages: AsyncSequence {
        let source: WebsiteSource
        let known: [String: KnownPage]

        func makeAsyncIterator() -> Iterator {
            Iterator(source: source, known: known)
        }

        struct Iterator: AsyncIteratorProtocol {
            let source: WebsiteSource
            let known: [String: KnownPage]
            var robots: RobotsTxt?
            var frontier: [(url: URL, depth: Int)] = []
            var queued: Set<String> = []
            var ready: [SourcePage] = []
            var fetched = 0

            init(source: WebsiteSource, known: [String: KnownPage]) {
                self.source = source
                self.known = known
            }

            mutating func next() async throws -> SourcePage? {
                if robots == nil { return try await prepare() }
                while ready.isEmpty {
                    guard !frontier.isEmpty, fetched < source.maximumPages else { return nil }
                    try await crawlBatch()
                }
                return ready.removeFirst()
            }

            /// Reads robots.txt, sitemaps and llms.txt, and seeds the frontier.
            private mutating func prepare() async throws -> SourcePage {
                if let refusal = source.fetcher.refusal(for: source.start) {
                    throw IngestError.sourceUnavailable("cannot crawl \(source.start.absoluteString): \(refusal)")
                }
                let origin = URL(string: "/", relativeTo: source.start)!.absoluteURL
                let robotsURL = URL(string: "robots.txt", relativeTo: origin)!.absoluteURL
                let robots: RobotsTxt
                switch await source.fetcher.fetch(robotsURL, inScope: { $0.host == origin.host }) {
                case .page(_, _, let body, _, _): robots = RobotsTxt(String(decoding: body, as: UTF8.self), userAgent: "MCPlatformBot")
                case .unreachable(let reason): throw IngestError.sourceUnavailable("cannot reach \(origin.absoluteString): \(reason)")
                case .failed, .notModified: robots = RobotsTxt()
                }
                self.robots = robots
                enqueue(source.start, depth: 0)
                for url in await sitemapURLs(robots: robots, origin: origin) { enqueue(url, depth: 1) }
                for base in Set([URL(string: source.scope)!, origin]) {
                    if let llms = await text(at: URL(string: "llms.txt", relativeTo: base)!.absoluteURL) {
                        for link in SitemapParser.llmsLinks(in: llms) {
                            if let url = URL(string: link, relativeTo: base)?.absoluteURL { enqueue(url, depth: 1) }
                        }
                    }
                }
                guard robots.allows(Self.pathAndQuery(source.start)) else {
                    throw IngestError.sourceUnavailable("robots.txt disallows crawling \(source.start.absoluteString)")
                }
                return .discovered(total: Swift.min(queued.count, source.maximumPages))
            }

            private mutating func crawlBatch() async throws {
                let count = Swift.min(source.concurrency, frontier.count, source.maximumPages - fetched)
                let batch = Array(frontier.prefix(count))
                frontier.removeFirst(count)
                fetched += count
                let robotsDelay = robots?.crawlDelay.map { Duration.milliseconds(Int(Swift.min($0, 10) * 1000)) } ?? .zero
                let delay = Swift.max(robotsDelay, source.politenessDelay)
                let source = self.source
                let known = self.known
                let results = await withTaskGroup(of: (Int, WebFetcher.Response).self) { group in
                    for (index, item) in batch.enumerated() {
                        group.addTask {
                            try? await Task.sleep(for: delay * index)
                            return (
                                index, await source.fetcher.fetch(item.url, known: known[item.url.absoluteString], inScope: source.inScope)
                            )
                        }
                    }
                    var results = [WebFetcher.Response?](repeating: nil, count: batch.count)
                    for await (index, response) in group { results[index] = response }
                    return results
                }
                try await Task.sleep(for: delay)
                for (item, response) in zip(batch, results) {
                    // Without the start page the crawl would find nothing and remove every stored
                    // page: fail the whole ingestion instead, keeping the index as it was.
                    switch response {
                    case .failed(let reason)? where item.depth == 0, .unreachable(let reason)? where item.depth == 0:
                        throw IngestError.sourceUnavailable("cannot fetch \(item.url.absoluteString): \(reason)")
                    default: break
                    }
                    handle(response!, for: item)
                }
                ready.append(.discovered(total: Swift.min(queued.count, source.maximumPages)))
            }

            private mutating func handle(_ response: WebFetcher.Response, for item: (url: URL, depth: Int)) {
                let url = item.url.absoluteString
                switch response {
                case .failed(let reason):
                    ready.append(.failed(url: url, reason: reason))
                case .unreachable(let reason):
                    ready.append(.failed(url: url, reason: "fetch failed: \(reason)"))
                case .notModified:
                    if item.depth < source.maximumDepth {
                        for link in known[url]?.links ?? [] {
                            if let next = URL(string: link) { enqueue(next, depth: item.depth + 1) }
                        }
                    }
                    ready.append(.unchanged(url: url))
                case .page(let finalURL, let contentType, let body, let etag, let lastModified):
                    guard let format = Self.format(contentType: contentType, url: finalURL) else {
                        ready.append(
                            .failed(url: url, reason: "not a documentation page (\(contentType.isEmpty ? "no content type" : contentType))")
                        )
                        return
                    }
                    guard String(data: body, encoding: .utf8) != nil, !body.prefix(8192).contains(0) else {
                        ready.append(.failed(url: url, reason: "binary or not UTF-8 text"))
                        return
                    }
                    let links = format == .html ? HTMLExtractor.extract(String(decoding: body, as: UTF8.self), baseURL: finalURL).links : []
                    if item.depth < source.maximumDepth {
                        for link in links {
                            if let next = URL(string: link) { enqueue(next, depth: item.depth + 1) }
                        }
                    }
                    let title = finalURL.deletingPathExtension().lastPathComponent
                    ready.append(
                        .document(
                            FetchedDocument(
                                url: url, format: format, data: body, fallbackTitle: title, etag: etag, lastModified: lastModified,
                                links: links
                            )
                        )
                    )
                }
            }

            /// Adds `url` (normalized) to the frontier once, when in scope, allowed and plausibly a page.
            private mutating func enqueue(_ url: URL, depth: Int) {
                guard let normalized = Self.normalize(url), source.inScope(normalized),
                    robots?.allows(Self.pathAndQuery(normalized)) ?? true,
                    !Self.assetExtensions.contains(normalized.pathExtension.lowercased()),
                    queued.insert(normalized.absoluteString).inserted
                else { return }
                frontier.append((normalized, depth))
            }

            private func text(at url: URL) async -> String? {
                guard case .page(_, _, let body, _, _) = await source.fetcher.fetch(url, inScope: { $0.host == url.host }) else {
                    return nil
                }
                return String(data: body, encoding: .utf8)
            }

            /// Page URLs of the sitemaps (`/sitemap.xml` and robots.txt's), following sitemap indexes once.
            private func sitemapURLs(robots: RobotsTxt, origin: URL) async -> [URL] {
                var sitemaps =
                    robots.sitemaps.compactMap { URL(string: $0) } + [URL(string: "sitemap.xml", relativeTo: origin)!.absoluteURL]
                var pages: [URL] = []
                var fetchedSitemaps = 0
                while !sitemaps.isEmpty, fetchedSitemaps < 20, pages.count < source.maximumPages * 2 {
                    let sitemap = sitemaps.removeFirst()
                    fetchedSitemaps += 1
                    guard let xml = await text(at: sitemap) else { continue }
                    let (urls, isIndex) = SitemapParser.locations(in: xml)
                    let resolved = urls.compactMap { URL(string: $0, relativeTo: sitemap)?.absoluteURL }
                    if isIndex { sitemaps += resolved } else { pages += resolved }
                }
                return pages
            }

            static let assetExtensions: Set<String> = [
                "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "css", "js", "mjs", "map", "woff", "woff2", "ttf", "eot",
                "zip", "gz", "tgz", "tar", "pdf", "mp4", "webm", "mp3", "wasm", "exe", "dmg", "json", "xml",
            ]

            /// Scheme and host lowercased, default port, fragment and tracking parameters removed.
            static func normalize(_ url: URL) -> URL? {
                guard var components = URLComponents(url: url.absoluteURL, resolvingAgainstBaseURL: true),
                    let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https"
                else { return nil }
                components.scheme = scheme
                components.host = components.host?.lowercased()
                if (scheme == "http" && components.port == 80) || (scheme == "https" && components.port == 443) { components.port = nil }
                components.fragment = nil
                components.queryItems = components.queryItems?.filter { !$0.name.lowercased().hasPrefix("utm_") }
                if components.queryItems?.isEmpty == true { components.queryItems = nil }
                if components.path.isEmpty { components.path = "/" }
                return components.url
            }

            static func pathAndQuery(_ url: URL) -> String {
                let path = url.path.isEmpty ? "/" : url.path
                return url.query.map { "\(path)?\($0)" } ?? path
            }

            /// The format of a fetched page, by content type (then extension); nil when not a page.
            static func format(contentType: String, url: URL) -> DocumentFormat? {
                let type = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                switch type {
                case "text/html", "application/xhtml+xml": return .html
                case "text/markdown", "text/x-markdown": return url.pathExtension.lowercased() == "mdx" ? .mdx : .markdown
                case "text/plain", "": return DocumentFormat(path: url.path).flatMap { $0 == .html ? nil : $0 } ?? .plainText
                case "text/x-rst": return .restructuredText
                default: return nil
                }
            }
        }
    }
}
