import Foundation
import MCP

/// What the documentation prompts hand the model: `search_docs`' answer for a text (the same
/// search, ranking and wording as the tool: results with their urls and the hint to call
/// `read_page`).
enum DocsPromptSearch {
    /// Results per prompt.
    static let limit = 5

    static func results(for text: String, context: ToolContext) async throws -> String {
        let query = String(text.prefix(SearchDocsTool.maximumQueryLength))
        do {
            let result = try await SearchDocsTool().call(arguments: ["query": .string(query), "limit": .int(limit)], context: context)
            return result.content.compactMap { content in
                if case .text(let text, _, _) = content { text } else { nil }
            }.joined(separator: "\n")
        } catch let error as ToolError {
            return error.message
        }
    }
}
