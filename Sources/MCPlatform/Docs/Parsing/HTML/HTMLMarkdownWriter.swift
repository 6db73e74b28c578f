import Foundation

/// Writes a subtree of an `HTMLDocument` as Markdown, skipping what the content filter drops, and collects the headings
/// it writes, in order.
final class HTMLMarkdownWriter {
    /// A rendered block; list blocks may follow a paragraph without a blank line inside a list item.
    private struct Block {
        var text: String
        var isList = false
    }

    private static let codeElements: Set<String> = ["code", "kbd", "samp", "tt"]
    /// Code block languages that mean "no particular language".
    private static let plainLanguages: Set<String> = ["default", "none", "text", "plain", "plaintext", "nohighlight"]
    /// How far above a `pre` its language class may be (Sphinx: `div.highlight-python > div.highlight > pre`).
    private static let languageSearchDepth = 3

    private let document: HTMLDocument
    private let filter: HTMLContentFilter
    private let metrics: HTMLNodeMetrics
    private let linkResolver: HTMLLinkResolver
    private(set) var headings: [ExtractedHeading] = []
    /// Emphasis markers currently open, so that nested `<b><strong>` does not double them.
    private var openEmphasis: Set<String> = []
    private var isInsideHeading = false

    init(document: HTMLDocument, filter: HTMLContentFilter, metrics: HTMLNodeMetrics, linkResolver: HTMLLinkResolver) {
        self.document = document
        self.filter = filter
        self.metrics = metrics
        self.linkResolver = linkResolver
    }

    /// The Markdown of everything inside `root`.
    func markdown(of root: Int) -> String {
        blocks(of: document[root].children).map(\.text).joined(separator: "\n\n")
    }

    // MARK: - Blocks

    private func blocks(of nodes: [Int]) -> [Block] {
        var blocks: [Block] = []
        var paragraph = MarkdownInlineBuffer()
        for index in nodes where !filter.isDropped(index) {
            if document[index].isBlockElement || metrics.hasBlockDescendant[index] {
                appendParagraph(paragraph, to: &blocks)
                paragraph = MarkdownInlineBuffer()
                appendBlocks(of: index, to: &blocks)
            } else {
                appendInline(index, to: &paragraph)
            }
        }
        appendParagraph(paragraph, to: &blocks)
        return blocks
    }

    /// Appends a paragraph unless it has no letter or digit: what remains of icons and separators (`/`, `|`).
    private func appendParagraph(_ paragraph: MarkdownInlineBuffer, to blocks: inout [Block]) {
        let text = paragraph.content
        if text.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
            blocks.append(Block(text: text))
        }
    }

    private func appendBlocks(of index: Int, to blocks: inout [Block]) {
        let node = document[index]
        if let level = node.headingLevel {
            appendHeading(index, level: level, to: &blocks)
            return
        }
        switch node.elementName {
        case "pre": appendCodeBlock(index, to: &blocks)
        case "ul": appendList(index, ordered: false, to: &blocks)
        case "ol": appendList(index, ordered: true, to: &blocks)
        case "dl": appendDefinitionList(index, to: &blocks)
        case "blockquote": appendQuote(index, to: &blocks)
        case "table": appendTable(index, to: &blocks)
        case "hr": blocks.append(Block(text: "---"))
        default: blocks += self.blocks(of: node.children)
        }
    }

    private func appendHeading(_ index: Int, level: Int, to blocks: inout [Block]) {
        isInsideHeading = true
        let text = singleLine(index)
        isInsideHeading = false
        guard !text.isEmpty else { return }
        blocks.append(Block(text: String(repeating: "#", count: level) + " " + text))
        headings.append(ExtractedHeading(level: level, text: plainText(of: index), anchor: anchor(ofHeading: index)))
    }

    private func appendCodeBlock(_ index: Int, to blocks: inout [Block]) {
        var code = ""
        appendPreformattedText(of: index, to: &code)
        if code.hasPrefix("\n") { code.removeFirst() }  // as browsers do
        while let last = code.last, last.isNewline { code.removeLast() }
        guard code.contains(where: { !$0.isWhitespace }) else { return }
        let fence = String(repeating: "`", count: max(3, MarkdownInlineBuffer.longestBacktickRun(in: code) + 1))
        blocks.append(Block(text: fence + (codeLanguage(of: index) ?? "") + "\n" + code + "\n" + fence))
    }

    private func appendList(_ index: Int, ordered: Bool, to blocks: inout [Block]) {
        var number = document[index].attribute("start").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 1
        var items: [(marker: String, body: String)] = []
        for child in document[index].children where !filter.isDropped(child) {
            let body = joinedAsListItem(self.blocks(of: [child]))
            guard !body.isEmpty else { continue }
            if document[child].elementName == "li" || items.isEmpty {
                items.append((ordered ? "\(number). " : "- ", body))
                number += 1
            } else {
                items[items.count - 1].body += "\n" + body  // e.g. a nested `ul` directly inside a `ul`
            }
        }
        guard !items.isEmpty else { return }
        let isLoose = items.contains { $0.body.contains("\n\n") }
        let text = items.map { Self.indented($0.body, firstLinePrefix: $0.marker) }.joined(separator: isLoose ? "\n\n" : "\n")
        blocks.append(Block(text: text, isList: true))
    }

    /// Terms on their own lines, each definition after `: `.
    private func appendDefinitionList(_ index: Int, to blocks: inout [Block]) {
        var groups: [[String]] = [[]]
        var isAfterDefinition = false
        for child in definitionListItems(of: index) {
            if document[child].elementName == "dt" {
                if isAfterDefinition { groups.append([]) }
                isAfterDefinition = false
                let term = singleLine(child)
                if !term.isEmpty { groups[groups.count - 1].append(term) }
            } else {
                isAfterDefinition = true
                let definition = joinedAsListItem(self.blocks(of: [child]))
                if !definition.isEmpty { groups[groups.count - 1].append(Self.indented(definition, firstLinePrefix: ": ")) }
            }
        }
        let text = groups.filter { !$0.isEmpty }.map { $0.joined(separator: "\n") }.joined(separator: "\n\n")
        if !text.isEmpty { blocks.append(Block(text: text)) }
    }

    /// The `dt`/`dd` elements of a `dl`, looking through the `div` groups HTML allows around them.
    private func definitionListItems(of index: Int) -> [Int] {
        document[index].children.filter { !filter.isDropped($0) }.flatMap { child -> [Int] in
            switch document[child].elementName {
            case "div": definitionListItems(of: child)
            case nil: document[child].isBlankText ? [] : [child]
            default: [child]
            }
        }
    }

    private func appendQuote(_ index: Int, to blocks: inout [Block]) {
        let text = self.blocks(of: document[index].children).map(\.text).joined(separator: "\n\n")
        guard !text.isEmpty else { return }
        blocks.append(
            Block(
                text: text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : "> " + $0 }.joined(
                    separator: "\n")))
    }

    // MARK: - Tables

    private func appendTable(_ index: Int, to blocks: inout [Block]) {
        var parts = TableParts()
        collectTableParts(of: index, into: &parts)
        blocks += self.blocks(of: parts.strayContent)
        if let caption = parts.caption { blocks += self.blocks(of: [caption]) }
        guard !parts.rows.isEmpty else { return }
        if isLayoutTable(parts.rows) {
            for cell in parts.rows.joined() { blocks += self.blocks(of: [cell]) }
            return
        }
        var lines = parts.rows.map { row in
            row.flatMap { cell -> [String] in
                let span = document[cell].attribute("colspan").flatMap { Int($0) }.map { min(max($0, 1), 100) } ?? 1
                let text = singleLine(cell).replacing("|", with: "\\|")
                return [text] + Array(repeating: "", count: span - 1)
            }
        }
        guard lines.contains(where: { $0.contains { !$0.isEmpty } }) else { return }
        let width = lines.map(\.count).max() ?? 0
        lines = lines.map { $0 + Array(repeating: "", count: width - $0.count) }
        lines.insert(Array(repeating: "---", count: width), at: 1)
        blocks.append(Block(text: lines.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")))
    }

    /// The pieces of a table; content outside cells is shown before the table, as browsers do.
    private struct TableParts {
        var rows: [[Int]] = []
        var caption: Int?
        var strayContent: [Int] = []
    }

    /// Collects the rows of `node` (a table or a `thead`/`tbody`/`tfoot`), not looking into nested tables.
    private func collectTableParts(of node: Int, into parts: inout TableParts) {
        for child in document[node].children where !filter.isDropped(child) && !document[child].isBlankText {
            switch document[child].elementName {
            case "tr":
                var cells: [Int] = []
                for cell in document[child].children where !filter.isDropped(cell) && !document[cell].isBlankText {
                    if ["td", "th"].contains(document[cell].elementName) { cells.append(cell) } else { parts.strayContent.append(cell) }
                }
                if !cells.isEmpty { parts.rows.append(cells) }
            case "thead", "tbody", "tfoot": collectTableParts(of: child, into: &parts)
            case "caption": parts.caption = parts.caption ?? child
            case "colgroup", "col": break
            default: parts.strayContent.append(child)
            }
        }
    }

    /// A table used for layout (a single cell, or cells holding code blocks or tables) is rendered as its content.
    private func isLayoutTable(_ rows: [[Int]]) -> Bool {
        if rows.count == 1, rows[0].count == 1 { return true }
        return rows.joined().contains { cell in
            document.firstDescendant(of: cell) { $0.elementName == "pre" || $0.elementName == "table" } != nil
        }
    }

    // MARK: - Inline content

    private func appendInline(_ index: Int, to buffer: inout MarkdownInlineBuffer) {
        let node = document[index]
        switch node.kind {
        case .text(let text):
            buffer.appendText(text)
        case .document:
            break
        case .element(let name):
            switch name {
            case "br":
                buffer.appendLineBreak()
            case "img":
                appendImage(node, to: &buffer)
            case _ where Self.codeElements.contains(name):
                buffer.appendCodeSpan(plainTextBuffer(of: index))
            case "strong", "b":
                appendEmphasized(index, marker: "**", to: &buffer)
            case "em", "i":
                appendEmphasized(index, marker: "*", to: &buffer)
            case "a":
                appendLink(index, to: &buffer)
            default:
                appendInlineChildren(of: index, to: &buffer)
            }
        }
    }

    private func appendInlineChildren(of index: Int, to buffer: inout MarkdownInlineBuffer) {
        for child in document[index].children where !filter.isDropped(child) { appendInline(child, to: &buffer) }
    }

    private func appendEmphasized(_ index: Int, marker: String, to buffer: inout MarkdownInlineBuffer) {
        guard openEmphasis.insert(marker).inserted else {
            appendInlineChildren(of: index, to: &buffer)
            return
        }
        var inner = MarkdownInlineBuffer()
        appendInlineChildren(of: index, to: &inner)
        openEmphasis.remove(marker)
        buffer.appendWrapped(inner) { marker + $0 + marker }
    }

    /// `[text](target)` for http(s) and relative targets; just the text for fragments, other schemes and inside headings.
    private func appendLink(_ index: Int, to buffer: inout MarkdownInlineBuffer) {
        guard !isInsideHeading, let href = document[index].attribute("href"), let target = linkResolver.resolve(href, keepingFragment: true)
        else {
            appendInlineChildren(of: index, to: &buffer)
            return
        }
        var inner = MarkdownInlineBuffer()
        appendInlineChildren(of: index, to: &inner)
        buffer.appendWrapped(inner) { "[\($0)](\(Self.escapedTarget(target)))" }
    }

    /// `![alt](src)` when the image has alternative text; an image without it says nothing to a reader.
    private func appendImage(_ node: HTMLNode, to buffer: inout MarkdownInlineBuffer) {
        var alt = MarkdownInlineBuffer()
        alt.appendText(node.attribute("alt") ?? "")
        let altText = alt.content.replacing("]", with: "\\]")
        guard !altText.isEmpty else { return }
        if let source = node.attribute("src"), let target = linkResolver.resolve(source, keepingFragment: true) {
            buffer.appendMarkup("![\(altText)](\(Self.escapedTarget(target)))")
        } else {
            buffer.appendText(altText)
        }
    }

    // MARK: - Text

    /// The content of `index` as Markdown on one line (headings, table cells, terms).
    private func singleLine(_ index: Int) -> String {
        blocks(of: document[index].children).map(\.text).joined(separator: " ")
            .split(whereSeparator: \.isNewline).map { $0.drop { $0 == " " } }.joined(separator: " ")
    }

    /// The visible text of `index`, whitespace collapsed, without markup.
    private func plainText(of index: Int) -> String {
        plainTextBuffer(of: index).content
    }

    private func plainTextBuffer(of index: Int) -> MarkdownInlineBuffer {
        var buffer = MarkdownInlineBuffer()
        appendPlainText(of: index, to: &buffer)
        return buffer
    }

    private func appendPlainText(of index: Int, to buffer: inout MarkdownInlineBuffer) {
        for child in document[index].children where !filter.isDropped(child) {
            switch document[child].kind {
            case .text(let text): buffer.appendText(text)
            case .element(let name) where name == "br" || document[child].isBlockElement:
                buffer.appendSpace()
                appendPlainText(of: child, to: &buffer)
                buffer.appendSpace()
            default: appendPlainText(of: child, to: &buffer)
            }
        }
    }

    /// The text of a `pre` exactly as written: whitespace kept, `br` as a line break, markup of syntax highlighting dropped.
    private func appendPreformattedText(of index: Int, to code: inout String) {
        for child in document[index].children where !filter.isDropped(child) {
            switch document[child].kind {
            case .text(let text): code += text
            case .element(let name) where name == "br": code += "\n"
            default: appendPreformattedText(of: child, to: &code)
            }
        }
    }

    // MARK: - Headings

    /// The fragment that leads to a heading: its own id, the target of its Sphinx/MkDocs permalink, the id of the section
    /// it starts, or an `<a name>`/`<a id>` inside it.
    private func anchor(ofHeading index: Int) -> String? {
        let heading = document[index]
        if let id = heading.attribute("id"), !id.isEmpty { return id }
        let permalink = document.firstDescendant(of: index) { $0.elementName == "a" && $0.hasClass("headerlink") }
        if let href = permalink.flatMap({ document[$0].attribute("href") }), href.hasPrefix("#"), href.count > 1 {
            return String(href.dropFirst())
        }
        if let parent = heading.parent, ["section", "div", "article"].contains(document[parent].elementName),
            let id = document[parent].attribute("id"), !id.isEmpty,
            document[parent].children.first(where: { metrics.textLength[$0] > 0 && !document[$0].isBlankText }) == index
        {
            return id
        }
        let namedAnchor = document.firstDescendant(of: index) { node in
            node.elementName == "a" && (node.attribute("name") ?? node.attribute("id")).map { !$0.isEmpty } == true
        }
        return namedAnchor.flatMap { document[$0].attribute("name") ?? document[$0].attribute("id") }
    }

    // MARK: - Code

    /// The language named by a `language-x`, `lang-x` or `highlight-x` class on the `pre`, its `code`, or a wrapper above.
    private func codeLanguage(of pre: Int) -> String? {
        var candidates = document[pre].children.filter { document[$0].elementName == "code" } + [pre]
        var ancestor = document[pre].parent
        while let current = ancestor, candidates.count < Self.languageSearchDepth + 2 {
            candidates.append(current)
            ancestor = document[current].parent
        }
        for candidate in candidates {
            for className in document[candidate].classNames {
                for prefix in ["language-", "lang-", "highlight-"] where className.hasPrefix(prefix) {
                    let language = className.dropFirst(prefix.count).lowercased()
                    if !language.isEmpty, !Self.plainLanguages.contains(language) { return language }
                }
            }
        }
        return nil
    }

    /// A link target that cannot end the Markdown link early.
    private static func escapedTarget(_ target: String) -> String {
        guard target.utf8.contains(where: { $0 == HTMLByte.space || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ")") }) else {
            return target
        }
        return target.replacing(" ", with: "%20").replacing("(", with: "%28").replacing(")", with: "%29")
    }

    /// Prefixes the first line with `firstLinePrefix` and indents the others to match.
    private static func indented(_ text: String, firstLinePrefix: String) -> String {
        let indentation = String(repeating: " ", count: firstLinePrefix.count)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { offset, line in
            offset == 0 ? firstLinePrefix + line : line.isEmpty ? "" : indentation + line
        }.joined(separator: "\n")
    }

    /// Blocks of a list item or definition: a nested list follows its paragraph directly.
    private func joinedAsListItem(_ blocks: [Block]) -> String {
        blocks.enumerated().reduce(into: "") { text, element in
            if element.offset > 0 { text += element.element.isList ? "\n" : "\n\n" }
            text += element.element.text
        }
    }
}
