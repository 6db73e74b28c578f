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

/// Answers searches over a server's docs: BM25 over chunks grouped per page with the best
/// section first; when embeddings are configured, fused by reciprocal rank with the pages of the
/// chunks nearest in meaning (``SemanticSearch``); cut to bounded snippets.
///
/// BM25 runs on the server's in-memory index (``LexicalIndex``, from ``SearchIndexCache``),
/// which ranks exactly as the database's ``SearchIndex`` and also holds what results show, so a
/// search without embeddings makes no database query (but, at most once a second, the
/// index's change stamp).
public struct DocsSearch: Sendable {
    let database: any Database
    let semantic: SemanticSearch?
    let indexes: SearchIndexCache

    /// Chunks fetched from each ranking per query, before fusion and grouping into pages.
    static let candidateChunks = 100
    /// How many of a page's sections count toward its score: its best, then the next ones at
    /// ``supportWeight`` of theirs (so 4 supporting sections).
    static let countedSections = 5
    static let supportWeight = 0.3
    /// Longest snippet, in characters.
    static let snippetCharacters = 360
    /// Most indexed terms a `prefix*` word expands to.
    static let prefixExpansions = 50

    /// A search over `database`, ranking with the indexes of `indexes`.
    public init(database: any Database, semantic: SemanticSearch? = nil, indexes: SearchIndexCache) {
        self.database = database
        self.semantic = semantic
        self.indexes = indexes
    }

    /// Search over `platform`'s database and indexes, with semantic ranking when it has an embedding endpoint.
    public init(platform: Platform, logger: Logger) {
        self.init(database: platform.database, semantic: platform.semanticSearch(logger: logger), indexes: platform.searchIndexes)
    }

    /// Pages for `query` in `version` (default: the latest), `offset` pages skipped, at most `limit`.
    public func search(serverID: Int64, query: String, version: String?, limit: Int, offset: Int) async throws -> (
        version: String?, results: [SearchResult]
    ) {
        try await search(serverID: serverID, query: SearchQuery(query), version: version, limit: limit, offset: offset)
    }

    /// Pages for the parsed `query` in `version` (default: the latest), `offset` pages skipped, at most `limit`.
    func search(serverID: Int64, query: SearchQuery, version: String?, limit: Int, offset: Int) async throws -> (
        version: String?, results: [SearchResult]
    ) {
        let index = try await indexes.index(serverID: serverID, database: database)
        guard let version = try Self.resolve(version: version, among: index.versions) else { return (nil, []) }
        let terms = query.terms + query.prefixes.flatMap { index.terms(startingWith: $0, limit: Self.prefixExpansions) }
        let keywordMatches = index.search(terms: terms, version: version, limit: Self.candidateChunks)
        let nearest =
            try await semantic?.nearest(
                to: query.text, serverID: serverID, version: version, limit: Self.candidateChunks, database: database
            ).compactMap { match in index.ordinal(of: match.chunkID, version: version).map { (ordinal: $0, score: match.score) } }
            ?? []
        let holdingPhrases =
            query.phrases.isEmpty ? [] : Self.chunksHoldingPhrases(of: query, among: keywordMatches + nearest, in: index.chunks)
        var pages = Self.rankPages(keywordMatches, chunks: index.chunks, supportWeight: Self.supportWeight, holdingPhrases: holdingPhrases)
        if !nearest.isEmpty {
            // Fused per page: a page's cosine rank is its best section's (extra sections would
            // outweigh rank differences, as every chunk has a similarity).
            let semanticPages = Self.rankPages(nearest, chunks: index.chunks, supportWeight: 0, holdingPhrases: holdingPhrases)
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
        let matcher = SnippetMatcher(terms: Set(terms))
        let results = pages.dropFirst(offset).prefix(limit).map { page in
            let best = index.chunks[Int(page.best)]
            let pageRecord = index.pages[Int(best.page)]
            return SearchResult(
                url: best.anchor.map { "\(pageRecord.url)#\($0)" } ?? pageRecord.url,
                title: pageRecord.title,
                section: best.headingPath,
                snippet: Self.snippet(of: best.text, matching: matcher),
                score: (page.score * 1000).rounded() / 1000
            )
        }
        return (version, results)
    }

    /// A page in a ranking, with the chunk that represents it.
    struct RankedPage {
        let pageID: Int64
        /// The chunk's ordinal in the index.
        var best: LexicalIndex.Ordinal
        var score: Double
        /// The page has a section holding every quoted phrase of the query (and `best` is one).
        var holdsPhrases = false
    }

    /// The chunks among `candidates` (ordinals in `chunks`) that hold every quoted phrase of `query` as written.
    static func chunksHoldingPhrases(
        of query: SearchQuery, among candidates: [TopChunks.Entry], in chunks: [LexicalIndex.Chunk]
    ) -> Set<LexicalIndex.Ordinal> {
        Set(candidates.map(\.ordinal)).filter { ordinal in
            let chunkTerms = SearchTokenizer.terms(chunks[Int(ordinal)].text)
            return query.phrases.allSatisfy { SearchQuery.contains($0, in: chunkTerms) }
        }
    }

    /// Pages holding the quoted phrases first, each group in its order: a phrase that appears
    /// nowhere still finds the words.
    static func phrasesFirst(_ pages: [RankedPage]) -> [RankedPage] {
        pages.filter(\.holdsPhrases) + pages.filter { !$0.holdsPhrases }
    }

    /// Pages of ranked chunks (ordinals in `chunks`), best first. A page scores its best section
    /// plus `supportWeight` of each next one, up to ``countedSections`` sections in all, so a page
    /// that answers from several angles beats one stray match.
    static func rankPages(
        _ matches: [TopChunks.Entry], chunks: [LexicalIndex.Chunk], supportWeight: Double,
        holdingPhrases: Set<LexicalIndex.Ordinal> = []
    ) -> [RankedPage] {
        var pages: [RankedPage] = []
        var pageIndex: [Int64: (position: Int, matched: Int)] = [:]
        pageIndex.reserveCapacity(matches.count)
        for match in matches {
            let pageID = chunks[Int(match.ordinal)].pageID
            let holds = holdingPhrases.contains(match.ordinal)
            if let (position, matched) = pageIndex[pageID] {
                pageIndex[pageID] = (position, matched + 1)
                if matched + 1 <= countedSections { pages[position].score += match.score * supportWeight }
                if holds, !pages[position].holdsPhrases { (pages[position].best, pages[position].holdsPhrases) = (match.ordinal, true) }
            } else {
                pageIndex[pageID] = (pages.count, 1)
                pages.append(RankedPage(pageID: pageID, best: match.ordinal, score: match.score, holdsPhrases: holds))
            }
        }
        return phrasesFirst(pages.sorted { $0.score != $1.score ? $0.score > $1.score : $0.pageID < $1.pageID })
    }

    /// `requested` if among `versions` (newest first), else the latest; nil when there are none.
    static func resolve(version requested: String?, among versions: [String]) throws -> String? {
        if let requested {
            guard versions.contains(requested) else {
                throw ToolError(
                    "Unknown version '\(requested)'. Available: \(versions.isEmpty ? "none" : versions.joined(separator: ", ")).")
            }
            return requested
        }
        return versions.first
    }

    /// The passage of `text` richest in words that match, about ``snippetCharacters`` long, on word boundaries.
    static func snippet(of text: String, matching matcher: SnippetMatcher) -> String {
        let flat = FlatText(text)
        guard flat.characters > snippetCharacters else { return flat.string }
        let words = flat.words
        let hits = flat.bytes.withUnsafeBufferPointer { bytes in
            words.map { matcher.matches(UnsafeBufferPointer(rebasing: bytes[$0.bytes])) ? 1 : 0 }
        }
        // Slide a window of words, keep the one with most hits (earliest on ties).
        var best = (start: 0, hits: -1)
        var start = 0
        var length = 0
        var windowHits = 0
        for end in words.indices {
            length += words[end].characters + 1
            windowHits += hits[end]
            while length > snippetCharacters, start < end {
                length -= words[start].characters + 1
                windowHits -= hits[start]
                start += 1
            }
            if windowHits > best.hits { best = (start, windowHits) }
        }
        var snippet: [UInt8] = []
        snippet.reserveCapacity(4 * snippetCharacters)
        if best.start > 0 { snippet += "… ".utf8 }
        var characters = 0
        for word in words[best.start...] {
            guard characters + word.characters + 1 <= snippetCharacters else { break }
            if characters > 0 {
                snippet.append(UInt8(ascii: " "))
                characters += 1
            }
            snippet += flat.bytes[word.bytes]
            characters += word.characters
        }
        if characters < flat.characters { snippet += " …".utf8 }
        return String(decoding: snippet, as: UTF8.self)
    }
}
