import Logging
import NIOCore

/// Ranks a version's chunks by the cosine similarity of their embeddings to the query's.
/// Never fails a search: when the query cannot be embedded, it logs a warning and ranks nothing,
/// and the search goes on with BM25 alone; for ``backoff`` after such a failure searches don't
/// call the endpoint at all (a refused connection is retried for seconds). At most
/// ``maximumQueriesInFlight`` queries are embedded at once per instance; searches beyond that
/// rank with BM25 alone rather than wait.
public struct SemanticSearch: Sendable {
    let client: EmbeddingClient
    let cache: VectorCache
    let logger: Logger

    /// How long a search waits for the query's embedding.
    static let queryTimeout = TimeAmount.seconds(10)
    static let backoff = Duration.seconds(30)
    static let maximumQueriesInFlight = 8

    public init(client: EmbeddingClient, cache: VectorCache, logger: Logger) {
        self.client = client
        self.cache = cache
        self.logger = logger
    }

    /// The `limit` chunks nearest to `query`; empty when the version has no vectors or the
    /// endpoint fails.
    func nearest(to query: String, serverID: Int64, version: String, limit: Int, database: any Database) async throws -> [SearchIndex.Match]
    {
        let index = try await cache.vectors(
            serverID: serverID, version: version, model: client.configuration.modelName, store: EmbeddingStore(database: database))
        guard index.count > 0, await !cache.endpointFailedRecently(within: Self.backoff) else { return [] }
        guard await cache.beginQuery(maximum: Self.maximumQueriesInFlight) else {
            logger.debug("semantic ranking skipped: too many queries being embedded", metadata: ["tenant.server_id": "\(serverID)"])
            return []
        }
        do {
            let vector = try await client.embed([query], as: .query, timeout: Self.queryTimeout)
            await cache.endQuery()
            return index.nearest(to: vector[0], limit: limit)
        } catch {
            await cache.endQuery()
            await cache.recordEndpointFailure()
            logger.warning(
                "semantic ranking skipped: the query could not be embedded; keyword ranking only",
                metadata: ["error": .string(error.description), "tenant.server_id": "\(serverID)"]
            )
            return []
        }
    }
}
