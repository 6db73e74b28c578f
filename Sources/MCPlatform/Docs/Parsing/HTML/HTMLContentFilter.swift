import Foundation

/// Decides which subtrees never reach the Markdown: content hidden from readers (a prompt-injection vector, so it is
/// never indexed), non-content elements, page chrome and the boilerplate of common documentation themes.
struct HTMLContentFilter {
    private static let droppedElements: Set<String> = [
        "aside", "button", "canvas", "dialog", "embed", "footer", "form", "head", "iframe", "input", "nav", "noscript", "object",
        "script", "select", "style", "svg", "template", "textarea",
    ]
    private static let droppedRoles: Set<String> = ["banner", "contentinfo", "navigation", "search"]
    private static let droppedClasses: Set<String> = [
        // Sphinx
        "sphinxsidebar", "related", "headerlink", "footer", "linenos",
        // Django documentation
        "nav",
        // MkDocs Material
        "md-header", "md-sidebar", "md-footer", "md-nav", "md-source", "md-search", "md-banner",
        // Docusaurus
        "theme-doc-sidebar-container", "navbar", "pagination-nav", "theme-doc-toc-desktop", "theme-doc-toc-mobile",
        "theme-doc-breadcrumbs", "theme-edit-this-page", "theme-announcement-bar", "hash-link",
        // generic
        "breadcrumb", "breadcrumbs", "skip-link",
    ]
    /// Django documentation's header, footer and sidebar.
    private static let droppedIDs: Set<String> = ["hd", "ft", "sidebar"]
    /// Tables of contents are dropped only when they are mostly links, that is navigation rather than text.
    private static let tableOfContentsNames: Set<String> = ["toc", "table-of-contents"]
    private static let navigationLinkDensity = 0.7
    /// Elements inside which `header` introduces a section instead of being the page banner.
    private static let sectioningElements: Set<String> = ["article", "main", "section"]

    private var isDroppedNode: [Bool]

    init(_ document: HTMLDocument, metrics: HTMLNodeMetrics) {
        isDroppedNode = [Bool](repeating: false, count: document.nodes.count)
        for index in 1..<document.nodes.count {
            let parent = document[index].parent ?? HTMLDocument.rootIndex
            isDroppedNode[index] = isDroppedNode[parent] || Self.dropsElement(at: index, in: document, metrics: metrics)
        }
    }

    /// Whether the node at `index` or one of its ancestors is dropped.
    func isDropped(_ index: Int) -> Bool {
        isDroppedNode[index]
    }

    private static func dropsElement(at index: Int, in document: HTMLDocument, metrics: HTMLNodeMetrics) -> Bool {
        let node = document[index]
        guard let name = node.elementName else { return false }
        if droppedElements.contains(name) || isHidden(node) { return true }
        if name == "header", !document.hasAncestor(of: index, where: { $0.elementName.map(sectioningElements.contains) ?? false }) {
            return true
        }
        if let role = node.attribute("role"), droppedRoles.contains(role.lowercased()) { return true }
        let classNames = node.classNames
        let id = node.attribute("id")
        if classNames.contains(where: { droppedClasses.contains($0) }) || id.map(droppedIDs.contains) == true { return true }
        let isTableOfContents =
            classNames.contains { tableOfContentsNames.contains($0) } || id.map { tableOfContentsNames.contains($0.lowercased()) } == true
        return isTableOfContents && metrics.linkDensity(of: index) >= navigationLinkDensity
    }

    /// `hidden`, `aria-hidden="true"` or an inline style that hides the element.
    private static func isHidden(_ node: HTMLNode) -> Bool {
        if node.attribute("hidden") != nil { return true }
        if node.attribute("aria-hidden")?.trimmingCharacters(in: .whitespaces).lowercased() == "true" { return true }
        guard let style = node.attribute("style") else { return false }
        return style.lowercased().split(separator: ";").contains { declaration in
            let parts = declaration.split(separator: ":", maxSplits: 1).map { $0.filter { !$0.isWhitespace } }
            guard parts.count == 2 else { return false }
            let value = parts[1].replacingOccurrences(of: "!important", with: "")
            switch parts[0] {
            case "display": return value == "none"
            case "visibility": return value == "hidden" || value == "collapse"
            case "opacity": return Double(value) == 0
            case "font-size": return ["0", "0px", "0em", "0rem", "0pt", "0%"].contains(value)
            default: return false
            }
        }
    }
}
