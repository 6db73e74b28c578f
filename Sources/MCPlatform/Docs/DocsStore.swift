import Crypto
import Foundation

/// Storage of a server's documentation: sources, pages and their indexed chunks. Every query is
/// scoped by the server's id.
public struct DocsStore: Sendable {
    let database: any Database
    let chunker = Chunker()

    public init(database: any Database) {
        self.database = database
    }

    // MARK: Sources

    /// The source of `serverID` at `location` and `version`, created when new, its kind and
    /// settings updated when it exists.
    public func source(
        serverID: Int64, kind: DocSource.Kind, location: String, version: String, settings: SourceSettings = SourceSettings()
    ) async throws -> DocSource {
        let settingsJSON = settings.jsonColumn
        return try await SearchRevisions.change(serverID: serverID, in: database) { db in  // a new version is searchable
            let row = try await db.one(
                """
                INSERT INTO doc_sources (server_id, kind, location, version, settings, created_at)
                VALUES (\(serverID), \(kind.rawValue), \(location), \(version), \(settingsJSON), \(Date()))
                ON CONFLICT (server_id, location, version) DO UPDATE SET kind = excluded.kind, settings = excluded.settings
                RETURNING *
                """
            )
            return try DocSource(row: row)
        }
    }

    public func sources(serverID: Int64) async throws -> [DocSource] {
        try await database.query("SELECT * FROM doc_sources WHERE server_id = \(serverID) ORDER BY version DESC, location").map(
            DocSource.init)
    }

    /// Page counts and bytes per source of `serverID`.
    public func sourceStatistics(serverID: Int64) async throws -> [Int64: (pages: Int, bytes: Int)] {
        let rows = try await database.query(
            "SELECT source_id, count(*) AS pages, CAST(sum(bytes) AS BIGINT) AS bytes FROM doc_pages WHERE server_id = \(serverID) GROUP BY source_id"
        )
        var statistics: [Int64: (pages: Int, bytes: Int)] = [:]
        for row in rows { statistics[try row.decode("source_id")] = (try row.decode("pages"), try row.decode("bytes")) }
        return statistics
    }

    /// The versions of `serverID`'s docs, newest first: `latest` if present, then by label,
    /// numerically (`4.10` after `4.9`).
    public func versions(serverID: Int64) async throws -> [String] {
        Self.newestFirst(
            try await database.query("SELECT DISTINCT version FROM doc_sources WHERE server_id = \(serverID)").map {
                try $0.decode("version", as: String.self)
            })
    }

    /// Version labels newest first: `latest`, then numerically descending.
    static func newestFirst(_ labels: [String]) -> [String] {
        labels.sorted { left, right in
            if left == "latest" || right == "latest" { return left == "latest" && right != "latest" }
            return left.compare(right, options: .numeric) == .orderedDescending
        }
    }

    /// Total bytes of the pages `serverID` holds, for its quota.
    public func totalBytes(serverID: Int64) async throws -> Int {
        try await database.one("SELECT CAST(coalesce(sum(bytes), 0) AS BIGINT) AS bytes FROM doc_pages WHERE server_id = \(serverID)")
            .decode("bytes")
    }

    // MARK: Pages

    public func page(serverID: Int64, version: String, url: String) async throws -> DocPage? {
        try await database.first(
            "SELECT \(raw: DocPage.columns) FROM doc_pages WHERE server_id = \(serverID) AND version = \(version) AND url = \(url)"
        ).map(DocPage.init)
    }

    /// What is stored of every page of a source, to skip unchanged pages on re-ingest.
    func knownPages(sourceID: Int64, serverID: Int64) async throws -> [String: KnownPage] {
        var pages: [String: KnownPage] = [:]
        for row in try await database.query(
            "SELECT url, content_hash, etag, last_modified, links, bytes FROM doc_pages WHERE source_id = \(sourceID) AND server_id = \(serverID)"
        ) {
            let links = try row.decode("links", as: String?.self).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
            pages[try row.decode("url")] = KnownPage(
                contentHash: try row.decode("content_hash"), etag: try row.decode("etag"), lastModified: try row.decode("last_modified"),
                links: links ?? [], bytes: try row.decode("bytes")
            )
        }
        return pages
    }

    /// Stores a parsed page with its chunks and index entries, replacing the previous version of
    /// the page atomically: a reader sees either the old page or the new one. Returns the page's id.
    @discardableResult
    func savePage(_ document: ParsedDocument, fetched: FetchedDocument, contentHash: String, source: DocSource) async throws -> Int64 {
        let url = fetched.url
        let bytes = fetched.data.count
        let links = try fetched.links.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        // Tokenize before taking the write lock, which SQLite holds for the whole transaction.
        let titleTerms = SearchTokenizer.terms(document.title)
        let chunks = chunker.chunks(of: document).map { chunk in
            let terms = ChunkTerms(
                title: titleTerms,
                headings: SearchTokenizer.terms(chunk.headingPath.joined(separator: " ")),
                body: SearchTokenizer.terms(chunk.prose),
                code: SearchTokenizer.terms(chunk.code)
            )
            return (chunk, terms)
        }
        return try await SearchRevisions.change(serverID: source.serverID, in: database) { db in
            try await SearchIndex.prepare(serverID: source.serverID, in: db)
            let pageID: Int64
            if let existing = try await db.first("SELECT id FROM doc_pages WHERE source_id = \(source.id) AND url = \(url)") {
                pageID = try existing.decode("id")
                try await SearchIndex.removePage(pageID, serverID: source.serverID, in: db)
                try await db.query("DELETE FROM doc_chunks WHERE page_id = \(pageID)")
                try await EmbeddingStore.invalidate(serverID: source.serverID, version: source.version, in: db)
                try await db.query(
                    """
                    UPDATE doc_pages SET title = \(document.title), content = \(document.markdown), content_hash = \(contentHash),
                        etag = \(fetched.etag), last_modified = \(fetched.lastModified), links = \(links), bytes = \(bytes),
                        updated_at = \(Date())
                    WHERE id = \(pageID)
                    """
                )
            } else {
                pageID = try await db.one(
                    """
                    INSERT INTO doc_pages (
                        server_id, source_id, version, url, title, content, content_hash, etag, last_modified, links, bytes, updated_at
                    )
                    VALUES (\(source.serverID), \(source.id), \(source.version), \(url), \(document.title), \(document.markdown),
                            \(contentHash), \(fetched.etag), \(fetched.lastModified), \(links), \(bytes), \(Date()))
                    RETURNING id
                    """
                ).decode("id")
            }
            for (chunk, terms) in chunks {
                let chunkID: Int64 = try await db.one(
                    """
                    INSERT INTO doc_chunks (server_id, page_id, version, position, anchor, heading_path, text, term_count)
                    VALUES (\(source.serverID), \(pageID), \(source.version), \(chunk.position), \(chunk.anchor),
                            \(chunk.headingPath.joined(separator: DocsStore.headingSeparator)), \(chunk.text), \(terms.count))
                    RETURNING id
                    """
                ).decode("id")
                try await SearchIndex.add(chunkID: chunkID, serverID: source.serverID, terms: terms, in: db)
            }
            return pageID
        }
    }

    /// Deletes the pages of `source` whose URLs are not in `keep`; returns the deleted URLs.
    func removePages(of source: DocSource, except keep: Set<String>) async throws -> [String] {
        let stale = try await database.query(
            "SELECT id, url FROM doc_pages WHERE source_id = \(source.id) AND server_id = \(source.serverID)"
        )
        .filter { !keep.contains(try $0.decode("url", as: String.self)) }
        for row in stale {
            let pageID: Int64 = try row.decode("id")
            try await SearchRevisions.change(serverID: source.serverID, in: database) { db in
                try await SearchIndex.removePage(pageID, serverID: source.serverID, in: db)
                try await db.query("DELETE FROM doc_pages WHERE id = \(pageID) AND server_id = \(source.serverID)")
                try await EmbeddingStore.invalidate(serverID: source.serverID, version: source.version, in: db)
            }
        }
        return try stale.map { try $0.decode("url") }
    }

    /// Deletes a source with its pages (and their index entries) and jobs. A job running on it
    /// fails at its next page, since the source is gone.
    func deleteSource(_ source: DocSource) async throws {
        _ = try await removePages(of: source, except: [])
        try await SearchRevisions.change(serverID: source.serverID, in: database) { db in  // its version may be gone
            try await db.query("DELETE FROM doc_sources WHERE id = \(source.id) AND server_id = \(source.serverID)")
        }
    }

    /// Separates headings in `doc_chunks.heading_path`.
    static let headingSeparator = " › "

    /// SHA-256 of page content, hex.
    static func hash(_ bytes: some Sequence<UInt8>) -> String {
        SHA256.hash(data: Array(bytes)).hexEncoded
    }
}
