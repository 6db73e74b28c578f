import Foundation
import HTTPTypes
import MCP

/// A request on a modern (stateless) revision, checked against what the revision requires of
/// every POST: the `_meta` fields that replace the `initialize` handshake, and the HTTP headers
/// that mirror the body (Streamable HTTP, "Request Metadata" and "Server Validation").
struct ModernRequest: Sendable, Equatable {
    let protocolVersion: String
    let clientName: String?
    let clientVersion: String?
    /// The minimum level of log messages the client wants with this request's answer
    /// (`_meta` `logLevel`); nil: none.
    let logLevel: LogLevel?

    static let protocolVersionKey = "io.modelcontextprotocol/protocolVersion"
    static let clientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"
    static let logLevelKey = "io.modelcontextprotocol/logLevel"

    /// The body field `Mcp-Name` mirrors, for the methods that require the header.
    static let namedBy = ["tools/call": "name", "prompts/get": "name", "resources/read": "uri"]

    /// Validates request `method` with `params` against `headers`: a missing required `_meta`
    /// field is -32602 and any header problem -32020, both answered with 400.
    static func validate(method: String, params: Value?, headers: HTTPFields) -> Result<ModernRequest, JSONRPCError> {
        guard let methodHeader = headers[.mcpMethod] else { return .failure(.headerMismatch("the Mcp-Method header is required")) }
        guard methodHeader == method else {
            return .failure(
                .headerMismatch("Mcp-Method '\(methodHeader.prefix(100))' does not match the body's method '\(method.prefix(100))'"))
        }
        let meta = params?.objectValue?["_meta"]?.objectValue ?? [:]
        guard let version = meta[protocolVersionKey]?.stringValue, meta[clientCapabilitiesKey]?.objectValue != nil else {
            return .failure(
                .invalidParams("_meta must carry '\(protocolVersionKey)' (a string) and '\(clientCapabilitiesKey)' (an object)"))
        }
        let versionHeader = headers[.mcpProtocolVersion] ?? ""
        guard version == versionHeader else {
            return .failure(
                .headerMismatch(
                    "MCP-Protocol-Version '\(versionHeader.prefix(40))' does not match _meta's protocolVersion '\(version.prefix(40))'"))
        }
        if let field = namedBy[method] {
            guard let nameHeader = headers[.mcpName] else {
                return .failure(.headerMismatch("the Mcp-Name header is required for \(method)"))
            }
            guard let name = decodeHeaderValue(nameHeader) else { return .failure(.headerMismatch("Mcp-Name is not valid base64")) }
            guard name == params?.objectValue?[field]?.stringValue else {
                return .failure(.headerMismatch("Mcp-Name '\(name.prefix(200))' does not match params.\(field)"))
            }
        }
        let clientInfo = meta[clientInfoKey]?.objectValue
        return .success(
            ModernRequest(
                protocolVersion: version, clientName: clientInfo?["name"]?.stringValue.map { String($0.prefix(200)) },
                clientVersion: clientInfo?["version"]?.stringValue.map { String($0.prefix(100)) },
                logLevel: meta[logLevelKey]?.stringValue.flatMap(LogLevel.init(rawValue:))))
    }

    /// A header value as sent: plain, or `=?base64?…?=` for values that are not plain ASCII
    /// (Streamable HTTP, "Value Encoding"); nil when the base64 or its UTF-8 is invalid.
    static func decodeHeaderValue(_ value: String) -> String? {
        let prefix = "=?base64?"
        let suffix = "?="
        guard value.hasPrefix(prefix), value.hasSuffix(suffix), value.count >= prefix.count + suffix.count else { return value }
        guard let data = Data(base64Encoded: String(value.dropFirst(prefix.count).dropLast(suffix.count))) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}

extension HTTPField.Name {
    static let mcpMethod = Self("Mcp-Method")!
    static let mcpName = Self("Mcp-Name")!
}
