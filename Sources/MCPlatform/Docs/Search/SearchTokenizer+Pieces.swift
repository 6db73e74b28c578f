extension SearchTokenizer {
    /// Calls `body` with consecutive pieces of `text` (UTF-8) whose terms, one after the other,
    /// are the terms of `text`, each with whether it is ASCII (then ``ASCIITokenizer`` gives its terms).
    ///
    /// Text is cut at *separators* — an ASCII character that is neither a word character nor a
    /// joiner (`.:/-`), or a non-ASCII punctuation mark such as `’`, `“` or `–` — whose
    /// neighbours are ASCII (or the text's ends). Such a separator is a character of its own
    /// (no combining mark or prepended character can attach to it, and its ASCII neighbours
    /// break every grapheme rule that looks further), it ends any word and joins none, so the
    /// terms on its two sides are those of the text on each side. The bytes between the cuts
    /// around a non-ASCII character form a non-ASCII piece; every other run of bytes is ASCII.
    static func forEachPiece(of text: UnsafeBufferPointer<UInt8>, _ body: (_ piece: UnsafeBufferPointer<UInt8>, _ isASCII: Bool) -> Void) {
        guard !isASCII(text) else { return body(text, true) }
        var start = 0
        var pieceIsASCII = true
        /// The position of the last ASCII separator of the current ASCII piece, if it may be cut there.
        var lastCut = -1
        var index = 0
        while index < text.count {
            let byte = text[index]
            let length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
            let separates = byte < 0x80 ? isSeparator(byte) : isSeparator(text, at: index, length: length)
            if separates, index == 0 || text[index - 1] < 0x80, index + length == text.count || text[index + length] < 0x80 {
                if pieceIsASCII, byte < 0x80 {
                    lastCut = index
                } else {
                    if start < index { body(UnsafeBufferPointer(rebasing: text[start..<index]), pieceIsASCII) }
                    (start, pieceIsASCII, lastCut) = (index + length, true, -1)
                }
            } else if byte >= 0x80, pieceIsASCII {
                // The piece becomes non-ASCII: what precedes its last cut stays an ASCII piece.
                if lastCut >= 0 {
                    if start < lastCut { body(UnsafeBufferPointer(rebasing: text[start..<lastCut]), true) }
                    start = lastCut + 1
                }
                pieceIsASCII = false
            }
            index += length
        }
        if start < text.count { body(UnsafeBufferPointer(rebasing: text[start...]), pieceIsASCII) }
    }

    static func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var bits: UInt8 = 0
        for byte in text { bits |= byte }
        return bits < 0x80
    }

    /// An ASCII character that is neither a word character nor a joiner.
    private static func isSeparator(_ byte: UInt8) -> Bool {
        !ASCIITokenizer.isWordByte(byte) && !ASCIITokenizer.isJoiner(byte)
    }

    /// Whether the `length` bytes at `index` are one of the non-ASCII separators: no-break space,
    /// `§`, `¶`, and General Punctuation U+2010–U+2027 and U+2030–U+205E (dashes, quotes,
    /// bullets, `…`, `‰`, primes …): none is a letter or number or ever part of a larger character.
    private static func isSeparator(_ text: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> Bool {
        switch length {
        case 2:
            guard text[index] == 0xC2 else { return false }
            switch text[index + 1] {
            case 0xA0, 0xA7, 0xB6: return true
            default: return false
            }
        case 3:
            guard text[index] == 0xE2 else { return false }
            let (second, third) = (text[index + 1], text[index + 2])
            return (second == 0x80 && ((0x90...0xA7).contains(third) || third >= 0xB0)) || (second == 0x81 && third <= 0x9E)
        default:
            return false
        }
    }
}
