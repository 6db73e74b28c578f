/// Storage of chunk embeddings (`doc_embeddings`) and of their change stamp per server and
/// version (`doc_embedding_revisions`).
///
/// The stamp is what keeps every instance's in-memory vectors (``VectorCache``) current: it is
/// replaced by a new random value in the same transaction as any change to the vectors of a
/// server's version (vectors added; a page replaced or removed, whose vectors cascade away), so
/// an instance compares one primary-key row per search with the stamp it loaded, and reloads
/// when they differ. A random stamp, unlike a counter or a row count, cannot come back to an
/// earlier value when ids are reused (SQLite) or a deleted server's id is taken again.
struct EmbeddingStore: Sendable {
    let database: any Database

    /// A chunk to embed: its id, docs version, and the text that represents it.
    struct PendingChunk: Sendable {
        let chunkID: Int64
        let version: String
        let text: String
    }

    /// Chunks of `sourceID` (of one page when `pageID` is set) with no vector from `model`, by id.
    func chunksWithoutVectors(serverID: Int64, sourceID: Int64, pageID: Int64?, model: String) async throws -> [PendingChunk] {
        let page: SQLStatement = pageID.map { " AND c.page_id = \($0)" } ?? ""
        let rows = try await database.query(
            """
            SELECT c.id, c.version, c.heading_path, c.text, p.title
            FROM doc_chunks c JOIN doc_pages p ON p.id = c.page_id
            LEFT JOIN doc_embeddings e ON e.chunk_id = c.id AND e.model = \(model)
            WHERE c.server_id = \(serverID) AND p.source_id = \(sourceID) AND e.chunk_id IS NULL
            """ + page + " ORDER BY c.id"
        )
        return try rows.map { row in
            let headings: String = try row.decode("heading_path")
            let parts = [try row.decode("title", as: String.self), headings, try row.decode("text", as: String.self)]
            return PendingChunk(
                chunkID: try row.decode("id"), version: try row.decode("version"),
                text: parts.filter { !$0.isEmpty }.joined(separator: "\n"))
        }
    }

    /// Stores `vectors` (normalized) of `chunks` from `model`, replacing older ones, and stamps
    /// the versions they belong to.
    func save(_ vectors: [[Float]], of chunks: [PendingChunk], serverID: Int64, model: String) async throws {
        guard !chunks.isEmpty else { return }
        let values = SQLStatement.joined(
            zip(chunks, vectors).map { chunk, vector in
                "(\(chunk.chunkID), \(serverID), \(chunk.version), \(model), \(VectorCoding.encode(vector)))"
            }
        )
        let insert = "INSERT INTO doc_embeddings (chunk_id, server_id, version, model, vector) VALUES " + values
        try await database.transaction { db in
            try await db.query(
                insert
                    + " ON CONFLICT (chunk_id) DO UPDATE SET model = excluded.model, vector = excluded.vector"
            )
            for version in Set(chunks.map(\.version)) {
                try await db.query(
                    """
                    INSERT INTO doc_embedding_revisions (server_id, version, revision) VALUES (\(serverID), \(version), \(Self.newRevision()))
                    ON CONFLICT (server_id, version) DO UPDATE SET revision = excluded.revision
                    """
                )
            }
        }
    }

    /// Marks the vectors of `serverID`'s `version` as changed (a page's chunks were deleted), in
    /// the caller's transaction. Nothing to do when the version never had vectors.
    static func invalidate(serverID: Int64, version: String, in db: any SQLExecutor) async throws {
        try await db.query(
            "UPDATE doc_embedding_revisions SET revision = \(newRevision()) WHERE server_id = \(serverID) AND version = \(version)")
    }

    /// The change stamp of `serverID`'s `version`; nil when it never had vectors.
    func revision(serverID: Int64, version: String) async throws -> Int64? {
        try await database.first(
            "SELECT revision FROM doc_embedding_revisions WHERE server_id = \(serverID) AND version = \(version)"
        )?.decode("revision")
    }

    /// All vectors of `serverID`'s `version` from `model`. Vectors of another dimension than the
    /// first one (a changed model under the same name) are left out.
    func vectors(serverID: Int64, version: String, model: String) async throws -> VectorIndex {
        let rows = try await database.query(
            """
            SELECT chunk_id, vector FROM doc_embeddings
            WHERE server_id = \(serverID) AND version = \(version) AND model = \(model) ORDER BY chunk_id
            """
        )
        var index: VectorIndex?
        for row in rows {
            guard let vector = VectorCoding.decode(try row.decode("vector")) else { continue }
            if index == nil { index = VectorIndex(dimension: vector.count) }
            index?.add(chunkID: try row.decode("chunk_id"), vector: vector)
        }
        return index ?? VectorIndex(dimension: 0)
    }

    private static func newRevision() -> Int64 {
        Int64.random(in: 1...Int64.max)
    }
}
