import Foundation

/// Checks that HTML from ``MarkdownHTML`` is safe to insert into a page: the only markup is the
/// renderer's own tags, each closed in order, with only their attributes, quoted and escaped; a
/// link goes only to http, https or mailto; every `&` starts one of the escapes it writes. So
/// whatever Markdown a user writes, no script, handler or other raw HTML gets through. Read
/// scalar by scalar, as a browser does (a `>` and a combining mark after it are one Swift
/// `Character`, but still the end of a tag).
enum RenderedHTMLCheck {
    /// The tags the renderer writes, with the attributes each may have.
    private static let tags: [String: Set<String>] = [
        "p": [], "h1": [], "h2": [], "h3": [], "h4": [], "h5": [], "h6": [], "hr": [], "pre": [], "code": ["class"],
        "blockquote": [], "ul": [], "ol": ["start"], "li": [], "strong": [], "em": [], "a": ["href", "rel"],
    ]
    private static let voidTags: Set<String> = ["hr"]
    private static let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]

    static func check(_ html: String) throws(FuzzViolation) {
        var open: [String] = []
        var rest = Substring(html).unicodeScalars
        while let next = rest.firstIndex(where: { "<&>\"".unicodeScalars.contains($0) }) {
            rest = rest[next...]
            switch rest.first {
            case "&":
                guard let entity = entities.first(where: { rest.starts(with: $0.unicodeScalars) }) else {
                    throw violation("a bare &", at: rest)
                }
                rest = rest.dropFirst(entity.unicodeScalars.count)
            case "<":
                try tag(&rest, open: &open)
            default:
                throw violation("a bare \(rest.first!)", at: rest)
            }
        }
        try FuzzViolation.require(open.isEmpty, "unclosed tags \(open)")
    }

    /// Reads one tag at the start of `rest` (its `<`), and checks its name and attributes.
    private static func tag(_ rest: inout Substring.UnicodeScalarView, open: inout [String]) throws(FuzzViolation) {
        let start = rest
        rest = rest.dropFirst()
        let closing = rest.first == "/"
        if closing { rest = rest.dropFirst() }
        let name = String(String.UnicodeScalarView(rest.prefix { $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) }))
        rest = rest.dropFirst(name.unicodeScalars.count)
        guard let allowed = tags[name] else { throw violation("tag <\(name)>", at: start) }
        if closing {
            guard rest.first == ">", open.popLast() == name else { throw violation("a misplaced </\(name)>", at: start) }
            rest = rest.dropFirst()
            return
        }
        var attributes: [String: String] = [:]
        while rest.first == " " {
            rest = rest.dropFirst()
            let attribute = String(String.UnicodeScalarView(rest.prefix { $0.isASCII && $0.properties.isAlphabetic }))
            rest = rest.dropFirst(attribute.unicodeScalars.count)
            guard allowed.contains(attribute), attributes[attribute] == nil, rest.starts(with: "=\"".unicodeScalars),
                let end = rest.dropFirst(2).firstIndex(of: "\"")
            else { throw violation("attribute \(attribute) of <\(name)>", at: start) }
            let value = String(String.UnicodeScalarView(rest[rest.index(rest.startIndex, offsetBy: 2)..<end]))
            guard !value.contains("<"), !value.contains(">") else { throw violation("an unescaped attribute value", at: start) }
            attributes[attribute] = value
            rest = rest[rest.index(after: end)...]
        }
        guard rest.first == ">" else { throw violation("a malformed <\(name)>", at: start) }
        rest = rest.dropFirst()
        if let href = attributes["href"] {
            let target = href.replacingOccurrences(of: "&amp;", with: "&").lowercased()
            guard ["http://", "https://", "mailto:"].contains(where: target.hasPrefix) else { throw violation("link \(href)", at: start) }
        }
        if name == "a" { try FuzzViolation.require(!open.contains("a"), "a link inside a link") }
        if !voidTags.contains(name) { open.append(name) }
    }

    private static func violation(_ what: String, at position: Substring.UnicodeScalarView) -> FuzzViolation {
        FuzzViolation("\(what) in the rendered HTML at \(String(String.UnicodeScalarView(position.prefix(80))).debugDescription)")
    }
}
