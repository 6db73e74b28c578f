import Foundation

/// Texts for comparing the tokenizer's and snippets' fast paths with their reference: the
/// repository's fixture corpora and seeded random text made of identifiers, prose, stopwords,
/// stemmed endings, separators and non-ASCII characters (combining marks, joiners, emoji, other scripts).
enum TokenizerFixtures {
    /// Every file under Tests/Fuzz/Corpus and docs/, and README.md, as text.
    static let corpora: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let files = ["Tests/Fuzz/Corpus", "docs"].flatMap { folder in
            let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            return (enumerator?.allObjects as? [URL] ?? []).filter { !$0.hasDirectoryPath }
        }
        return (files + [root.appendingPathComponent("README.md")]).sorted { $0.path < $1.path }.compactMap { url in
            (try? Data(contentsOf: url)).map { String(decoding: $0, as: UTF8.self) }
        }
    }()

    static let atoms: [String] = [
        "a", "B", "z", "Q", "0", "7", "_", ".", ":", "/", "-", "--", " ", "  ", "\n", "\r\n", "\r", "\t", ",", "(", ")", "`", "\"", "'",
        "*", "#", "os.path.join", "getHTTPResponse", "snake_case", "__init__", "--dry-run", "HTTP2Server", "v1.2.3", "e._", "a::b", "x-",
        "QuerySet.filter()", "w7ing", "2fa", "foo_", "_Private", "Foo_Bar", "the", "The", "should", "its", "I", "queries", "ties",
        "passes", "status", "class", "running", "stopped", "filled", "nested", "buzzing", "seeing", "fries", "analysis", "bus",
        "é", "e\u{301}", "\u{301}", "’", "“", "”", "–", "—", "…", "\u{A0}", "§", "¶", "\u{2022}", "‰", "′", "\u{2027}", "\u{2030}",
        "\u{205E}", "\u{600}", "\u{200D}", "\u{200B}", "\u{2060}", "👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🇫", "한", "\u{1100}\u{1161}", "Ωμέγα",
        "Привет", "\u{85}", "\u{2028}", "\u{2029}", "İ", "ß", "ﬁ", "中文", "٣", "Ⅻ", "½", "ⓐ", "\u{FE0F}", "Café", "naïve",
        "résumés", "ÜBER", "\u{915}\u{94D}\u{937}", "\u{3000}", "\u{1680}", "\u{202F}", "\u{0}", "\u{7F}",
        String(repeating: "x", count: 70), "word", "Word", "WORD", "xy", "ty", "tCase", "7B", "_",
    ]

    /// `count` strings of 1…`atoms` random atoms, the same for the same seed.
    static func generated(_ count: Int, atoms maximum: Int, seed: UInt64) -> [String] {
        var random = SeededRandom(seed)
        return (0..<count).map { _ in
            (0...random.next(below: maximum)).map { _ in atoms[random.next(below: atoms.count)] }.joined()
        }
    }

    /// xorshift64: reproducible runs.
    struct SeededRandom {
        private var state: UInt64

        init(_ seed: UInt64) { state = seed | 1 }

        mutating func next(below bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
    }
}
