import Foundation
import Logging

/// Limits applied while ingesting.
public struct IngestLimits: Sendable {
    /// Largest page accepted.
    public var maximumPageBytes = 4 << 20
    /// Total bytes of pages a server may hold.
    public var maximumServerBytes = 512 << 20
    /// Whether websites on private and loopback addresses may be crawled (the operator's own
    /// CLI, tests); off for anything a customer can start, so it cannot probe our network.
    public var allowPrivateNetworks = false

    public init() {}
}

/// Runs ingestion jobs: reads the source, parses and indexes changed pages, skips unchanged
/// ones (same content hash, or the source says so), removes pages gone from the source, and
/// records every page's outcome. A job interrupted by a crash is resumed where it stopped.
public struct IngestRunner: Sendable {
    let docs: DocsStore
    let jobs: IngestJobStore
    let limits: IngestLimits
    /// Where sources keep working copies (git checkouts).
    let cacheDirectory: String
    /// Embeds stored chunks when an embedding endpoint is configured.
    let embedder: ChunkEmbedder?
    let logger: Logger

    public init(
        database: any Database, limits: IngestLimits = IngestLimits(), embeddings: EmbeddingClient.Configuration? = nil,
        cacheDirectory: String, logger: Logger
    ) {
        self.docs = DocsStore(database: database)
        self.jobs = IngestJobStore(database: database)
        self.limits = limits
        self.cacheDirectory = cacheDirectory
        self.embedder = embeddings.map {
            ChunkEmbedder(client: EmbeddingClient(configuration: $0), store: EmbeddingStore(database: database), logger: logger)
        }
        self.logger = logger
    }

    /// Runs `job` (already claimed) to the end; `progress` sees the job after every page.
    @discardableResult
    public func run(_ job: IngestJob, progress: @Sendable (IngestJob, String) -> Void = { _, _ in }) async throws -> IngestJob {
        guard
            let row = try await docs.database.first("SELECT * FROM doc_sources WHERE id = \(job.sourceID) AND server_id = \(job.serverID)")
        else {
            return try await jobs.finish(jobID: job.id, error: "the source was deleted")
        }
        let source = try DocSource(row: row)
        let finished: IngestJob
        do {
            try await ingest(documentSource(for: source), into: source, job: job, progress: progress)
            try await docs.database.query("UPDATE doc_sources SET last_ingested_at = \(Date()) WHERE id = \(source.id)")
            finished = try await jobs.finish(jobID: job.id, error: nil)
        } catch let error as IngestError {
            finished = try await jobs.finish(jobID: job.id, error: error.description)
        }
        logger.info(
            "ingestion finished",
            metadata: [
                "job": "\(job.id)", "status": "\(finished.status.rawValue)", "pages.indexed": "\(finished.pagesIndexed)",
                "pages.unchanged": "\(finished.pagesUnchanged)", "pages.failed": "\(finished.pagesFailed)",
                "pages.removed": "\(finished.pagesRemoved)", "chunks.embedded": "\(finished.chunksEmbedded)",
                "embedding.error": "\(finished.embeddingError ?? "none")",
            ]
        )
        return finished
    }

    private var fetcher: WebFetcher {
        WebFetcher(maximumBytes: limits.maximumPageBytes, allowPrivateNetworks: limits.allowPrivateNetworks)
    }

    private func documentSource(for source: DocSource) throws(IngestError) -> any DocumentSource {
        switch source.kind {
        case .folder:
            return FolderSource(root: source.location, maximumPageBytes: limits.maximumPageBytes)
        case .git:
            return GitSource(
                repository: source.location, ref: source.settings.gitRef, subfolder: source.settings.gitPath,
                cacheDirectory: (cacheDirectory as NSString).appendingPathComponent("git"), maximumPageBytes: limits.maximumPageBytes,
                allowPrivateNetworks: limits.allowPrivateNetworks
            )
        case .website:
            guard let start = URL(string: source.location) else { throw .sourceUnavailable("invalid URL \(source.location)") }
            var website = WebsiteSource(start: start, fetcher: fetcher)
            if let pages = source.settings.maximumPages { website.maximumPages = pages }
            if let depth = source.settings.maximumDepth { website.maximumDepth = depth }
            if let delay = source.settings.crawlDelayMilliseconds { website.politenessDelay = .milliseconds(delay) }
            return website
        case .openapi:
            return OpenAPISource(
                location: source.location, fetcher: WebFetcher(maximumBytes: 20 << 20, allowPrivateNetworks: limits.allowPrivateNetworks))
        case .upload:
            return UploadSource(
                store: UploadStore(database: docs.database), sourceID: source.id, serverID: source.serverID,
                maximumPageBytes: limits.maximumPageBytes)
        }
    }

    private func ingest(
        _ documentSource: some DocumentSource, into source: DocSource, job: IngestJob, progress: @Sendable (IngestJob, String) -> Void
    ) async throws {
        let known = try await docs.knownPages(sourceID: source.id, serverID: source.serverID)
        let processed = try await jobs.processedURLs(jobID: job.id)
        var serverBytes = try await docs.totalBytes(serverID: source.serverID)
        var embedding = ChunkEmbedder.Tally()
        var seen = Set<String>()
        for try await page in documentSource.pages(known: known) {
            let url: String
            let outcome: Outcome
            switch page {
            case .discovered(let total):
                try await jobs.setTotal(jobID: job.id, pages: total)
                continue
            case .unchanged(let unchangedURL):
                url = unchangedURL
                outcome = Outcome(status: .unchanged, bytes: 0, error: nil)
            case .failed(let failedURL, let reason):
                url = failedURL
                outcome = Outcome(status: .failed, bytes: 0, error: reason)
            case .document(let document):
                url = document.url
                guard !processed.contains(url) else {
                    seen.insert(url)
                    continue
                }
                outcome = await index(document, into: source, previous: known[url], serverBytes: &serverBytes, embedding: &embedding)
            }
            // A page that failed now keeps its previous version rather than being removed.
            seen.insert(url)
            progress(
                try await jobs.record(jobID: job.id, url: url, status: outcome.status, bytes: outcome.bytes, error: outcome.error), url)
        }
        for url in try await docs.removePages(of: source, except: seen) {
            _ = try await jobs.record(jobID: job.id, url: url, status: .removed, bytes: 0, error: nil)
        }
        if let embedder {
            // Chunks of unchanged pages that have no vector yet (embeddings configured since, or an earlier failure).
            await embedder.embedMissing(of: source, pageID: nil, into: &embedding)
            try await jobs.recordEmbedding(jobID: job.id, chunks: embedding.chunks, error: embedding.error)
        }
    }

    private struct Outcome {
        let status: IngestJobPage.Status
        let bytes: Int
        let error: String?
    }

    private func index(
        _ document: FetchedDocument, into source: DocSource, previous: KnownPage?, serverBytes: inout Int,
        embedding: inout ChunkEmbedder.Tally
    ) async -> Outcome {
        let hash = DocsStore.hash(document.data)
        if hash == previous?.contentHash { return Outcome(status: .unchanged, bytes: document.data.count, error: nil) }
        // A new version of a page takes the place of the old one in the quota.
        let replaced = previous?.bytes ?? 0
        guard serverBytes - replaced + document.data.count <= limits.maximumServerBytes else {
            return Outcome(
                status: .failed, bytes: 0, error: "the server's documentation quota of \(limits.maximumServerBytes >> 20) MiB is used up")
        }
        do {
            let parsed = DocumentParser.parse(
                String(decoding: document.data, as: UTF8.self), format: document.format, fallbackTitle: document.fallbackTitle)
            let pageID = try await docs.savePage(parsed, fetched: document, contentHash: hash, source: source)
            serverBytes += document.data.count - replaced
            await embedder?.embedMissing(of: source, pageID: pageID, into: &embedding)
            return Outcome(status: .indexed, bytes: document.data.count, error: nil)
        } catch {
            logger.error("page ingestion failed", metadata: ["url": .string(document.url), "error": .string(String(describing: error))])
            return Outcome(status: .failed, bytes: 0, error: "could not be stored: \(error)")
        }
    }
}
