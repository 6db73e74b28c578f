import Synchronization

/// Every instance's in-memory search indexes (``LexicalIndex``), one per server, kept current
/// with the docs through their change stamp (``SearchRevisions``).
///
/// Freshness: a search reads the stamp (one primary-key lookup) at most once per
/// ``recheckInterval`` per server, and at its first search after this process changed any
/// docs. A changed stamp starts a rebuild, one at a time per server: the search that found the
/// change waits for it up to ``rebuildWait`` (a small corpus rebuilds in milliseconds, so a
/// search right after an upload finds it), other searches go on with the previous index until
/// it is ready. So a search reflects every change committed more than `recheckInterval` + one
/// rebuild earlier (this instance's own changes: one rebuild). The first search of a server
/// waits for its index; concurrent ones share that one build; at most ``concurrentBuilds``
/// servers build at once. If reading the stamp fails, the index in memory answers.
///
/// Memory: beyond ``maximumBytes`` indexes are dropped, least recently used first; the one just
/// used always stays, even alone over the budget, and builds under way are not counted.
public actor SearchIndexCache {
    /// Memory the cached indexes may take.
    let maximumBytes: Int
    let recheckInterval: Duration
    /// How long the search that finds the docs changed waits for the new index before it
    /// answers from the previous one.
    let rebuildWait: Duration

    private struct Entry {
        /// The index being served and the stamp it was built at.
        var index: LexicalIndex?
        var revision: Int64
        /// A build under way and the stamp it builds.
        var build: Task<LexicalIndex, any Error>?
        var buildRevision: Int64 = 0
        var checkedAt: ContinuousClock.Instant
        var localChangesSeen: Int
        var lastUsed: UInt64
    }

    private var entries: [Int64: Entry] = [:]
    /// Counts searches: what ``Entry/lastUsed`` is measured in.
    private var uses: UInt64 = 0
    /// Most builds at once.
    static let concurrentBuilds = 2
    private var runningBuilds = 0
    private var waitingBuilds: [CheckedContinuation<Void, Never>] = []
    /// Indexes built since start.
    private(set) var builds = 0

    public init(maximumBytes: Int = 512 << 20, recheckInterval: Duration = .seconds(1), rebuildWait: Duration = .seconds(2)) {
        self.maximumBytes = maximumBytes
        self.recheckInterval = recheckInterval
        self.rebuildWait = rebuildWait
    }

    /// The index to search `serverID` with.
    func index(serverID: Int64, database: any Database) async throws -> LexicalIndex {
        uses += 1
        let now = ContinuousClock.now
        let localChanges = SearchRevisions.localChanges.load(ordering: .relaxed)
        if let entry = entries[serverID], let index = entry.index {
            entries[serverID]?.lastUsed = uses
            let due = now - entry.checkedAt >= recheckInterval || localChanges != entry.localChangesSeen
            guard due, entry.build == nil else { return index }
            entries[serverID]?.checkedAt = now
            entries[serverID]?.localChangesSeen = localChanges
            // A database that cannot answer now leaves the index in memory as good as it was.
            guard let revision = try? await SearchRevisions.current(serverID: serverID, in: database),
                let current = entries[serverID], current.revision != revision, current.build == nil
            else { return entries[serverID]?.index ?? index }
            let build = startBuild(serverID: serverID, revision: revision, database: database)
            let previous = current.index ?? index  // a build may have finished while the stamp was read
            return (try? await withDeadline(rebuildWait, expired: { CancellationError() }) { try await build.value }) ?? previous
        }
        if let build = entries[serverID]?.build { return try await build.value }
        // The first search: the stamp before the docs, so the index is never newer than its stamp.
        entries[serverID] = Entry(revision: 0, checkedAt: now, localChangesSeen: localChanges, lastUsed: uses)
        let build = Task { try await self.build(serverID: serverID, revision: nil, database: database) }
        entries[serverID]?.build = build
        return try await build.value
    }

    private func startBuild(serverID: Int64, revision: Int64, database: any Database) -> Task<LexicalIndex, any Error> {
        let task = Task { try await build(serverID: serverID, revision: revision, database: database) }
        entries[serverID]?.build = task
        return task
    }

    /// Loads the index of `serverID` at `revision` (nil: the current one) and serves it from now on.
    private func build(serverID: Int64, revision: Int64?, database: any Database) async throws -> LexicalIndex {
        await takeBuildSlot()
        defer { releaseBuildSlot() }
        do {
            let revision = try await resolvedRevision(revision, serverID: serverID, database: database)
            entries[serverID]?.buildRevision = revision
            builds += 1
            let index = try await LexicalIndexLoader(database: database, serverID: serverID).load()
            install(index, serverID: serverID, revision: revision)
            return index
        } catch {
            buildFailed(serverID: serverID)
            throw error
        }
    }

    /// Waits until fewer than ``concurrentBuilds`` builds run (a build holds its postings twice
    /// over while it scores them: many servers' first searches at once must not all build at once).
    private func takeBuildSlot() async {
        guard runningBuilds >= Self.concurrentBuilds else {
            runningBuilds += 1
            return
        }
        await withCheckedContinuation { waitingBuilds.append($0) }  // the slot is handed over
    }

    private func releaseBuildSlot() {
        if waitingBuilds.isEmpty { runningBuilds -= 1 } else { waitingBuilds.removeFirst().resume() }
    }

    private func resolvedRevision(_ revision: Int64?, serverID: Int64, database: any Database) async throws -> Int64 {
        if let revision { return revision }
        return try await SearchRevisions.current(serverID: serverID, in: database)
    }

    private func install(_ index: LexicalIndex, serverID: Int64, revision: Int64) {
        guard entries[serverID]?.buildRevision == revision else { return }
        entries[serverID]?.index = index
        entries[serverID]?.revision = revision
        entries[serverID]?.build = nil
        evict(keeping: serverID)
    }

    private func buildFailed(serverID: Int64) {
        entries[serverID]?.build = nil
        if entries[serverID]?.index == nil { entries[serverID] = nil }  // the next search tries again
    }

    /// Drops least recently used indexes, other than `serverID`'s, until the rest fit the budget.
    private func evict(keeping serverID: Int64) {
        var total = entries.values.reduce(0) { $0 + ($1.index?.bytes ?? 0) }
        for (candidate, entry) in entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) where total > maximumBytes {
            guard candidate != serverID, entry.build == nil else { continue }
            entries[candidate] = nil
            total -= entry.index?.bytes ?? 0
        }
    }

    /// Memory taken by the cached indexes, and how many there are (for tests and metrics).
    var usage: (bytes: Int, indexes: Int) {
        (entries.values.reduce(0) { $0 + ($1.index?.bytes ?? 0) }, entries.values.filter { $0.index != nil }.count)
    }
}
