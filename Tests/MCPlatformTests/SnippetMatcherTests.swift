import Testing

@testable import MCPlatform

/// Snippets find the same words as tokenizing every word would.
@Suite struct SnippetMatcherTests {
    static let words =
        "queries fries fry query don’t “Quoted” getHTTPResponse os.path.join __init__ _private Café café naïve snake_case --dry-run running run ran x e._ a.b::c HTTP2Server 2fa v1.2.3 w7ing w7 w70s Ünïcödé résumés stopped stop is the QUERIES (Client.connect()), `pip` path/to/file _Private foo_ Foo_Bar querysets entries entry y yy xy"
        .split(separator: " ")

    @Test func keysNeverMissAMatch() {
        var vocabulary = Set(Self.words.flatMap { SearchTokenizer.terms(String($0)) })
        vocabulary.formUnion(["x", "zzz", "que", "fr", "__init__", "é", "y", "entr", "foo_bar"])
        let sorted = vocabulary.sorted()
        var queries: [Set<String>] = sorted.map { [$0] }
        for (index, term) in sorted.enumerated() where !term.hasPrefix("_") && term.count > 1 {
            queries.append(
                [term, sorted[(index * 7) % sorted.count]].filter { $0.count > 1 && !$0.hasPrefix("_") }.reduce(into: []) { $0.insert($1) })
        }
        for terms in queries {
            let matcher = SnippetMatcher(terms: terms)
            for word in Self.words {
                var bytes = String(word)
                let expected = SearchTokenizer.characterTerms(String(word)).contains(where: terms.contains)
                #expect(bytes.withUTF8 { matcher.matches($0) } == expected, "\(word) \(terms)")
            }
        }
    }
}
