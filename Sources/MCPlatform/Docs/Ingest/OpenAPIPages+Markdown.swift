import Foundation

extension OpenAPIPages {
    /// Accumulates one page's Markdown up to ``limit`` bytes; blocks that would pass the limit are
    /// dropped whole (so a code fence is never cut) and the page is marked truncated.
    struct PageWriter {
        static let limit = 200_000

        private(set) var text = ""
        private(set) var isFull = false

        /// Appends a block (one or more lines) followed by a line break.
        mutating func line(_ block: String) {
            guard !isFull else { return }
            guard text.utf8.count + block.utf8.count < Self.limit else {
                isFull = true
                return
            }
            text += block + "\n"
        }

        /// Appends a block followed by a blank line.
        mutating func paragraph(_ block: String) {
            line(block + "\n")
        }

        /// The page, with a note when content was dropped.
        var page: String {
            isFull ? text + "\n*(Page truncated: the rendering exceeded \(Self.limit / 1000) KB.)*\n" : text
        }
    }

    /// A fenced code block whose fence is longer than any backtick run in `code`, so the code stays verbatim.
    static func fenced(_ code: String, language: String) -> String {
        var longestRun = 0
        var run = 0
        for character in code {
            run = character == "`" ? run + 1 : 0
            longestRun = max(longestRun, run)
        }
        let fence = String(repeating: "`", count: max(3, longestRun + 1))
        return "\(fence)\(language)\n\(code)\n\(fence)"
    }

    /// Inline code that survives backticks in `text`.
    static func code(_ text: String) -> String {
        text.contains("`") ? "`` \(text) ``" : "`\(text)`"
    }

    /// A list item at `level`, with the continuation lines of `text` indented under it.
    static func listItem(_ text: String, level: Int) -> String {
        let indent = String(repeating: "  ", count: level)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            index == 0 ? "\(indent)- \(line)" : line.isEmpty ? "" : "\(indent)  \(line)"
        }.joined(separator: "\n")
    }

    /// A value as pretty-printed JSON, keys in document order.
    static func json(_ value: Value, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .string(let string): return jsonString(string)
        case .number(let number): return number
        case .bool(let bool): return String(bool)
        case .null: return "null"
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + json($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let object):
            guard !object.keys.isEmpty else { return "{}" }
            let members = object.entries.map { "\(inner)\(jsonString($0.key)): \(json($0.value, indent: inner))" }
            return "{\n" + members.joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    /// A JSON string literal.
    static func jsonString(_ string: String) -> String {
        var escaped = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
