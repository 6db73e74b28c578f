import Foundation

/// `application/x-www-form-urlencoded` as OAuth uses it.
enum FormEncoding {
    static func encode(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters.
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Parses a form body or query string; later duplicates are reported by `duplicates`.
    static func decode(_ text: String) -> (values: [String: String], duplicates: Set<String>) {
        var values: [String: String] = [:]
        var duplicates: Set<String> = []
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            if values[name] != nil { duplicates.insert(name) }
            values[name] = value
        }
        return (values, duplicates)
    }

    /// Decodes one form-encoded name or value (`+` is a space).
    static func unescape(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
