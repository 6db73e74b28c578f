import Foundation
import Synchronization

/// Token buckets for the per-server limits set on a server's Settings page: a bucket holds a
/// minute's worth of requests and refills continuously, so short bursts pass and a sustained
/// excess gets 429 with the seconds until the next token.
///
/// The buckets live in this instance's memory: checking costs no I/O on the request path, and
/// with several instances behind a load balancer each enforces the limit on its share of the
/// traffic. (Limits shared across instances come with issue 11.)
final class RequestRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    /// Beyond this many buckets, full (idle) ones are dropped.
    private let maximumBuckets = 50_000

    /// Takes a token from `key`'s bucket of `perMinute`; returns nil when allowed, else the
    /// seconds until a token is available.
    func take(_ key: String, perMinute: Int, now: ContinuousClock.Instant = .now) -> Int? {
        let capacity = Double(perMinute)
        let refillPerSecond = capacity / 60
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double((now - bucket.updated) / .milliseconds(1)) / 1000
            bucket.tokens = min(capacity, bucket.tokens + elapsed * refillPerSecond)
            bucket.updated = now
            defer {
                buckets[key] = bucket
                if buckets.count > maximumBuckets { buckets = buckets.filter { $0.value.tokens < capacity - 1 } }
            }
            guard bucket.tokens >= 1 else { return Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)) }
            bucket.tokens -= 1
            return nil
        }
    }
}
