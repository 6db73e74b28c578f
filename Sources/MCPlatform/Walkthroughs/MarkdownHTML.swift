import Foundation

/// A small, safe Markdown to HTML renderer for the dashboard's previews of walkthrough steps:
/// ATX headings, paragraphs, fenced code blocks, block quotes, lists, inline code, strong and
/// emphasis, and links. Every character of the input is HTML-escaped; the only markup in the
/// output is the tags this type writes, each closed where it is opened. Raw HTML shows as
/// text, and a link becomes `<a>` only for `http:`, `https:` and `mailto:` (any other link
/// is left as the Markdown that was written).
enum MarkdownHTML {
    /// Input beyond this many UTF-8 bytes is not rendered (the preview endpoint's limit).
    static let maximumBytes = 64 << 10
    /// How deep block quotes and lists nest before their content is shown as text.
    static let maximumDepth = 8

    /// The HTML of `markdown`.
    static func render(_ markdown: String) -> String {
        blocks(markdown.replacingOccurrences(of: "\r\n", with: "\n"), depth: 0)
    }

    // MARK: Blocks

    private static func blocks(_ markdown: String, depth: Int) -> String {
        guard depth < maximumDepth else { return paragraph([Substring(markdown)]) }
        let lines = MarkdownLine.lines(of: markdown)
        var html = ""
        var text: [Substring] = []
        func closeParagraph() {
            if !text.isEmpty { html += paragraph(text) }
            text = []
        }
        var index = 0
        while index < lines.count {
            let line = lines[index].line
            let trimmed = line.drop { $0 == " " }
            let indented = line.count - trimmed.count >= 4
            if case .fence = lines[index] {
                closeParagraph()
                html += codeBlock(lines, from: &index)
                continue
            }
            if trimmed.isEmpty {
                closeParagraph()
            } else if !indented, let (level, heading) = DocumentParser.atxHeading(trimmed) {
                closeParagraph()
                html += "<h\(level)>\(inline(withoutClosingHashes(heading)))</h\(level)>\n"
            } else if !indented, isThematicBreak(trimmed) {
                closeParagraph()
                html += "<hr>\n"
            } else if quoteContent(line) != nil {
                closeParagraph()
                var quoted: [Substring] = []
                while index < lines.count, case .text(let next) = lines[index], let rest = quoteContent(next) {
                    quoted.append(rest)
                    index += 1
                }
                html += "<blockquote>\n\(blocks(quoted.joined(separator: "\n"), depth: depth + 1))</blockquote>\n"
                continue
            } else if let marker = ListMarker(trimmed, indent: line.count - trimmed.count) {
                closeParagraph()
                html += list(lines, from: &index, first: marker, depth: depth)
                continue
            } else {
                // Indented code is not supported: such lines are text.
                text.append(trimmed)
            }
            index += 1
        }
        closeParagraph()
        return html
    }

    /// A heading's text without its closing sequence (`## Title ##`).
    private static func withoutClosingHashes(_ heading: String) -> Substring {
        let text = Substring(heading)
        let hashes = text.reversed().prefix { $0 == "#" }.count
        guard hashes > 0, hashes < text.count, text.dropLast(hashes).last == " " else { return text }
        return Substring(text.dropLast(hashes).trimmingCharacters(in: .whitespaces))
    }

    /// `---`, `***` or `___` (three or more, spaces allowed).
    private static func isThematicBreak(_ trimmed: Substring) -> Bool {
        let marks = trimmed.filter { $0 != " " }
        return marks.count >= 3 && "-*_".contains(marks.first!) && marks.allSatisfy { $0 == marks.first }
    }

    private static func paragraph(_ lines: [Substring]) -> String {
        "<p>\(inline(Substring(lines.joined(separator: "\n"))))</p>\n"
    }

    /// The fence at `index` and its code, up to and past the closing fence.
    private static func codeBlock(_ lines: [MarkdownLine], from index: inout Int) -> String {
        let fence = lines[index].line
        let indent = fence.count - fence.drop { $0 == " " }.count
        let info = fence.drop { $0 == " " || $0 == "`" || $0 == "~" }.prefix { !$0.isWhitespace }
        let language = String(info.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "+-_.#".contains($0)) }.prefix(30))
        index += 1
        var code: [Substring] = []
        while index < lines.count, case .code(let line) = lines[index] {
            code.append(line.dropFirst(min(indent, line.prefix { $0 == " " }.count)))
            index += 1
        }
        if index < lines.count, case .fence = lines[index] {
            index += 1
        } else {
            // Unclosed: the fence runs to the end of the text, whose last newline is not code.
            while code.last?.isEmpty == true { code.removeLast() }
        }
        let attribute = language.isEmpty ? "" : " class=\"language-\(escape(language))\""
        return "<pre><code\(attribute)>\(escape(code.joined(separator: "\n")))</code></pre>\n"
    }

    /// A line of a block quote without its `>`, or nil.
    private static func quoteContent(_ line: Substring) -> Substring? {
        let trimmed = line.drop { $0 == " " }
        guard line.count - trimmed.count < 4, trimmed.first == ">" else { return nil }
        let rest = trimmed.dropFirst()
        return rest.first == " " ? rest.dropFirst() : rest
    }

    /// A list item's marker: `-`, `*`, `+`, or a number followed by `.` or `)`.
    private struct ListMarker {
        let ordered: Bool
        /// `-`, `*`, `+`, `.` or `)`: another one starts another list.
        let delimiter: Character
        let start: Int
        /// The column where the item's content starts; its other lines are indented as far.
        let contentIndent: Int
        let content: Substring

        init?(_ trimmed: Substring, indent: Int) {
            guard indent < 4 else { return nil }
            let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
            let markerLength: Int
            if digits.isEmpty {
                guard let first = trimmed.first, "-*+".contains(first) else { return nil }
                markerLength = 1
                ordered = false
                delimiter = first
                start = 1
            } else {
                guard digits.count <= 9, let next = trimmed.dropFirst(digits.count).first, next == "." || next == ")" else { return nil }
                markerLength = digits.count + 1
                ordered = true
                delimiter = next
                start = Int(digits) ?? 1
            }
            let rest = trimmed.dropFirst(markerLength)
            guard rest.isEmpty || rest.first == " " else { return nil }
            guard ordered || !MarkdownHTML.isThematicBreak(trimmed) else { return nil }
            let spaces = min(max(rest.prefix { $0 == " " }.count, 1), 4)
            content = rest.dropFirst(spaces)
            contentIndent = indent + markerLength + spaces
        }

        func sameList(as other: ListMarker) -> Bool { delimiter == other.delimiter }
    }

    /// The list starting at `index`: its items, each rendered as blocks of its own (so that
    /// items hold paragraphs, code and nested lists).
    private static func list(_ lines: [MarkdownLine], from index: inout Int, first: ListMarker, depth: Int) -> String {
        var items: [[Substring]] = []
        var marker: ListMarker? = first
        var loose = false
        while let current = marker {
            var item = [current.content]
            marker = nil
            index += 1
            var blank = false
            while index < lines.count {
                let line = lines[index].line
                let trimmed = line.drop { $0 == " " }
                let indent = line.count - trimmed.count
                if trimmed.isEmpty {
                    blank = true
                    item.append("")
                    index += 1
                    continue
                }
                if indent >= current.contentIndent {
                    if blank { loose = true }
                    item.append(line.dropFirst(current.contentIndent))
                    blank = false
                    index += 1
                    if case .fence = lines[index - 1] { item += fenced(lines, from: &index, indent: current.contentIndent) }
                    continue
                }
                if case .text = lines[index], let next = ListMarker(trimmed, indent: indent) {
                    if next.sameList(as: first) {
                        marker = next
                        loose = loose || blank
                    }
                    break
                }
                // A lazy continuation of the item's paragraph.
                if !blank, case .text = lines[index], !startsBlock(trimmed) {
                    item.append(trimmed)
                    index += 1
                    continue
                }
                break
            }
            while item.last?.isEmpty == true { item.removeLast() }
            items.append(item)
        }
        let tag = first.ordered ? "ol" : "ul"
        let start = first.ordered && first.start != 1 ? " start=\"\(first.start)\"" : ""
        var html = "<\(tag)\(start)>\n"
        for item in items {
            var content = blocks(item.joined(separator: "\n"), depth: depth + 1)
            if !loose, content.hasPrefix("<p>"), let end = content.range(of: "</p>\n") {
                content =
                    String(content[content.index(content.startIndex, offsetBy: 3)..<end.lowerBound]) + "\n"
                    + content[end.upperBound...]
            }
            html += "<li>\(content.hasSuffix("\n") ? String(content.dropLast()) : content)</li>\n"
        }
        return html + "</\(tag)>\n"
    }

    /// The code lines of a fence opened inside a list item, and its closing fence.
    private static func fenced(_ lines: [MarkdownLine], from index: inout Int, indent: Int) -> [Substring] {
        var code: [Substring] = []
        while index < lines.count {
            let line = lines[index].line
            let dedented = line.dropFirst(min(indent, line.prefix { $0 == " " }.count))
            switch lines[index] {
            case .code:
                code.append(dedented)
                index += 1
            case .fence:
                code.append(dedented)
                index += 1
                return code
            case .text:
                return code
            }
        }
        return code
    }

    /// Whether a line starts a block of its own (and so cannot continue a paragraph).
    private static func startsBlock(_ trimmed: Substring) -> Bool {
        DocumentParser.atxHeading(trimmed) != nil || trimmed.first == ">" || DocumentParser.fenceMarker(trimmed) != nil
            || ListMarker(trimmed, indent: 0) != nil
    }

    // MARK: Inline

    /// Code spans, strong and emphasis, links and autolinks; everything else escaped.
    static func inline(_ text: Substring) -> String {
        var renderer = InlineRenderer(text, links: true, depth: 0)
        return renderer.render()
    }

    /// Renders one paragraph's text. Matching backticks and brackets are found in one pass
    /// up front, and a search for a closing `*` or `_` that failed is not repeated, so that
    /// no input makes rendering quadratic.
    private struct InlineRenderer {
        static let maximumDepth = 16
        static let maximumURLLength = 2048

        let characters: [Character]
        /// Whether links are made (not inside a link's text).
        let links: Bool
        let depth: Int
        /// The backtick run starting at an index → the start of the next run as long.
        private let closingTicks: [Int: Int]
        /// An `[` → its matching `]`.
        private let closingBrackets: [Int: Int]
        /// For each emphasis marker and width, a position from which no closer was found.
        private var unclosedFrom: [String: Int] = [:]
        /// Where failed searches for a link's `)` and an autolink's `>` stopped.
        private var unclosedParenthesisUntil = 0
        private var unclosedAngleUntil = 0

        init(_ text: Substring, links: Bool, depth: Int) {
            characters = Array(text)
            self.links = links
            self.depth = depth
            var ticks: [Int: Int] = [:]
            var lastRun: [Int: Int] = [:]
            var brackets: [Int: Int] = [:]
            var open: [Int] = []
            var index = characters.count - 1
            while index >= 0 {
                if characters[index] == "`" {
                    var start = index
                    while start > 0, characters[start - 1] == "`" { start -= 1 }
                    let length = index - start + 1
                    ticks[start] = lastRun[length]
                    lastRun[length] = start
                    index = start - 1
                    continue
                }
                index -= 1
            }
            for (index, character) in characters.enumerated() {
                if character == "[" { open.append(index) }
                if character == "]", let start = open.popLast() { brackets[start] = index }
            }
            closingTicks = ticks
            closingBrackets = brackets
        }

        mutating func render() -> String {
            guard depth < Self.maximumDepth else { return escape(String(characters)) }
            var html = ""
            var index = 0
            while index < characters.count {
                let character = characters[index]
                switch character {
                case "\\"
                where index + 1 < characters.count && characters[index + 1].isASCII
                    && (characters[index + 1].isPunctuation || characters[index + 1].isSymbol):
                    html += escape(String(characters[index + 1]))
                    index += 2
                case "`":
                    html += codeSpan(at: &index)
                case "*", "_":
                    html += emphasis(at: &index)
                case "[" where links:
                    html += link(at: &index)
                case "<" where links:
                    html += autolink(at: &index)
                default:
                    html += escape(String(character))
                    index += 1
                }
            }
            return html
        }

        private func nested(_ range: Range<Int>, links: Bool) -> String {
            var renderer = InlineRenderer(Substring(String(characters[range])), links: links, depth: depth + 1)
            return renderer.render()
        }

        private func codeSpan(at index: inout Int) -> String {
            let run = characters[index...].prefix { $0 == "`" }.count
            guard let close = closingTicks[index] else {
                index += run
                return String(repeating: "`", count: run)
            }
            var code = String(characters[(index + run)..<close]).replacingOccurrences(of: "\n", with: " ")
            if code.count > 2, code.first == " ", code.last == " " { code = String(code.dropFirst().dropLast()) }
            index = close + run
            return "<code>\(escape(code))</code>"
        }

        /// `**strong**`, `__strong__`, `*em*`, `_em_`; an unmatched marker is text.
        private mutating func emphasis(at index: inout Int) -> String {
            let marker = characters[index]
            let run = characters[index...].prefix { $0 == marker }.count
            let width = run >= 2 ? 2 : 1
            let opensWord = index + width < characters.count && !characters[index + width].isWhitespace
            let insideWord = marker == "_" && index > 0 && (characters[index - 1].isLetter || characters[index - 1].isNumber)
            if opensWord, !insideWord, let close = closingDelimiter(marker: marker, width: width, from: index + width) {
                let inner = nested((index + width)..<close, links: links)
                index = close + width
                return width == 2 ? "<strong>\(inner)</strong>" : "<em>\(inner)</em>"
            }
            index += run
            return escape(String(repeating: marker, count: run))
        }

        private mutating func closingDelimiter(marker: Character, width: Int, from start: Int) -> Int? {
            let key = "\(marker)\(width)"
            if let unclosed = unclosedFrom[key], start >= unclosed { return nil }
            var position = start + 1
            while position + width <= characters.count {
                if characters[position] == "`" {
                    // Markers inside a code span do not close.
                    let run = characters[position...].prefix { $0 == "`" }.count
                    position = closingTicks[position].map { $0 + run } ?? position + run
                    continue
                }
                let run = characters[position...].prefix { $0 == marker }.count
                if run >= width, !characters[position - 1].isWhitespace {
                    let after = position + width
                    let endsWord = marker != "_" || after >= characters.count || !(characters[after].isLetter || characters[after].isNumber)
                    // `***both***`: the strong closes on the last two, around an emphasis.
                    if endsWord, width == 2 { return position + run - 2 }
                    if endsWord, run == 1 { return position }
                }
                position += max(run, 1)
            }
            unclosedFrom[key] = min(start, unclosedFrom[key] ?? start)
            return nil
        }

        /// `[text](url "title")`: a link for http, https and mailto URLs; otherwise the text as written.
        private mutating func link(at index: inout Int) -> String {
            guard let close = closingBrackets[index], close + 1 < characters.count, characters[close + 1] == "(",
                let end = Self.find(")", in: characters, from: close + 2, scanned: &unclosedParenthesisUntil)
            else {
                index += 1
                return "["
            }
            let target = String(characters[(close + 2)..<end]).trimmingCharacters(in: .whitespaces)
            let url = String(target.prefix { !$0.isWhitespace })
            let start = index
            index = end + 1
            guard isSafeURL(url) else { return escape(String(characters[start...end])) }
            return "<a href=\"\(escape(url))\" rel=\"noopener noreferrer\">\(nested((start + 1)..<close, links: false))</a>"
        }

        /// `<https://example.com>`: a link; any other `<` is text.
        private mutating func autolink(at index: inout Int) -> String {
            if let end = Self.find(">", in: characters, from: index + 1, scanned: &unclosedAngleUntil, stopAtWhitespace: true) {
                let url = String(characters[(index + 1)..<end])
                if isSafeURL(url) {
                    index = end + 1
                    return "<a href=\"\(escape(url))\" rel=\"noopener noreferrer\">\(escape(url))</a>"
                }
            }
            index += 1
            return "&lt;"
        }

        /// The first `character` from `start` within ``maximumURLLength``. `scanned` remembers
        /// where a failed search stopped: a later search starting before it fails too.
        private static func find(
            _ character: Character, in characters: [Character], from start: Int, scanned: inout Int, stopAtWhitespace: Bool = false
        ) -> Int? {
            guard start >= scanned else { return nil }
            var position = start
            while position < min(characters.count, start + Self.maximumURLLength) {
                if characters[position] == character { return position }
                if stopAtWhitespace, characters[position].isWhitespace { break }
                position += 1
            }
            scanned = position
            return nil
        }
    }

    /// Whether `url` may be a link's target: http, https or mailto, without control characters.
    static func isSafeURL(_ url: String) -> Bool {
        let lowercased = url.lowercased()
        guard let scheme = ["http://", "https://", "mailto:"].first(where: { lowercased.hasPrefix($0) }), url.count > scheme.count else {
            return false
        }
        return !url.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }
    }

    /// What each of `&`, `<`, `>`, `"` and `'` is written as.
    private static let entities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]

    /// `text` with `&`, `<`, `>`, `"` and `'` escaped, safe in element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let entity = entities[scalar] { escaped.append(contentsOf: entity.unicodeScalars) } else { escaped.append(scalar) }
        }
        return String(escaped)
    }
}
