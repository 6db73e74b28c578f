/// A tolerant HTML tokenizer working on UTF-8 bytes in a single forward pass.
///
/// Comments, doctypes, processing instructions and CDATA sections are skipped. The content of raw-text
/// elements (`script`, `style`, `title`, …) is returned as one text token, whatever it looks like.
struct HTMLTokenizer: IteratorProtocol {
    /// Elements whose content is text up to the matching end tag, never markup.
    private static let rawTextElements: Set<String> = [
        "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
    ]
    /// Raw-text elements whose content still has character references.
    private static let escapableRawTextElements: Set<String> = ["textarea", "title"]

    private let bytes: [UInt8]
    private var position = 0
    /// Set right after the start tag of a raw-text element.
    private var openRawTextElement: String?

    init(_ html: String) {
        bytes = Array(html.utf8)
    }

    mutating func next() -> HTMLToken? {
        if let element = openRawTextElement {
            openRawTextElement = nil
            if let token = rawText(closedBy: element) { return token }
        }
        while position < bytes.count {
            guard bytes[position] == HTMLByte.lessThan else { return text() }
            let following = byte(at: position + 1)
            if HTMLByte.isLetter(following) {
                return startTag()
            } else if following == HTMLByte.slash, HTMLByte.isLetter(byte(at: position + 2)) {
                return endTag()
            } else if following == HTMLByte.exclamationMark {
                skipDeclarationOrComment()
            } else if following == HTMLByte.questionMark || following == HTMLByte.slash {
                skipPast(HTMLByte.greaterThan)
            } else {
                return text()
            }
        }
        return nil
    }

    // MARK: - Tokens

    /// Text up to the next `<` (a `<` at the current position is literal text).
    private mutating func text() -> HTMLToken {
        let start = position
        position += 1
        while position < bytes.count, bytes[position] != HTMLByte.lessThan { position += 1 }
        return .text(HTMLCharacterReferences.decode(bytes[start..<position], inAttribute: false))
    }

    private mutating func startTag() -> HTMLToken {
        position += 1
        let name = tagName()
        var attributes: [HTMLAttribute] = []
        var selfClosing = false
        while position < bytes.count {
            let current = bytes[position]
            if HTMLByte.isWhitespace(current) {
                position += 1
            } else if current == HTMLByte.greaterThan {
                position += 1
                break
            } else if current == HTMLByte.slash {
                position += 1
                if byte(at: position) == HTMLByte.greaterThan {
                    selfClosing = true
                    position += 1
                    break
                }
            } else {
                let attribute = self.attribute()
                if !attributes.contains(where: { $0.name == attribute.name }) { attributes.append(attribute) }
            }
        }
        if Self.rawTextElements.contains(name) { openRawTextElement = name }
        return .startTag(name: name, attributes: attributes, selfClosing: selfClosing)
    }

    private mutating func endTag() -> HTMLToken {
        position += 2
        let name = tagName()
        skipPast(HTMLByte.greaterThan)
        return .endTag(name: name)
    }

    /// The text of a raw-text element, up to (not including) its end tag; nil when empty.
    private mutating func rawText(closedBy element: String) -> HTMLToken? {
        let start = position
        let end = endTagPosition(of: element) ?? bytes.count
        position = end
        guard end > start else { return nil }
        let content = bytes[start..<end]
        if Self.escapableRawTextElements.contains(element) {
            return .text(HTMLCharacterReferences.decode(content, inAttribute: false))
        }
        return .text(String(decoding: content, as: UTF8.self))
    }

    // MARK: - Pieces of tags

    /// A lowercased tag name; stops at whitespace, `/` or `>`.
    private mutating func tagName() -> String {
        let start = position
        while position < bytes.count {
            let current = bytes[position]
            if HTMLByte.isWhitespace(current) || current == HTMLByte.slash || current == HTMLByte.greaterThan { break }
            position += 1
        }
        return Self.lowercased(bytes[start..<position])
    }

    private mutating func attribute() -> HTMLAttribute {
        let nameStart = position
        position += 1  // the first character may be anything, even `=`
        while position < bytes.count {
            let current = bytes[position]
            if HTMLByte.isWhitespace(current) || current == HTMLByte.slash || current == HTMLByte.greaterThan || current == HTMLByte.equals
            {
                break
            }
            position += 1
        }
        let name = Self.lowercased(bytes[nameStart..<position])
        skipWhitespace()
        guard byte(at: position) == HTMLByte.equals else { return HTMLAttribute(name: name, value: "") }
        position += 1
        skipWhitespace()
        let valueRange: Range<Int>
        let quote = byte(at: position)
        if quote == HTMLByte.doubleQuote || quote == HTMLByte.singleQuote {
            let valueStart = position + 1
            position = valueStart
            while position < bytes.count, bytes[position] != quote { position += 1 }
            valueRange = valueStart..<position
            position = min(position + 1, bytes.count)
        } else {
            let valueStart = position
            while position < bytes.count, !HTMLByte.isWhitespace(bytes[position]), bytes[position] != HTMLByte.greaterThan { position += 1 }
            valueRange = valueStart..<position
        }
        return HTMLAttribute(name: name, value: HTMLCharacterReferences.decode(bytes[valueRange], inAttribute: true))
    }

    // MARK: - Skipping

    /// Skips `<!-- … -->`, `<![CDATA[ … ]]>` and `<!DOCTYPE …>`-like declarations.
    private mutating func skipDeclarationOrComment() {
        if hasPrefix("<!--", at: position) {
            position += 4
            if byte(at: position) == HTMLByte.greaterThan {
                position += 1
            } else if hasPrefix("->", at: position) {
                position += 2
            } else {
                skipPast("-->")
            }
        } else if hasPrefix("<![CDATA[", at: position) {
            position += 9
            skipPast("]]>")
        } else {
            skipPast(HTMLByte.greaterThan)
        }
    }

    private mutating func skipPast(_ terminator: UInt8) {
        while position < bytes.count, bytes[position] != terminator { position += 1 }
        position = min(position + 1, bytes.count)
    }

    private mutating func skipPast(_ terminator: StaticString) {
        let first = terminator.utf8Start.pointee
        while position < bytes.count {
            if bytes[position] == first, hasPrefix(terminator, at: position) {
                position += terminator.utf8CodeUnitCount
                return
            }
            position += 1
        }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, HTMLByte.isWhitespace(bytes[position]) { position += 1 }
    }

    // MARK: - Byte helpers

    /// Where `</element` followed by whitespace, `/`, `>` or the end of input starts, searching from the current position.
    private func endTagPosition(of element: String) -> Int? {
        let name = Array(element.utf8)
        var index = position
        while index + 1 < bytes.count {
            if bytes[index] == HTMLByte.lessThan, bytes[index + 1] == HTMLByte.slash, matchesCaseInsensitively(name, at: index + 2) {
                let after = byte(at: index + 2 + name.count)
                if after == 0 || HTMLByte.isWhitespace(after) || after == HTMLByte.slash || after == HTMLByte.greaterThan { return index }
            }
            index += 1
        }
        return nil
    }

    /// Whether the ASCII-lowercase `name` is at `index`, in any case.
    private func matchesCaseInsensitively(_ name: [UInt8], at index: Int) -> Bool {
        guard index + name.count <= bytes.count else { return false }
        for offset in name.indices where bytes[index + offset] | 0x20 != name[offset] { return false }
        return true
    }

    private func hasPrefix(_ prefix: StaticString, at index: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = prefix.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        return true
    }

    /// The byte at `index`, or 0 past the end.
    private func byte(at index: Int) -> UInt8 {
        index < bytes.count ? bytes[index] : 0
    }

    private static func lowercased(_ name: ArraySlice<UInt8>) -> String {
        guard name.contains(where: HTMLByte.isUppercase) else { return String(decoding: name, as: UTF8.self) }
        return String(decoding: name.map { HTMLByte.isUppercase($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
