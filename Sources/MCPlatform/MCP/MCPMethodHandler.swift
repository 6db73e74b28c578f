import Foundation
import Logging
import MCP

/// Answers the JSON-RPC methods of the MCP protocol for one tenant's server. Transport concerns
/// (HTTP status codes, headers, sessions ids on the wire) stay in ``MCPEndpoint``.
struct MCPMethodHandler: Sendable {
    let platform: Platform

    /// `initialize`: negotiates the revision and opens a persisted session; recorded for analytics
    /// unless `recordEvent` is false (the platform's own uptime checks).
    func initialize(params: Value?, server: TenantServer, endUserID: Int64? = nil, recordEvent: Bool = true) async throws -> (
        MCPSession, Initialize.Result
    ) {
        let started = ContinuousClock.now
        guard params != nil else { throw JSONRPCError.invalidParams("initialize requires params") }
        let request = try decodeParams(Initialize.Parameters.self, from: params)
        let version = ProtocolVersion.negotiate(request.protocolVersion)
        let capabilities = (try? Self.encoder.encode(request.capabilities)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let session = try await platform.sessions.create(
            serverID: server.id,
            protocolVersion: version,
            clientName: String(request.clientInfo.name.prefix(200)),
            clientVersion: String(request.clientInfo.version.prefix(100)),
            clientCapabilities: capabilities,
            endUserID: endUserID
        )
        let result = Initialize.Result(
            protocolVersion: version, capabilities: Self.capabilities, serverInfo: Self.serverInfo(for: server),
            instructions: try await instructions(for: server))
        if recordEvent { record(EventDetails(), method: "initialize", server: server, session: session, since: started) }
        return (session, result)
    }

    /// What the server offers, for `initialize` and `server/discover`.
    static let capabilities = Server.Capabilities(
        completions: .init(), logging: .init(), prompts: .init(listChanged: false),
        resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false))

    /// Who answers: the tenant's server, for `initialize` and every modern result's `_meta`.
    static func serverInfo(for server: TenantServer) -> Server.Info {
        Server.Info(
            name: server.slug, version: Platform.version, title: server.name, description: server.settings.description,
            icons: server.settings.iconURL.map { [Icon(src: $0)] })
    }

    /// Answers a request within an established session, or a modern (stateless) request in the
    /// session made up for it, and records it for analytics. Modern requests get the modern
    /// shape of the answer (``ModernResult``) and don't reach the methods 2026-07-28 removed.
    /// Progress and log messages go to `notifier`. A request cancelled meanwhile is recorded as
    /// an error with code ``JSONRPCError/requestCancelledCode``.
    func handle(
        method: String, params: Value?, server: TenantServer, session: MCPSession, logger: Logger, notifier: RequestNotifier = .silent
    ) async -> JSONRPCResponse.Outcome {
        let started = ContinuousClock.now
        var details = EventDetails()
        let modern = ProtocolVersion.isModern(session.protocolVersion)
        var outcome: JSONRPCResponse.Outcome =
            modern && ProtocolVersion.removedInModern.contains(method)
            ? .error(.methodNotFound(method))
            : await answer(
                method: method, params: params, server: server, session: session, logger: logger, notifier: notifier, details: &details)
        if Task.isCancelled { outcome = .error(.requestCancelled) }
        if modern { outcome = ModernResult.decorate(outcome, method: method, server: server) }
        if case .error(let error) = outcome {
            details.outcome = .error
            details.errorCode = error.code
        }
        if details.outcome == .error, details.errorCode == nil || details.errorCode == JSONRPCError.internalErrorCode, !Task.isCancelled {
            platform.requestStatistics.recordInternalFailure(serverID: server.id)
        }
        record(details, method: method, server: server, session: session, since: started)
        return outcome
    }

    private func answer(
        method: String, params: Value?, server: TenantServer, session: MCPSession, logger: Logger, notifier: RequestNotifier,
        details: inout EventDetails
    ) async -> JSONRPCResponse.Outcome {
        let context = ToolContext(server: server, session: session, platform: platform, logger: logger, notifier: notifier)
        do {
            switch method {
            case "server/discover" where ProtocolVersion.isModern(session.protocolVersion):
                return .result(
                    DiscoverResult(
                        supportedVersions: ProtocolVersion.supported, capabilities: Self.capabilities,
                        instructions: try await instructions(for: server)))
            case "ping":
                return .result(Value.object([:]))
            case "tools/list":
                return .result(try await listTools(params: params, server: server))
            case "tools/call":
                return .result(try await callTool(params: params, context: context, details: &details))
            case "prompts/list":
                return .result(try await listPrompts(params: params, server: server))
            case "prompts/get":
                return .result(try await getPrompt(params: params, context: context, details: &details))
            case "completion/complete":
                return .result(
                    try await ArgumentCompleter().complete(decodeParams(Complete.Parameters.self, from: params), context: context))
            case "logging/setLevel":
                return .result(try await setLogLevel(params: params, session: session))
            case "resources/list":
                let request = try decodeParams(ListResources.Parameters.self, from: params)
                return .result(try await platform.resources.list(server: server, cursor: request.cursor, platform: platform))
            case "resources/templates/list":
                return .result(ListResourceTemplates.Result(templates: platform.resources.templates))
            case "resources/read":
                let request = try decodeParams(ReadResource.Parameters.self, from: params)
                details.summary = String(request.uri.prefix(200))
                guard let result = try await platform.resources.read(uri: request.uri, server: server, platform: platform) else {
                    return .error(
                        JSONRPCError(
                            code: JSONRPCError.resourceNotFoundCode, message: "Resource not found", data: ["uri": .string(request.uri)]))
                }
                details.pages = [String(request.uri.prefix(2000))]
                return .result(result)
            default:
                return .error(.methodNotFound(method))
            }
        } catch let error as JSONRPCError {
            return .error(error)
        } catch {
            guard !Task.isCancelled else { return .error(.requestCancelled) }
            logger.error("MCP request failed", metadata: ["mcp.method": .string(method), "error": .string(String(describing: error))])
            recordUnexpected(error, at: "mcp \(method)", server: server, session: session, logger: logger)
            return .error(.internalError(requestID: logger[metadataKey: "hb.request.id"]?.description ?? "unknown"))
        }
    }

    /// What a request was about and how it went, beyond its method: filled in while answering.
    struct EventDetails {
        var tool: String?
        var summary: String?
        var queryKey: String?
        var resultCount: Int?
        var pages: [String] = []
        var outcome = MCPEvent.Outcome.ok
        var errorCode: Int?
        /// What a tool that answered with `isError` said (for the client's log messages).
        var toolMessage: String?
    }

    private func record(
        _ details: EventDetails, method: String, server: TenantServer, session: MCPSession, since started: ContinuousClock.Instant
    ) {
        if let tool = details.tool { platform.metrics.toolCall(tenant: server.slug, tool: tool, outcome: details.outcome) }
        guard platform.configuration.analytics.capture else { return }
        platform.events.record(
            MCPEvent(
                serverID: server.id, sessionID: session.id, participant: Participant(session: session).key, endUserID: session.endUserID,
                method: String(method.prefix(100)), tool: details.tool, summary: details.summary, queryKey: details.queryKey,
                resultCount: details.resultCount, pages: details.pages, outcome: details.outcome, errorCode: details.errorCode,
                latencyMicroseconds: Int64((ContinuousClock.now - started) / .microseconds(1)), at: Date(),
                clientName: session.isStateless ? session.clientName : nil, clientVersion: session.isStateless ? session.clientVersion : nil
            ))
    }

    /// Handles a notification of a legacy session; unknown ones are ignored, as JSON-RPC requires.
    func handleNotification(method: String, server: TenantServer, session: MCPSession) async throws {
        if method == "notifications/initialized", !session.initialized {
            try await platform.sessions.markInitialized(id: session.id, serverID: server.id)
        }
    }

    private func callTool(params: Value?, context: ToolContext, details: inout EventDetails) async throws -> CallTool.Result {
        let started = ContinuousClock.now
        let (server, session) = (context.server, context.session)
        let request = try Self.toolCall(params)
        guard let tool = try await platform.tools.tool(named: request.name, for: server, platform: platform) else {
            throw JSONRPCError.invalidParams("Unknown tool: \(request.name)")
        }
        var logger = context.logger
        logger[metadataKey: "mcp.tool"] = .string(request.name)
        let context = ToolContext(server: server, session: session, platform: platform, logger: logger, notifier: context.notifier)
        defer { ToolCallLog.report(details, since: started, to: context.notifier) }
        let arguments = request.arguments
        details.tool = request.name
        details.summary = Self.summary(of: arguments)
        if case .string(let query)? = arguments["query"] { details.queryKey = QueryText.key(query) }
        do {
            let result = try await tool.call(arguments: arguments, context: context)
            if result.isError == true {
                details.outcome = .toolError
                details.toolMessage = result.content.lazy.compactMap { if case .text(let text, _, _) = $0 { text } else { nil } }.first
            } else {
                Self.describeResults(of: result, arguments: arguments, into: &details)
            }
            return result
        } catch let error as ToolError {
            details.outcome = .toolError
            details.toolMessage = error.message
            return CallTool.Result(content: [.text(text: error.message, annotations: nil, _meta: nil)], isError: true)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            details.outcome = .error
            logger.error("tool failed", metadata: ["error": .string(String(describing: error))])
            recordUnexpected(error, at: "mcp tools/call \(request.name)", server: server, session: session, logger: logger)
            let requestID = logger[metadataKey: "hb.request.id"]?.description ?? "unknown"
            return CallTool.Result(
                content: [
                    .text(text: "The tool failed unexpectedly (request id \(requestID)). Try again later.", annotations: nil, _meta: nil)
                ], isError: true)
        }
    }

    /// The results a listing tool returned (`structuredContent.results`: their count and URLs),
    /// or the page a tool read (its `url` argument).
    static func describeResults(of result: CallTool.Result, arguments: [String: Value], into details: inout EventDetails) {
        if case .object(let structured)? = result.structuredContent, case .array(let results)? = structured["results"] {
            details.resultCount = results.count
            details.pages = results.prefix(10).compactMap { result in
                guard case .object(let fields) = result, case .string(let url)? = fields["url"] else { return nil }
                return String(url.prefix(2000))
            }
        } else if case .string(let url)? = arguments["url"] {
            details.pages = [String(url.prefix(2000))]
        }
    }

    /// Hands an unexpected error to error tracking with what is known of the request.
    private func recordUnexpected(_ error: any Error, at place: String, server: TenantServer, session: MCPSession, logger: Logger) {
        var context = ["tenant": server.slug, "session": session.id]
        context["end_user"] = session.endUserID.map(String.init)
        context["method"] = logger[metadataKey: "mcp.method"]?.description
        context["tool"] = logger[metadataKey: "mcp.tool"]?.description
        platform.errors.record(
            error, at: place, requestID: ErrorTracker.requestID(of: logger), serverID: server.id, context: context)
    }

    /// What a call was about, for the session timeline: its query, page, walkthrough or ticket.
    static func summary(of arguments: [String: Value]) -> String? {
        for name in ["query", "url", "slug", "title", "number"] {
            switch arguments[name] {
            case .string(let text)?: return String(text.prefix(200))
            case .int(let number)?: return "\(name) \(number)"
            default: continue
            }
        }
        return nil
    }

    private func instructions(for server: TenantServer) async throws -> String {
        var text = "This server answers questions about \(server.organizationName)'s documentation."
        if let description = server.settings.description { text += " \(description)" }
        if try await WalkthroughStore(database: platform.database).has(.live(serverID: server.id), cache: platform.walkthroughPresence) {
            text += " It also offers step-by-step walkthroughs: when the user wants to set something up, call `list_walkthroughs`."
        }
        text += " Call the `about` tool to see what it offers."
        return text
    }

    /// `tools/call`'s params, read from the JSON as parsed. (Decoding `CallTool.Parameters` would
    /// read every argument through `Value`'s decoder again, where a string shaped like a `data:`
    /// URL becomes bytes, and each level of nesting costs more than the one above.)
    private static func toolCall(_ params: Value?) throws -> (name: String, arguments: [String: Value]) {
        guard let object = params.map({ $0.objectValue }) ?? [:] else { throw JSONRPCError.invalidParams("wrong type at params") }
        guard case .string(let name)? = object["name"] else {
            throw JSONRPCError.invalidParams(object["name"] == nil ? "missing 'name' in params" : "wrong type at name")
        }
        switch object["arguments"] {
        case nil, .null?: return (name, [:])
        case .object(let arguments)?: return (name, arguments)
        default: throw JSONRPCError.invalidParams("wrong type at arguments")
        }
    }

    func decodeParams<T: Decodable>(_ type: T.Type, from params: Value?) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Self.encoder.encode(params ?? .object([:])))
        } catch {
            throw JSONRPCError.invalidParams(Self.describe(error))
        }
    }

    private static let encoder = JSONEncoder()

    /// A short, client-facing description of a decoding failure (no Swift type names).
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "malformed params" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "params" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' in \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at \(path(context))"
        case .dataCorrupted(let context): return "invalid value at \(path(context))"
        @unknown default: return "malformed params"
        }
    }
}
