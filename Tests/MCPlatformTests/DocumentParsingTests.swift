import Testing

@testable import MCPlatform

@Suite struct DocumentParsingTests {
    @Test func tokenizerSplitsCodeIdentifiers() {
        #expect(SearchTokenizer.terms("os.path.join") == ["os_path_join", "os", "path", "join"])
        #expect(SearchTokenizer.terms("get_user_name") == ["get_user_name", "get", "user", "name"])
        #expect(SearchTokenizer.terms("getHTTPResponse") == ["get_http_response", "get", "http", "response"])
        #expect(SearchTokenizer.terms("run with --dry-run") == ["run", "dry_run", "dry", "run"])
        #expect(SearchTokenizer.terms("QuerySet.filter()") == ["query_set_filter", "query", "set", "filter"])
        #expect(SearchTokenizer.terms("How do I use the Café API?") == ["use", "cafe", "api"])
    }

    @Test func tokenizerStemsLightly() {
        #expect(
            SearchTokenizer.terms("queries fields filtering nested classes status string running passes") == [
                "query", "field", "filter", "nest", "class", "status", "string", "run", "pass",
            ])
    }

    @Test func tokenizerDropsOverlongRuns() {
        let hash = String(repeating: "ab12", count: 40)
        #expect(SearchTokenizer.terms("sha \(hash) done") == ["sha", "done"])
    }

    @Test func markdownSectionsWithHeadingPathsAnchorsAndCode() {
        let markdown = """
            Intro text.

            # Getting started

            Install it.

            ## Install on Linux {#linux}

            ```sh
            # not a heading
            apt-get install acme
            ```

            Setext heading
            --------------

            Body.

            ## Install on Linux
            Again.
            """
        let document = DocumentParser.parse(markdown, format: .markdown, fallbackTitle: "file")
        #expect(document.title == "Getting started")
        #expect(
            document.sections.map(\.headingPath) == [
                [], ["Getting started"], ["Getting started", "Install on Linux"], ["Getting started", "Setext heading"],
                ["Getting started", "Install on Linux"],
            ])
        #expect(document.sections.map(\.anchor) == [nil, "getting-started", "linux", "setext-heading", "install-on-linux"])
        #expect(document.sections[2].markdown.contains("# not a heading"))
        #expect(document.sections[0].markdown == "Intro text.")
    }

    @Test func mdxFrontmatterAndJSX() {
        let mdx = """
            ---
            title: Configure the client
            description: All the options.
            sidebar_position: 2
            ---
            import Tabs from '@theme/Tabs';
            export const meta = {};

            Some text {/* hidden note */} here.

            <Tabs>
            <TabItem value="js" label="JavaScript">

            ```js
            const client = new Client(<Options />);
            ```

            </TabItem>
            </Tabs>

            <!-- an HTML comment -->
            ## Options
            """
        let document = DocumentParser.parse(mdx, format: .mdx, fallbackTitle: "configure")
        #expect(document.title == "Configure the client")
        #expect(!document.markdown.contains("import Tabs"))
        #expect(!document.markdown.contains("<Tabs>"))
        #expect(!document.markdown.contains("hidden note"))
        #expect(!document.markdown.contains("HTML comment"))
        #expect(document.markdown.contains("const client = new Client(<Options />);"))
        #expect(document.sections[0].markdown.hasPrefix("All the options."))
    }

    @Test func brokenFrontmatterIsIgnored() {
        let document = DocumentParser.parse("---\ntitle: [unclosed\n---\n# Real title\n", format: .markdown, fallbackTitle: "f")
        #expect(document.title == "Real title")
    }

    @Test func restructuredTextTitlesAndLiteralBlocks() {
        let rst = """
            ========
            Tutorial
            ========

            Write a view::

                def index(request):
                    return HttpResponse("Hello")

            Models
            ------

            Text.
            """
        let document = DocumentParser.parse(rst, format: .restructuredText, fallbackTitle: "tutorial")
        #expect(document.title == "Tutorial")
        #expect(document.sections.map(\.headingPath) == [["Tutorial"], ["Tutorial", "Models"]])
        #expect(document.sections[0].markdown.contains("```\n    def index(request):"))
    }

    @Test func plainTextIsOneSection() {
        let document = DocumentParser.parse("# not a heading in text\nline two", format: .plainText, fallbackTitle: "notes")
        #expect(document.title == "notes")
        #expect(document.sections.count == 1)
    }

    @Test func chunkerSplitsLongSectionsButNeverInsideCode() {
        let paragraph = String(repeating: "word ", count: 100)
        let code = "```python\n" + (1...80).map { "line_\($0) = \($0)" }.joined(separator: "\n") + "\n```"
        let markdown = "# Title\n\n" + [paragraph, paragraph, code, paragraph, paragraph, paragraph].joined(separator: "\n\n")
        let chunks = Chunker().chunks(of: DocumentParser.parse(markdown, format: .markdown, fallbackTitle: "t"))
        #expect(chunks.count > 1)
        #expect(chunks.allSatisfy { $0.headingPath == ["Title"] && $0.anchor == "title" })
        #expect(chunks.map(\.position) == Array(0..<chunks.count))
        let withCode = chunks.filter { $0.text.contains("```python") }
        #expect(withCode.count == 1)
        #expect(withCode[0].text.contains("line_80 = 80\n```"))
        #expect(withCode[0].code.contains("line_1 = 1"))
        #expect(!withCode[0].prose.contains("line_1 = 1"))
    }

    @Test func linkTargetsAreNotProse() {
        let (prose, _) = Chunker.separateCode("See [the guide](guide/setup.html \"Setup\") and ![diagram](img/arch.png).")
        #expect(prose == "See the guide and diagram.")
    }

    @Test func inlineCodeCountsAsCode() {
        let (prose, code) = Chunker.separateCode("Call `client.connect()` then `close`.")
        #expect(prose == "Call `client.connect()` then `close`.")
        #expect(code == "client.connect()\nclose")
    }
}
