import Synchronization

/// The change stamp of a server's searchable docs (`doc_search_revisions`): what tells every
/// instance that its in-memory index of the server (``SearchIndexCache``) is out of date.
///
/// Replaced by a new random value in the same transaction as any change to what a search sees
/// (a page saved or removed, a source added or deleted), so an instance that reads the stamp
/// and then the docs never labels older docs with a newer stamp. A server without a row (docs
/// from before the stamp existed, or none) has stamp 0. Random, like ``EmbeddingStore``'s, so a
/// stamp cannot come back to an earlier value when a deleted server's id is taken again.
/// Changes made by this process are also counted in ``localChanges`` once committed, so this
/// instance's own ingestion is noticed at its next search rather than at the next periodic check.
enum SearchRevisions {
    /// Doc changes committed by this process (any database, any server).
    static let localChanges = Atomic<Int>(0)

    /// Runs `body` in a transaction of `database` that also marks `serverID`'s docs as changed;
    /// counted in ``localChanges`` after the commit (a search that saw the count earlier would
    /// read the old stamp and never look again).
    @discardableResult
    static func change<T: Sendable>(
        serverID: Int64, in database: any Database, _ body: @escaping @Sendable (any SQLExecutor) async throws -> T
    ) async throws -> T {
        let result = try await database.transaction { db in
            let result = try await body(db)
            try await bump(serverID: serverID, in: db)
            return result
        }
        committed()
        return result
    }

    /// Counts a committed change in ``localChanges``.
    static func committed() {
        localChanges.add(1, ordering: .relaxed)
    }

    /// Gives `serverID` a new stamp, in the caller's transaction: for a new server, whose id
    /// SQLite may have given to a deleted one before (an index cached under it is then out of date).
    static func bump(serverID: Int64, in db: any SQLExecutor) async throws {
        try await db.query(
            """
            INSERT INTO doc_search_revisions (server_id, revision) VALUES (\(serverID), \(Int64.random(in: 1...Int64.max)))
            ON CONFLICT (server_id) DO UPDATE SET revision = excluded.revision
            """
        )
    }

    /// The current stamp of `serverID`'s docs: one primary-key lookup.
    static func current(serverID: Int64, in db: any SQLExecutor) async throws -> Int64 {
        try await db.first("SELECT revision FROM doc_search_revisions WHERE server_id = \(serverID)")?.decode("revision") ?? 0
    }
}
