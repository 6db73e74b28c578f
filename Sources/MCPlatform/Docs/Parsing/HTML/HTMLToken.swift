/// One token of an HTML document, as produced by `HTMLTokenizer`.
enum HTMLToken {
    case startTag(name: String, attributes: [HTMLAttribute], selfClosing: Bool)
    case endTag(name: String)
    case text(String)
}
