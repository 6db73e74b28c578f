import Foundation
import MCP

/// Resources a feature exposes on every tenant's endpoint (`resources/list`, `resources/read`,
/// `resources/templates/list`).
public protocol MCPResourceProvider: Sendable {
    /// URI templates clients can fill in to read resources.
    var templates: [Resource.Template] { get }

    /// One page of `server`'s resources after `cursor` (opaque; nil for the first page).
    func list(server: TenantServer, cursor: String?, platform: Platform) async throws -> ListResources.Result

    /// The resource at `uri`, or nil when `server` has none there.
    func read(uri: String, server: TenantServer, platform: Platform) async throws -> ReadResource.Result?

    /// Values of variable `argument` of `template` beginning with `prefix` (`completion/complete`);
    /// `arguments` holds the variables the client already filled in.
    func complete(
        template: String, argument: String, prefix: String, arguments: [String: String], server: TenantServer, platform: Platform
    ) async throws -> CompletionValues
}

/// An opaque pagination cursor carrying an offset.
enum PageCursor {
    static func encode(offset: Int) -> String {
        Data("offset:\(offset)".utf8).base64EncodedString()
    }

    /// The offset in `cursor`; throws an invalid-params error for cursors we did not issue.
    static func decode(_ cursor: String?) throws -> Int {
        guard let cursor else { return 0 }
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("offset:"), let offset = Int(text.dropFirst(7)), offset >= 0
        else { throw JSONRPCError.invalidParams("invalid cursor") }
        return offset
    }
}
