import Foundation

/// The terms of a chunk, per field of the index.
public struct ChunkTerms: Sendable, Equatable {
    public var title: [String]
    public var headings: [String]
    public var body: [String]
    public var code: [String]

    /// Tokens in all fields: the document length of BM25.
    var count: Int { title.count + headings.count + body.count + code.count }

    /// Each distinct term with its field-weighted frequency: Σ weight(field) × occurrences.
    var weightedFrequencies: [String: Double] {
        var frequencies: [String: Double] = [:]
        for (terms, weight) in [(title, SearchIndex.Weights.title), (headings, .headings), (body, .body), (code, .code)] {
            for term in terms { frequencies[term, default: 0] += weight.rawValue }
        }
        return frequencies
    }
}

/// The full-text index of documentation chunks, ranked by BM25 with field weights.
///
/// SQLite: an FTS5 table per server (`doc_fts_<server id>`): one tenant's statistics and rows
/// never mix with another's. PostgreSQL: `doc_terms` postings, scored by SQL that computes
/// exactly FTS5's `bm25()` (same IDF, k1 = 1.2, b = 0.75, field-weighted term frequency, length
/// over all fields), so both backends rank alike. Both index the terms of ``SearchTokenizer``.
///
/// Searches rank with each instance's in-memory copy (``LexicalIndex``), built to equal this
/// index; ``search(serverID:version:terms:limit:in:)`` and ``expand(prefixes:serverID:limit:in:)``
/// are the reference it is tested against (`LexicalIndexTests`).
public struct SearchIndex: Sendable {
    /// Field weights: a title or heading match counts more than one in the body.
    enum Weights: Double {
        case title = 6
        case headings = 3
        case body = 1
        case code = 1.5
    }

    /// A chunk that matched, best first.
    public struct Match: Sendable, Equatable {
        public let chunkID: Int64
        public let score: Double
    }

    /// Prepares the index of `serverID` (SQLite: creates its FTS5 table).
    static func prepare(serverID: Int64, in db: any SQLExecutor) async throws {
        guard db.dialect == .sqlite else { return }
        try await db.query(
            """
            CREATE VIRTUAL TABLE IF NOT EXISTS \(raw: ftsTable(serverID)) USING fts5(
                title, headings, body, code, content='', contentless_delete=1, tokenize="unicode61 tokenchars '_'"
            )
            """
        )
        try await db.query(
            "CREATE VIRTUAL TABLE IF NOT EXISTS \(raw: vocabularyTable(serverID)) USING fts5vocab(\(raw: ftsTable(serverID)), 'row')"
        )
    }

    /// The indexed terms starting with each of `prefixes` (at most `limit` per prefix), for
    /// `prefix*` queries; both backends then rank them as ordinary terms.
    static func expand(prefixes: [String], serverID: Int64, limit: Int = 50, in db: any SQLExecutor) async throws -> [String] {
        var terms: [String] = []
        for prefix in prefixes {
            let rows: [SQLRow]
            switch db.dialect {
            case .sqlite:
                do {
                    rows = try await db.query(
                        """
                        SELECT term FROM \(raw: vocabularyTable(serverID))
                        WHERE term >= \(prefix) AND term < \(prefix + "\u{10FFFF}") ORDER BY term LIMIT \(limit)
                        """
                    )
                } catch DatabaseError.backend(let message) where message.contains("no such table") {
                    return []
                }
            case .postgres:
                let pattern =
                    prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "_", with: "\\_")
                    .replacingOccurrences(of: "%", with: "\\%") + "%"
                rows = try await db.query(
                    "SELECT DISTINCT term FROM doc_terms WHERE server_id = \(serverID) AND term LIKE \(pattern) ORDER BY term LIMIT \(limit)"
                )
            }
            terms += try rows.map { try $0.decode("term") }
        }
        return terms
    }

    static func add(chunkID: Int64, serverID: Int64, terms: ChunkTerms, in db: any SQLExecutor) async throws {
        switch db.dialect {
        case .sqlite:
            try await db.query(
                """
                INSERT INTO \(raw: ftsTable(serverID)) (rowid, title, headings, body, code)
                VALUES (\(chunkID), \(terms.title.joined(separator: " ")), \(terms.headings.joined(separator: " ")),
                        \(terms.body.joined(separator: " ")), \(terms.code.joined(separator: " ")))
                """
            )
        case .postgres:
            let frequencies = terms.weightedFrequencies
            guard !frequencies.isEmpty else { return }
            let values = SQLStatement.joined(frequencies.map { term, weight in "(\(serverID), \(chunkID), \(term), \(weight))" })
            try await db.query("INSERT INTO doc_terms (server_id, chunk_id, term, weight) VALUES " + values)
        }
    }

    /// Removes the chunks of `pageID` from the index (before the chunks themselves are deleted).
    static func removePage(_ pageID: Int64, serverID: Int64, in db: any SQLExecutor) async throws {
        guard db.dialect == .sqlite else { return }  // doc_terms rows go with their chunks (ON DELETE CASCADE)
        try await db.query(
            "DELETE FROM \(raw: ftsTable(serverID)) WHERE rowid IN (SELECT id FROM doc_chunks WHERE page_id = \(pageID))"
        )
    }

    /// Drops a deleted server's index (SQLite; PostgreSQL's rows cascade).
    public static func drop(serverID: Int64, in db: any SQLExecutor) async throws {
        guard db.dialect == .sqlite else { return }
        try await db.query("DROP TABLE IF EXISTS \(raw: vocabularyTable(serverID))")
        try await db.query("DROP TABLE IF EXISTS \(raw: ftsTable(serverID))")
    }

    /// The best chunks of `version` for `terms` (any of them), at most `limit`.
    static func search(serverID: Int64, version: String, terms: [String], limit: Int, in db: any SQLExecutor) async throws -> [Match] {
        let terms = Array(Set(terms)).sorted()
        guard !terms.isEmpty else { return [] }
        let rows: [SQLRow]
        switch db.dialect {
        case .sqlite:
            let table = ftsTable(serverID)
            let expression = terms.map { "\"\($0)\"" }.joined(separator: " OR ")
            let weights = "\(Weights.title.rawValue), \(Weights.headings.rawValue), \(Weights.body.rawValue), \(Weights.code.rawValue)"
            do {
                rows = try await db.query(
                    """
                    SELECT c.id AS chunk_id, -bm25(\(raw: table), \(raw: weights)) AS score
                    FROM \(raw: table) JOIN doc_chunks c ON c.id = \(raw: table).rowid
                    WHERE \(raw: table) MATCH \(expression) AND c.server_id = \(serverID) AND c.version = \(version)
                    ORDER BY score DESC, c.id LIMIT \(limit)
                    """
                )
            } catch DatabaseError.backend(let message) where message.contains("no such table") {
                return []  // nothing ingested yet
            }
        case .postgres:
            let list = SQLStatement.joined(terms.map { "\($0)" })
            rows = try await db.query(
                """
                WITH stats AS (
                    SELECT count(*)::float8 AS n, greatest(coalesce(avg(term_count), 1), 1)::float8 AS avgdl
                    FROM doc_chunks WHERE server_id = \(serverID)
                ), hits AS (
                    SELECT term, count(*)::float8 AS df FROM doc_terms
                    WHERE server_id = \(serverID) AND term IN (\(list)) GROUP BY term
                ), idf AS (
                    SELECT term, greatest(ln((stats.n - hits.df + 0.5) / (hits.df + 0.5)), 1e-6) AS idf FROM hits, stats
                )
                SELECT c.id AS chunk_id,
                       sum(idf.idf * t.weight * 2.2 / (t.weight + 1.2 * (0.25 + 0.75 * c.term_count / stats.avgdl))) AS score
                FROM doc_terms t JOIN idf ON idf.term = t.term JOIN doc_chunks c ON c.id = t.chunk_id CROSS JOIN stats
                WHERE t.server_id = \(serverID) AND t.term IN (\(list)) AND c.version = \(version)
                GROUP BY c.id ORDER BY score DESC, c.id LIMIT \(limit)
                """
            )
        }
        return try rows.map { Match(chunkID: try $0.decode("chunk_id"), score: try $0.decode("score")) }
    }

    private static func ftsTable(_ serverID: Int64) -> String {
        "doc_fts_\(serverID)"
    }

    private static func vocabularyTable(_ serverID: Int64) -> String {
        "doc_fts_\(serverID)_vocabulary"
    }
}
