import Foundation
import Yams

/// A documentation page parsed into its title and heading sections.
public struct ParsedDocument: Sendable, Equatable {
    public var title: String
    /// The page as Markdown (JSX, frontmatter and HTML comments removed), for `read_page`.
    public var markdown: String
    public var sections: [DocumentSection]
}

/// The text under one heading, up to the next heading of any level.
public struct DocumentSection: Sendable, Equatable {
    /// Headings from the page's top down to this section's own (empty for text before the first heading).
    public var headingPath: [String]
    /// The `#fragment` of the heading.
    public var anchor: String?
    /// Markdown of the section, its heading line excluded.
    public var markdown: String
    /// UTF-16 offset of the section (its heading line) in ``ParsedDocument/markdown``.
    public var offset: Int
}

/// The formats a page can be written in.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case markdown, mdx, restructuredText, plainText, html

    /// The format of a file, by extension; nil for files that are not documentation.
    public init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "md", "markdown", "mdown", "mkd": self = .markdown
        case "mdx": self = .mdx
        case "rst", "rest": self = .restructuredText
        case "txt", "text": self = .plainText
        case "html", "htm", "xhtml": self = .html
        default: return nil
        }
    }
}

/// Parses pages of every ``DocumentFormat`` into sections.
public enum DocumentParser {
    /// Parses `text`. `fallbackTitle` (usually from the file name) is used when the page names none.
    public static func parse(_ text: String, format: DocumentFormat, fallbackTitle: String) -> ParsedDocument {
        switch format {
        case .markdown, .mdx:
            var (frontmatter, body) = splitFrontmatter(text)
            if format == .mdx { body = stripJSX(body) }
            var document = parseMarkdown(stripHTMLComments(body), fallbackTitle: fallbackTitle)
            if let title = frontmatter["title"], !title.isEmpty { document.title = title }
            if let description = frontmatter["description"], !description.isEmpty, document.sections.first?.headingPath.isEmpty ?? false {
                document.sections[0].markdown = description + "\n\n" + document.sections[0].markdown
            }
            return document
        case .restructuredText:
            return parseMarkdown(restructuredTextToMarkdown(text), fallbackTitle: fallbackTitle)
        case .plainText:
            return parseMarkdown(text, fallbackTitle: fallbackTitle, headings: false)
        case .html:
            let extracted = HTMLExtractor.extract(text)
            var document = parseMarkdown(extracted.markdown, fallbackTitle: extracted.title ?? fallbackTitle)
            if let title = extracted.title, !title.isEmpty { document.title = title }
            // The HTML's own ids are the real anchors. Headings come in document order, but some
            // (in tables or lists) are not Markdown headings: match by text, moving forward.
            var cursor = extracted.headings.startIndex
            for index in document.sections.indices {
                guard let text = document.sections[index].headingPath.last,
                    let match = extracted.headings[cursor...].firstIndex(where: { $0.text == text })
                else { continue }
                if let anchor = extracted.headings[match].anchor { document.sections[index].anchor = anchor }
                cursor = extracted.headings.index(after: match)
            }
            return document
        }
    }

    // MARK: Markdown

    /// Splits Markdown at ATX (`## Title`) and setext headings, outside fenced code blocks.
    static func parseMarkdown(_ text: String, fallbackTitle: String, headings: Bool = true) -> ParsedDocument {
        let lines = MarkdownLine.lines(of: text.replacingOccurrences(of: "\r\n", with: "\n"))
        var sections: [DocumentSection] = [DocumentSection(headingPath: [], anchor: nil, markdown: "", offset: 0)]
        var stack: [(level: Int, text: String)] = []
        var slugs = AnchorSlugger()
        var body: [Substring] = []
        var markdown = ""
        var title: String?

        func closeSection() {
            sections[sections.count - 1].markdown = body.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            body.removeAll(keepingCapacity: true)
        }
        func open(level: Int, heading rawHeading: String) {
            closeSection()
            var (heading, anchor) = customAnchor(rawHeading.trimmingCharacters(in: .whitespaces))
            heading = withoutClosingHashes(heading)
            if level == 1, title == nil { title = plainText(heading) }
            while let last = stack.last, last.level >= level { stack.removeLast() }
            stack.append((level, plainText(heading)))
            sections.append(
                DocumentSection(
                    headingPath: stack.map(\.text), anchor: anchor ?? slugs.slug(heading), markdown: "", offset: markdown.utf16.count)
            )
            markdown += String(repeating: "#", count: level) + " " + heading + "\n"
        }

        var index = 0
        while index < lines.count {
            let line = lines[index].line
            let trimmed = line.drop(while: { $0 == " " })
            if case .text = lines[index], headings, let (level, heading) = atxHeading(trimmed), line.prefix(while: { $0 == " " }).count < 4
            {
                open(level: level, heading: heading)
            } else if case .text = lines[index], headings, index + 1 < lines.count, !trimmed.isEmpty,
                case .text(let next) = lines[index + 1], let level = setextLevel(next),
                !line.hasPrefix("    "), body.last?.allSatisfy(\.isWhitespace) ?? true
            {
                open(level: level, heading: String(line))
                index += 1
            } else {
                body.append(line)
                markdown += line + "\n"
            }
            index += 1
        }
        closeSection()
        if sections[0].markdown.isEmpty, sections.count > 1 { sections.removeFirst() }
        // Offsets count from the text as returned, without the leading whitespace trimmed off.
        let leading = markdown.unicodeScalars.prefix { CharacterSet.whitespacesAndNewlines.contains($0) }
        let trimmedUTF16 = leading.reduce(0) { $0 + UTF16.width($1) }
        for index in sections.indices { sections[index].offset = max(0, sections[index].offset - trimmedUTF16) }
        return ParsedDocument(
            title: title ?? fallbackTitle,
            markdown: markdown.trimmingCharacters(in: .whitespacesAndNewlines),
            sections: sections
        )
    }

    /// `Title {#id}` → (`Title`, `id`); (`heading`, nil) without such an id.
    private static func customAnchor(_ heading: String) -> (String, String?) {
        guard heading.hasSuffix("}"), let open = heading.range(of: "{#", options: .backwards) else { return (heading, nil) }
        let id = heading[open.upperBound..<heading.index(before: heading.endIndex)]
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_:.-".contains($0)) }) else {
            return (heading, nil)
        }
        return (String(heading[..<open.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)), String(id))
    }

    /// `Title ##` → `Title`: a closing run of `#` after whitespace, and that whitespace, removed.
    private static func withoutClosingHashes(_ heading: String) -> String {
        let hashes = heading.reversed().prefix { $0 == "#" }.count
        let rest = heading.dropLast(hashes)
        guard hashes > 0, rest.last?.isWhitespace == true else { return heading }
        return String(rest.reversed().drop(while: \.isWhitespace).reversed())
    }

    /// "```swift" → "```"; nil when the line opens no fence.
    static func fenceMarker(_ line: Substring) -> Substring? {
        for character: Character in ["`", "~"] {
            let run = line.prefix(while: { $0 == character })
            if run.count >= 3, character == "~" || !line.dropFirst(run.count).contains("`") { return run }
        }
        return nil
    }

    static func atxHeading(_ line: Substring) -> (Int, String)? {
        let hashes = line.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        let text = rest.trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : (hashes, text)
    }

    private static func setextLevel(_ line: Substring) -> Int? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 3 else { return nil }
        if trimmed.allSatisfy({ $0 == "=" }) { return 1 }
        if trimmed.allSatisfy({ $0 == "-" }) { return 2 }
        return nil
    }

    /// Heading text without Markdown emphasis, code ticks or link syntax.
    static func plainText(_ markdown: String) -> String {
        MarkdownLinkText.replacingLinks(in: markdown, target: .anything)
            .replacingOccurrences(of: #"[`*_]+"#, with: "", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
    }

    // MARK: Frontmatter, MDX, comments

    /// YAML frontmatter (`---` … `---` at the very top) as strings, and the rest of the text.
    static func splitFrontmatter(_ text: String) -> ([String: String], String) {
        guard text.hasPrefix("---\n") || text.hasPrefix("---\r\n"),
            let end = text.range(
                of: #"\r?\n---[ \t]*(\r?\n|$)"#, options: .regularExpression,
                range: text.index(text.startIndex, offsetBy: 3)..<text.endIndex)
        else { return ([:], text) }
        // `---\n---`: the closing line may start right at the opening line's line break.
        let yamlStart = text.index(text.startIndex, offsetBy: 4)
        let yaml = end.lowerBound > yamlStart ? String(text[yamlStart..<end.lowerBound]) : ""
        let rest = String(text[end.upperBound...])
        // Composed, not loaded: loading expands every alias into a copy, so a few KB of nested
        // aliases ("billion laughs") would build billions of values. Only scalars are read.
        guard yaml.utf8.count <= 64 * 1024, let mapping = (try? Yams.compose(yaml: yaml))?.mapping else { return ([:], rest) }
        var fields: [String: String] = [:]
        for (key, value) in mapping {
            guard let key = key.string, value.scalar != nil else { continue }
            switch value.any {
            case let string as String: fields[key] = string
            case let number as NSNumber: fields[key] = number.stringValue
            default: continue
            }
        }
        return (fields, rest)
    }

    /// Removes MDX-only syntax outside code fences: `import`/`export` lines, `{/* comments */}`,
    /// and JSX component tags (`<Tabs>`, `<TabItem value="x">`, `<Note/>`), keeping their inner text.
    static func stripJSX(_ text: String) -> String {
        MarkdownLine.lines(of: text).compactMap { line -> String? in
            guard case .text(let text) = line else { return String(line.line) }
            let trimmed = text.drop(while: { $0 == " " })
            if trimmed.hasPrefix("import ") || trimmed.hasPrefix("export ") { return nil }
            return removingDelimited(String(text), from: "{/*", to: "*/}")
                .replacingOccurrences(of: #"</?[A-Z][A-Za-z0-9.]*(\s[^<>]*)?/?>"#, with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    static func stripHTMLComments(_ text: String) -> String {
        removingDelimited(text, from: "<!--", to: "-->")
    }

    /// `text` without each span from `open` to the next `close` after it (both included).
    /// Linear: once no `close` follows an `open`, none follows a later one either.
    private static func removingDelimited(_ text: String, from open: String, to close: String) -> String {
        var result = ""
        var rest = text[...]
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            result += rest[..<start.lowerBound]
            rest = rest[end.upperBound...]
        }
        return result + rest
    }

    // MARK: reStructuredText

    /// Enough of reStructuredText for search: underlined (and overlined) section titles become
    /// Markdown headings, levels in order of first appearance; `::` literal blocks become fences.
    static func restructuredTextToMarkdown(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        var levels: [Character] = []
        var output: [String] = []
        var index = 0
        var literal = false
        func isAdornment(_ line: String) -> Character? {
            guard let first = line.first, line.count >= 3, "=-~^\"'`#*+:.".contains(first), line.allSatisfy({ $0 == first }) else {
                return nil
            }
            return first
        }
        while index < lines.count {
            let line = lines[index]
            if literal {
                if line.isEmpty || line.first == " " || line.first == "\t" {
                    if !(line.isEmpty && output.last == "```") { output.append(line) }
                    index += 1
                    continue
                }
                output.append("```")
                literal = false
            }
            if index + 1 < lines.count, !line.trimmingCharacters(in: .whitespaces).isEmpty, isAdornment(line) == nil,
                let character = isAdornment(lines[index + 1]), lines[index + 1].count >= line.trimmingCharacters(in: .whitespaces).count
            {
                if output.last.flatMap(isAdornment) == character { output.removeLast() }
                if !levels.contains(character) { levels.append(character) }
                let level = min((levels.firstIndex(of: character) ?? 0) + 1, 6)
                output.append(String(repeating: "#", count: level) + " " + line.trimmingCharacters(in: .whitespaces))
                index += 2
                continue
            }
            if line.hasSuffix("::"), !line.hasPrefix("..") {
                output.append(line.hasSuffix(" ::") || line == "::" ? String(line.dropLast(line == "::" ? 2 : 3)) : String(line.dropLast()))
                output.append("```")
                literal = true
                index += 1
                continue
            }
            output.append(line)
            index += 1
        }
        if literal { output.append("```") }
        return output.joined(separator: "\n")
    }
}

/// GitHub-style heading anchors: lowercase, spaces to `-`, punctuation dropped, duplicates numbered.
struct AnchorSlugger {
    private var seen: [String: Int] = [:]

    mutating func slug(_ heading: String) -> String {
        let plain = DocumentParser.plainText(heading).lowercased()
        var slug = ""
        for character in plain {
            if character.isLetter || character.isNumber || character == "_" || character == "-" {
                slug.append(character)
            } else if character == " " {
                slug.append("-")
            }
        }
        if slug.isEmpty { slug = "section" }
        let count = seen[slug, default: 0]
        seen[slug] = count + 1
        return count == 0 ? slug : "\(slug)-\(count)"
    }
}
