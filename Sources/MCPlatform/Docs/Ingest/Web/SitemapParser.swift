import Foundation

/// The `<loc>` URLs of a sitemap or sitemap index (XML), and the links of an `llms.txt`.
enum SitemapParser {
    /// `<loc>` values, entity-decoded, in order; `isIndex` when the document is a sitemap index.
    static func locations(in xml: String) -> (urls: [String], isIndex: Bool) {
        var urls: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<loc>"), let close = rest.range(of: "</loc>", range: open.upperBound..<rest.endIndex) {
            let value = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
            urls.append(
                value.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
                    .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
                    .replacingOccurrences(of: "&apos;", with: "'")
            )
            rest = rest[close.upperBound...]
        }
        return (urls, xml.contains("<sitemapindex"))
    }

    /// The link targets of an `llms.txt` (Markdown links `[title](url)`), as written.
    static func llmsLinks(in markdown: String) -> [String] {
        var links: [String] = []
        var rest = markdown[...]
        while let open = rest.range(of: "]("), let close = rest[open.upperBound...].firstIndex(of: ")") {
            let target = rest[open.upperBound..<close].split(separator: " ").first.map(String.init) ?? ""
            if !target.isEmpty { links.append(target) }
            rest = rest[close...]
        }
        return links
    }
}
