import Foundation
import MCPlatform
import PropertyBased

/// Inputs for a ``FuzzTarget``: its committed seed corpus (Tests/Fuzz/Corpus/<target>/), and
/// random mutations of it that splice in the target's syntax tokens, bytes of invalid UTF-8,
/// and cut documents short.
struct FuzzInputs {
    let target: FuzzTarget
    /// The corpus files, by name.
    let corpus: [(name: String, bytes: [UInt8])]

    init(_ target: FuzzTarget) {
        self.target = target
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus/\(target.rawValue)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        corpus = names.sorted().compactMap { name in
            (try? Data(contentsOf: folder.appendingPathComponent(name))).map { (name, Array($0)) }
        }
    }

    /// Corpus entries with a few random mutations each.
    var mutated: Generator<[UInt8], Shrink.None<[UInt8]>> {
        let corpus = corpus.map(\.bytes)
        let tokens = Self.tokens[target, default: []].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0]]
        return Generator { rng in
            var input = corpus.randomElement(using: &rng) ?? []
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                Self.mutate(&input, tokens: tokens, corpus: corpus, using: &rng)
            }
            return input
        }
    }

    private static func mutate(_ input: inout [UInt8], tokens: [[UInt8]], corpus: [[UInt8]], using rng: inout some RandomNumberGenerator) {
        let position = Int.random(in: 0...input.count, using: &rng)
        let end = Int.random(in: position...min(input.count, position + 64), using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0, 1: input.insert(contentsOf: tokens.randomElement(using: &rng)!, at: position)
        case 2: input.removeSubrange(position..<end)
        case 3: input.insert(contentsOf: input[position..<end], at: Int.random(in: 0...input.count, using: &rng))
        case 4: input.removeSubrange(position...)
        default:
            let other = corpus.randomElement(using: &rng) ?? []
            input.insert(contentsOf: other.prefix(Int.random(in: 0...other.count, using: &rng)), at: position)
        }
    }

    /// Syntax worth splicing in, by target.
    static let tokens: [FuzzTarget: [String]] = [
        .jsonRPC: [
            "{", "}", "[", "]", ",", ":", "\"", #""jsonrpc":"2.0""#, #""id":"#, #""id":"x""#, #""method":"tools/call""#,
            #""method":"initialize""#, #""params":{}"#, #""params":[]"#, "1e999", "-0", "99999999999999999999999", "1.5", "null",
            "true", #""data:,x""#, #""\ud800""#, #""\u0000""#, "\\", " ",
        ],
        .html: [
            "<div>", "</div>", "<p>", "<script>", "</script>", "<style>", "<!--", "-->", "<a href=\"", "javascript:alert(1)",
            "<base href=\"ftp://files.example/\">", "<base href=\"", "<h1>", "</h1>", "<h7>", "<pre><code>", "</code></pre>", "&amp;",
            "&#x110000;", "&#0;", "&", "<table><tr><td>", "<svg><title>", "<![CDATA[", "<nav>", "<main>", "<article>",
            "<li>", "<ul>", "<img alt=", "\"", "'", "=", ">", "<", "</", "<title>", "id=\"", " - ", " | ",
        ],
        .markdown: markdownTokens,
        .walkthroughMarkdown: markdownTokens + [
            "# Title\n", "## Step\n", "### Check\n", "### Operations\n", "### Context\n", "---\ntitle: x\n---\n", "slug: ",
            "estimated_minutes: 99999999999999999999\n", "type: quickstart\n", "title: [1, 2]\n",
        ],
        .markdownHTML: markdownTokens + [
            "<script>alert(1)</script>", "[x](javascript:alert(1))", "[x](https://a.example/\"onmouseover=\"x)", "<https://a.example>",
            "<mailto:a@b.example>", "[a](https://x.example \"t\")", "\\", "***", "<img src=x onerror=alert(1)>", "&", "\"", "'",
        ],
        .tokenizer: [
            "os.path.join", "camelCase", "getHTTPResponse", "--dry-run", "snake_case", "ß", "İ", "ﬁ", "é", "Ⅻ", "٣", "_", "::", "a-",
            "queries", "running", "ǅ", "ﬀ", "👩‍💻", "\u{301}", "\u{200D}", String(repeating: "x", count: 70), " ", ".", "/",
            "’", "“", "–", "…", "\u{A0}", "\u{600}", "\r\n",
        ],
    ]

    static let markdownTokens = [
        "# ", "## ", "###### ", "####### ", "\n", "```", "~~~", "```swift\n", "---\n", "===\n", "* ", "- ", "1. ", "1) ", "> ",
        "    ", "[", "](", ")", "`", "``", "**", "*", "_", "__", "<!--", "-->", "<Tabs>", "</Tabs>", "import x from 'y'\n", "::\n",
        "{#anchor}", "{/* c */}", "\r\n", "\t",
    ]
}
