import Foundation

/// Writes comma-separated values as RFC 4180 describes them (CRLF line ends; a field holding a
/// comma, a quote, CR or LF is quoted, its quotes doubled) and safe to open in a spreadsheet: a
/// text cell that starts with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`, so that no
/// query an end user typed runs as a formula. Numbers are written as numbers.
struct CSVWriter: Sendable {
    /// A cell: text (neutralized) or a number (written as is, negative ones included).
    enum Cell: Sendable, ExpressibleByStringLiteral {
        case text(String)
        case number(String)

        init(stringLiteral value: String) { self = .text(value) }

        static func int(_ value: Int) -> Cell { .number(String(value)) }
        static func int64(_ value: Int64) -> Cell { .number(String(value)) }
        /// A number with at most `decimals` decimals; empty when nil.
        static func decimal(_ value: Double?, decimals: Int = 1) -> Cell {
            guard let value, value.isFinite else { return .text("") }
            return .number(String(format: "%.\(decimals)f", value))
        }
    }

    private(set) var text = ""

    init(header: [String]) {
        append(header.map(Cell.text))
    }

    mutating func append(_ row: [Cell]) {
        text += row.map(Self.field).joined(separator: ",") + "\r\n"
    }

    static func field(_ cell: Cell) -> String {
        var value: String
        switch cell {
        case .number(let number): value = number
        case .text(let text):
            value = text
            if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + text }
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
