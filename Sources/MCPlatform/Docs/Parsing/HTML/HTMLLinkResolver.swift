import Foundation

/// Turns `href` values into link targets: only http(s) and relative references, resolved against the page's base URL
/// (the given one, overridden by `<base href>`) when there is one.
struct HTMLLinkResolver {
    private let baseURL: URL?

    init(baseURL: URL?, document: HTMLDocument) {
        let declaredBase = document.elements(named: "base").lazy.compactMap { document[$0].attribute("href") }.first
        if let declaredBase, let resolved = Self.url(declaredBase, relativeTo: baseURL) {
            self.baseURL = resolved
        } else {
            self.baseURL = baseURL
        }
    }

    /// The target of `href`, or nil when it is empty, a pure `#fragment`, or (resolved) not an http(s) URL with a host.
    func resolve(_ href: String, keepingFragment: Bool) -> String? {
        var reference = Self.trimmed(href)
        if !keepingFragment, let fragmentStart = reference.firstIndex(of: "#") { reference = String(reference[..<fragmentStart]) }
        guard !reference.isEmpty, !reference.hasPrefix("#") else { return nil }
        if let scheme = Self.scheme(of: reference), scheme != "http", scheme != "https" { return nil }
        guard let baseURL else { return reference }
        // The base itself may be anything (`<base href="ftp://…">`), and `http:/path` has no host.
        guard let url = Self.url(reference, relativeTo: baseURL), ["http", "https"].contains(url.scheme?.lowercased()),
            url.host?.isEmpty == false
        else { return nil }
        return url.absoluteString
    }

    /// The distinct link targets of all `<a href>` in the document, without fragments.
    func links(in document: HTMLDocument) -> [String] {
        var seen: Set<String> = []
        return document.elements(named: "a").compactMap { index in
            guard let href = document[index].attribute("href"), let link = resolve(href, keepingFragment: false) else { return nil }
            return seen.insert(link).inserted ? link : nil
        }
    }

    private static func url(_ reference: String, relativeTo base: URL?) -> URL? {
        let url =
            URL(string: reference, relativeTo: base)
            ?? reference.addingPercentEncoding(withAllowedCharacters: .urlReferenceAllowed).flatMap { URL(string: $0, relativeTo: base) }
        return url?.absoluteURL
    }

    /// `text` without leading and trailing HTML whitespace.
    private static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { !HTMLByte.isWhitespace($0) }),
            let last = utf8.lastIndex(where: { !HTMLByte.isWhitespace($0) })
        else { return "" }
        return first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) ? text : String(text[first...last])
    }

    /// The lowercased scheme of an absolute reference (`mailto` in `mailto:x@y`), nil for a relative one.
    private static func scheme(of reference: String) -> String? {
        guard let colon = reference.firstIndex(of: ":") else { return nil }
        let candidate = reference[..<colon]
        guard let first = candidate.first, first.isASCII, first.isLetter,
            candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        return candidate.lowercased()
    }
}

extension CharacterSet {
    /// Characters allowed unescaped anywhere in a URL reference.
    fileprivate static let urlReferenceAllowed = CharacterSet.urlQueryAllowed.union(CharacterSet(charactersIn: "#%"))
}
