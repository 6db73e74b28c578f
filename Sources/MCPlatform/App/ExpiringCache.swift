import Synchronization

/// Rows every MCP request reads (its server, whether the server has walkthroughs), kept in
/// memory for a second so that a request costs no database round trip for them.
///
/// Invalidation: a write on this instance invalidates at once: the store that writes bumps the
/// ``ChangeCounter`` the cache watches. A write made by another instance (or the CLI) sharing
/// the database is seen within ``lifetime`` (docs/operations.md, "Caches"). A value loaded
/// while a write happened is not kept.
final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// How long a value is used without asking the database again.
    static var defaultLifetime: Duration { .seconds(1) }

    private struct Entry {
        let value: Value
        let expires: ContinuousClock.Instant
        let generation: UInt64
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let lifetime: Duration
    private let capacity: Int
    private let changes: ChangeCounter

    /// At most `capacity` entries are kept (expired ones are dropped first, then all).
    init(lifetime: Duration = defaultLifetime, capacity: Int = 10_000, changes: ChangeCounter) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.changes = changes
    }

    /// The value for `key` if one is kept, fresh and not invalidated.
    func cached(_ key: Key) -> Value? {
        let generation = changes.current
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[key], entry.expires > now, entry.generation == generation else { return nil }
            return entry.value
        }
    }

    /// The kept value for `key`, else what `load` returns (then kept, unless a write happened meanwhile).
    func value(for key: Key, load: () async throws -> Value) async rethrows -> Value {
        if let value = cached(key) { return value }
        let generation = changes.current
        let value = try await load()
        guard generation == changes.current else { return value }
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = Entry(value: value, expires: now + lifetime, generation: generation)
        }
        return value
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
