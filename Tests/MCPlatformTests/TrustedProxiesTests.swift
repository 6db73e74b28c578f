import Testing

@testable import MCPlatform

/// `--trusted-proxies`: which `X-Forwarded-For` hop is the client.
@Suite struct TrustedProxiesTests {
    static let proxies = TrustedProxies("10.0.0.0/8, 127.0.0.2, fd00::/8")!

    @Test func parsesAddressesAndRanges() throws {
        #expect(Self.proxies.trusts("10.1.2.3") && Self.proxies.trusts("127.0.0.2") && Self.proxies.trusts("fd12::1"))
        #expect(!Self.proxies.trusts("11.0.0.1") && !Self.proxies.trusts("127.0.0.1") && !Self.proxies.trusts("fe80::1"))
        #expect(Self.proxies.trusts("::ffff:10.9.9.9"), "an IPv4-mapped IPv6 address is its IPv4 address")
        #expect(TrustedProxies("0.0.0.0/0")?.trusts("203.0.113.9") == true)
        #expect(TrustedProxies("")?.ranges.isEmpty == true)
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.0/8/1", "::1/129", "10.0.0.0/x", "10.0.0"] {
            #expect(TrustedProxies(bad) == nil, "\(bad)")
        }
        #expect(throws: ConfigurationError.self) { try AppConfiguration(flags: [.trustedProxies: "nope"], environment: [:]) }
        let configured = try AppConfiguration(flags: [:], environment: ["MCPLATFORM_TRUSTED_PROXIES": "127.0.0.2"])
        #expect(configured.trustedProxies.trusts("127.0.0.2"))
    }

    @Test func theClientIsTheNearestUntrustedHop() {
        let client = { (peer: String, header: [String]) in Self.proxies.clientAddress(peer: peer, forwardedFor: header) }
        // From a trusted proxy: the address it appended.
        #expect(client("10.0.0.5", ["198.51.100.7"]) == "198.51.100.7")
        // What the client wrote itself comes before the proxy's entry and is not believed.
        #expect(client("10.0.0.5", ["6.6.6.6, 198.51.100.7"]) == "198.51.100.7")
        #expect(client("10.0.0.5", ["6.6.6.6", "198.51.100.7"]) == "198.51.100.7")
        // A chain of trusted proxies is walked through.
        #expect(client("10.0.0.5", ["198.51.100.7, 10.0.0.9"]) == "198.51.100.7")
        // Not from a trusted proxy: the header is ignored.
        #expect(client("203.0.113.1", ["198.51.100.7"]) == "203.0.113.1")
        // Missing or garbage: the last good hop.
        #expect(client("10.0.0.5", []) == "10.0.0.5")
        #expect(client("10.0.0.5", ["<script>"]) == "10.0.0.5")
        #expect(client("10.0.0.5", ["198.51.100.7, unknown"]) == "10.0.0.5")
        #expect(client("10.0.0.5", ["2001:db8::1"]) == "2001:db8::1")
        // Only trusted hops: the farthest of them.
        #expect(client("10.0.0.5", ["10.0.0.7"]) == "10.0.0.7")
        #expect(TrustedProxies.none.clientAddress(peer: "10.0.0.5", forwardedFor: ["198.51.100.7"]) == "10.0.0.5")
    }
}
