/// A heading of the extracted content, in document order (the same order as in `markdown`).
public struct ExtractedHeading: Sendable, Equatable {
    /// 1 for `h1` … 6 for `h6`.
    public let level: Int
    /// The heading's plain text, without Markdown or permalink symbols.
    public let text: String
    /// The fragment that links to the heading on its page, if the page defines one.
    public let anchor: String?
}

/// The main content of an HTML page.
public struct ExtractedHTML: Sendable {
    /// The page's `<title>` without a trailing site name, else its first `h1`.
    public var title: String?
    /// The main content as Markdown.
    public var markdown: String
    /// The headings of `markdown`, in order.
    public var headings: [ExtractedHeading]
    /// Every http(s) or relative `<a href>` of the whole page, resolved against the base URL when known, without fragments, deduplicated.
    public var links: [String]
    /// The `<link rel="canonical">` target.
    public var canonicalURL: String?
}
