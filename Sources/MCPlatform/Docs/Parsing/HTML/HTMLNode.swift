/// An attribute of an element; names are lowercase, values decoded.
struct HTMLAttribute {
    let name: String
    let value: String
}

/// A node of an `HTMLDocument`; children and parent are indices into the document.
struct HTMLNode {
    enum Kind {
        case document
        case element(name: String)
        case text(String)
    }

    /// Elements that start a block of their own in rendered text.
    private static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "label",
        "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul",
    ]

    let kind: Kind
    let attributes: [HTMLAttribute]
    let parent: Int?
    var children: [Int] = []
    /// The whitespace-separated tokens of the `class` attribute.
    let classNames: [String]

    init(kind: Kind, attributes: [HTMLAttribute], parent: Int?) {
        self.kind = kind
        self.attributes = attributes
        self.parent = parent
        let classAttribute = attributes.first { $0.name == "class" }?.value.utf8
        classNames = classAttribute?.split(whereSeparator: HTMLByte.isWhitespace).map { String(decoding: $0, as: UTF8.self) } ?? []
    }

    /// The tag name of an element, nil for text and the document.
    var elementName: String? {
        if case .element(let name) = kind { name } else { nil }
    }

    var isBlockElement: Bool {
        elementName.map(Self.blockElements.contains) ?? false
    }

    /// Whether this is a text node of whitespace only.
    var isBlankText: Bool {
        if case .text(let text) = kind { text.utf8.allSatisfy(HTMLByte.isWhitespace) } else { false }
    }

    /// 1…6 for `h1`…`h6`, else nil.
    var headingLevel: Int? {
        guard let name = elementName, name.utf8.count == 2, name.hasPrefix("h"), let level = Int(name.dropFirst()), (1...6).contains(level)
        else { return nil }
        return level
    }

    func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    func hasClass(_ name: String) -> Bool {
        classNames.contains { $0 == name }
    }
}
