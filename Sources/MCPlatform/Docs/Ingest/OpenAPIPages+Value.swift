import Foundation
import Yams

extension OpenAPIPages {
    /// A JSON or YAML value, with mapping keys kept in document order.
    enum Value: Sendable {
        case string(String)
        /// A number, kept as written.
        case number(String)
        case bool(Bool)
        case null
        case array([Value])
        case object(Object)

        /// The member `key` when this is an object.
        subscript(key: String) -> Value? {
            if case .object(let object) = self { object[key] } else { nil }
        }

        /// Scalars as text (numbers and booleans as written); nil for null, arrays and objects.
        var text: String? {
            switch self {
            case .string(let string), .number(let string): string
            case .bool(let bool): String(bool)
            case .null, .array, .object: nil
            }
        }

        /// A non-empty string value, trimmed.
        var nonEmptyString: String? {
            guard case .string(let string) = self else { return nil }
            let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }

        var isTrue: Bool {
            if case .bool(true) = self { true } else { false }
        }

        var array: [Value]? {
            if case .array(let array) = self { array } else { nil }
        }

        var object: Object? {
            if case .object(let object) = self { object } else { nil }
        }
    }

    /// A JSON object / YAML mapping whose keys keep their document order.
    struct Object: Sendable {
        private(set) var keys: [String] = []
        private var members: [String: Value] = [:]

        subscript(key: String) -> Value? { members[key] }

        /// Members in document order.
        var entries: [(key: String, value: Value)] {
            keys.compactMap { key in members[key].map { (key, $0) } }
        }

        /// Sets a member; a repeated key keeps its first position and its last value.
        mutating func set(_ value: Value, for key: String) {
            if members.updateValue(value, forKey: key) == nil { keys.append(key) }
        }
    }
}

// MARK: Loading

extension OpenAPIPages {
    /// Most YAML/JSON nodes a document may hold once aliases are expanded.
    static let maxNodes = 2_000_000
    /// Deepest flow (`[`/`{`) or compact-sequence nesting accepted before parsing.
    static let maxNesting = 200

    /// Parses JSON or YAML text (JSON is read as YAML) into a ``Value``.
    static func load(_ data: Data) throws(IngestError) -> Value {
        guard let text = String(data: data, encoding: .utf8) else {
            throw .sourceUnavailable("not JSON or YAML: the data is not UTF-8 text")
        }
        try checkNesting(Array(data))
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            let reason = "\(error)".split(separator: "\n").first.map(String.init) ?? "parse error"
            throw .sourceUnavailable("not JSON or YAML: \(reason)")
        }
        guard let node else { throw .sourceUnavailable("not JSON or YAML: the document is empty") }
        var budget = maxNodes
        return try value(of: node, budget: &budget)
    }

    /// Converts a composed YAML node, counting every node (aliases count each time they are used).
    private static func value(of node: Node, budget: inout Int) throws(IngestError) -> Value {
        budget -= 1
        guard budget >= 0 else {
            throw .sourceUnavailable("the document expands to more than \(maxNodes) YAML nodes (anchor/alias blow-up?)")
        }
        switch node {
        case .scalar(let scalar):
            return value(of: scalar)
        case .sequence(let sequence):
            var items: [Value] = []
            for item in sequence { items.append(try value(of: item, budget: &budget)) }
            return .array(items)
        case .mapping(let mapping):
            var object = Object()
            for (key, member) in mapping {
                object.set(try value(of: member, budget: &budget), for: key.scalar?.string ?? "(complex key)")
            }
            return .object(object)
        case .alias:
            return .null
        }
    }

    /// A scalar typed by the YAML 1.2 core schema: quoted or `!!str` scalars stay strings.
    private static func value(of scalar: Node.Scalar) -> Value {
        let text = scalar.string
        guard scalar.style == .plain, scalar.tag.rawValue != Tag.Name.str.rawValue else { return .string(text) }
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "", "~", "null", "Null", "NULL": return .null
        default:
            let looksNumeric = text.first.map { $0.isNumber || "+-.".contains($0) } ?? false
            return looksNumeric && Double(text) != nil ? .number(text) : .string(text)
        }
    }

    /// Rejects deeply nested flow collections (`[[[[…`) or compact sequences (`- - - …`) before the
    /// recursive YAML composer sees them, and aliases used as mapping keys (which the composer hashes
    /// fully, so an alias blow-up there would never finish).
    ///
    /// A light lexer: it skips quoted strings and comments, counts brackets that open a flow collection,
    /// and resets at each top-level block key. It can overcount on odd text, never undercount real nesting.
    static func checkNesting(_ bytes: [UInt8]) throws(IngestError) {
        var lexer = NestingLexer()
        for index in bytes.indices {
            switch lexer.consume(bytes, at: index) {
            case .fine: continue
            case .tooDeep:
                throw .sourceUnavailable("the document nests deeper than \(maxNesting) levels")
            case .aliasKey:
                throw .sourceUnavailable("YAML aliases used as mapping keys are not supported")
            }
        }
    }
}

/// The state of ``OpenAPIPages/checkNesting(_:)`` between bytes.
private struct NestingLexer {
    enum Verdict { case fine, tooDeep, aliasKey }
    private enum Mode { case plain, doubleQuoted, singleQuoted, comment, escaped, alias }

    private var mode = Mode.plain
    private var flowDepth = 0
    private var sequenceChain = 0
    /// The last significant byte on the line, or nil at the start of a line.
    private var previous: UInt8?
    private var previousWasSpace = true
    private var atColumnZero = true

    mutating func consume(_ bytes: [UInt8], at index: Int) -> Verdict {
        let byte = bytes[index]
        switch mode {
        case .escaped:
            mode = .doubleQuoted
        case .doubleQuoted:
            if byte == UInt8(ascii: "\\") { mode = .escaped } else if byte == UInt8(ascii: "\"") { closeQuote(byte) }
        case .singleQuoted:
            if byte == UInt8(ascii: "'") { closeQuote(byte) }
        case .comment:
            if byte == UInt8(ascii: "\n") { startLine() }
        case .alias:
            return afterAlias(byte)
        case .plain:
            return plain(byte, next: index + 1 < bytes.count ? bytes[index + 1] : nil)
        }
        return .fine
    }

    private mutating func plain(_ byte: UInt8, next: UInt8?) -> Verdict {
        let atTokenStart = previous.map { ":,[{?-".utf8.contains($0) } ?? true
        defer { atColumnZero = false }
        switch byte {
        case UInt8(ascii: "\n"):
            startLine()
            return .fine
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
            previousWasSpace = true
            return .fine
        case UInt8(ascii: "#") where previousWasSpace:
            mode = .comment
        case UInt8(ascii: "\"") where atTokenStart:
            mode = .doubleQuoted
        case UInt8(ascii: "'") where atTokenStart:
            mode = .singleQuoted
        case UInt8(ascii: "*") where atTokenStart:
            if previous == UInt8(ascii: "?") { return .aliasKey }
            mode = .alias
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            if flowDepth > 0 || atTokenStart { flowDepth += 1 }
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
            flowDepth = max(0, flowDepth - 1)
        case UInt8(ascii: "-") where (previous == nil || previous == UInt8(ascii: "-")) && (next == UInt8(ascii: " ") || next == nil):
            sequenceChain += 1
        default:
            // A top-level block key ends any flow collection the lexer may have miscounted.
            if atColumnZero, byte.isLetter { flowDepth = 0 }
        }
        previous = byte
        previousWasSpace = false
        return flowDepth > OpenAPIPages.maxNesting || sequenceChain > OpenAPIPages.maxNesting ? .tooDeep : .fine
    }

    /// Inside an alias name; at its end, a following `:` means the alias is a mapping key.
    private mutating func afterAlias(_ byte: UInt8) -> Verdict {
        switch byte {
        case UInt8(ascii: ":"):
            return .aliasKey
        case UInt8(ascii: "\n"), UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#"):
            mode = .plain
            return plain(byte, next: nil)
        default:
            return .fine
        }
    }

    private mutating func closeQuote(_ byte: UInt8) {
        mode = .plain
        previous = byte
        previousWasSpace = false
    }

    private mutating func startLine() {
        mode = .plain
        previous = nil
        previousWasSpace = true
        atColumnZero = true
        sequenceChain = 0
    }
}

extension UInt8 {
    fileprivate var isLetter: Bool { (65...90).contains(self) || (97...122).contains(self) }
}
