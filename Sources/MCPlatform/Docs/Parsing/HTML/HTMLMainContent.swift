/// Finds the element holding a page's main content.
enum HTMLMainContent {
    /// The kinds of container that hold main content, most specific first.
    private enum Container: Int, CaseIterable {
        case main, roleMain, article, sphinxBody, sphinxDocument, mkDocsContent, docusaurusMarkdown, content, body

        init?(_ node: HTMLNode) {
            guard let name = node.elementName else { return nil }
            let isDiv = name == "div"
            switch name {
            case "main": self = .main
            case _ where node.attribute("role")?.lowercased() == "main": self = .roleMain
            case "article": self = .article
            case _ where isDiv && node.hasClass("body"): self = .sphinxBody
            case _ where isDiv && node.hasClass("document"): self = .sphinxDocument
            case _ where node.hasClass("md-content"): self = .mkDocsContent
            case _ where node.hasClass("theme-doc-markdown"): self = .docusaurusMarkdown
            case _ where node.attribute("id") == "content" || node.hasClass("content"): self = .content
            case "body": self = .body
            default: return nil
            }
        }
    }

    /// The first `main`, else the first `[role=main]`, else the largest `article`, and so on down to `body`; the
    /// document root when there is none of them. Dropped subtrees are never chosen.
    static func locate(in document: HTMLDocument, filter: HTMLContentFilter, metrics: HTMLNodeMetrics) -> Int {
        var found: [Container: Int] = [:]
        for index in document.nodes.indices where !filter.isDropped(index) {
            guard let container = Container(document[index]) else { continue }
            if let previous = found[container] {
                if container == .article, metrics.textLength[index] > metrics.textLength[previous] { found[container] = index }
            } else {
                found[container] = index
            }
        }
        return Container.allCases.lazy.compactMap { found[$0] }.first ?? HTMLDocument.rootIndex
    }
}
