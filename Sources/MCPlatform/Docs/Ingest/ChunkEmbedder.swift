import Logging

/// Embeds the chunks ingestion stores, for semantic ranking. Chunks that already have a vector
/// from the configured model are never embedded again, so unchanged pages cost nothing, and a
/// re-ingest fills in what an earlier run could not embed (endpoint down, embeddings turned on
/// later). A failure never fails a page: the page stays searchable by keywords, the error is
/// kept for the job's summary, and the job stops calling the endpoint.
struct ChunkEmbedder: Sendable {
    let client: EmbeddingClient
    let store: EmbeddingStore
    let logger: Logger

    /// What embedding did during one job.
    struct Tally: Sendable {
        /// Chunks embedded and stored.
        var chunks = 0
        /// The first failure; after it, the job embeds nothing more.
        var error: String?
    }

    /// Embeds the chunks of `source` (of one page when `pageID` is set) that have no vector yet.
    func embedMissing(of source: DocSource, pageID: Int64?, into tally: inout Tally) async {
        guard tally.error == nil else { return }
        let model = client.configuration.modelName
        do {
            let pending = try await store.chunksWithoutVectors(serverID: source.serverID, sourceID: source.id, pageID: pageID, model: model)
            for start in stride(from: 0, to: pending.count, by: EmbeddingClient.batchSize) {
                let batch = Array(pending[start..<min(start + EmbeddingClient.batchSize, pending.count)])
                let vectors = try await client.embed(batch.map(\.text), as: .passage)
                try await store.save(vectors, of: batch, serverID: source.serverID, model: model)
                tally.chunks += batch.count
            }
        } catch {
            tally.error = String(describing: error)
            logger.warning(
                "embedding skipped; pages stay searchable by keywords and the next ingestion retries",
                metadata: ["tenant.server_id": "\(source.serverID)", "source": "\(source.id)", "error": .string(String(describing: error))]
            )
        }
    }
}
