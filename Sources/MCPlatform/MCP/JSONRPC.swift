import MCP

/// A JSON-RPC 2.0 error object, as sent in an MCP response.
public struct JSONRPCError: Error, Sendable, Encodable, Equatable {
    public let code: Int
    public let message: String
    public let data: Value?

    public init(code: Int, message: String, data: Value? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    /// MCP's "Resource not found" (revisions up to 2025-11-25; -32602 from 2026-07-28 on).
    public static let resourceNotFoundCode = -32002
    /// 2026-07-28: HTTP headers missing, malformed, or not matching the body.
    public static let headerMismatchCode = -32020
    /// 2026-07-28: the request's protocol version is not one the server speaks.
    public static let unsupportedProtocolVersionCode = -32022

    public static func parseError(_ detail: String) -> Self {
        Self(code: parseErrorCode, message: "Parse error: \(detail)")
    }

    public static func invalidRequest(_ detail: String, data: Value? = nil) -> Self {
        Self(code: invalidRequestCode, message: "Invalid Request: \(detail)", data: data)
    }

    public static func methodNotFound(_ method: String) -> Self {
        Self(code: methodNotFoundCode, message: "Method not found: \(method)")
    }

    public static func invalidParams(_ detail: String) -> Self {
        Self(code: invalidParamsCode, message: "Invalid params: \(detail)")
    }

    public static func headerMismatch(_ detail: String) -> Self {
        Self(code: headerMismatchCode, message: "Header mismatch: \(detail)")
    }

    /// `requested` is not a revision we speak; `data` lists those we do (2026-07-28 versioning).
    public static func unsupportedProtocolVersion(_ requested: String) -> Self {
        let requested = String(requested.prefix(40))
        return Self(
            code: unsupportedProtocolVersionCode,
            message: "Unsupported protocol version '\(requested)'; supported: \(ProtocolVersion.supported.joined(separator: ", "))",
            data: ["supported": .array(ProtocolVersion.supported.map(Value.string)), "requested": .string(requested)])
    }

    public static func internalError(requestID: String) -> Self {
        Self(code: internalErrorCode, message: "Internal error (request id \(requestID))")
    }
}

/// A message received from an MCP client, classified by its JSON-RPC shape.
enum IncomingMessage: Sendable {
    case request(id: ID, method: String, params: Value?)
    case notification(method: String, params: Value?)
    /// The client's answer to a request the server sent.
    case response(id: ID)

    /// Classifies one decoded JSON value, or explains (with the id when there is one) why it is not
    /// a JSON-RPC 2.0 message.
    static func classify(_ value: Value) -> Result<IncomingMessage, MessageError> {
        guard case .object(let object) = value else {
            return .failure(MessageError(id: nil, error: .invalidRequest("expected a JSON-RPC object")))
        }
        let id: ID?
        switch object["id"] {
        case nil: id = nil
        case .string(let string)?: id = .string(string)
        case .int(let number)?: id = .number(number)
        default:
            return .failure(MessageError(id: nil, error: .invalidRequest("'id' must be a string or an integer")))
        }
        guard object["jsonrpc"] == .string("2.0") else {
            return .failure(MessageError(id: id, error: .invalidRequest("'jsonrpc' must be \"2.0\"")))
        }
        if let method = object["method"] {
            guard case .string(let name) = method, !name.isEmpty else {
                return .failure(MessageError(id: id, error: .invalidRequest("'method' must be a non-empty string")))
            }
            let params = object["params"]
            if let params, params.objectValue == nil, params.arrayValue == nil {
                return .failure(MessageError(id: id, error: .invalidRequest("'params' must be an object")))
            }
            if let id { return .success(.request(id: id, method: name, params: params)) }
            return .success(.notification(method: name, params: params))
        }
        if let id, object["result"] != nil || object["error"] != nil {
            return .success(.response(id: id))
        }
        return .failure(MessageError(id: id, error: .invalidRequest("a message needs 'method', or 'result'/'error' with 'id'")))
    }
}

/// A message that could not be accepted, with the request id to answer to when known.
struct MessageError: Error, Sendable {
    let id: ID?
    let error: JSONRPCError
}

/// The JSON-RPC envelope of an answer: a result or an error for one request id.
struct JSONRPCResponse: Encodable, Sendable {
    let id: ID?
    let outcome: Outcome

    enum Outcome: Sendable {
        case result(any Encodable & Sendable)
        case error(JSONRPCError)
    }

    private enum CodingKeys: String, CodingKey {
        case jsonrpc, id, result, error
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("2.0", forKey: .jsonrpc)
        if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
        switch outcome {
        case .result(let result): try result.encode(to: container.superEncoder(forKey: .result))
        case .error(let error): try container.encode(error, forKey: .error)
        }
    }
}

extension JSONRPCResponse {
    /// Whether ``write(to:)`` can write this answer (else it goes through `JSONEncoder`).
    var isDirect: Bool {
        switch outcome {
        case .error: true
        case .result(let result): (result as? ModernResult)?.isDirect ?? (result is any DirectJSONResult)
        }
    }

    /// Writes the envelope and its result with ``JSONWriter``; only when ``isDirect``.
    func write(to writer: inout JSONWriter) throws {
        var object = writer.beginObject()
        object.member("jsonrpc", &writer) { $0.write("2.0") }
        object.member("id", &writer) { writer in
            switch id {
            case .string(let text)?: writer.write(text)
            case .number(let number)?: writer.write(.int(number))
            case nil: writer.write(.null)
            }
        }
        switch outcome {
        case .result(let value as Value):
            object.member("result", &writer) { $0.write(value) }
        case .result(let result as any DirectJSONResult):
            try object.member("result", &writer) { try result.writeJSON(to: &$0) }
        case .result:
            preconditionFailure("not a direct result: check isDirect first")
        case .error(let error):
            object.member("error", &writer) { writer in
                var fields = writer.beginObject()
                fields.member("code", &writer) { $0.write(.int(error.code)) }
                fields.member("message", &writer) { $0.write(error.message) }
                if let data = error.data { fields.member("data", &writer) { $0.write(data) } }
                writer.endObject()
            }
        }
        writer.endObject()
    }
}
