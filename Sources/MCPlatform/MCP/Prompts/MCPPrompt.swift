import Foundation
import MCP

/// A prompt template offered on every tenant's endpoint (`prompts/list`, `prompts/get`): a
/// ready-made request a user picks in their client (e.g. as a slash command). Features add
/// theirs to the ``PromptRegistry``.
public protocol MCPPrompt: Sendable {
    /// Name, title, description and arguments, as listed by `prompts/list`.
    var definition: Prompt { get }

    /// Whether the server offers the prompt (e.g. walkthrough prompts only while one is published).
    func isAvailable(for server: TenantServer, platform: Platform) async throws -> Bool

    /// The prompt's messages for `arguments`. Throw `JSONRPCError.invalidParams` for arguments
    /// that are missing or name nothing.
    func get(arguments: [String: String], context: ToolContext) async throws -> GetPrompt.Result

    /// Values of argument `argument` beginning with `prefix` (`completion/complete`).
    func complete(argument: String, prefix: String, context: ToolContext) async throws -> CompletionValues
}

extension MCPPrompt {
    public func isAvailable(for server: TenantServer, platform: Platform) async throws -> Bool { true }

    public func complete(argument: String, prefix: String, context: ToolContext) async throws -> CompletionValues {
        CompletionValues(values: [], total: 0)
    }

    /// The required argument `name`, trimmed, at most `maximumLength` characters.
    func required(_ name: String, in arguments: [String: String], maximumLength: Int) throws -> String {
        let value = arguments[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !value.isEmpty else { throw JSONRPCError.invalidParams("argument '\(name)' is required") }
        guard value.count <= maximumLength else {
            throw JSONRPCError.invalidParams("argument '\(name)' is longer than \(maximumLength) characters")
        }
        return value
    }
}

/// The prompts every endpoint may offer, built once at start-up and shared by all requests.
public struct PromptRegistry: Sendable {
    private let prompts: [any MCPPrompt]

    public init(_ prompts: [any MCPPrompt]) {
        self.prompts = prompts
    }

    /// The prompts of the product, in the order `prompts/list` shows them.
    public static var standard: PromptRegistry {
        PromptRegistry([ExplainErrorPrompt(), SearchDocsPrompt(), StartWalkthroughPrompt()])
    }

    /// The prompts `server` offers, in registration order.
    public func prompts(for server: TenantServer, platform: Platform) async throws -> [any MCPPrompt] {
        try await prompts.asyncFilter { try await $0.isAvailable(for: server, platform: platform) }
    }

    /// The prompt called `name`, if `server` offers it.
    public func prompt(named name: String, for server: TenantServer, platform: Platform) async throws -> (any MCPPrompt)? {
        guard let prompt = prompts.first(where: { $0.definition.name == name }),
            try await prompt.isAvailable(for: server, platform: platform)
        else { return nil }
        return prompt
    }
}
