import Foundation
import MCP

extension FuzzTarget {
    /// The endpoint's parser reads JSON as a reference parser (`JSONSerialization`) does, but for
    /// nesting deeper than it allows; its messages are each classified, and one the reference
    /// sees as a well-formed request is accepted as that request; every refusal encodes as a
    /// JSON-RPC error reply; a request's id comes back unchanged in its reply.
    static func checkJSONRPC(_ body: [UInt8]) throws(FuzzViolation) {
        // The reference guesses UTF-16 and UTF-32 from NUL bytes, which no JSON body has.
        let reference = body.contains(0) ? nil : try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        let value: Value
        do {
            value = try JSONValueParser.parse(body)
        } catch {
            try FuzzViolation.require(
                reference == nil || error.reason.hasPrefix("nested deeper"), "JSON the reference reads was refused: \(error)")
            return
        }
        try FuzzViolation.require(reference != nil || body.contains(0), "JSON the reference refuses was accepted")
        let messages: [Value] = if case .array(let batch) = value { batch } else { [value] }
        let references: [Any?] = if let batch = reference as? [Any] { batch } else { [reference] }
        for (message, reference) in zip(messages, references + Array(repeating: nil, count: messages.count)) {
            let expected = reference.flatMap(ReferenceRequest.init)
            switch IncomingMessage.classify(message) {
            case .success(.request(let id, let method, _)):
                try FuzzViolation.require(!method.isEmpty, "a request was accepted without a method")
                if let expected {
                    try FuzzViolation.require(
                        expected.id == id && expected.method == method, "request \(expected) was read as \(id) \(method)")
                }
                try FuzzViolation.require(
                    try replyID(JSONRPCResponse(id: id, outcome: .result(Value.object([:])))) == id, "the reply does not carry id \(id)")
            case .success(.notification(let method, _)):
                try FuzzViolation.require(!method.isEmpty, "a notification was accepted without a method")
                try FuzzViolation.require(expected == nil, "request \(String(describing: expected)) was read as a notification")
            case .success(.response):
                try FuzzViolation.require(expected == nil, "request \(String(describing: expected)) was read as a response")
            case .failure(let failure):
                try FuzzViolation.require(expected == nil, "request \(String(describing: expected)) was refused: \(failure.error.message)")
                _ = try replyID(JSONRPCResponse(id: failure.id, outcome: .error(failure.error)))
            }
        }
    }

    /// The id of an encoded reply, as a client reads it back.
    private static func replyID(_ response: JSONRPCResponse) throws(FuzzViolation) -> ID? {
        guard let data = try? JSONEncoder().encode(response), let reply = try? JSONDecoder().decode(Reply.self, from: data),
            reply.jsonrpc == "2.0", (reply.result != nil) != (reply.error != nil)
        else { throw FuzzViolation("a reply does not encode as JSON-RPC 2.0") }
        return reply.id
    }

    /// What a client reads of a reply.
    private struct Reply: Decodable {
        let jsonrpc: String
        let id: ID?
        let result: [String: Int]?
        let error: ErrorObject?

        struct ErrorObject: Decodable {
            let code: Int
            let message: String
        }
    }

    /// A well-formed JSON-RPC request (string id, non-empty method, object or array
    /// params) as a reference parser reads it.
    private struct ReferenceRequest: CustomStringConvertible {
        let id: ID
        let method: String

        init?(_ object: Any) {
            guard let object = object as? [String: Any], object["jsonrpc"] as? String == "2.0",
                let method = object["method"] as? String, !method.isEmpty,
                object["params"] == nil || object["params"] is [String: Any] || object["params"] is [Any]
            else { return nil }
            // Numeric ids are left out: a reference parser cannot tell 1 from 1.0.
            guard let id = object["id"] as? String else { return nil }
            self.id = .string(id)
            self.method = method
        }

        var description: String { "\(id) \(method)" }
    }
}
