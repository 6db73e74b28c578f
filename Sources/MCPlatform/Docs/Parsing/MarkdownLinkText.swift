/// Replaces Markdown links `[text](target)` and images `![alt](src)` by their text, in one
/// linear pass (a regular expression rescans the rest of the text from every `[` that opens no
/// link, which is quadratic on text full of brackets). Matches what
/// `!?\[([^\]]*)\]\(TARGET\)` → `$1` would, leftmost first.
enum MarkdownLinkText {
    /// What may stand between the parentheses.
    enum Target {
        /// Anything up to the first `)`: `[^)]*`.
        case anything
        /// An address without spaces, then optionally a quoted title: `[^)\s]*(?:\s+"[^"]*")?`.
        case addressAndTitle
    }

    static func replacingLinks(in text: String, target: Target) -> String {
        let scalars = Array(text.unicodeScalars)
        var closeBracket = ForwardSearch(scalars) { $0 == "]" }
        var closeParenthesis = ForwardSearch(scalars) { $0 == ")" }
        var addressEnd = ForwardSearch(scalars) { $0 == ")" || $0.properties.isWhitespace }
        var titleStart = ForwardSearch(scalars) { !$0.properties.isWhitespace }
        var quote = ForwardSearch(scalars) { $0 == "\"" }

        /// The end (its `)`) of a link whose `[` is at `start`, and where its text ends.
        func link(at start: Int) -> (close: Int, end: Int)? {
            let close = closeBracket.first(from: start + 1)
            guard close + 1 < scalars.count, scalars[close + 1] == "(" else { return nil }
            switch target {
            case .anything:
                let end = closeParenthesis.first(from: close + 2)
                return end < scalars.count ? (close, end) : nil
            case .addressAndTitle:
                let stop = addressEnd.first(from: close + 2)
                guard stop < scalars.count else { return nil }
                if scalars[stop] == ")" { return (close, stop) }
                let title = titleStart.first(from: stop)
                guard title < scalars.count, scalars[title] == "\"" else { return nil }
                let endQuote = quote.first(from: title + 1)
                guard endQuote + 1 < scalars.count, scalars[endQuote + 1] == ")" else { return nil }
                return (close, endQuote + 1)
            }
        }

        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let start = scalars[index] == "!" && index + 1 < scalars.count && scalars[index + 1] == "[" ? index + 1 : index
            if scalars[start] == "[", let (close, end) = link(at: start) {
                result.append(contentsOf: scalars[(start + 1)..<close])
                index = end + 1
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(result)
    }

    /// The first position from a given one whose scalar matches, for positions that only grow:
    /// each scalar is looked at about once over all searches.
    private struct ForwardSearch {
        let scalars: [Unicode.Scalar]
        let matches: (Unicode.Scalar) -> Bool
        private var from = 0
        private var found = -1

        init(_ scalars: [Unicode.Scalar], matches: @escaping (Unicode.Scalar) -> Bool) {
            self.scalars = scalars
            self.matches = matches
        }

        /// The first match at or after `start`, or the count when there is none.
        mutating func first(from start: Int) -> Int {
            if from <= start, start <= found { return found }
            var position = start
            while position < scalars.count, !matches(scalars[position]) { position += 1 }
            (from, found) = (start, position)
            return position
        }
    }
}
