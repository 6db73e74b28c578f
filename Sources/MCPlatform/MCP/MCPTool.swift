import Logging
import MCP

/// A tool offered on every tenant's MCP endpoint. Features add theirs to the ``ToolRegistry``.
public protocol MCPTool: Sendable {
    /// Name, description, input schema and annotations, as listed by `tools/list`.
    var definition: Tool { get }

    /// Whether `tools/list` shows the tool on this server (e.g. walkthrough tools only while one
    /// is published).
    func isAvailable(for server: TenantServer, platform: Platform) async throws -> Bool

    /// Whether `tools/call` runs the tool on this server: by default when it is listed. A tool
    /// may stay callable after it leaves the list, so that clients holding an old list get a
    /// clear tool error rather than "unknown tool".
    func isCallable(for server: TenantServer, platform: Platform) async throws -> Bool

    /// Runs the tool. Throw ``ToolError`` for problems the model should see and can fix.
    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result
}

extension MCPTool {
    public func isAvailable(for server: TenantServer, platform: Platform) async throws -> Bool { true }

    public func isCallable(for server: TenantServer, platform: Platform) async throws -> Bool {
        try await isAvailable(for: server, platform: platform)
    }
}

/// What a tool call knows about its caller.
public struct ToolContext: Sendable {
    public let server: TenantServer
    public let session: MCPSession
    public let platform: Platform
    public let logger: Logger
    /// Progress and log messages for the client: `context.notifier.progress(done, total:, message:)`
    /// in tools that take long.
    public var notifier: RequestNotifier = .silent
}

/// A failure reported to the model as a tool result with `isError: true`, so it can correct
/// itself (the MCP spec's "tool execution error"), rather than as a protocol error.
public struct ToolError: Error, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }
}

/// The tools every endpoint may offer, built once at start-up and shared by all requests.
public struct ToolRegistry: Sendable {
    private let tools: [RegisteredTool]
    private let byName: [String: any MCPTool]

    public init(_ tools: [any MCPTool]) {
        self.tools = tools.map(RegisteredTool.init)
        self.byName = Dictionary(tools.map { ($0.definition.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The tools `server` offers, in registration order, with their encoded definitions.
    func registered(for server: TenantServer, platform: Platform) async throws -> [RegisteredTool] {
        try await tools.asyncFilter { try await $0.tool.isAvailable(for: server, platform: platform) }
    }

    /// The tools `server` offers, in registration order.
    public func tools(for server: TenantServer, platform: Platform) async throws -> [any MCPTool] {
        try await registered(for: server, platform: platform).map(\.tool)
    }

    /// The tool called `name`, if `server` lets clients call it.
    public func tool(named name: String, for server: TenantServer, platform: Platform) async throws -> (any MCPTool)? {
        guard let tool = byName[name], try await tool.isCallable(for: server, platform: platform) else { return nil }
        return tool
    }
}
