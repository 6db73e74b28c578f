/// Tells which words of a text yield any of a query's terms, exactly as tokenizing each word
/// with ``SearchTokenizer`` would, without tokenizing most of them: what snippets need per word.
///
/// Every term an ASCII word yields is ASCII and begins with a lowercased piece of the word: a
/// compound (`os_path_join`) with its first part, a stemmed term with a prefix of its part
/// (`queries` → `query` keeps `quer`; `fries` → `fry` keeps `fr`). So each ASCII term has a
/// *key*, the first min(3, n − 1) characters of its leading run of n letters and digits, that
/// every ASCII word yielding it contains; an ASCII word containing no key is no match. Other
/// words, and every word when some term has no key (`__init__`, one-letter terms), are tokenized.
struct SnippetMatcher {
    let terms: Set<String>
    /// The keys of the ASCII terms (lowercase bytes); nil when some term has none.
    private let keys: [[UInt8]]?

    init(terms: Set<String>) {
        self.terms = terms
        var keys: [[UInt8]] = []
        for term in terms where term.utf8.allSatisfy({ $0 < 0x80 }) {
            let run = term.utf8.prefix { Self.isLowerAlphanumeric($0) }
            guard run.count > 1 else {
                self.keys = nil
                return
            }
            keys.append(Array(run.prefix(min(3, run.count - 1))))
        }
        self.keys = keys
    }

    /// Whether the word `bytes[range]` of `text` (whose UTF-8 is `bytes`, ASCII letters lowercased) yields a term.
    func matches(_ word: Substring, lowercased bytes: [UInt8], range: Range<Int>) -> Bool {
        if let keys, bytes[range].allSatisfy({ $0 < 0x80 }) {
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

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
    }
}
