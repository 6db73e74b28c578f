/// Accumulates one paragraph of inline Markdown, collapsing whitespace the way a browser renders HTML text.
///
/// Whitespace is never stored at the start or end: it is remembered in `hasLeadingSpace` and `hasTrailingSpace`, so
/// that wrapping the content (`**…**`, `[…](…)`) keeps the spaces outside the markup.
struct MarkdownInlineBuffer {
    private var bytes: [UInt8] = []
    private(set) var hasLeadingSpace = false
    private var pendingSpace = false
    /// The last code span, while nothing follows it: an adjacent one is merged into it instead of touching it.
    private var trailingCodeSpan: (code: String, start: Int, end: Int)?

    /// Whitespace seen after the last content.
    var hasTrailingSpace: Bool { pendingSpace }

    /// The Markdown, without leading or trailing whitespace.
    var content: String {
        var end = bytes.count
        while end > 0, bytes[end - 1] == HTMLByte.newline { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Appends text, collapsing runs of whitespace (no-break spaces included) into one space and leaving out characters
    /// that are invisible or icon-font glyphs: zero-width space, byte order mark, soft hyphen, the private use area.
    mutating func appendText(_ text: String) {
        var utf8 = text
        utf8.withUTF8 { appendText(utf8: $0) }
    }

    private mutating func appendText(utf8 text: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index < text.count {
            let byte = text[index]
            let next = index + 1 < text.count ? text[index + 1] : 0
            let third = index + 2 < text.count ? text[index + 2] : 0
            if HTMLByte.isWhitespace(byte) {
                markSpace()
                index += 1
            } else if byte == 0xC2, next == 0xA0 || next == 0xAD {  // no-break space, soft hyphen
                if next == 0xA0 { markSpace() }
                index += 2
            } else if (byte == 0xE2 && next == 0x80 && third == 0x8B) || (byte == 0xEF && next == 0xBB && third == 0xBF)
                || byte == 0xEE || (byte == 0xEF && next < 0xA4)
            {  // zero-width space, byte order mark, U+E000…U+F8FF
                index += 3
            } else {
                flushSpace()
                bytes.append(byte)
                index += 1
            }
        }
    }

    /// Appends Markdown syntax or already rendered Markdown as is.
    mutating func appendMarkup(_ markup: String) {
        guard !markup.isEmpty else { return }
        flushSpace()
        bytes.append(contentsOf: markup.utf8)
    }

    /// Appends the content of `inner` transformed by `wrap`, keeping `inner`'s surrounding whitespace outside.
    mutating func appendWrapped(_ inner: MarkdownInlineBuffer, _ wrap: (String) -> String) {
        let content = inner.content
        if inner.hasLeadingSpace || (content.isEmpty && inner.hasTrailingSpace) { markSpace() }
        guard !content.isEmpty else { return }
        appendMarkup(wrap(content))
        if inner.hasTrailingSpace { markSpace() }
    }

    /// Appends `inner`'s content as inline code, merged with a code span right before it (Sphinx writes `Field.` and
    /// `null` as two `code` elements; "`Field.``null`" would be one span containing two backticks).
    mutating func appendCodeSpan(_ inner: MarkdownInlineBuffer) {
        var code = inner.content
        if inner.hasLeadingSpace || (code.isEmpty && inner.hasTrailingSpace) { markSpace() }
        guard !code.isEmpty else { return }
        if let previous = trailingCodeSpan, previous.end == bytes.count, !pendingSpace {
            bytes.removeSubrange(previous.start...)
            code = previous.code + code
        }
        flushSpace()
        let start = bytes.count
        bytes.append(contentsOf: Self.codeSpan(code).utf8)
        trailingCodeSpan = (code, start, bytes.count)
        if inner.hasTrailingSpace { markSpace() }
    }

    mutating func appendSpace() {
        markSpace()
    }

    /// A hard line break; never at the start, never more than one empty line.
    mutating func appendLineBreak() {
        pendingSpace = false
        guard !bytes.isEmpty,
            !(bytes.count >= 2 && bytes[bytes.count - 1] == HTMLByte.newline && bytes[bytes.count - 2] == HTMLByte.newline)
        else { return }
        bytes.append(HTMLByte.newline)
    }

    private mutating func markSpace() {
        if bytes.isEmpty {
            hasLeadingSpace = true
        } else if bytes[bytes.count - 1] != HTMLByte.newline {
            pendingSpace = true
        }
    }

    private mutating func flushSpace() {
        if pendingSpace { bytes.append(HTMLByte.space) }
        pendingSpace = false
    }

    /// Inline code delimited by more backticks than it contains in a row, padded when it starts or ends with one.
    private static func codeSpan(_ code: String) -> String {
        let fence = String(repeating: "`", count: longestBacktickRun(in: code) + 1)
        let padding = code.hasPrefix("`") || code.hasSuffix("`") ? " " : ""
        return fence + padding + code + padding + fence
    }

    static func longestBacktickRun(in text: String) -> Int {
        var longest = 0
        var current = 0
        for byte in text.utf8 {
            current = byte == UInt8(ascii: "`") ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}
