import Foundation
import MCP

/// `explain-error`: asks the model to explain an error message using this server's
/// documentation, with the pages a search for it found.
struct ExplainErrorPrompt: MCPPrompt {
    static let maximumErrorLength = 10_000
    static let maximumContextLength = 2000

    let definition = Prompt(
        name: "explain-error",
        title: "Explain an error",
        description: "Explain an error message and how to fix it, using this product's documentation.",
        arguments: [
            .init(name: "error", title: "Error", description: "The error message or output, as shown.", required: true),
            .init(
                name: "context", title: "Context", description: "What you were doing when it happened (optional).", required: false),
        ]
    )

    func get(arguments: [String: String], context: ToolContext) async throws -> GetPrompt.Result {
        let error = try required("error", in: arguments, maximumLength: Self.maximumErrorLength)
        let situation = arguments["context"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard situation.count <= Self.maximumContextLength else {
            throw JSONRPCError.invalidParams("argument 'context' is longer than \(Self.maximumContextLength) characters")
        }
        var text = """
            Explain this error and how to fix it, using \(context.server.organizationName)'s documentation (the \
            \(context.server.name) MCP server).

            Error:
            ```
            \(error)
            ```

            """
        if !situation.isEmpty { text += "What I was doing: \(situation)\n\n" }
        text += "Search results for the error:\n\n"
        text += try await DocsPromptSearch.results(for: error, context: context)
        text += """


            Call `read_page` with the url of the most relevant result to read it in full before answering, and \
            `search_docs` with other terms if these results do not cover the error. Say which pages you used.
            """
        return GetPrompt.Result(description: "Explain an error using the documentation", messages: [.user(.text(text: text))])
    }
}
