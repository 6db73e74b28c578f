/// Per-node sizes computed in one pass over a document, for the decisions that depend on a whole subtree.
struct HTMLNodeMetrics {
    /// UTF-8 length of all text in each node's subtree.
    private(set) var textLength: [Int]
    /// UTF-8 length of the text inside links in each node's subtree.
    private(set) var linkTextLength: [Int]
    /// Whether each node has a block-level element among its descendants.
    private(set) var hasBlockDescendant: [Bool]

    init(_ document: HTMLDocument) {
        let count = document.nodes.count
        var isInsideLink = [Bool](repeating: false, count: count)
        for index in 1..<count {
            let parent = document[index].parent ?? HTMLDocument.rootIndex
            isInsideLink[index] = isInsideLink[parent] || document[parent].elementName == "a"
        }
        textLength = [Int](repeating: 0, count: count)
        linkTextLength = [Int](repeating: 0, count: count)
        hasBlockDescendant = [Bool](repeating: false, count: count)
        for index in (1..<count).reversed() {
            let node = document[index]
            if case .text(let text) = node.kind {
                textLength[index] = text.utf8.count
                if isInsideLink[index] { linkTextLength[index] = textLength[index] }
            }
            let parent = node.parent ?? HTMLDocument.rootIndex
            textLength[parent] += textLength[index]
            linkTextLength[parent] += linkTextLength[index]
            if node.isBlockElement || hasBlockDescendant[index] { hasBlockDescendant[parent] = true }
        }
    }

    /// The share of a subtree's text that is link text, 0 for a subtree without text.
    func linkDensity(of index: Int) -> Double {
        textLength[index] == 0 ? 0 : Double(linkTextLength[index]) / Double(textLength[index])
    }
}
