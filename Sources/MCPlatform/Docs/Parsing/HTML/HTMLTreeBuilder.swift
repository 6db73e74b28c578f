/// Builds an `HTMLDocument` from HTML text, recovering from broken markup roughly the way browsers do: implied end tags
/// (`p`, `li`, `dt`/`dd`, table parts, `option`), stray end tags ignored, unclosed elements closed at the end.
///
/// Nesting is bounded: past `maximumDepth` open elements, new elements become siblings instead of children, which keeps
/// every later tree walk shallow and every stack search short.
struct HTMLTreeBuilder {
    static let maximumDepth = 128

    private static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    ]
    /// Start tags that close an open `p`.
    private static let paragraphClosers: Set<String> = [
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "div", "dl", "fieldset", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav",
        "ol", "p", "pre", "section", "summary", "table", "ul", "dd", "dt",
    ]
    /// Elements that may appear in `head`; any other start tag closes it.
    private static let headContent: Set<String> = [
        "base", "link", "meta", "noscript", "script", "style", "template", "title",
    ]
    /// Elements an implied or explicit end tag never closes through.
    private static let scopeBoundaries: Set<String> = [
        "applet", "body", "caption", "html", "marquee", "object", "table", "td", "template", "th",
    ]
    private static let listItemBoundaries = scopeBoundaries.union(["menu", "ol", "ul"])
    private static let definitionBoundaries = scopeBoundaries.union(["dl"])
    private static let paragraphBoundaries = scopeBoundaries.union(["button"])
    private static let tableSections: Set<String> = ["tbody", "tfoot", "thead"]
    private static let rowBoundaries = tableSections.union(["table"])
    private static let tableBoundary: Set<String> = ["table"]
    private static let cellBoundaries: Set<String> = ["table", "tr"]
    private static let documentBoundaries: Set<String> = ["html", "template"]
    private static let foreignRoots: Set<String> = ["math", "svg"]

    private var document = HTMLDocument()
    private var openElements: [(index: Int, name: String)] = []
    /// How many `svg`/`math` elements are open: inside them `<x/>` closes itself.
    private var openForeignRoots = 0
    private var isHeadOpen = false
    private var seenDocumentElements: Set<String> = []

    static func parse(_ html: String) -> HTMLDocument {
        var builder = HTMLTreeBuilder()
        var tokenizer = HTMLTokenizer(html)
        while let token = tokenizer.next() {
            switch token {
            case .startTag(let name, let attributes, let selfClosing): builder.open(name, attributes: attributes, selfClosing: selfClosing)
            case .endTag(let name): builder.close(name)
            case .text(let text): builder.insertText(text)
            }
        }
        return builder.document
    }

    private var currentNode: Int { openElements.last?.index ?? HTMLDocument.rootIndex }

    // MARK: - Tokens

    private mutating func open(_ name: String, attributes: [HTMLAttribute], selfClosing: Bool) {
        if name == "html" || name == "head" || name == "body" {
            guard seenDocumentElements.insert(name).inserted else { return }
        }
        if isHeadOpen, !Self.headContent.contains(name) { popThrough("head") }
        closeImpliedElements(before: name)
        let index = document.append(.element(name: name), attributes: attributes, to: currentNode)
        let closesItself = selfClosing && (openForeignRoots > 0 || Self.foreignRoots.contains(name))
        guard !Self.voidElements.contains(name), !closesItself, openElements.count < Self.maximumDepth else { return }
        openElements.append((index, name))
        if Self.foreignRoots.contains(name) { openForeignRoots += 1 }
        if name == "head" { isHeadOpen = true }
    }

    private mutating func close(_ name: String) {
        switch name {
        case "br":
            open("br", attributes: [], selfClosing: false)
        case "html", "body":
            break  // content after `</body>` still belongs to the body
        case "head":
            popThrough("head")
        case "li":
            closeOpen(boundaries: Self.listItemBoundaries) { $0 == "li" }
        case "dt", "dd":
            closeOpen(boundaries: Self.definitionBoundaries) { $0 == name }
        case "table":
            closeOpen(boundaries: Self.documentBoundaries) { $0 == "table" }
        case "tr", "td", "th", "caption", "tbody", "thead", "tfoot":
            closeOpen(boundaries: Self.tableBoundary) { $0 == name }
        default:
            closeOpen(boundaries: Self.scopeBoundaries) { $0 == name }
        }
    }

    private mutating func insertText(_ text: String) {
        if isHeadOpen, document[currentNode].elementName == "head", text.utf8.contains(where: { !HTMLByte.isWhitespace($0) }) {
            popThrough("head")
        }
        _ = document.append(.text(text), to: currentNode)
    }

    // MARK: - Implied end tags

    private mutating func closeImpliedElements(before name: String) {
        if Self.paragraphClosers.contains(name) { closeOpen(boundaries: Self.paragraphBoundaries) { $0 == "p" } }
        switch name {
        case "li":
            closeOpen(boundaries: Self.listItemBoundaries) { $0 == "li" }
        case "dt", "dd":
            closeOpen(boundaries: Self.definitionBoundaries) { $0 == "dt" || $0 == "dd" }
        case "tr":
            closeOpen(boundaries: Self.rowBoundaries) { $0 == "tr" }
        case "td", "th":
            closeOpen(boundaries: Self.cellBoundaries) { $0 == "td" || $0 == "th" }
        case "thead", "tbody", "tfoot":
            closeOpen(boundaries: Self.tableBoundary) { Self.tableSections.contains($0) }
        case "option":
            closeOpen(boundaries: ["select", "datalist", "optgroup"]) { $0 == "option" }
        case "optgroup":
            closeOpen(boundaries: ["select"]) { $0 == "option" || $0 == "optgroup" }
        case "a":
            closeOpen(boundaries: Self.scopeBoundaries) { $0 == "a" }
        case "h1", "h2", "h3", "h4", "h5", "h6":
            if document[currentNode].headingLevel != nil { popTo(openElements.count - 1) }
        default:
            break
        }
    }

    /// Closes the innermost open element whose name satisfies `isTarget`, unless an element named in `boundaries` is
    /// open inside it.
    private mutating func closeOpen(boundaries: Set<String>, where isTarget: (String) -> Bool) {
        for position in openElements.indices.reversed() {
            let name = openElements[position].name
            if isTarget(name) {
                popTo(position)
                return
            }
            if boundaries.contains(name) { return }
        }
    }

    private mutating func popThrough(_ name: String) {
        if let position = openElements.lastIndex(where: { $0.name == name }) { popTo(position) }
    }

    /// Pops the open elements from the top down to and including the one at `position`.
    private mutating func popTo(_ position: Int) {
        while openElements.count > position, let element = openElements.popLast() {
            if Self.foreignRoots.contains(element.name) { openForeignRoots -= 1 }
            if element.name == "head" { isHeadOpen = false }
        }
    }
}
