/// The lines of Markdown, each with whether it belongs to a fenced code block: the one place
/// that knows where fences open and close.
enum MarkdownLine {
    /// A line of ordinary Markdown.
    case text(Substring)
    /// A line opening or closing a fence (```` ```swift ````, `~~~`).
    case fence(Substring)
    /// A line inside a fence, verbatim.
    case code(Substring)

    /// The line's text, whatever its kind.
    var line: Substring {
        switch self {
        case .text(let line), .fence(let line), .code(let line): line
        }
    }

    /// Classifies every line of `markdown`.
    static func lines(of markdown: some StringProtocol) -> [MarkdownLine] {
        var fence: Substring?
        return markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let line = Substring(line)
            let trimmed = line.drop(while: { $0 == " " })
            if let open = fence {
                guard trimmed.hasPrefix(open), trimmed.drop(while: { $0 == open.first }).allSatisfy(\.isWhitespace) else {
                    return .code(line)
                }
                fence = nil
                return .fence(line)
            }
            if line.prefix(while: { $0 == " " }).count < 4, let marker = DocumentParser.fenceMarker(trimmed) {
                fence = marker
                return .fence(line)
            }
            return .text(line)
        }
    }
}
