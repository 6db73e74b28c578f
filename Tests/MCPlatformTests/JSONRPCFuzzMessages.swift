import PropertyBased

/// Random JSON-RPC traffic as text: messages whose every field may be missing, mistyped or
/// extreme (huge numbers, lone surrogates, NUL, data URLs, deep values), sometimes batched,
/// sometimes cut short.
enum JSONRPCFuzzMessages {
    static var bodies: Generator<[UInt8], Shrink.None<[UInt8]>> {
        Generator { rng in
            var text =
                Int.random(in: 0..<5, using: &rng) == 0
                ? "[" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in message(using: &rng) }.joined(separator: ",") + "]"
                : message(using: &rng)
            if Int.random(in: 0..<6, using: &rng) == 0 { text = String(text.prefix(Int.random(in: 0...text.count, using: &rng))) }
            return Array(text.utf8)
        }
    }

    static let methods = [
        "initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/templates/list", "resources/read",
        "resources/subscribe", "prompts/list", "prompts/get", "completion/complete", "logging/setLevel", "notifications/initialized",
        "notifications/cancelled", "notifications/roots/list_changed", "unknown/method", "",
    ]

    static func message(using rng: inout some RandomNumberGenerator) -> String {
        var fields: [String] = []
        if Int.random(in: 0..<10, using: &rng) < 8 {
            fields.append(#""jsonrpc":"# + (Int.random(in: 0..<8, using: &rng) == 0 ? value(depth: 1, using: &rng) : #""2.0""#))
        }
        if Int.random(in: 0..<10, using: &rng) < 7 {
            let ids = [#""id-1""#, "7", "-1", "0", "1.5", "1e999", "99999999999999999999999", "null", "true", #""data:,1""#, "{}", "[]"]
            fields.append(#""id":"# + ids.randomElement(using: &rng)!)
        }
        if Int.random(in: 0..<10, using: &rng) < 8 {
            let method =
                Int.random(in: 0..<6, using: &rng) == 0 ? value(depth: 1, using: &rng) : string(methods.randomElement(using: &rng)!)
            fields.append(#""method":"# + method)
        }
        if Int.random(in: 0..<10, using: &rng) < 6 { fields.append(#""params":"# + params(using: &rng)) }
        if Int.random(in: 0..<10, using: &rng) == 0 { fields.append(#""result":"# + value(depth: 2, using: &rng)) }
        if Int.random(in: 0..<10, using: &rng) == 0 { fields.append(#""error":"# + value(depth: 2, using: &rng)) }
        return "{" + fields.shuffled(using: &rng).joined(separator: ",") + "}"
    }

    /// Params with the names handlers look for, holding anything.
    private static func params(using rng: inout some RandomNumberGenerator) -> String {
        guard Int.random(in: 0..<4, using: &rng) > 0 else { return value(depth: 3, using: &rng) }
        let names = [
            "name", "arguments", "uri", "cursor", "level", "protocolVersion", "capabilities", "clientInfo", "requestId", "query",
            "ref", "argument", "_meta", "progressToken", "slug", "limit",
        ]
        let fields = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
            string(names.randomElement(using: &rng)!) + ":" + value(depth: 3, using: &rng)
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Any JSON value, nested up to `depth`.
    static func value(depth: Int, using rng: inout some RandomNumberGenerator) -> String {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 7), using: &rng) {
        case 0: return "null"
        case 1: return Bool.random(using: &rng) ? "true" : "false"
        case 2:
            return ["0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775809", "1e308", "1e-400", "2.5"].randomElement(
                using: &rng)!
        case 3, 4: return string(randomText(using: &rng))
        case 5: return #""\ud800""#
        case 6: return string("data:text/plain;base64,aGk=")
        case 7:
            return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) }.joined(separator: ",")
                + "]"
        default:
            let fields = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                string(randomText(using: &rng)) + ":" + value(depth: depth - 1, using: &rng)
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    private static func randomText(using rng: inout some RandomNumberGenerator) -> String {
        let pieces = ["about", "search_docs", "docs://", "a", "é", "\u{0}", "\"", "\\", "\n", "💻", "\u{202E}", "<script>", " "]
        return (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    /// `text` as a JSON string.
    static func string(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20:
                escaped +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
