import Crypto
import Foundation

/// What groups unexpected errors: the place, the error's type and its message with the parts
/// that vary between occurrences (numbers, hex ids, UUIDs) replaced by placeholders.
struct ErrorFingerprint: Sendable, Equatable {
    /// The message with placeholders, at most ``maximumMessageBytes``.
    let message: String
    /// Hex SHA-256 of place, type and the whole normalized message.
    let digest: String

    static let maximumMessageBytes = 2048

    init(place: String, errorType: String, message: String) {
        let normalized = Self.normalize(message)
        self.message = normalized.clipped(toBytes: Self.maximumMessageBytes)
        let hash = SHA256.hash(data: Data([place, errorType, normalized].joined(separator: "\u{0}").utf8))
        self.digest = hash.map { String(format: "%02x", $0) }.joined()
    }

    /// `session 7f3a9c21b0 failed after 3 tries` → `session <hex> failed after <n> tries`.
    static func normalize(_ message: String) -> String {
        message
            .replacing(/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/, with: "<uuid>")
            .replacing(/\b0[xX][0-9a-fA-F]+\b/, with: "<hex>")
            // Hex words of six characters or more with at least one digit and one letter.
            .replacing(/\b(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{6,}\b/, with: "<hex>")
            .replacing(/[0-9]+/, with: "<n>")
    }
}

extension String {
    /// The longest prefix of whole characters that fits in `limit` UTF-8 bytes.
    func clipped(toBytes limit: Int) -> String {
        guard utf8.count > limit else { return self }
        var end = startIndex
        var bytes = 0
        for index in indices {
            let size = self[index].utf8.count
            guard bytes + size <= limit else { break }
            bytes += size
            end = self.index(after: index)
        }
        return String(self[..<end])
    }
}
