import Foundation
import MCP

/// `tools/list` and `prompts/list` (paginated), `prompts/get` and `logging/setLevel`.
extension MCPMethodHandler {
    func listTools(params: Value?, server: TenantServer) async throws -> ToolList {
        let tools = try await platform.tools.registered(for: server, platform: platform)
        let page = try PageCursor.page(of: tools, cursor: Self.cursor(in: params))
        return ToolList(tools: page.items, nextCursor: page.nextCursor)
    }

    /// A list request's `cursor`, read from the params as parsed (what decoding
    /// `ListTools.Parameters` checks, without a round trip through JSON text).
    static func cursor(in params: Value?) throws -> String? {
        guard let params, params != .null else { return nil }
        guard let object = params.objectValue else { throw JSONRPCError.invalidParams("wrong type at params") }
        if let meta = object["_meta"], meta != .null, meta.objectValue == nil { throw JSONRPCError.invalidParams("wrong type at _meta") }
        switch object["cursor"] {
        case nil, .null?: return nil
        case .string(let cursor)?: return cursor
        default: throw JSONRPCError.invalidParams("wrong type at cursor")
        }
    }

    func listPrompts(params: Value?, server: TenantServer) async throws -> ListPrompts.Result {
        let request = try decodeParams(ListPrompts.Parameters.self, from: params)
        let prompts = try await platform.prompts.prompts(for: server, platform: platform)
        let page = try PageCursor.page(of: prompts, cursor: request.cursor)
        return ListPrompts.Result(prompts: page.items.map(\.definition), nextCursor: page.nextCursor)
    }

    func getPrompt(params: Value?, context: ToolContext, details: inout EventDetails) async throws -> GetPrompt.Result {
        let request = try decodeParams(GetPrompt.Parameters.self, from: params)
        details.summary = String(request.name.prefix(200))
        guard let prompt = try await platform.prompts.prompt(named: request.name, for: context.server, platform: platform) else {
            throw JSONRPCError.invalidParams("unknown prompt '\(request.name.prefix(100))'")
        }
        return try await prompt.get(arguments: request.arguments ?? [:], context: context)
    }

    /// Stores the session's minimum level; it applies from the next request on.
    func setLogLevel(params: Value?, session: MCPSession) async throws -> Value {
        let request = try decodeParams(SetLoggingLevel.Parameters.self, from: params)
        try await platform.sessions.setLogLevel(request.level, id: session.id, serverID: session.serverID)
        return .object([:])
    }
}
