import Foundation
import Logging

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

/// Answers searches over a server's docs: BM25 over chunks (``SearchIndex``) grouped per page
/// with the best section first; when embeddings are configured, fused by reciprocal rank with
/// the pages of the chunks nearest in meaning (``SemanticSearch``); cut to bounded snippets.
public struct DocsSearch: Sendable {
    let database: any Database
    let docs: DocsStore
    let semantic: SemanticSearch?

    /// Chunks fetched from each ranking per query, before fusion and grouping into pages.
    static let candidateChunks = 100
    /// How many further sections of a page add to its score, and by what share of theirs.
    static let supportingSections = 5
    static let supportWeight = 0.3
    /// Longest snippet, in characters.
    static let snippetCharacters = 360

    public init(database: any Database, semantic: SemanticSearch? = nil) {
        self.database = database
        self.docs = DocsStore(database: database)
        self.semantic = semantic
    }

    /// Search over `platform`'s database, with semantic ranking when it has an embedding endpoint.
    public init(platform: Platform, logger: Logger) {
        self.init(database: platform.database, semantic: platform.semanticSearch(logger: logger))
    }

    /// Pages for `query` in `version` (default: the latest), `offset` pages skipped, at most `limit`.
    public func search(serverID: Int64, query: String, version: String?, limit: Int, offset: Int) async throws -> (
        version: String?, results: [SearchResult]
    ) {
        guard let version = try await resolve(version: version, serverID: serverID) else { return (nil, []) }
        let query = SearchQuery(query)
        let terms = query.terms + (try await SearchIndex.expand(prefixes: query.prefixes, serverID: serverID, in: database))
        async let lexical = SearchIndex.search(
            serverID: serverID, version: version, terms: terms, limit: Self.candidateChunks, in: database)
        let nearest =
            try await semantic?.nearest(
                to: query.text, serverID: serverID, version: version, limit: Self.candidateChunks, database: database)
            ?? []
        let keywordMatches = try await lexical
        let chunks = try await chunkRows(serverID: serverID, ids: keywordMatches.map(\.chunkID) + nearest.map(\.chunkID))
        let holdingPhrases = try Self.chunksHoldingPhrases(of: query, among: chunks)
        var pages = try Self.rankPages(keywordMatches, chunks: chunks, supportWeight: Self.supportWeight, holdingPhrases: holdingPhrases)
        if !nearest.isEmpty {
            // Fused per page: a page's cosine rank is its best section's (extra sections would
            // outweigh rank differences, as every chunk has a similarity).
            let semanticPages = try Self.rankPages(nearest, chunks: chunks, supportWeight: 0, holdingPhrases: holdingPhrases)
            var best: [Int64: RankedPage] = [:]
            for page in semanticPages + pages { best[page.pageID] = page }  // the keyword ranking's section wins
            pages = Self.phrasesFirst(
                RankFusion.fuse([pages.map(\.pageID), semanticPages.map(\.pageID)]).map { fused in
                    var page = best[fused.id]!
                    page.score = fused.score
                    return page
                }
            )
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

    /// A page in a ranking, with the chunk that represents it.
    struct RankedPage {
        let pageID: Int64
        var best: SQLRow
        var score: Double
        /// The page has a section holding every quoted phrase of the query (and `best` is one).
        var holdsPhrases = false
    }

    /// The chunks among `chunks` that hold every quoted phrase of `query` as written.
    static func chunksHoldingPhrases(of query: SearchQuery, among chunks: [Int64: SQLRow]) throws -> Set<Int64> {
        guard !query.phrases.isEmpty else { return [] }
        return Set(
            try chunks.filter { _, row in
                let chunkTerms = SearchTokenizer.terms(try row.decode("text", as: String.self))
                return query.phrases.allSatisfy { SearchQuery.contains($0, in: chunkTerms) }
            }.keys
        )
    }

    /// Pages holding the quoted phrases first, each group in its order: a phrase that appears
    /// nowhere still finds the words.
    static func phrasesFirst(_ pages: [RankedPage]) -> [RankedPage] {
        pages.filter(\.holdsPhrases) + pages.filter { !$0.holdsPhrases }
    }

    /// The chunks `ids` with their page's URL and title, by chunk id.
    func chunkRows(serverID: Int64, ids: [Int64]) async throws -> [Int64: SQLRow] {
        guard !ids.isEmpty else { return [:] }
        let list = SQLStatement.joined(Set(ids).map { "\($0)" })
        let rows = try await database.query(
            """
            SELECT c.id, c.page_id, c.anchor, c.heading_path, c.text, p.url, p.title
            FROM doc_chunks c JOIN doc_pages p ON p.id = c.page_id
            WHERE c.server_id = \(serverID) AND c.id IN (\(list))
            """
        )
        var chunks: [Int64: SQLRow] = [:]
        for row in rows { chunks[try row.decode("id")] = row }
        return chunks
    }

    /// Pages of ranked chunks, best first. A page scores its best section plus `supportWeight`
    /// of its next ``supportingSections`` ones, so a page that answers from several angles beats
    /// one stray match.
    static func rankPages(
        _ matches: [SearchIndex.Match], chunks: [Int64: SQLRow], supportWeight: Double, holdingPhrases: Set<Int64> = []
    ) throws -> [RankedPage] {
        var pages: [RankedPage] = []
        var pageIndex: [Int64: (position: Int, matched: Int)] = [:]
        for match in matches {
            guard let chunk = chunks[match.chunkID] else { continue }
            let pageID: Int64 = try chunk.decode("page_id")
            let holds = holdingPhrases.contains(match.chunkID)
            if let (position, matched) = pageIndex[pageID] {
                pageIndex[pageID] = (position, matched + 1)
                if matched + 1 <= supportingSections { pages[position].score += match.score * supportWeight }
                if holds, !pages[position].holdsPhrases { (pages[position].best, pages[position].holdsPhrases) = (chunk, true) }
            } else {
                pageIndex[pageID] = (pages.count, 1)
                pages.append(RankedPage(pageID: pageID, best: chunk, score: match.score, holdsPhrases: holds))
            }
        }
        return phrasesFirst(pages.sorted { $0.score != $1.score ? $0.score > $1.score : $0.pageID < $1.pageID })
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
