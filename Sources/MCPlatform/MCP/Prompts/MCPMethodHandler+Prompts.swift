import Foundation
import MCP

/// `tools/list` and `prompts/list` (paginated), `prompts/get` and `logging/setLevel`.
extension MCPMethodHandler {
    func listTools(params: Value?, server: TenantServer) async throws -> ListTools.Result {
        let request = try decodeParams(ListTools.Parameters.self, from: params)
        let tools = try await platform.tools.tools(for: server, platform: platform)
        let page = try PageCursor.page(of: tools, cursor: request.cursor)
        return ListTools.Result(tools: page.items.map(\.definition), nextCursor: page.nextCursor)
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
