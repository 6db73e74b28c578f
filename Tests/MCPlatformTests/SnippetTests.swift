import Foundation
import Testing

@testable import MCPlatform

/// ``DocsSearch/snippet(of:matching:)`` (on UTF-8 bytes, ``FlatText`` and ``SnippetMatcher``)
/// gives exactly the snippets of the `String` implementation it replaced, kept here as the reference.
@Suite struct SnippetTests {
    /// The former implementation, `Character` by `Character`, a word matching when tokenizing it yields a term.
    static func referenceSnippet(of text: String, terms: Set<String>) -> String {
        let length = DocsSearch.snippetCharacters
        let flattened = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
        guard flattened.count > length else { return flattened }
        let words = flattened.split(separator: " ", omittingEmptySubsequences: true)
        let hits = words.map { SearchTokenizer.characterTerms(String($0)).contains(where: terms.contains) ? 1 : 0 }
        var best = (start: 0, hits: -1)
        var start = 0
        var windowLength = 0
        var windowHits = 0
        for end in words.indices {
            windowLength += words[end].count + 1
            windowHits += hits[end]
            while windowLength > length, start < end {
                windowLength -= words[start].count + 1
                windowHits -= hits[start]
                start += 1
            }
            if windowHits > best.hits { best = (start, windowHits) }
        }
        var snippet = ""
        for word in words[best.start...] {
            guard snippet.count + word.count + 1 <= length else { break }
            snippet += snippet.isEmpty ? String(word) : " " + word
        }
        return (best.start > 0 ? "… " : "") + snippet + (snippet.count < flattened.count ? " …" : "")
    }

    /// Query terms for `text`: a few of its own terms (so windows differ), and one it lacks.
    static func queries(for text: String, seed: UInt64) -> [Set<String>] {
        let vocabulary = SearchTokenizer.characterTerms(text)
        var random = TokenizerFixtures.SeededRandom(seed)
        var queries: [Set<String>] = [["nothing_here"], Set(SearchTokenizer.terms("How do I set a request timeout with retries?"))]
        if !vocabulary.isEmpty {
            for count in [1, 3] {
                queries.append(Set((0..<count).map { _ in vocabulary[random.next(below: vocabulary.count)] }))
            }
        }
        return queries
    }

    static func expectSameSnippets(_ texts: [String]) {
        for (index, text) in texts.enumerated() {
            for terms in queries(for: text, seed: UInt64(index + 1)) {
                let snippet = DocsSearch.snippet(of: text, matching: SnippetMatcher(terms: terms))
                #expect(snippet == referenceSnippet(of: text, terms: terms), "\(text.prefix(120).debugDescription) \(terms)")
            }
        }
    }

    @Test func fixtureCorporaSnippetAlike() {
        // Whole files, and their paragraphs as chunks are cut.
        let texts = TokenizerFixtures.corpora.flatMap { text in
            [text] + text.components(separatedBy: "\n\n").filter { $0.count > 200 }
        }
        #expect(texts.count > 300)
        Self.expectSameSnippets(texts)
    }

    @Test func generatedTextSnippetsAlike() {
        Self.expectSameSnippets(TokenizerFixtures.generated(600, atoms: 300, seed: 7))
    }

    @Test func shortTextIsFlattenedWhole() {
        let matcher = SnippetMatcher(terms: ["timeout"])
        #expect(DocsSearch.snippet(of: "  Set the\r\n\n\ttimeout \u{A0}\n\u{2028}here. ", matching: matcher) == "Set the timeout here.")
        let long = (1...100).map { "word\($0)" }.joined(separator: " ") + " timeout " + (1...100).map { "w\($0)" }.joined(separator: "\n")
        let snippet = DocsSearch.snippet(of: long, matching: matcher)
        #expect(snippet.hasPrefix("… ") && snippet.hasSuffix(" …") && snippet.contains(" timeout "))
        #expect(snippet.count <= DocsSearch.snippetCharacters + 4)
    }
}
