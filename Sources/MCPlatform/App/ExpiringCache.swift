import Synchronization

/// Rows every MCP request reads (its server, its session, whether the server has walkthroughs),
/// kept in memory for a second so that a request costs no database round trip for them.
///
/// Invalidation: a write on this instance invalidates at once: the store that writes removes
/// the key (``remove(_:)``) or bumps the ``ChangeCounter`` the cache watches (for stores that
/// are instantiated in many places). A write made by another instance sharing the database is
/// seen within ``lifetime`` (docs/operations.md, "Caches"). A value loaded while a write
/// happened is not kept.
final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// How long a value is used without asking the database again.
    static var defaultLifetime: Duration { .seconds(1) }

    private struct Entry {
        let value: Value
        let expires: ContinuousClock.Instant
        let generation: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Bumped by every ``remove(_:)``.
        var removals: UInt64 = 0
    }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let capacity: Int
    private let changes: ChangeCounter?

    /// At most `capacity` entries are kept (expired ones are dropped first, then all).
    init(lifetime: Duration = defaultLifetime, capacity: Int = 10_000, changes: ChangeCounter? = nil) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.changes = changes
    }

    /// What a value loaded from now on is stamped with: a stored value is used while the
    /// generation has not moved on.
    var generation: UInt64 {
        state.withLock { $0.removals } &+ (changes?.current ?? 0)
    }

    /// The value for `key` if one is kept, fresh and not invalidated.
    func cached(_ key: Key) -> Value? {
        let generation = generation
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let entry = state.entries[key], entry.expires > now, entry.generation == generation else { return nil }
            return entry.value
        }
    }

    /// Keeps `value`, loaded after ``generation`` was `generation`.
    func store(_ value: Value, for key: Key, generation: UInt64) {
        guard generation == self.generation else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            if state.entries.count >= capacity, state.entries[key] == nil {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = Entry(value: value, expires: now + lifetime, generation: generation)
        }
    }

    /// The kept value for `key`, else what `load` returns (then kept).
    func value(for key: Key, load: () async throws -> Value) async rethrows -> Value {
        if let value = cached(key) { return value }
        let generation = generation
        let value = try await load()
        store(value, for: key, generation: generation)
        return value
    }

    /// Forgets `key`, and any value for it being loaded meanwhile.
    func remove(_ key: Key) {
        state.withLock { state in
            state.entries[key] = nil
            state.removals &+= 1
        }
    }
}

/// Counts the writes to a kind of row made on this instance, process-wide: caches of those rows
/// (``ExpiringCache``) drop what they hold when it moves.
final class ChangeCounter: Sendable {
    private let count = Atomic<UInt64>(0)

    var current: UInt64 { count.load(ordering: .acquiring) }

    /// Call after every write (a value loaded before the write and stored after is dropped).
    func bump() {
        count.add(1, ordering: .releasing)
    }
}
