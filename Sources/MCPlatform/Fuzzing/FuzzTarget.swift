import Foundation

/// The parsers that read untrusted input, each with the properties it must keep on any input.
/// `check` runs one and throws the first property broken; a crash or a hang is a finding too.
/// The property tests and the libFuzzer harness (`scripts/fuzz`, docs/operations.md "Fuzzing")
/// both drive these, so a finding of one replays in the other.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The MCP endpoint's decoding: a body → JSON → classified JSON-RPC messages → error replies.
    case jsonRPC = "json-rpc"
    /// The docs ingestion's HTML page extraction, then parsing and chunking of its Markdown.
    case html
    /// The docs ingestion's Markdown, MDX, reStructuredText and plain-text parsing and chunking.
    case markdown
    /// The walkthrough Markdown importer.
    case walkthroughMarkdown = "walkthrough-markdown"
    /// The dashboard's Markdown to HTML renderer (no raw HTML may escape it).
    case markdownHTML = "markdown-html"
    /// The search tokenizer.
    case tokenizer

    /// Runs the target on `input` (text targets read it as UTF-8, invalid sequences replaced, as
    /// ingestion does) and checks its properties.
    public func check(_ input: [UInt8]) throws(FuzzViolation) {
        switch self {
        case .jsonRPC: try Self.checkJSONRPC(input)
        case .html: try Self.checkHTML(String(decoding: input, as: UTF8.self))
        case .markdown: try Self.checkMarkdown(String(decoding: input, as: UTF8.self))
        case .walkthroughMarkdown: try Self.checkWalkthroughMarkdown(String(decoding: input, as: UTF8.self))
        case .markdownHTML: try RenderedHTMLCheck.check(MarkdownHTML.render(String(decoding: input, as: UTF8.self)))
        case .tokenizer: try Self.checkTokenizer(String(decoding: input, as: UTF8.self))
        }
    }
}
