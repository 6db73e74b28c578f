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
            object.merge(fields(meta: object["_meta"]?.objectValue)) { $1 }
            try Value.object(object).encode(to: encoder)
            return
        }
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in fields(meta: (Mirror(reflecting: result).descendant("_meta") as? Metadata)?.fields) {
            try container.encode(value, forKey: Key(key))
        }
    }

    /// Our fields, with `meta` (the result's own `_meta`) extended by serverInfo.
    private func fields(meta: [String: Value]?) -> [String: Value] {
        var meta = meta ?? [:]
        meta[ModernRequest.serverInfoKey] = Self.value(of: serverInfo)
        var fields: [String: Value] = ["resultType": .string("complete"), "_meta": .object(meta)]
        if let cache {
            fields["ttlMs"] = .int(cache.ttlMilliseconds)
            fields["cacheScope"] = .string(cache.scope)
        }
        return fields
    }
}

extension ModernResult: DirectJSONResult {
    /// Whether the result inside has a direct form (``JSONRPCResponse/isDirect``).
    var isDirect: Bool { result is any DirectJSONResult }

    /// The members ``fields(meta:)`` adds, which replace the result's own of the same name.
    private var ownKeys: Set<String> { cache == nil ? ["resultType", "_meta"] : ["resultType", "_meta", "ttlMs", "cacheScope"] }

    func writeMembers(to object: inout JSONWriter.Object, _ writer: inout JSONWriter, except: Set<String>) throws {
        guard let inner = result as? any DirectJSONResult else { preconditionFailure("not a direct result: check isDirect first") }
        try inner.writeMembers(to: &object, &writer, except: except.union(ownKeys))
        object.member("resultType", &writer) { $0.write("complete") }
        if let cache {
            object.member("ttlMs", &writer) { $0.write(.int(cache.ttlMilliseconds)) }
            object.member("cacheScope", &writer) { $0.write(cache.scope) }
        }
    }

    var metaFields: [String: Value]? {
        var meta = (result as? any DirectJSONResult)?.metaFields ?? [:]
        meta[ModernRequest.serverInfoKey] = Self.value(of: serverInfo)
        return meta
    }

    /// `info` as `Server.Info` encodes it (absent optionals left out), built without a round
    /// trip through JSON text.
    static func value(of info: Server.Info) -> Value {
        var fields: [String: Value] = ["name": .string(info.name), "version": .string(info.version)]
        fields["title"] = info.title.map(Value.string)
        fields["description"] = info.description.map(Value.string)
        fields["websiteUrl"] = info.websiteUrl.map(Value.string)
        fields["icons"] = info.icons.map { icons in
            .array(
                icons.map { icon in
                    var fields: [String: Value] = ["src": .string(icon.src)]
                    fields["mimeType"] = icon.mimeType.map(Value.string)
                    fields["sizes"] = icon.sizes.map { .array($0.map(Value.string)) }
                    fields["theme"] = icon.theme.map { .string($0.rawValue) }
                    return .object(fields)
                })
        }
        return .object(fields)
    }
}
