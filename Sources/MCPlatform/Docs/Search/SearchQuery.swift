/// A parsed search query: its terms, its quoted phrases and its `prefix*` words.
struct SearchQuery: Sendable, Equatable {
    /// The query as asked (for embedding it).
    var text: String
    /// Every term of the query (phrases and prefixes included), as ``SearchTokenizer`` makes them.
    var terms: [String]
    /// Quoted phrases, as term sequences: `"exponential backoff"` → [[exponential, backoff]].
    var phrases: [[String]]
    /// Words ending in `*`, lowercased: `get_user*` → `get_user`.
    var prefixes: [String]

    /// Prefixes shorter than this are ignored (they would match most of the vocabulary).
    static let minimumPrefixLength = 3

    init(_ text: String) {
        self.text = text
        terms = SearchTokenizer.terms(text)
        phrases = text.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }
            .map { SearchTokenizer.terms(String($0.element)) }
            .filter { $0.count > 1 }
        prefixes = text.split(whereSeparator: \.isWhitespace).compactMap { word in
            guard word.hasSuffix("*") else { return nil }
            let prefix = String(word.dropLast().filter { $0.isLetter || $0.isNumber || $0 == "_" }).lowercased()
            return prefix.count >= Self.minimumPrefixLength ? prefix : nil
        }
    }

    /// Whether `terms` (a chunk's, in order) contain `phrase` contiguously.
    static func contains(_ phrase: [String], in terms: [String]) -> Bool {
        guard let first = phrase.first, phrase.count <= terms.count else { return false }
        for start in terms.indices where terms[start] == first && start + phrase.count <= terms.count {
            if Array(terms[start..<(start + phrase.count)]) == phrase { return true }
        }
        return false
    }
}
