/// Tells which words of a text yield any of a query's terms, exactly as tokenizing each word
/// with ``SearchTokenizer`` would, without tokenizing most of them: what snippets need per word.
///
/// A word is taken in the pieces ``SearchTokenizer/forEachPiece(of:_:)`` cuts it into. Every
/// term an ASCII piece yields is ASCII and contains a *key* that the lowercased piece contains
/// where one of its parts starts (at the start, after a byte that is no letter or digit, or at a
/// capital): a term starting with `_` is the whole word (`__init__`); a compound
/// (`os_path_join`, `snake_case`) starts with the word's first part (key: up to the first `_`);
/// any other term is a part, lowercased and lightly stemmed, so a prefix of the part, except
/// that `-ies` becomes `-y` (key: the term without a final `y`). A one-letter term is a whole
/// part (stemming never leaves one letter), so its key must also end where a part can (at the
/// end, before a byte that is no letter or digit, or before a capital). An ASCII piece without
/// a key so placed yields none of the terms; the others are tokenized on their bytes, and
/// pieces that are not ASCII as `Character`s.
final class SnippetMatcher {
    /// A key: its range in ``keyBytes``, and whether its term has one letter.
    private struct Key {
        let bytes: Range<Int>
        let oneLetter: Bool
    }

    let terms: Set<String>
    /// The ASCII terms' bytes, one after the other, and each term's range in them.
    private let termBytes: [UInt8]
    private let termRanges: [Range<Int>]
    /// The keys of the ASCII terms (lowercase bytes), one after the other, and the keys.
    private let keyBytes: [UInt8]
    private let keys: [Key]
    /// For every byte, the range of ``keys`` (sorted by first byte) that start with it.
    private let keysByFirstByte: [Range<Int>]

    init(terms: Set<String>) {
        self.terms = terms
        let asciiTerms = terms.map { Array($0.utf8) }.filter { $0.allSatisfy { $0 < 0x80 } }
        let keys = asciiTerms.map { bytes in
            if bytes.first == UInt8(ascii: "_") { return bytes }
            if let underscore = bytes.firstIndex(of: UInt8(ascii: "_")) { return Array(bytes[..<underscore]) }
            return bytes.count > 1 && bytes.last == UInt8(ascii: "y") ? Array(bytes.dropLast()) : bytes
        }
        (termBytes, termRanges) = Self.concatenated(asciiTerms)
        let (keyBytes, keyRanges) = Self.concatenated(keys)
        self.keyBytes = keyBytes
        let sorted = zip(keyRanges, asciiTerms).filter { !$0.0.isEmpty }.map { Key(bytes: $0, oneLetter: $1.count == 1) }
            .sorted { keyBytes[$0.bytes.lowerBound] < keyBytes[$1.bytes.lowerBound] }
        self.keys = sorted
        var keysByFirstByte = [Range<Int>](repeating: 0..<0, count: 256)
        var start = 0
        while start < sorted.count {
            let first = keyBytes[sorted[start].bytes.lowerBound]
            var end = start + 1
            while end < sorted.count, keyBytes[sorted[end].bytes.lowerBound] == first { end += 1 }
            keysByFirstByte[Int(first)] = start..<end
            start = end
        }
        self.keysByFirstByte = keysByFirstByte
    }

    private static func concatenated(_ arrays: [[UInt8]]) -> ([UInt8], [Range<Int>]) {
        var bytes: [UInt8] = []
        let ranges = arrays.map { array in
            bytes += array
            return (bytes.count - array.count)..<bytes.count
        }
        return (bytes, ranges)
    }

    /// Whether the word `word` (UTF-8) yields a term.
    func matches(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        if SearchTokenizer.isASCII(word) { return containsKey(word) && yieldsTerm(word) }
        var found = false
        SearchTokenizer.forEachPiece(of: word) { piece, isASCII in
            guard !found else { return }
            if !isASCII {
                found = SearchTokenizer.characterTerms(String(decoding: piece, as: UTF8.self)).contains(where: terms.contains)
            } else {
                found = containsKey(piece) && yieldsTerm(piece)
            }
        }
        return found
    }

    /// Whether the ASCII `text` yields a term.
    private func yieldsTerm(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var found = false
        ASCIITokenizer.forEachTerm(in: text) { term in
            if !found, isTerm(term) { found = true }
        }
        return found
    }

    private func isTerm(_ term: UnsafeBufferPointer<UInt8>) -> Bool {
        termBytes.withUnsafeBufferPointer { bytes in
            termRanges.contains { $0.count == term.count && UnsafeBufferPointer(rebasing: bytes[$0]).elementsEqual(term) }
        }
    }

    /// Whether `text` (ASCII), capitals lowercased, contains a key where a part can start (and, for a one-letter key, end).
    private func containsKey(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        keysByFirstByte.withUnsafeBufferPointer { keysByFirstByte in
            keyBytes.withUnsafeBufferPointer { keyBytes in
                keys.withUnsafeBufferPointer { keys in
                    for start in text.indices
                    where start == 0 || !Self.isAlphanumeric(text[start - 1]) || ASCIITokenizer.isUppercase(text[start]) {
                        for entry in keys[keysByFirstByte[Int(ASCIITokenizer.lowercased(text[start]))]]
                        where entry.bytes.count <= text.count - start {
                            let key = entry.bytes
                            var length = 1
                            while length < key.count, keyBytes[key.lowerBound + length] == ASCIITokenizer.lowercased(text[start + length]) {
                                length += 1
                            }
                            guard length == key.count else { continue }
                            let end = start + length
                            if !entry.oneLetter || end == text.count || !Self.isAlphanumeric(text[end])
                                || ASCIITokenizer.isUppercase(text[end])
                            {
                                return true
                            }
                        }
                    }
                    return false
                }
            }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        ASCIITokenizer.isLowercase(byte) || ASCIITokenizer.isUppercase(byte) || ASCIITokenizer.isDigit(byte)
    }
}
