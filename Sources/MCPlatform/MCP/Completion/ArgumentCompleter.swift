import Foundation
import MCP

/// Answers `completion/complete`: values for an argument of one of the server's prompts
/// (``MCPPrompt/complete(argument:prefix:context:)``) or of a resource template
/// (``MCPResourceProvider/complete(template:argument:prefix:arguments:server:platform:)``), from
/// the tenant's own data only.
struct ArgumentCompleter {
    /// The longest partial value accepted.
    static let maximumValueLength = 500

    func complete(_ request: Complete.Parameters, context: ToolContext) async throws -> Complete.Result {
        let (name, prefix) = (request.argument.name, request.argument.value)
        guard prefix.count <= Self.maximumValueLength else {
            throw JSONRPCError.invalidParams("argument.value is longer than \(Self.maximumValueLength) characters")
        }
        let platform = context.platform
        let found: CompletionValues
        switch request.ref {
        case .prompt(let reference):
            guard let prompt = try await platform.prompts.prompt(named: reference.name, for: context.server, platform: platform) else {
                throw JSONRPCError.invalidParams("unknown prompt '\(reference.name.prefix(100))'")
            }
            guard prompt.definition.arguments?.contains(where: { $0.name == name }) == true else {
                throw JSONRPCError.invalidParams("prompt '\(reference.name)' has no argument '\(name.prefix(100))'")
            }
            found = try await prompt.complete(argument: name, prefix: prefix, context: context)
        case .resource(let reference):
            guard platform.resources.templates.contains(where: { $0.uriTemplate == reference.uri }) else {
                throw JSONRPCError.invalidParams("unknown resource template '\(reference.uri.prefix(200))'")
            }
            found = try await platform.resources.complete(
                template: reference.uri, argument: name, prefix: prefix, arguments: request.context?.arguments ?? [:],
                server: context.server, platform: platform)
        }
        return Complete.Result(completion: .init(values: found.values, total: found.total, hasMore: found.total > found.values.count))
    }
}
