import Foundation

/// The files of upload sources, kept in the database so that any instance can ingest them.
struct UploadStore: Sendable {
    let database: any Database

    /// Why an upload cannot be stored under the name it was given.
    struct NameTaken: Error {
        let kind: DocSource.Kind
    }

    /// The source of `serverID` at `location` and `version`, if there is one.
    func source(serverID: Int64, location: String, version: String) async throws -> DocSource? {
        try await database.first(
            "SELECT * FROM doc_sources WHERE server_id = \(serverID) AND location = \(location) AND version = \(version)"
        ).map(DocSource.init)
    }

    /// Stores `upload` as the files of the upload source `location`/`version` (created, or its
    /// files replaced) and queues its ingestion, in one transaction. Throws ``NameTaken`` when
    /// a source of another kind has that name.
    func replace(serverID: Int64, location: String, version: String, upload: DocumentUpload) async throws -> (DocSource, IngestJob) {
        let summary = UploadSummary(
            files: upload.files.count, bytes: upload.bytes, skipped: Array(upload.skipped.prefix(UploadSummary.maximumListed)),
            skippedCount: upload.skipped.count)
        let settings = SourceSettings(upload: summary).jsonColumn
        let files = upload.files
        let now = Date()
        return try await SearchRevisions.change(serverID: serverID, in: database) { db in  // a new version is searchable
            // The update only applies to an upload source: a website or git source of the same name stays as it is.
            guard
                let row = try await db.first(
                    """
                    INSERT INTO doc_sources (server_id, kind, location, version, settings, created_at)
                    VALUES (\(serverID), \(DocSource.Kind.upload.rawValue), \(location), \(version), \(settings), \(now))
                    ON CONFLICT (server_id, location, version) DO UPDATE SET settings = excluded.settings
                    WHERE doc_sources.kind = \(DocSource.Kind.upload.rawValue)
                    RETURNING *
                    """
                )
            else {
                let existing = try await db.first(
                    "SELECT kind FROM doc_sources WHERE server_id = \(serverID) AND location = \(location) AND version = \(version)")
                throw NameTaken(kind: DocSource.Kind(rawValue: try existing?.decode("kind") ?? "") ?? .folder)
            }
            let source = try DocSource(row: row)
            try await db.query("DELETE FROM doc_upload_files WHERE source_id = \(source.id) AND server_id = \(serverID)")
            // Rows in batches of at most 100 files or about 8 MiB.
            var batch: [SQLStatement] = []
            var batchBytes = 0
            for (index, file) in files.enumerated() {
                batch.append(
                    "(\(source.id), \(serverID), \(file.path), \(file.content), \(DocsStore.hash(file.content)), \(file.content.count))")
                batchBytes += file.content.count
                if batch.count == 100 || batchBytes >= 8 << 20 || index == files.count - 1 {
                    try await db.query(
                        "INSERT INTO doc_upload_files (source_id, server_id, path, content, content_hash, bytes) VALUES \(SQLStatement.joined(batch))"
                    )
                    batch = []
                    batchBytes = 0
                }
            }
            let job = try await db.one(
                """
                INSERT INTO ingest_jobs (server_id, source_id, status, created_at)
                VALUES (\(serverID), \(source.id), 'queued', \(now))
                RETURNING *
                """
            )
            return (source, try IngestJob(row: job))
        }
    }

    /// The paths and content hashes of a source's files, by path.
    func files(sourceID: Int64, serverID: Int64) async throws -> [(path: String, hash: String)] {
        try await database.query(
            "SELECT path, content_hash FROM doc_upload_files WHERE source_id = \(sourceID) AND server_id = \(serverID) ORDER BY path"
        ).map { (try $0.decode("path"), try $0.decode("content_hash")) }
    }

    /// One file's bytes, or nil when it is no longer there (uploaded again meanwhile).
    func content(sourceID: Int64, serverID: Int64, path: String) async throws -> Data? {
        try await database.first(
            "SELECT content FROM doc_upload_files WHERE source_id = \(sourceID) AND server_id = \(serverID) AND path = \(path)"
        ).map { Data(try $0.decode("content", as: [UInt8].self)) }
    }
}
