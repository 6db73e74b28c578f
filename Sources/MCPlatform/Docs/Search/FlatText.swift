/// A chunk's text as a snippet quotes it: its lines trimmed of spaces, empty ones dropped, the
/// rest joined by single spaces, as UTF-8; and its words (what lies between spaces) with their
/// lengths in `Character`s, the unit a snippet's length is counted in.
///
/// Equal to splitting the `String` at newlines, `trimmingCharacters(in: .whitespaces)` (which
/// trims Unicode scalars), joining with `" "` and splitting that at `" "`, but worked out on
/// bytes: newlines and whitespace are single scalars, and when every scalar of the text is a
/// character of its own (ASCII and the common Latin, Greek, Cyrillic, punctuation and symbol
/// blocks, none of which ever joins a neighbour) characters are scalars. Otherwise (combining
/// marks, emoji sequences, other scripts) the words are found by splitting the `String`.
struct FlatText {
    /// A word: its bytes and its length in characters.
    struct Word {
        let bytes: Range<Int>
        let characters: Int
    }

    private(set) var bytes: [UInt8] = []
    private(set) var words: [Word] = []
    /// The length of the whole text in characters.
    private(set) var characters = 0

    init(_ text: String) {
        var text = text
        var simple = true
        text.withUTF8 { source in
            bytes = [UInt8](unsafeUninitializedCapacity: source.count) { flat, count in
                var lineStart = 0
                var index = 0
                while index < source.count {
                    while index + 8 <= source.count, Self.isPlainASCII(Self.eightBytes(source, at: index), below: 0x0E) { index += 8 }
                    guard index < source.count else { break }
                    let byte = source[index]
                    if byte < 0x80 {
                        if byte &- 0x0A < 4 {
                            Self.appendLine(source[lineStart..<index], to: flat, count: &count)
                            lineStart = index + 1
                        }
                        index += 1
                        continue
                    }
                    let length = byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
                    if Self.isNewline(source, at: index, length: length) {
                        Self.appendLine(source[lineStart..<index], to: flat, count: &count)
                        lineStart = index + length
                    } else if simple {
                        simple = Self.isCharacterOfItsOwn(Self.scalar(in: source, at: index, length: length))
                    }
                    index += length
                }
                Self.appendLine(source[lineStart...], to: flat, count: &count)
            }
        }
        if simple {
            findWords()
        } else {
            let flattened = string
            let utf8 = flattened.utf8
            words = flattened.split(separator: " ").map { word in
                let start = utf8.distance(from: utf8.startIndex, to: word.startIndex)
                return Word(bytes: start..<(start + word.utf8.count), characters: word.count)
            }
            characters = flattened.count
        }
    }

    /// The flattened text.
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends a line to `flat[..<count]`, trimmed, after a space unless it is the first or trims to nothing.
    private static func appendLine(_ line: Slice<UnsafeBufferPointer<UInt8>>, to flat: UnsafeMutableBufferPointer<UInt8>, count: inout Int)
    {
        var (start, end) = (line.startIndex, line.endIndex)
        let base = line.base
        while start < end, let length = whitespaceLength(base, at: start) { start += length }
        while end > start {
            var last = end - 1
            while base[last] & 0xC0 == 0x80 { last -= 1 }
            guard whitespaceLength(base, at: last) != nil else { break }
            end = last
        }
        guard start < end else { return }
        if count > 0 {
            flat[count] = UInt8(ascii: " ")
            count += 1
        }
        UnsafeMutableRawPointer(flat.baseAddress! + count).copyMemory(from: base.baseAddress! + start, byteCount: end - start)
        count += end - start
    }

    /// The words of a text whose scalars are its characters.
    private mutating func findWords() {
        var words: [Word] = []
        words.reserveCapacity(bytes.count / 4)
        var characters = 0
        bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                // To the next space, eight bytes at a time; `high`: whether any byte is not ASCII.
                var end = start
                var high: UInt64 = 0
                while end + 8 <= bytes.count {
                    let eight = Self.eightBytes(bytes, at: end)
                    let spaces = Self.zeroBytes(eight ^ 0x2020_2020_2020_2020)
                    guard spaces == 0 else {
                        let before = spaces.trailingZeroBitCount / 8
                        high |= before == 0 ? 0 : eight & (1 << (8 * UInt64(before)) - 1)
                        end += before
                        break
                    }
                    high |= eight
                    end += 8
                }
                while end < bytes.count, bytes[end] != UInt8(ascii: " ") {
                    high |= UInt64(bytes[end])
                    end += 1
                }
                if end > start {
                    let length = high & 0x8080_8080_8080_8080 == 0 ? end - start : bytes[start..<end].count { $0 & 0xC0 != 0x80 }
                    words.append(Word(bytes: start..<end, characters: length))
                    characters += length
                }
                if end < bytes.count { characters += 1 }
                start = end + 1
            }
        }
        (self.words, self.characters) = (words, characters)
    }

    private static func eightBytes(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
    }

    /// Whether all eight bytes of `word` are ASCII and none is below `bound` (at most 0x80).
    private static func isPlainASCII(_ word: UInt64, below bound: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        return (word | ((word &- ones &* bound) & ~word)) & (ones &* 0x80) == 0
    }

    /// The high bit of the first zero byte of `word` (little-endian) is the lowest bit set, if any.
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    private static func scalar(in text: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> UInt32 {
        var value = UInt32(text[index]) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = value << 6 | UInt32(text[index + offset] & 0x3F) }
        return value
    }

    /// `Character.isNewline`: LF, VT, FF, CR, NEL, LINE and PARAGRAPH SEPARATOR (each always a character
    /// of its own, but for CR LF, whose two halves both end a line).
    private static func isNewline(_ text: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> Bool {
        switch length {
        case 1: return (0x0A...0x0D).contains(text[index])
        case 2: return text[index] == 0xC2 && text[index + 1] == 0x85
        case 3: return text[index] == 0xE2 && text[index + 1] == 0x80 && (text[index + 2] == 0xA8 || text[index + 2] == 0xA9)
        default: return false
        }
    }

    /// The length of the scalar at `index` if it is in `CharacterSet.whitespaces` (tab and the
    /// space separators: U+0020, U+00A0, U+1680, U+2000–U+200B, U+202F, U+205F, U+3000).
    private static func whitespaceLength(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let lead = text[index]
        switch lead {
        case 0x09, 0x20: return 1
        case 0xC2: return text[index + 1] == 0xA0 ? 2 : nil
        case 0xE1, 0xE2, 0xE3:
            let value = scalar(in: text, at: index, length: 3)
            return value == 0x1680 || (0x2000...0x200B).contains(value) || value == 0x202F || value == 0x205F || value == 0x3000 ? 3 : nil
        default: return nil
        }
    }

    /// Whether a non-ASCII scalar never joins a neighbour into one character: Latin-1 to IPA and
    /// spacing modifiers, Greek and Cyrillic letters, General Punctuation but its zero-width and
    /// format characters, super- and subscripts, currency, and the symbol blocks from letterlike
    /// symbols to miscellaneous symbols and arrows (none is a combining or prepended mark,
    /// a joiner, a regional indicator or Hangul; FlatTextTests checks each).
    static func isCharacterOfItsOwn(_ scalar: UInt32) -> Bool {
        simpleScalarRanges.contains { $0.contains(scalar) }
    }

    static let simpleScalarRanges: [ClosedRange<UInt32>] = [
        0x80...0x2FF, 0x370...0x482, 0x2010...0x2027, 0x2030...0x205F, 0x2070...0x20CF, 0x2100...0x2BFF,
    ]
}
