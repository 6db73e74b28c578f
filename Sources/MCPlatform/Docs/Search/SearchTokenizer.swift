import Foundation

/// Turns prose and code into search terms, identically for indexing and for queries.
///
/// Code is first-class: `os.path.join`, `snake_case`, `camelCase` and `--dry-run` yield both
/// the whole identifier (`os_path_join`, `snake_case`, `camelcase`, `dry_run`) and its parts
/// (`os`, `path`, `join`, `camel`, `case`, …), so a query for either finds it. Terms are
/// lowercased, diacritics folded, English stopwords dropped and plurals/verb endings lightly
/// stemmed. Terms contain only letters, digits and `_`, so SQLite's FTS5 `unicode61`
/// tokenizer (with `_` as a token character) keeps them exactly as produced here.
public enum SearchTokenizer {
    /// The terms of `text`, in order (repeated terms are repeated).
    ///
    /// ASCII stretches are tokenized on their bytes (``ASCIITokenizer``), the text around other
    /// characters as `Character`s (``characterTerms(_:)``); ``forEachPiece(of:_:)`` cuts it so
    /// that both give the terms the `Character` path gives for the whole text.
    public static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        terms.reserveCapacity(text.utf8.count / 5)
        var text = text
        text.withUTF8 { bytes in
            forEachPiece(of: bytes) { piece, isASCII in
                if isASCII {
                    ASCIITokenizer.forEachTerm(in: piece) { terms.append(String(decoding: $0, as: UTF8.self)) }
                } else {
                    terms += characterTerms(String(decoding: piece, as: UTF8.self))
                }
            }
        }
        return terms
    }

    /// The terms of `text` worked out on its `Character`s: what ``terms(_:)`` gives, for any text.
    static func characterTerms(_ text: String) -> [String] {
        var terms: [String] = []
        for word in words(text) {
            append(word, to: &terms)
        }
        return terms
    }

    /// Longest term kept; longer runs (hashes, base64, minified code) are noise.
    static let maximumTermLength = 64

    /// Splits into "words": runs of letters/digits/`_` joined by `.`, `:`, `/` or `-` inside
    /// an identifier (`a.b`, `a::b`, `a-b`), with leading dashes of flags dropped.
    private static func words(_ text: String) -> [Substring] {
        var words: [Substring] = []
        var start: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if isWordCharacter(character) {
                if start == nil { start = index }
            } else if let wordStart = start {
                let next = text.index(after: index)
                let joins = ".:/-".contains(character) && next < text.endIndex && isWordCharacter(text[next])
                if !joins {
                    words.append(text[wordStart..<index])
                    start = nil
                }
            }
            index = text.index(after: index)
        }
        if let start { words.append(text[start...]) }
        return words
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character == "_" || character.isLetter || character.isNumber
    }

    /// Appends the terms of one word: its parts and, for compounds, the whole.
    private static func append(_ word: Substring, to terms: inout [String]) {
        let parts = splitIdentifier(word)
        if parts.count > 1 {
            let whole = parts.map { $0.lowercased() }.joined(separator: "_")
            if whole.count <= maximumTermLength { terms.append(fold(whole)) }
            for part in parts {
                let term = normalize(part)
                if let term { terms.append(term) }
            }
        } else if word.allSatisfy(isWordCharacter) {
            // `__init__` and `_` stay whole.
            if let term = normalize(word) { terms.append(term) }
        } else if let part = parts.first, let term = normalize(part) {
            // `e._` is the one part `e`: the `.` joined it to nothing (and `__._` has no part).
            terms.append(term)
        }
    }

    /// `os.path.join` → [os, path, join]; `getHTTPResponse` → [get, HTTP, Response];
    /// `snake_case` → [snake, case].
    static func splitIdentifier(_ word: Substring) -> [Substring] {
        var parts: [Substring] = []
        var partStart = word.startIndex
        var previous: Character?
        var index = word.startIndex
        while index < word.endIndex {
            let character = word[index]
            let next = word.index(after: index) < word.endIndex ? word[word.index(after: index)] : nil
            if !isWordCharacter(character) || character == "_" {
                if partStart < index { parts.append(word[partStart..<index]) }
                partStart = word.index(after: index)
            } else if let previous, character.isUppercase,
                previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true)
            {
                if partStart < index { parts.append(word[partStart..<index]) }
                partStart = index
            }
            previous = isWordCharacter(character) && character != "_" ? character : nil
            index = word.index(after: index)
        }
        if partStart < word.endIndex { parts.append(word[partStart...]) }
        return parts
    }

    private static func normalize(_ part: Substring) -> String? {
        guard part.count <= maximumTermLength else { return nil }
        let lowered = fold(part.lowercased())
        guard !stopwords.contains(lowered) else { return nil }
        return stem(lowered)
    }

    private static func fold(_ text: String) -> String {
        text.unicodeScalars.allSatisfy(\.isASCII) ? text : text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
    }

    /// A deliberately light English stemmer: plurals and the common verb endings, only on
    /// words long enough that the stem stays recognisable (`queries` → `query`, `fields` →
    /// `field`, `filtering` → `filter`, `nested` → `nest`; `class`, `status`, `string` stay).
    static func stem(_ word: String) -> String {
        guard word.count > 3, word.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic }) else { return word }
        if word.hasSuffix("ies"), word.count > 4 { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("sses") { return String(word.dropLast(2)) }
        if word.hasSuffix("s"), !word.hasSuffix("ss"), !word.hasSuffix("us"), !word.hasSuffix("is") {
            return String(word.dropLast())
        }
        for suffix in ["ing", "ed"] where word.hasSuffix(suffix) {
            let stem = word.dropLast(suffix.count)
            guard stem.count >= 4, stem.contains(where: { "aeiouy".contains($0) }) else { continue }
            // "running" → "run", "stopped" → "stop": undouble a final consonant.
            if let last = stem.last, stem.dropLast().last == last, !"lsz".contains(last) {
                return String(stem.dropLast())
            }
            return String(stem)
        }
        return word
    }

    static let stopwords: Set<String> = [
        "a", "about", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did", "do",
        "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my",
        "no", "not", "of", "on", "or", "our", "should", "so", "than", "that", "the", "their", "them", "then", "there",
        "these", "they", "this", "to", "us", "was", "we", "were", "what", "when", "where", "which", "who", "why",
        "will", "with", "would", "you", "your",
    ]
}
