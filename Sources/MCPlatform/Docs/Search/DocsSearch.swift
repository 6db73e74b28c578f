import Foundation

/// One page in search results, represented by its best-matching section.
public struct SearchResult: Sendable, Equatable, Codable {
    /// The page's URL, with the best section's `#anchor`.
    public let url: String
    public let title: String
    /// Heading path of the best section (`Models › Fields › null`).
    public let section: String
    public let snippet: String
    public let score: Double
}

/// Answers searches over a server's docs: BM25 over chunks (``SearchIndex``), then grouped per
/// page with the best section first, and cut to bounded snippets.
public struct DocsSearch: Sendable {
    let database: any Database
    let docs: DocsStore

    /// Chunks fetched from the index per query, before grouping into pages.
    static let candidateChunks = 100
    /// Longest snippet, in characters.
    static let snippetCharacters = 360

    public init(database: any Database) {
        self.database = database
        self.docs = DocsStore(database: database)
    }

    /// Pages for `query` in `version` (default: the latest), `offset` pages skipped, at most `limit`.
    public func search(serverID: Int64, query: String, version: String?, limit: Int, offset: Int) async throws -> (
        version: String?, results: [SearchResult]
    ) {
        guard let version = try await resolve(version: version, serverID: serverID) else { return (nil, []) }
        let terms = SearchTokenizer.terms(query)
        let matches = try await SearchIndex.search(
            serverID: serverID, version: version, terms: terms, limit: Self.candidateChunks, in: database)
        guard !matches.isEmpty else { return (version, []) }

        var ids: SQLStatement = ""
        for (index, match) in matches.enumerated() { ids = ids + (index == 0 ? "\(match.chunkID)" : ", \(match.chunkID)") }
        let rows = try await database.query(
            """
            SELECT c.id, c.page_id, c.anchor, c.heading_path, c.text, p.url, p.title
            FROM doc_chunks c JOIN doc_pages p ON p.id = c.page_id
            WHERE c.server_id = \(serverID) AND c.id IN (\(ids))
            """
        )
        var chunks: [Int64: SQLRow] = [:]
        for row in rows { chunks[try row.decode("id")] = row }

        var seenPages = Set<Int64>()
        var results: [SearchResult] = []
        for match in matches {
            guard let chunk = chunks[match.chunkID], seenPages.insert(try chunk.decode("page_id")).inserted else { continue }
            let url: String = try chunk.decode("url")
            let anchor: String? = try chunk.decode("anchor")
            results.append(
                SearchResult(
                    url: anchor.map { "\(url)#\($0)" } ?? url,
                    title: try chunk.decode("title"),
                    section: try chunk.decode("heading_path"),
                    snippet: Self.snippet(of: try chunk.decode("text"), terms: Set(terms)),
                    score: (match.score * 1000).rounded() / 1000
                )
            )
        }
        return (version, Array(results.dropFirst(offset).prefix(limit)))
    }

    /// `requested` if the server has it, else the latest version; nil when the server has no docs.
    func resolve(version requested: String?, serverID: Int64) async throws -> String? {
        let versions = try await docs.versions(serverID: serverID)
        if let requested {
            guard versions.contains(requested) else {
                throw ToolError(
                    "Unknown version '\(requested)'. Available: \(versions.isEmpty ? "none" : versions.joined(separator: ", ")).")
            }
            return requested
        }
        return versions.first
    }

    /// The passage of `text` richest in `terms`, about ``snippetCharacters`` long, on word boundaries.
    static func snippet(of text: String, terms: Set<String>) -> String {
        let flattened = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
        guard flattened.count > snippetCharacters else { return flattened }
        let words = flattened.split(separator: " ", omittingEmptySubsequences: true)
        let hits = words.map { word in SearchTokenizer.terms(String(word)).contains(where: terms.contains) ? 1 : 0 }
        // Slide a window of words, keep the one with most hits (earliest on ties).
        var best = (start: 0, hits: -1)
        var start = 0
        var length = 0
        var windowHits = 0
        for end in words.indices {
            length += words[end].count + 1
            windowHits += hits[end]
            while length > snippetCharacters, start < end {
                length -= words[start].count + 1
                windowHits -= hits[start]
                start += 1
            }
            if windowHits > best.hits { best = (start, windowHits) }
        }
        var snippet = ""
        for word in words[best.start...] {
            guard snippet.count + word.count + 1 <= snippetCharacters else { break }
            snippet += snippet.isEmpty ? String(word) : " " + word
        }
        return (best.start > 0 ? "… " : "") + snippet + (snippet.count < flattened.count ? " …" : "")
    }
}
