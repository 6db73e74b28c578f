import Foundation

/// Extracts the main content of documentation pages (Sphinx, MkDocs Material, Docusaurus, hand-written HTML) as Markdown.
///
/// Parsing is tolerant of any input and linear in its size. Content hidden from readers, navigation and theme
/// boilerplate are left out; see `HTMLContentFilter` and `HTMLMainContent` for what is kept.
public enum HTMLExtractor {
    public static func extract(_ html: String, baseURL: URL? = nil) -> ExtractedHTML {
        let document = HTMLTreeBuilder.parse(html)
        let metrics = HTMLNodeMetrics(document)
        let filter = HTMLContentFilter(document, metrics: metrics)
        let linkResolver = HTMLLinkResolver(baseURL: baseURL, document: document)
        let writer = HTMLMarkdownWriter(document: document, filter: filter, metrics: metrics, linkResolver: linkResolver)
        let markdown = writer.markdown(of: HTMLMainContent.locate(in: document, filter: filter, metrics: metrics))
        let mainHeading = writer.headings.first { $0.level == 1 }?.text
        return ExtractedHTML(
            title: pageTitle(of: document).flatMap { HTMLPageTitle.clean($0, mainHeading: mainHeading) } ?? mainHeading,
            markdown: markdown,
            headings: writer.headings,
            links: linkResolver.links(in: document),
            canonicalURL: canonicalURL(of: document, linkResolver: linkResolver)
        )
    }

    /// The text of the first `title` that is not an SVG image's.
    private static func pageTitle(of document: HTMLDocument) -> String? {
        document.elements(named: "title").first { !document.hasAncestor(of: $0) { $0.elementName == "svg" } }.map(document.ownText)
    }

    private static func canonicalURL(of document: HTMLDocument, linkResolver: HTMLLinkResolver) -> String? {
        let canonical = document.elements(named: "link").first { index in
            document[index].attribute("rel")?.lowercased().split(whereSeparator: \.isWhitespace).contains("canonical") == true
        }
        guard let href = canonical.flatMap({ document[$0].attribute("href") }) else { return nil }
        return linkResolver.resolve(href, keepingFragment: true) ?? href
    }
}
