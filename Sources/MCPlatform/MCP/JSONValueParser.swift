import MCP

/// Parses a request body into a JSON value in one linear pass, nesting at most
/// ``maximumDepth`` deep. Unlike decoding `Value` with `JSONDecoder` (whose failed attempts at
/// each type rebuild the coding path, cubic in the nesting), a small deeply nested body costs
/// no more than a flat one; and strings stay strings (`Value`'s decoder turns any that looks
/// like a `data:` URL into bytes, so an id or argument `"data:,1"` would not be a string).
struct JSONValueParser {
    /// Deeper than any MCP message needs; tool arguments are objects of a few levels.
    static let maximumDepth = 64

    /// Why a body is not JSON: what was expected, and the byte offset.
    struct Failure: Error, Sendable, CustomStringConvertible {
        let offset: Int
        let reason: String

        var description: String { "\(reason) at byte \(offset)" }
    }

    private let bytes: [UInt8]
    private var position = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The value of `body`, which must hold exactly one JSON value (surrounding whitespace and a
    /// leading byte order mark allowed).
    static func parse(_ body: some Collection<UInt8>) throws(Failure) -> Value {
        var parser = JSONValueParser(Array(body))
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.position = 3 }  // a byte order mark
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else { throw parser.failure("unexpected data after the value") }
        return value
    }

    private mutating func value(depth: Int) throws(Failure) -> Value {
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of data") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> Value {
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var object: [String: Value] = [:]
        skipWhitespace()
        if consume("}") { return .object(object) }
        while true {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let key = try string()
            skipWhitespace()
            guard consume(":") else { throw failure("expected ':'") }
            object[key] = try value(depth: depth)
            if try endOfList("}") { return .object(object) }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> Value {
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var array: [Value] = []
        skipWhitespace()
        if consume("]") { return .array(array) }
        while true {
            array.append(try value(depth: depth))
            if try endOfList("]") { return .array(array) }
        }
    }

    /// After a member or element: true at the closing `end`, false after a `,` that more
    /// follows. A trailing comma before `end` is accepted, as Foundation's parsers (which the
    /// endpoint used before) accept it.
    private mutating func endOfList(_ end: Unicode.Scalar) throws(Failure) -> Bool {
        skipWhitespace()
        if consume(end) { return true }
        guard consume(",") else { throw failure("expected ',' or '\(end)'") }
        skipWhitespace()
        return consume(end)
    }

    /// A string from its opening quote: escapes decoded, valid UTF-8, no raw control characters.
    private mutating func string() throws(Failure) -> String {
        position += 1
        var utf8: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: utf8, as: UTF8.self) else { throw failure("invalid UTF-8 in a string") }
                return string
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case ..<0x20:
                throw failure("a control character in a string")
            default:
                utf8.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    /// The escape after a backslash, appended as UTF-8.
    private mutating func escape(into utf8: inout [UInt8]) throws(Failure) {
        guard position < bytes.count else { throw failure("unterminated string") }
        let byte = bytes[position]
        position += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"), UInt8(ascii: "/"): UInt8(ascii: "/"),
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let character = simple[byte] {
            utf8.append(character)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw failure("invalid escape") }
        var scalar = try hexQuad()
        if (0xD800..<0xDC00).contains(scalar) {
            guard consume("\\"), consume("u") else { throw failure("a lone surrogate") }
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw failure("a lone surrogate") }
        utf8.append(contentsOf: String(Character(unicode)).utf8)
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count, bytes[position..<position + 4].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
            let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
        else { throw failure("invalid \\u escape") }
        position += 4
        return value
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`: an `.int` when integral and in range,
    /// else a finite `.double`.
    private mutating func number() throws(Failure) -> Value {
        let start = position
        _ = consume("-")
        let integerStart = position
        guard digits() > 0 else { throw failure("unexpected character") }
        guard bytes[integerStart] != UInt8(ascii: "0") || position - integerStart == 1 else { throw failure("a leading zero") }
        var integral = true
        if consume(".") {
            integral = false
            guard digits() > 0 else { throw failure("expected digits after '.'") }
        }
        if consume("e") || consume("E") {
            integral = false
            if !consume("+") { _ = consume("-") }
            guard digits() > 0 else { throw failure("expected exponent digits") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if integral, let int = Int(text) { return .int(int) }
        guard let double = Double(text), double.isFinite else { throw failure("a number out of range") }
        return .double(double)
    }

    /// How many digits were skipped.
    private mutating func digits() -> Int {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position - start
    }

    private mutating func literal(_ word: String, _ value: Value) throws(Failure) -> Value {
        guard bytes[position...].starts(with: word.utf8) else { throw failure("unexpected character") }
        position += word.utf8.count
        return value
    }

    private mutating func consume(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private func failure(_ reason: String) -> Failure {
        Failure(offset: position, reason: reason)
    }
}
