import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Per-server counts of MCP requests (requests, errors, a latency histogram) by minute: what
/// the dashboard's live status shows. Recording is an in-memory increment under a lock (no I/O
/// on the request path); a background service adds the counts to the database every ten
/// seconds, where every instance's counts add up.
public final class RequestStatistics: Sendable {
    /// Upper bounds of the latency buckets, in milliseconds; the last bucket is unbounded.
    static let bucketBounds: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]

    struct Key: Hashable {
        let serverID: Int64
        let minute: Int64
    }

    struct Counts {
        var requests: Int64 = 0
        var errors: Int64 = 0
        var latencyMicroseconds: Int64 = 0
        var buckets = [Int64](repeating: 0, count: RequestStatistics.bucketBounds.count + 1)

        mutating func add(_ other: Counts) {
            requests += other.requests
            errors += other.errors
            latencyMicroseconds += other.latencyMicroseconds
            for index in buckets.indices { buckets[index] += other.buckets[index] }
        }
    }

    private let pending = Mutex<[Key: Counts]>([:])

    public init() {}

    /// Counts one request of `serverID` that took `milliseconds`; `failed` for 5xx answers and
    /// refusals (see ``MCPEndpoint/countsAsFailure(_:)``).
    func record(serverID: Int64, milliseconds: Double, failed: Bool, at now: Date = Date()) {
        let key = Key(serverID: serverID, minute: Int64(now.timeIntervalSince1970) / 60)
        let bucket = Self.bucketBounds.firstIndex { milliseconds <= $0 } ?? Self.bucketBounds.count
        pending.withLock { pending in
            pending[key, default: Counts()].requests += 1
            pending[key, default: Counts()].latencyMicroseconds += Int64(milliseconds * 1000)
            if failed { pending[key, default: Counts()].errors += 1 }
            pending[key, default: Counts()].buckets[bucket] += 1
        }
    }

    /// Counts a failure inside a request already counted by ``record(serverID:milliseconds:failed:at:)``
    /// with a successful HTTP status: a JSON-RPC internal error, or a tool that failed unexpectedly.
    func recordInternalFailure(serverID: Int64, at now: Date = Date()) {
        let key = Key(serverID: serverID, minute: Int64(now.timeIntervalSince1970) / 60)
        pending.withLock { $0[key, default: Counts()].errors += 1 }
    }

    /// Adds the counts recorded since the last flush to the database.
    func flush(to database: any Database) async throws {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await database.transaction { database in
                for (key, counts) in batch {
                    let values = SQLStatement.joined(counts.buckets.map { count -> SQLStatement in "\(count)" })
                    try await database.query(
                        """
                        INSERT INTO request_minutes (server_id, minute, requests, errors, latency_us, \(raw: Self.bucketColumns))
                        VALUES (\(key.serverID), \(key.minute), \(counts.requests), \(counts.errors), \(counts.latencyMicroseconds), \(values))
                        ON CONFLICT (server_id, minute) DO UPDATE SET requests = request_minutes.requests + excluded.requests,
                            errors = request_minutes.errors + excluded.errors, latency_us = request_minutes.latency_us + excluded.latency_us,
                            \(raw: Self.bucketSums)
                        """
                    )
                }
            }
        } catch {
            // Put the counts back so that a database hiccup loses nothing.
            pending.withLock { pending in
                for (key, counts) in batch { pending[key, default: Counts()].add(counts) }
            }
            throw error
        }
    }

    /// `l0, l1, …`: one column per latency bucket.
    static let bucketColumns = (0...bucketBounds.count).map { "l\($0)" }.joined(separator: ", ")
    private static let bucketSums = (0...bucketBounds.count).map { "l\($0) = request_minutes.l\($0) + excluded.l\($0)" }
        .joined(separator: ", ")

    /// Requests, errors and latency percentiles of a server over a period.
    public struct Summary: Sendable, Equatable {
        public var requests: Int64 = 0
        public var errors: Int64 = 0
        var latencyMicroseconds: Int64 = 0
        var buckets = [Int64](repeating: 0, count: RequestStatistics.bucketBounds.count + 1)

        /// Adds the counts of another minute or day.
        mutating func add(requests: Int64, errors: Int64, latencyMicroseconds: Int64, buckets: [Int64]) {
            self.requests += requests
            self.errors += errors
            self.latencyMicroseconds += latencyMicroseconds
            for index in self.buckets.indices where index < buckets.count { self.buckets[index] += buckets[index] }
        }

        /// The mean latency in milliseconds; nil without requests.
        public var averageMilliseconds: Double? { requests == 0 ? nil : Double(latencyMicroseconds) / Double(requests) / 1000 }

        /// The error rate in percent.
        public var errorRate: Double { requests == 0 ? 0 : Double(errors) * 100 / Double(requests) }

        /// The latency under which `fraction` of the requests finished, as shown: `≤ 200 ms`, or
        /// `> 5 s` for the last bucket (nil without requests).
        public func percentile(_ fraction: Double) -> String? {
            percentileBound(fraction).map { $0.isFinite ? "≤ \(Int($0)) ms" : "> 5 s" }
        }

        /// The upper bound in milliseconds of the latency bucket that holds the `fraction`
        /// percentile: infinity for the last (unbounded) bucket, nil without requests.
        public func percentileBound(_ fraction: Double) -> Double? {
            guard requests > 0 else { return nil }
            let rank = Int64((Double(requests) * fraction).rounded(.up))
            var seen: Int64 = 0
            for (index, count) in buckets.enumerated() {
                seen += count
                if seen >= rank { return index < RequestStatistics.bucketBounds.count ? RequestStatistics.bucketBounds[index] : .infinity }
            }
            return nil
        }
    }

    /// The totals of `serverID` since `start` (including what is not flushed yet on this instance).
    func summary(serverID: Int64, since start: Date, database: any Database) async throws -> Summary {
        let first = Int64(start.timeIntervalSince1970) / 60
        var summary = try await Self.stored(serverID: serverID, minutes: first..<Int64.max, database: database)
        pending.withLock { pending in
            for (key, counts) in pending where key.serverID == serverID && key.minute >= first {
                summary.add(
                    requests: counts.requests, errors: counts.errors, latencyMicroseconds: counts.latencyMicroseconds,
                    buckets: counts.buckets)
            }
        }
        return summary
    }

    /// The totals of `serverID` written to the database for the minutes in `minutes`.
    static func stored(serverID: Int64, minutes: Range<Int64>, database: any SQLExecutor) async throws -> Summary {
        var summary = Summary()
        for row in try await database.query(
            """
            SELECT requests, errors, latency_us, \(raw: bucketColumns) FROM request_minutes
            WHERE server_id = \(serverID) AND minute >= \(minutes.lowerBound) AND minute < \(minutes.upperBound)
            """)
        {
            try summary.add(row: row)
        }
        return summary
    }
}

extension RequestStatistics.Summary {
    /// Adds a row holding `requests`, `errors`, `latency_us` and the bucket columns.
    mutating func add(row: SQLRow) throws {
        add(
            requests: try row.decode("requests"), errors: try row.decode("errors"), latencyMicroseconds: try row.decode("latency_us"),
            buckets: try (0...RequestStatistics.bucketBounds.count).map { try row.decode("l\($0)") })
    }
}
