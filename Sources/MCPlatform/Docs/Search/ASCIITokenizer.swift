/// ``SearchTokenizer``'s terms of ASCII text, worked out on its bytes: the very terms its
/// `Character` path gives (in ASCII every character is one byte, so letters, digits, case,
/// lowercasing and folding are byte tests), without allocating for words, parts or terms.
enum ASCIITokenizer {
    /// Calls `body` with each term of `text` (ASCII), in order, as lowercase bytes valid only during the call.
    static func forEachTerm(in text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: SearchTokenizer.maximumTermLength) { term in
            var wordStart = -1
            var index = 0
            while index < text.count {
                let byte = text[index]
                if isWordByte(byte) {
                    if wordStart < 0 { wordStart = index }
                } else if wordStart >= 0 {
                    let joins = isJoiner(byte) && index + 1 < text.count && isWordByte(text[index + 1])
                    if !joins {
                        forEachTerm(ofWord: UnsafeBufferPointer(rebasing: text[wordStart..<index]), term: term, body)
                        wordStart = -1
                    }
                }
                index += 1
            }
            if wordStart >= 0 { forEachTerm(ofWord: UnsafeBufferPointer(rebasing: text[wordStart...]), term: term, body) }
        }
    }

    /// The terms of one word: its parts and, for compounds, the whole; `term` is scratch space.
    private static func forEachTerm(
        ofWord word: UnsafeBufferPointer<UInt8>, term: UnsafeMutableBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var parts = Parts(of: word)
        var count = 0
        var wholeLength = -1
        var first: Range<Int>?
        while let part = parts.next() {
            count += 1
            wholeLength += part.count + 1
            first = first ?? part
        }
        if count > 1 {
            if wholeLength <= SearchTokenizer.maximumTermLength {
                var length = 0
                parts = Parts(of: word)
                while let part = parts.next() {
                    if length > 0 {
                        term[length] = UInt8(ascii: "_")
                        length += 1
                    }
                    for index in part {
                        term[length] = lowercased(word[index])
                        length += 1
                    }
                }
                body(UnsafeBufferPointer(rebasing: term[..<length]))
            }
            parts = Parts(of: word)
            while let part = parts.next() { normalize(part, of: word, term: term, body) }
        } else if word.allSatisfy(isWordByte) {
            // `__init__` and `_` stay whole.
            normalize(word.indices, of: word, term: term, body)
        } else if let first {
            // `e._` is the one part `e`: the `.` joined it to nothing (and `__._` has no part).
            normalize(first, of: word, term: term, body)
        }
    }

    /// The parts of a word, in order: `os.path.join` → os, path, join; `getHTTPResponse` → get,
    /// HTTP, Response; `snake_case` → snake, case (``SearchTokenizer/splitIdentifier(_:)``).
    private struct Parts {
        let word: UnsafeBufferPointer<UInt8>
        private var index = 0
        private var partStart = 0
        private var previous: UInt8 = 0

        init(of word: UnsafeBufferPointer<UInt8>) { self.word = word }

        mutating func next() -> Range<Int>? {
            while index < word.count {
                let byte = word[index]
                let isPartByte = isWordByte(byte) && byte != UInt8(ascii: "_")
                var part: Range<Int>?
                if !isPartByte {
                    if partStart < index { part = partStart..<index }
                    partStart = index + 1
                } else if previous != 0, isUppercase(byte),
                    isLowercase(previous) || isDigit(previous)
                        || (isUppercase(previous) && index + 1 < word.count && isLowercase(word[index + 1]))
                {
                    if partStart < index { part = partStart..<index }
                    partStart = index
                }
                previous = isPartByte ? byte : 0
                index += 1
                if let part { return part }
            }
            guard partStart < word.count else { return nil }
            defer { partStart = word.count }
            return partStart..<word.count
        }
    }

    /// A part lowercased, unless a stopword, lightly stemmed (``SearchTokenizer/stem(_:)``).
    private static func normalize(
        _ part: Range<Int>, of word: UnsafeBufferPointer<UInt8>, term: UnsafeMutableBufferPointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        guard part.count <= SearchTokenizer.maximumTermLength else { return }
        for index in part { term[index - part.lowerBound] = lowercased(word[index]) }
        guard !isStopword(UnsafeBufferPointer(rebasing: term[..<part.count])) else { return }
        body(UnsafeBufferPointer(rebasing: term[..<stem(term, count: part.count)]))
    }

    /// ``SearchTokenizer/stem(_:)`` of the lowercase `term[..<count]`, in place: the new count.
    private static func stem(_ term: UnsafeMutableBufferPointer<UInt8>, count: Int) -> Int {
        let word = UnsafeBufferPointer(rebasing: term[..<count])
        guard count > 3, word.allSatisfy(isLowercase) else { return count }
        if hasSuffix(word, "ies"), count > 4 {
            term[count - 3] = UInt8(ascii: "y")
            return count - 2
        }
        if hasSuffix(word, "sses") { return count - 2 }
        if hasSuffix(word, "s"), !hasSuffix(word, "ss"), !hasSuffix(word, "us"), !hasSuffix(word, "is") { return count - 1 }
        for suffix: StaticString in ["ing", "ed"] where hasSuffix(word, suffix) {
            let stem = count - suffix.utf8CodeUnitCount
            guard stem >= 4, word[..<stem].contains(where: isVowel) else { continue }
            // "running" → "run", "stopped" → "stop": undouble a final consonant.
            let last = word[stem - 1]
            let undouble = word[stem - 2] == last && last != UInt8(ascii: "l") && last != UInt8(ascii: "s") && last != UInt8(ascii: "z")
            return undouble ? stem - 1 : stem
        }
        return count
    }

    private static func hasSuffix(_ word: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        let length = suffix.utf8CodeUnitCount
        guard word.count >= length else { return false }
        return suffix.withUTF8Buffer { word[(word.count - length)...].elementsEqual($0) }
    }

    /// The stopwords (at most 8 bytes each) packed as ``packed(_:)`` does, sorted.
    private static let packedStopwords: [UInt64] = SearchTokenizer.stopwords.map { packed($0.utf8) ?? 0 }.sorted()

    private static func isStopword(_ term: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let key = packed(term) else { return false }
        return packedStopwords.withUnsafeBufferPointer { stopwords in
            var low = 0
            var high = stopwords.count
            while low < high {
                let middle = (low + high) / 2
                if stopwords[middle] < key { low = middle + 1 } else { high = middle }
            }
            return low < stopwords.count && stopwords[low] == key
        }
    }

    /// Up to 8 bytes as one number (first byte highest, so different lengths differ); nil when longer.
    private static func packed(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard bytes.count <= 8 else { return nil }
        var key: UInt64 = 0
        for byte in bytes { key = key << 8 | UInt64(byte) }
        return key
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        isLowercase(byte) || isUppercase(byte) || isDigit(byte) || byte == UInt8(ascii: "_")
    }

    /// `.`, `:`, `/` and `-` join word characters on both sides into one word.
    static func isJoiner(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-")
    }

    static func isUppercase(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "A") < 26 }
    static func isLowercase(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "a") < 26 }
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
    static func lowercased(_ byte: UInt8) -> UInt8 { isUppercase(byte) ? byte | 0x20 : byte }

    private static func isVowel(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"), UInt8(ascii: "y"): true
        default: false
        }
    }
}
