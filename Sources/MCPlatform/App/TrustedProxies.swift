import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The reverse proxies (load balancers) whose `X-Forwarded-For` the platform believes
/// (`--trusted-proxies`): addresses and CIDR ranges, IPv4 or IPv6. Behind them, the client's
/// address for rate limits, sign-in limits, logs and anonymous 2026-07-28 participants is the
/// one the proxies saw, not the proxy's own.
public struct TrustedProxies: Sendable, Equatable {
    /// One address range: the leading `bits` of `network` (4 bytes for IPv4, 16 for IPv6).
    struct Range: Sendable, Equatable {
        let network: [UInt8]
        let bits: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == network.count else { return false }
            for index in 0..<network.count {
                let remaining = bits - index * 8
                if remaining <= 0 { return true }
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                if address[index] & mask != network[index] & mask { return false }
            }
            return true
        }
    }

    let ranges: [Range]

    /// No proxy is trusted: `X-Forwarded-For` is ignored.
    public static let none = TrustedProxies(ranges: [])

    /// Parses `10.0.0.0/8, 127.0.0.1, ::1`; nil when an entry is not an address or range.
    public init?(_ text: String) {
        var ranges: [Range] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = Self.bytes(of: String(parts[0])) else { return nil }
            let bits = parts.count == 2 ? Int(parts[1]) : address.count * 8
            guard let bits, (0...address.count * 8).contains(bits) else { return nil }
            ranges.append(Range(network: address, bits: bits))
        }
        self.ranges = ranges
    }

    private init(ranges: [Range]) {
        self.ranges = ranges
    }

    /// Whether `address` (text) is one of the trusted proxies.
    func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client's address for a request that arrived from `peer` with these `X-Forwarded-For`
    /// values: walking the chain from the nearest hop, the first address that is not a trusted
    /// proxy. `peer` itself when it is not trusted or the header is missing or malformed (a
    /// client can write anything into the header; only what trusted proxies appended counts).
    func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed() {
            guard Self.bytes(of: hop) != nil else { return client }
            client = hop
            if !trusts(hop) { return hop }
        }
        return client
    }

    /// The bytes of an IPv4 or IPv6 address in text form (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address); nil for anything else.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}
