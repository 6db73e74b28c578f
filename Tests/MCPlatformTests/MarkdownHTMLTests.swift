import Foundation
import Testing

@testable import MCPlatform

/// The dashboard's Markdown renderer: the Markdown walkthrough authors use, and no way to get
/// markup of one's own into the page.
@Suite struct MarkdownHTMLTests {
    @Test func headingsParagraphsAndInlineMarkup() {
        #expect(
            MarkdownHTML.render("# Title ##\n\nSome **bold**, *em*, __strong__, _em_ and `code <b>`.\nSame paragraph.\n\n### Next")
                == """
                <h1>Title</h1>
                <p>Some <strong>bold</strong>, <em>em</em>, <strong>strong</strong>, <em>em</em> and <code>code &lt;b&gt;</code>.
                Same paragraph.</p>
                <h3>Next</h3>

                """)
        #expect(MarkdownHTML.render("snake_case_name and 2 * 3 * 4") == "<p>snake_case_name and 2 * 3 * 4</p>\n")
        #expect(MarkdownHTML.render("***both*** \\*not\\*") == "<p><strong><em>both</em></strong> *not*</p>\n")
        #expect(MarkdownHTML.render("**`a*b`**") == "<p><strong><code>a*b</code></strong></p>\n")
        #expect(MarkdownHTML.render("---") == "<hr>\n")
    }

    @Test func everythingIsEscapedAndRawHTMLIsText() {
        #expect(
            MarkdownHTML.render("<script>alert(1)</script> & \"quotes\" 'single'")
                == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39;</p>\n")
        #expect(MarkdownHTML.render("<img src=x onerror=alert(1)>") == "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n")
        #expect(MarkdownHTML.render("# <b>x</b>") == "<h1>&lt;b&gt;x&lt;/b&gt;</h1>\n")
        #expect(MarkdownHTML.render("**<i>x</i>**") == "<p><strong>&lt;i&gt;x&lt;/i&gt;</strong></p>\n")
    }

    @Test(arguments: [
        ("[Docs](https://example.com/a?b=1&c=2)", #"<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">Docs</a>"#),
        ("[Site](http://example.com \"title\")", #"<a href="http://example.com" rel="noopener noreferrer">Site</a>"#),
        ("[Mail](mailto:help@example.com)", #"<a href="mailto:help@example.com" rel="noopener noreferrer">Mail</a>"#),
        ("<https://example.com/x>", #"<a href="https://example.com/x" rel="noopener noreferrer">https://example.com/x</a>"#),
        (
            "[**Bold** link](https://example.com)",
            #"<a href="https://example.com" rel="noopener noreferrer"><strong>Bold</strong> link</a>"#
        ),
        (
            "[x](https://e.com/\"onmouseover=\"alert(1))",
            #"<a href="https://e.com/&quot;onmouseover=&quot;alert(1" rel="noopener noreferrer">x</a>)"#
        ),
    ])
    func linksToWebAndMailAddresses(markdown: String, html: String) {
        #expect(MarkdownHTML.render(markdown) == "<p>\(html)</p>\n")
    }

    @Test(arguments: [
        "[x](javascript:alert(1))", "[x](JavaScript:alert(1))", "[x]( javascript:alert(1))", "[x](java\tscript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)", "[x](vbscript:msgbox)", "[x](/relative/path)", "[x](//evil.example)",
        "<javascript:alert(1)>", "[x](http:/\\evil.example)", "[x](https://)",
    ])
    func otherLinksStayTextAsWritten(markdown: String) {
        let html = MarkdownHTML.render(markdown)
        #expect(!html.contains("<a"), "\(html)")
        #expect(html == "<p>\(MarkdownHTML.escape(markdown))</p>\n")
    }

    @Test func fencedCodeIsVerbatimWithItsLanguage() {
        #expect(
            MarkdownHTML.render("Run:\n\n```bash\nnpm i <pkg> && echo \"**done**\"\n\n# not a heading\n```\nAfter.")
                == """
                <p>Run:</p>
                <pre><code class="language-bash">npm i &lt;pkg&gt; &amp;&amp; echo &quot;**done**&quot;

                # not a heading</code></pre>
                <p>After.</p>

                """)
        #expect(MarkdownHTML.render("~~~\nx\n~~~") == "<pre><code>x</code></pre>\n")
        #expect(MarkdownHTML.render("```\"><script>x\ncode\n```") == "<pre><code class=\"language-scriptx\">code</code></pre>\n")
        #expect(MarkdownHTML.render("```\nunclosed <b>\n") == "<pre><code>unclosed &lt;b&gt;</code></pre>\n")
    }

    @Test func listsOrderedUnorderedAndNested() {
        #expect(
            MarkdownHTML.render("- one\n- **two**\n  - nested\n* three\n\nAfter")
                == """
                <ul>
                <li>one</li>
                <li><strong>two</strong>
                <ul>
                <li>nested</li>
                </ul></li>
                </ul>
                <ul>
                <li>three</li>
                </ul>
                <p>After</p>

                """)
        #expect(MarkdownHTML.render("3. three\n4. four") == "<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>\n")
        #expect(
            MarkdownHTML.render("1. Install:\n\n   ```sh\n   npm i\n   ```\n\n2. Run.")
                == """
                <ol>
                <li><p>Install:</p>
                <pre><code class="language-sh">npm i</code></pre></li>
                <li><p>Run.</p></li>
                </ol>

                """)
        #expect(MarkdownHTML.render("- a\nlazy line") == "<ul>\n<li>a\nlazy line</li>\n</ul>\n")
    }

    @Test func blockquotesHoldBlocks() {
        #expect(
            MarkdownHTML.render("> **Note**\n> - a\n>\n> ```\n> <x>\n> ```")
                == "<blockquote>\n<p><strong>Note</strong></p>\n<ul>\n<li>a</li>\n</ul>\n<pre><code>&lt;x&gt;</code></pre>\n</blockquote>\n"
        )
    }

    /// Whatever the input, the output is only this renderer's tags around escaped text.
    @Test func randomInputNeverYieldsMarkupOfItsOwn() {
        let alphabet = Array("ab <>\"'&*_`[]()#>-+1.!\\:/\n  javascript:http://~=")
        var generator = SplitMix64(seed: 42)
        let allowedTag = try! Regex(
            #"</?(p|h[1-6]|pre|strong|em|ul|li|blockquote|code)>|<hr>|<code class="language-[A-Za-z0-9+_.#-]*">|<ol( start="\d+")?>|</ol>|<a href="(https?://|mailto:)[^"<>]*" rel="noopener noreferrer">|</a>"#
        )
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<80, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            let html = MarkdownHTML.render(text)
            let stripped = html.replacing(allowedTag, with: "")
            #expect(!stripped.contains(where: { "<>\"'".contains($0) }), "\(text.debugDescription) → \(html.debugDescription)")
            #expect(!html.lowercased().contains("href=\"javascript"), "\(text.debugDescription)")
            for tag in ["p", "strong", "em", "ul", "ol", "li", "blockquote", "pre", "a"] {
                #expect(
                    html.components(separatedBy: "<\(tag)>").count + html.components(separatedBy: "<\(tag) ").count - 1
                        == html.components(separatedBy: "</\(tag)>").count, "unbalanced \(tag): \(text.debugDescription) → \(html)")
            }
        }
    }

    @Test func hostileInputRendersInLinearTime() {
        for text in [
            String(repeating: "[", count: 60_000), String(repeating: "*a ", count: 20_000), String(repeating: "<", count: 60_000),
            String(repeating: "[a](", count: 15_000), String(repeating: "`a``", count: 15_000), String(repeating: "> ", count: 30_000),
            String(repeating: "- ", count: 30_000), String(repeating: "**a _b ", count: 9_000),
        ] {
            let elapsed = ContinuousClock().measure { _ = MarkdownHTML.render(text) }
            #expect(elapsed < .seconds(5), "\(text.prefix(8)): \(elapsed)")
        }
    }
}
