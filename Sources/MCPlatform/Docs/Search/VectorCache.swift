/// Every instance's in-memory copy of the embedding vectors it searches, per server, docs
/// version and model, so a query compares against vectors in memory instead of loading them.
///
/// Each search first reads the version's change stamp (``EmbeddingStore``, one primary-key
/// lookup); a copy with another stamp is reloaded, so ingestion on any instance sharing the
/// database is seen by the next search everywhere. Concurrent searches share one load. Copies
/// beyond ``maximumBytes`` are dropped, least recently used first. It also remembers when the
/// embedding endpoint last failed a query, so searches can skip it for a while, and how many
/// queries are being embedded, so a burst of searches cannot pile up requests on the endpoint.
public actor VectorCache {
    /// Memory the cached vectors may take (about 170,000 chunks of 384 dimensions).
    let maximumBytes: Int

    private struct Key: Hashable {
        let serverID: Int64
        let version: String
        let model: String
    }

    private struct Entry {
        let revision: Int64
        let load: Task<VectorIndex, any Error>
        var bytes = 0
        var lastUsed: UInt64
    }

    private var entries: [Key: Entry] = [:]
    private var clock: UInt64 = 0
    private var lastEndpointFailure: ContinuousClock.Instant?
    private var queriesInFlight = 0

    public init(maximumBytes: Int = 256 << 20) {
        self.maximumBytes = maximumBytes
    }

    /// The current vectors of `serverID`'s `version` from `model` (empty when there are none).
    func vectors(serverID: Int64, version: String, model: String, store: EmbeddingStore) async throws -> VectorIndex {
        let key = Key(serverID: serverID, version: version, model: model)
        guard let revision = try await store.revision(serverID: serverID, version: version) else {
            entries[key] = nil
            return VectorIndex(dimension: 0)
        }
        clock += 1
        if let entry = entries[key], entry.revision == revision {
            entries[key]?.lastUsed = clock
            return try await entry.load.value
        }
        let load = Task { try await store.vectors(serverID: serverID, version: version, model: model) }
        entries[key] = Entry(revision: revision, load: load, lastUsed: clock)
        do {
            let index = try await load.value
            if entries[key]?.revision == revision {
                entries[key]?.bytes = index.bytes
                evict(keeping: key)
            }
            return index
        } catch {
            if entries[key]?.revision == revision { entries[key] = nil }
            throw error
        }
    }

    func recordEndpointFailure() {
        lastEndpointFailure = .now
    }

    /// Counts a query embedding in, unless `maximum` are already in flight (then false).
    func beginQuery(maximum: Int) -> Bool {
        guard queriesInFlight < maximum else { return false }
        queriesInFlight += 1
        return true
    }

    /// Counts a query embedding begun with ``beginQuery(maximum:)`` out.
    func endQuery() {
        queriesInFlight -= 1
    }

    /// Whether the endpoint failed a query less than `interval` ago.
    func endpointFailedRecently(within interval: Duration) -> Bool {
        lastEndpointFailure.map { $0.duration(to: .now) < interval } ?? false
    }

    /// Drops least recently used copies, other than `key`'s, until the rest fit the budget.
    private func evict(keeping key: Key) {
        var total = entries.values.reduce(0) { $0 + $1.bytes }
        for (candidate, entry) in entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) where total > maximumBytes {
            guard candidate != key else { continue }
            entries[candidate] = nil
            total -= entry.bytes
        }
    }
}
