/// Tells which words of a text yield any of a query's terms, exactly as tokenizing each word
/// with ``SearchTokenizer`` would, without tokenizing most of them: what snippets need per word.
///
/// Every term an ASCII word yields is ASCII and contains a *key* that the lowercased word
/// contains: a term starting with `_` is the whole word (`__init__`); a compound
/// (`os_path_join`, `snake_case`) starts with the word's first part (key: up to the first `_`);
/// any other term is a part, lowercased and lightly stemmed, so a prefix of the part, except that
/// `-ies` becomes `-y` (key: the term without a final `y`). An ASCII word containing no key
/// yields none of the terms; the others, and words that are not ASCII, are tokenized.
struct SnippetMatcher {
    let terms: Set<String>
    /// The keys of the ASCII terms (lowercase bytes).
    private let keys: [[UInt8]]

    init(terms: Set<String>) {
        self.terms = terms
        keys = terms.filter { $0.utf8.allSatisfy { $0 < 0x80 } }.map { term in
            let bytes = Array(term.utf8)
            if bytes.first == UInt8(ascii: "_") { return bytes }
            if let underscore = bytes.firstIndex(of: UInt8(ascii: "_")) { return Array(bytes[..<underscore]) }
            return bytes.count > 1 && bytes.last == UInt8(ascii: "y") ? Array(bytes.dropLast()) : bytes
        }
    }

    /// Whether the word `bytes[range]` of `text` (whose UTF-8 is `bytes`, ASCII letters lowercased) yields a term.
    func matches(_ word: Substring, lowercased bytes: [UInt8], range: Range<Int>) -> Bool {
        if bytes[range].allSatisfy({ $0 < 0x80 }) {
            guard keys.contains(where: { key in Self.contains(key, in: bytes[range]) }) else { return false }
        }
        return SearchTokenizer.terms(String(word)).contains(where: terms.contains)
    }

    /// The UTF-8 of `text` with ASCII capitals lowercased.
    static func lowercasedBytes(_ text: String) -> [UInt8] {
        text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    private static func contains(_ key: [UInt8], in bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= key.count else { return false }
        var start = bytes.startIndex
        while start + key.count <= bytes.endIndex {
            if bytes[start] == key[0], bytes[start..<(start + key.count)].elementsEqual(key) { return true }
            start += 1
        }
        return false
    }
}
