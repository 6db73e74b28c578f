import Foundation

/// A searchable piece of a page: one heading section, or part of a long one.
public struct DocumentChunk: Sendable, Equatable {
    public var position: Int
    public var anchor: String?
    public var headingPath: [String]
    /// Markdown shown to the agent (snippets) and kept verbatim.
    public var text: String
    /// Prose without code blocks, for the body field of the index.
    public var prose: String
    /// Code blocks and inline code, for the code field of the index.
    public var code: String
}

/// Cuts sections into chunks of bounded size at paragraph boundaries, never inside a code block.
public struct Chunker: Sendable {
    /// A chunk grows up to about this many characters before a new one starts.
    public var targetCharacters = 1800
    /// Sections shorter than this are kept whole.
    public var minimumCharacters = 200

    public init() {}

    public func chunks(of document: ParsedDocument) -> [DocumentChunk] {
        var chunks: [DocumentChunk] = []
        for section in document.sections {
            for text in split(section.markdown) where !text.isEmpty || !section.headingPath.isEmpty {
                let (prose, code) = Self.separateCode(text)
                chunks.append(
                    DocumentChunk(
                        position: chunks.count, anchor: section.anchor, headingPath: section.headingPath,
                        text: text, prose: prose, code: code
                    )
                )
            }
        }
        return chunks
    }

    /// Splits at blank lines outside fences into pieces of about ``targetCharacters``.
    func split(_ markdown: String) -> [String] {
        guard markdown.count > targetCharacters + minimumCharacters else { return [markdown] }
        var blocks: [String] = []
        var current: [Substring] = []
        for line in MarkdownLine.lines(of: markdown) {
            if case .text(let text) = line, text.allSatisfy(\.isWhitespace) {
                if !current.isEmpty { blocks.append(current.joined(separator: "\n")) }
                current.removeAll()
            } else {
                current.append(line.line)
            }
        }
        if !current.isEmpty { blocks.append(current.joined(separator: "\n")) }

        var pieces: [String] = []
        var piece = ""
        for block in blocks {
            if !piece.isEmpty, piece.count + block.count > targetCharacters {
                pieces.append(piece)
                piece = ""
            }
            piece += piece.isEmpty ? block : "\n\n" + block
        }
        if !piece.isEmpty {
            // A short tail joins the previous piece rather than standing alone.
            if piece.count < minimumCharacters, let last = pieces.popLast() { piece = last + "\n\n" + piece }
            pieces.append(piece)
        }
        return pieces
    }

    /// Prose (fences removed, inline code kept) and code (fence bodies plus inline code spans).
    static func separateCode(_ markdown: String) -> (prose: String, code: String) {
        var prose: [Substring] = []
        var code: [Substring] = []
        for line in MarkdownLine.lines(of: markdown) {
            switch line {
            case .fence: continue
            case .code(let line): code.append(line)
            case .text(let line):
                prose.append(line)
                var rest = line[...]
                while let start = rest.firstIndex(of: "`") {
                    let after = rest[rest.index(after: start)...]
                    guard let end = after.firstIndex(of: "`") else { break }
                    code.append(after[..<end])
                    rest = after[after.index(after: end)...]
                }
            }
        }
        return (Self.withoutLinkTargets(prose.joined(separator: "\n")), code.joined(separator: "\n"))
    }

    /// `[text](target)` → `text`, `![alt](src)` → `alt`: link targets are addresses, not prose.
    static func withoutLinkTargets(_ markdown: String) -> String {
        guard markdown.contains("](") else { return markdown }
        return MarkdownLinkText.replacingLinks(in: markdown, target: .addressAndTitle)
    }
}
