import Foundation

/// A durable ingestion of one source: any instance can run it, and a crashed run is resumed.
public struct IngestJob: Sendable, Equatable {
    public let id: Int64
    public let serverID: Int64
    public let sourceID: Int64
    public let status: Status
    public let pagesTotal: Int
    public let pagesIndexed: Int
    public let pagesUnchanged: Int
    public let pagesFailed: Int
    public let pagesRemoved: Int
    public let bytes: Int
    /// Why the whole job failed (the source could not be read).
    public let error: String?
    /// Chunks embedded for semantic ranking (0 without an embedding endpoint).
    public let chunksEmbedded: Int
    /// Why embedding stopped, when it did: the pages are indexed for keyword search regardless.
    public let embeddingError: String?
    public let createdAt: Date
    public let finishedAt: Date?

    public enum Status: String, Sendable {
        case queued, running, succeeded, failed
    }

    /// Pages processed so far (indexed, unchanged or failed).
    public var pagesDone: Int { pagesIndexed + pagesUnchanged + pagesFailed }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        serverID = try row.decode("server_id")
        sourceID = try row.decode("source_id")
        status = Status(rawValue: try row.decode("status")) ?? .failed
        pagesTotal = try row.decode("pages_total")
        pagesIndexed = try row.decode("pages_indexed")
        pagesUnchanged = try row.decode("pages_unchanged")
        pagesFailed = try row.decode("pages_failed")
        pagesRemoved = try row.decode("pages_removed")
        bytes = try row.decode("bytes")
        error = try row.decode("error")
        chunksEmbedded = try row.decode("chunks_embedded")
        embeddingError = try row.decode("embedding_error")
        createdAt = try row.decode("created_at")
        finishedAt = try row.decode("finished_at")
    }
}

/// What happened to one page in a job.
public struct IngestJobPage: Sendable, Equatable {
    public let url: String
    public let status: Status
    public let error: String?

    public enum Status: String, Sendable {
        case indexed, unchanged, failed, removed
    }
}

/// Storage of ingestion jobs and their per-page outcomes.
public struct IngestJobStore: Sendable {
    let database: any Database
    /// A running job whose heartbeat is older than this is considered abandoned and resumed.
    static let staleAfter: TimeInterval = 60

    public init(database: any Database) {
        self.database = database
    }

    /// A new job for `source`; `running` when the caller runs it itself, else `queued` for a worker.
    public func create(source: DocSource, running: Bool) async throws -> IngestJob {
        let now = Date()
        return try IngestJob(
            row: try await database.one(
                """
                INSERT INTO ingest_jobs (server_id, source_id, status, created_at, started_at, heartbeat_at)
                VALUES (\(source.serverID), \(source.id), \(running ? "running" : "queued"), \(now),
                        \(running ? now : nil), \(running ? now : nil))
                RETURNING *
                """
            )
        )
    }

    /// The newest jobs of a server, newest first.
    public func recent(serverID: Int64, limit: Int) async throws -> [IngestJob] {
        try await database.query("SELECT * FROM ingest_jobs WHERE server_id = \(serverID) ORDER BY id DESC LIMIT \(limit)").map(
            IngestJob.init)
    }

    public func job(id: Int64) async throws -> IngestJob? {
        try await database.first("SELECT * FROM ingest_jobs WHERE id = \(id)").map(IngestJob.init)
    }

    /// Takes the oldest queued job, or a running one whose runner stopped beating, for this
    /// instance. The conditional update makes the claim atomic across instances.
    func claimNext(now: Date = Date()) async throws -> IngestJob? {
        let stale = now.addingTimeInterval(-Self.staleAfter)
        let candidates = try await database.query(
            """
            SELECT id FROM ingest_jobs WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < \(stale))
            ORDER BY created_at LIMIT 5
            """
        )
        for candidate in candidates {
            let id: Int64 = try candidate.decode("id")
            if let claimed = try await database.first(
                """
                UPDATE ingest_jobs SET status = 'running', started_at = coalesce(started_at, \(now)), heartbeat_at = \(now)
                WHERE id = \(id) AND (status = 'queued' OR (status = 'running' AND heartbeat_at < \(stale)))
                RETURNING *
                """
            ) {
                return try IngestJob(row: claimed)
            }
        }
        return nil
    }

    func setTotal(jobID: Int64, pages: Int) async throws {
        try await database.query("UPDATE ingest_jobs SET pages_total = \(pages), heartbeat_at = \(Date()) WHERE id = \(jobID)")
    }

    /// Records a page's outcome and counts it, once: a resumed job does not count a page twice.
    func record(jobID: Int64, url: String, status: IngestJobPage.Status, bytes: Int, error: String?) async throws -> IngestJob {
        try await database.transaction { db in
            let inserted = try await db.query(
                """
                INSERT INTO ingest_job_pages (job_id, url, status, bytes, error) VALUES (\(jobID), \(url), \(status.rawValue), \(bytes), \(error))
                ON CONFLICT (job_id, url) DO NOTHING RETURNING url
                """
            )
            let column = "pages_\(status.rawValue)"
            let increment = inserted.isEmpty ? 0 : 1
            return try IngestJob(
                row: try await db.one(
                    """
                    UPDATE ingest_jobs SET \(raw: column) = \(raw: column) + \(increment), bytes = bytes + \(inserted.isEmpty ? 0 : bytes),
                        heartbeat_at = \(Date())
                    WHERE id = \(jobID) RETURNING *
                    """
                )
            )
        }
    }

    /// URLs already processed by this job (for resuming).
    func processedURLs(jobID: Int64) async throws -> Set<String> {
        Set(try await database.query("SELECT url FROM ingest_job_pages WHERE job_id = \(jobID)").map { try $0.decode("url") })
    }

    /// Adds a run's embedding outcome to the job (a resumed job adds its second run's).
    func recordEmbedding(jobID: Int64, chunks: Int, error: String?) async throws {
        try await database.query(
            """
            UPDATE ingest_jobs SET chunks_embedded = chunks_embedded + \(chunks), embedding_error = coalesce(\(error), embedding_error)
            WHERE id = \(jobID)
            """
        )
    }

    func finish(jobID: Int64, error: String?) async throws -> IngestJob {
        try IngestJob(
            row: try await database.one(
                """
                UPDATE ingest_jobs SET status = \(error == nil ? "succeeded" : "failed"), error = \(error), finished_at = \(Date())
                WHERE id = \(jobID) RETURNING *
                """
            )
        )
    }

    /// The pages of a job with the given outcome, by URL.
    public func pages(jobID: Int64, status: IngestJobPage.Status) async throws -> [IngestJobPage] {
        try await database.query(
            "SELECT url, status, error FROM ingest_job_pages WHERE job_id = \(jobID) AND status = \(status.rawValue) ORDER BY url"
        ).map {
            IngestJobPage(
                url: try $0.decode("url"), status: IngestJobPage.Status(rawValue: try $0.decode("status")) ?? .failed,
                error: try $0.decode("error"))
        }
    }
}
