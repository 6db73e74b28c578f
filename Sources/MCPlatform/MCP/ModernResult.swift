import MCP

/// A result as modern revisions (2026-07-28 on) put it on the wire: the method's result plus
/// `resultType` (required on every result), the server's identity in
/// `_meta["io.modelcontextprotocol/serverInfo"]` (SHOULD, basic/index "Per-response protocol
/// fields"), and on cacheable results `ttlMs` and `cacheScope` (server/utilities/caching).
struct ModernResult: Encodable, Sendable {
    let result: any Encodable & Sendable
    let serverInfo: Server.Info
    let cache: CacheHint?

    /// How long, and for whom, a client may keep a result (see docs/compatibility.md).
    struct CacheHint: Sendable, Equatable {
        let ttlMilliseconds: Int
        /// "public" (anyone may share it) or "private" (only within one authorization context).
        let scope: String
    }

    /// The freshness of each cacheable method's result, in seconds. Lists and pages change when
    /// a walkthrough is published or the docs are synced: a minute's lag is harmless. The
    /// resource templates are compiled in. `server/discover` carries the instructions, which
    /// change with walkthroughs too.
    static let ttlSeconds = [
        "server/discover": 300, "tools/list": 60, "prompts/list": 60, "resources/list": 60, "resources/templates/list": 3600,
        "resources/read": 60,
    ]

    /// The cache hint for `method` on `server`: nil for results that are not cacheable. Nothing
    /// we answer depends on who asks, but on servers that require sign-in the content is only
    /// for signed-in users, so shared caches must not hand it out ("private").
    static func cacheHint(for method: String, server: TenantServer) -> CacheHint? {
        ttlSeconds[method].map { CacheHint(ttlMilliseconds: $0 * 1000, scope: server.authMode == .oauth ? "private" : "public") }
    }

    /// Turns a legacy-shaped outcome into its modern form: results decorated, and "resource not
    /// found" as -32602 (2026-07-28 server/resources "Error Handling").
    static func decorate(_ outcome: JSONRPCResponse.Outcome, method: String, server: TenantServer) -> JSONRPCResponse.Outcome {
        switch outcome {
        case .result(let result):
            return .result(
                ModernResult(
                    result: result, serverInfo: MCPMethodHandler.serverInfo(for: server), cache: cacheHint(for: method, server: server))
            )
        case .error(let error) where error.code == JSONRPCError.resourceNotFoundCode:
            return .error(JSONRPCError(code: JSONRPCError.invalidParamsCode, message: error.message, data: error.data))
        case .error:
            return outcome
        }
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    /// The result's own fields, then ours in the same object. A `_meta` the result carries (the
    /// SDK's result types keep it in a stored `_meta` property) is kept, with serverInfo added.
    func encode(to encoder: any Encoder) throws {
        if let value = result as? Value {
            // A result built as a plain JSON value (such as `{}`) encodes through a single-value
            // container, which takes no further keys: merge at the value level instead.
            var object = value.objectValue ?? [:]
            object.merge(try fields(meta: object["_meta"]?.objectValue)) { $1 }
            try Value.object(object).encode(to: encoder)
            return
        }
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in try fields(meta: (Mirror(reflecting: result).descendant("_meta") as? Metadata)?.fields) {
            try container.encode(value, forKey: Key(key))
        }
    }

    /// Our fields, with `meta` (the result's own `_meta`) extended by serverInfo.
    private func fields(meta: [String: Value]?) throws -> [String: Value] {
        var meta = meta ?? [:]
        meta[ModernRequest.serverInfoKey] = try Value(serverInfo)
        var fields: [String: Value] = ["resultType": .string("complete"), "_meta": .object(meta)]
        if let cache {
            fields["ttlMs"] = .int(cache.ttlMilliseconds)
            fields["cacheScope"] = .string(cache.scope)
        }
        return fields
    }
}
