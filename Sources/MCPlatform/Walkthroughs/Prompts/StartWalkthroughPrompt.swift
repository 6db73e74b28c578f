import Foundation
import MCP

/// `start-walkthrough`: asks the model to guide the user through one of the published
/// walkthroughs with the walkthrough tools. Offered while the server has one.
struct StartWalkthroughPrompt: MCPPrompt {
    let definition = Prompt(
        name: "start-walkthrough",
        title: "Start a walkthrough",
        description: "Go through one of this product's step-by-step walkthroughs (quickstarts, guides, courses) with the assistant.",
        arguments: [
            .init(name: "slug", title: "Walkthrough", description: "The walkthrough's slug (completion lists them).", required: true)
        ]
    )

    func isAvailable(for server: TenantServer, platform: Platform) async throws -> Bool {
        try await WalkthroughStore(database: platform.database).hasLive(serverID: server.id)
    }

    func get(arguments: [String: String], context: ToolContext) async throws -> GetPrompt.Result {
        let slug = try required("slug", in: arguments, maximumLength: 63)
        let store = WalkthroughStore(database: context.platform.database)
        guard let entry = try await store.entry(slug: slug, serverID: context.server.id), let live = entry.live else {
            let slugs = try await liveSlugs(context)
            throw JSONRPCError(
                code: JSONRPCError.invalidParamsCode,
                message: "Invalid params: no walkthrough '\(slug)'; available: \(slugs.joined(separator: ", "))",
                data: ["available": .array(slugs.map(Value.string))])
        }
        let content = live.content
        var text = "Guide me through the walkthrough \"\(content.title)\" (\(content.kind.rawValue), \(content.steps.count) steps"
        if let minutes = content.estimatedMinutes { text += ", about \(minutes) minutes" }
        text += ")."
        if !content.description.isEmpty { text += " \(content.description)" }
        text += """


            Call `start_walkthrough` with {"slug": "\(slug)"} to start it (or resume where I left off), then take me \
            through it one step at a time: do or explain each step, check it worked, and record it with `complete_step`.
            """
        return GetPrompt.Result(description: "Walkthrough: \(content.title)", messages: [.user(.text(text: text))])
    }

    func complete(argument: String, prefix: String, context: ToolContext) async throws -> CompletionValues {
        CompletionValues(candidates: try await liveSlugs(context), prefix: prefix)
    }

    private func liveSlugs(_ context: ToolContext) async throws -> [String] {
        try await WalkthroughStore(database: context.platform.database).live(serverID: context.server.id).map(\.walkthrough.slug)
    }
}
