import Crypto
import Foundation
import HTTPTypes
import Hummingbird

extension Platform {
    /// The value of ``HTTPField/Name/mcplatformSynthetic`` on the platform's own synthetic
    /// requests (the uptime checks): the hex HMAC-SHA256 of `uptime-check` keyed with the secret
    /// key, so that every instance sharing the key recognizes every instance's checks and no one
    /// else can make their traffic disappear from the numbers.
    var syntheticToken: String {
        HMAC<SHA256>.authenticationCode(for: Data("uptime-check".utf8), using: SymmetricKey(data: secretKey.bytes)).hexEncoded
    }

    /// Whether `request` is one of the platform's synthetic requests, which must not count in
    /// customers' numbers. Compared in constant time.
    func isSynthetic(_ request: Request) -> Bool {
        guard let presented = request.headers[.mcplatformSynthetic] else { return false }
        let expected = Array(syntheticToken.utf8)
        let given = Array(presented.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension HTTPField.Name {
    /// Marks the platform's own synthetic traffic (see ``Platform/isSynthetic(_:)``).
    static let mcplatformSynthetic = Self("X-MCPlatform-Synthetic")!
}
