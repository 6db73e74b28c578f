/// A parsed HTML document: its nodes in document order, the root first.
///
/// Nodes are stored in the order their start tags appear, so a parent always comes before its children and
/// a plain scan over `nodes` visits the tree in pre-order.
struct HTMLDocument {
    static let rootIndex = 0

    private(set) var nodes = [HTMLNode(kind: .document, attributes: [], parent: nil)]

    subscript(index: Int) -> HTMLNode { nodes[index] }

    /// Adds a node as the last child of `parent` and returns its index.
    mutating func append(_ kind: HTMLNode.Kind, attributes: [HTMLAttribute] = [], to parent: Int) -> Int {
        let index = nodes.count
        nodes.append(HTMLNode(kind: kind, attributes: attributes, parent: parent))
        nodes[parent].children.append(index)
        return index
    }

    /// Indices of the elements named `name`, in document order.
    func elements(named name: String) -> [Int] {
        nodes.indices.filter { nodes[$0].elementName == name }
    }

    /// The concatenated text of the direct text children of `index`.
    func ownText(of index: Int) -> String {
        nodes[index].children.reduce(into: "") { text, child in
            if case .text(let content) = nodes[child].kind { text += content }
        }
    }

    /// Whether an ancestor of `index` satisfies `predicate`.
    func hasAncestor(of index: Int, where predicate: (HTMLNode) -> Bool) -> Bool {
        var current = nodes[index].parent
        while let ancestor = current {
            if predicate(nodes[ancestor]) { return true }
            current = nodes[ancestor].parent
        }
        return false
    }

    /// The first descendant of `index` in document order that satisfies `predicate`.
    func firstDescendant(of index: Int, where predicate: (HTMLNode) -> Bool) -> Int? {
        var pending = nodes[index].children.reversed() as [Int]
        while let candidate = pending.popLast() {
            if predicate(nodes[candidate]) { return candidate }
            pending.append(contentsOf: nodes[candidate].children.reversed())
        }
        return nil
    }
}
