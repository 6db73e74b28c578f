import Foundation
import MCP

/// `search-docs`: asks the model to answer a question from this server's documentation, with
/// the pages a search for it found.
struct SearchDocsPrompt: MCPPrompt {
    let definition = Prompt(
        name: "search-docs",
        title: "Ask the documentation",
        description: "Answer a question from this product's documentation.",
        arguments: [.init(name: "query", title: "Question", description: "The question or keywords.", required: true)]
    )

    func get(arguments: [String: String], context: ToolContext) async throws -> GetPrompt.Result {
        let query = try required("query", in: arguments, maximumLength: SearchDocsTool.maximumQueryLength)
        let text = """
            Answer this question using \(context.server.organizationName)'s documentation (the \(context.server.name) MCP server): \
            \(query)

            Search results:

            \(try await DocsPromptSearch.results(for: query, context: context))

            Call `read_page` with the urls of the relevant results to read them in full before answering, and cite them.
            """
        return GetPrompt.Result(description: "Answer from the documentation", messages: [.user(.text(text: text))])
    }
}
