/// Cleans a page's `<title>`: documentation sites append their own name after a separator
/// (`Models — Django 3.2 documentation`, `Installation | Docusaurus`), which is not the page's title.
enum HTMLPageTitle {
    private static let separators = [" | ", " — ", " – ", " · ", " :: ", " » ", " - "]
    private static let longestSiteName = 60
    private static let mostWordsInSiteName = 6

    /// `title` without a trailing site name; nil when it is empty. `mainHeading` (the page's `h1`) confirms a split.
    static func clean(_ title: String, mainHeading: String?) -> String? {
        var buffer = MarkdownInlineBuffer()
        buffer.appendText(title)
        let title = buffer.content
        guard !title.isEmpty else { return nil }
        let splits = separators.flatMap { separator in
            title.ranges(of: separator).map {
                (prefix: String(title[..<$0.lowerBound]), suffix: String(title[$0.upperBound...]), separator: separator)
            }
        }
        if let mainHeading, let split = splits.first(where: { $0.prefix.caseInsensitiveEquals(mainHeading) }) { return split.prefix }
        guard let last = splits.max(by: { $0.prefix.count < $1.prefix.count }), !last.prefix.isEmpty, !last.suffix.isEmpty else {
            return title
        }
        let words = last.suffix.split(separator: " ").count
        var looksLikeSiteName = last.suffix.count <= longestSiteName && words <= mostWordsInSiteName
        if last.separator == " - " { looksLikeSiteName = looksLikeSiteName && last.suffix.count < last.prefix.count }
        return looksLikeSiteName ? last.prefix : title
    }
}

extension String {
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        lowercased() == other.lowercased()
    }
}
