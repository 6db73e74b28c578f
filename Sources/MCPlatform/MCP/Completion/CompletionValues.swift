import Foundation

/// The answer to `completion/complete` for one argument: at most ``maximum`` values, best first,
/// and how many matched in all.
public struct CompletionValues: Sendable, Equatable {
    /// The specification's limit per response.
    public static let maximum = 100

    public let values: [String]
    public let total: Int

    public init(values: [String], total: Int) {
        self.values = Array(values.prefix(Self.maximum))
        self.total = total
    }

    /// The `candidates` beginning with `prefix` (case-insensitively), in their order.
    public init(candidates: [String], prefix: String) {
        let matching = candidates.filter { $0.lowercased().hasPrefix(prefix.lowercased()) }
        self.init(values: matching, total: matching.count)
    }
}
