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
    /// How many further sections of a page add to its score, and by what share of theirs.
    static let supportingSections = 5
    static let supportWeight = 0.3
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
        let query = SearchQuery(query)
        let terms = query.terms + (try await SearchIndex.expand(prefixes: query.prefixes, serverID: serverID, in: database))
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
        // Sections holding every quoted phrase as written rank first; the others follow, so a
        // phrase that appears nowhere still finds the words.
        let holdingPhrases: Set<Int64> =
            query.phrases.isEmpty
            ? []
            : Set(
                try matches.filter { match in
                    guard let text = try chunks[match.chunkID]?.decode("text", as: String.self) else { return false }
                    let chunkTerms = SearchTokenizer.terms(text)
                    return query.phrases.allSatisfy { SearchQuery.contains($0, in: chunkTerms) }
                }.map(\.chunkID)
            )

        // Group chunks per page. A page scores its best section plus a share of its next best
        // ones, so a page that answers from several angles beats one stray match.
        var pages: [(pageID: Int64, best: SQLRow, holdsPhrases: Bool, score: Double, matched: Int)] = []
        var pageIndex: [Int64: Int] = [:]
        for match in matches {
            guard let chunk = chunks[match.chunkID] else { continue }
            let pageID: Int64 = try chunk.decode("page_id")
            let holds = holdingPhrases.contains(match.chunkID)
            if let index = pageIndex[pageID] {
                pages[index].matched += 1
                if pages[index].matched <= Self.supportingSections { pages[index].score += match.score * Self.supportWeight }
                if holds, !pages[index].holdsPhrases { (pages[index].best, pages[index].holdsPhrases) = (chunk, true) }
            } else {
                pageIndex[pageID] = pages.count
                pages.append((pageID, chunk, holds, match.score, 1))
            }
        }
        pages.sort { left, right in
            if left.holdsPhrases != right.holdsPhrases { return left.holdsPhrases }
            return left.score != right.score ? left.score > right.score : left.pageID < right.pageID
        }
        var results: [SearchResult] = []
        for page in pages.dropFirst(offset).prefix(limit) {
            let url: String = try page.best.decode("url")
            let anchor: String? = try page.best.decode("anchor")
            results.append(
                SearchResult(
                    url: anchor.map { "\(url)#\($0)" } ?? url,
                    title: try page.best.decode("title"),
                    section: try page.best.decode("heading_path"),
                    snippet: Self.snippet(of: try page.best.decode("text"), terms: Set(terms)),
                    score: (page.score * 1000).rounded() / 1000
                )
            )
        }
        return (version, results)
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
