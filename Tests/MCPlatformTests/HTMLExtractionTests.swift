import Foundation
import Testing

@testable import MCPlatform

@Suite struct HTMLExtractionTests {
    // MARK: - Real documentation sites

    @Test func sphinxDjangoPage() throws {
        let page = HTMLExtractor.extract(
            HTMLPageSamples.djangoTutorial, baseURL: URL(string: "https://docs.djangoproject.com/en/3.2/intro/tutorial01.html"))
        #expect(page.title == "Writing your first Django app, part 1")
        let markdown = page.markdown
        #expect(markdown.hasPrefix("# Writing your first Django app, part 1\n\nLet’s learn by example."))
        #expect(!markdown.contains("¶"))
        // Django's header, sidebar, footer and related navigation are gone.
        #expect(!markdown.contains("Django 3.2.25 documentation"))
        #expect(!markdown.contains("Table of Contents"))
        #expect(!markdown.contains("Quick search"))
        #expect(!markdown.contains("previous"))
        #expect(!markdown.contains("Last update"))
        #expect(markdown.contains("- A public site that lets people view polls and vote in them.\n- An admin site"))
        #expect(markdown.contains("Open the file `polls/views.py` and put the following Python code in it:"))
        let pythonBlock = """
            ```python
            from django.http import HttpResponse


            def index(request):
                return HttpResponse("Hello, world. You're at the polls index.")
            ```
            """
        #expect(markdown.contains(pythonBlock))
        // `highlight-default` names no language; indentation is kept.
        #expect(markdown.contains("```\npolls/\n    __init__.py\n    admin.py\n"))
        #expect(
            page.headings == [
                ExtractedHeading(level: 1, text: "Writing your first Django app, part 1", anchor: "writing-your-first-django-app-part-1"),
                ExtractedHeading(level: 2, text: "Write your first view", anchor: "write-your-first-view"),
            ])
        #expect(page.links.contains("https://docs.djangoproject.com/en/3.2/intro/install.html"))
        #expect(page.links.contains("https://docs.djangoproject.com/en/3.2/intro/tutorial02.html"))
        #expect(page.links.contains("https://docs.djangoproject.com/en/3.2/genindex.html"))
        #expect(!page.links.contains { $0.contains("#") })
        #expect(Set(page.links).count == page.links.count)
    }

    @Test func sphinxSectionIDsAnchorHeadings() {
        let html = """
            <html><head><title>Quickstart &#8212; Requests 2.31 documentation</title></head><body>
            <div class="related" role="navigation"><ul><li><a href="genindex.html">index</a></li><li>next</li></ul></div>
            <div class="document"><div class="documentwrapper"><div class="bodywrapper">
            <div class="body" role="main">
            <section id="quickstart">
            <h1>Quickstart</h1>
            <p>Eager to get started?</p>
            <section id="make-a-request">
            <span id="label-make-request"></span>
            <h2>Make a Request</h2>
            <div class="highlight-python notranslate"><div class="highlight"><pre><span></span><span class="gp">&gt;&gt;&gt; </span><span class="kn">import</span> <span class="nn">requests</span>
            </pre></div></div>
            <p>Intro text.</p>
            <h3>Not first in a section</h3>
            </section></section>
            </div></div></div>
            <div class="sphinxsidebar" role="navigation" aria-label="main navigation"><h3>Navigation</h3><ul><li><a href="index.html">Home</a></li></ul></div>
            </div>
            <div class="footer">&#169;MMXVIX. A Kenneth Reitz Project.</div>
            </body></html>
            """
        let page = HTMLExtractor.extract(html)
        #expect(page.title == "Quickstart")
        #expect(
            page.headings == [
                ExtractedHeading(level: 1, text: "Quickstart", anchor: "quickstart"),
                ExtractedHeading(level: 2, text: "Make a Request", anchor: "make-a-request"),
                ExtractedHeading(level: 3, text: "Not first in a section", anchor: nil),
            ])
        #expect(page.markdown.contains("```python\n>>> import requests\n```"))
        #expect(!page.markdown.contains("Navigation"))
        #expect(!page.markdown.contains("Kenneth"))
        #expect(!page.markdown.contains("index"))
    }

    @Test func mkDocsMaterialPage() {
        let page = HTMLExtractor.extract(
            HTMLPageSamples.mkDocsMaterial, baseURL: URL(string: "https://squidfunk.github.io/mkdocs-material/getting-started/"))
        #expect(page.title == "Getting started")
        #expect(page.canonicalURL == "https://squidfunk.github.io/mkdocs-material/getting-started/")
        let expected = """
            # Getting started

            Material for MkDocs is a powerful documentation framework on top of [MkDocs](https://www.mkdocs.org/), a static site generator for project documentation.

            ## Installation

            ### with pip

            Material for MkDocs is published as a [Python package](https://pypi.org/project/mkdocs-material/) and can be installed with `pip`, ideally by using a [virtual environment](https://realpython.com/what-is-pip/#using-requirement-files). Open up a terminal and install Material for MkDocs with:

            Latest

            9.x

            ```
            pip install mkdocs-material
            ```

            ```
            pip install mkdocs-material=="9.*"
            ```

            Tip

            If you don't have prior experience with Python, we recommend reading [Using Python's pip to Manage Your Projects' Dependencies](https://realpython.com/what-is-pip/).

            mkdocs.yml

            ```yaml
            theme:
              name: material
            ```
            """
        #expect(page.markdown == expected)
        #expect(page.headings.map(\.anchor) == ["getting-started", "installation", "with-pip"])
        #expect(page.headings.map(\.text) == ["Getting started", "Installation", "with pip"])
        #expect(page.links.contains("https://squidfunk.github.io/mkdocs-material/setup/"))
        #expect(page.links.contains("https://github.com/squidfunk/mkdocs-material"))
    }

    @Test func docusaurusPage() {
        let page = HTMLExtractor.extract(HTMLPageSamples.docusaurus, baseURL: URL(string: "https://example.com/docs/intro"))
        #expect(page.title == "Tutorial Intro")
        #expect(page.canonicalURL == "https://example.com/docs/intro")
        let expected = """
            # Tutorial Intro

            Let's discover **Docusaurus in less than 5 minutes**.

            ## Getting Started

            Get started by **creating a new site**.

            Or **try Docusaurus immediately** with **[docusaurus.new](https://docusaurus.new)**.

            ### What you'll need

            - [Node.js](https://nodejs.org/en/download/) version 18.0 or above:
              - When installing Node.js, you are recommended to check all checkboxes related to dependencies.

            ## Generate a new site

            Generate a new Docusaurus site using the **classic template**.

            ```bash
            npm init docusaurus@latest my-website classic
            cd my-website
            ```

            You can type this command into Command Prompt, Powershell, Terminal, or any other integrated terminal of your code editor.
            """
        #expect(page.markdown == expected)
        #expect(page.headings.map(\.anchor) == [nil, "getting-started", "what-youll-need", "generate-a-new-site"])
        #expect(page.links.contains("https://example.com/blog"))
        #expect(page.links.contains("https://example.com/docs/category/tutorial---basics"))
    }

    // MARK: - What is dropped

    @Test func hiddenContentIsNeverExtracted() {
        let html = """
            <main>
            <p>Visible.</p>
            <p hidden>HIDDEN-1</p>
            <div aria-hidden="true">HIDDEN-2</div>
            <span style="display: none">HIDDEN-3</span>
            <span style="color:red; VISIBILITY : hidden !important">HIDDEN-4</span>
            <div style="opacity:0">HIDDEN-5</div>
            <p style="font-size:0px">HIDDEN-6</p>
            <template><p>HIDDEN-7</p></template>
            <noscript>HIDDEN-8</noscript>
            <script>var x = "HIDDEN-9 </div>";</script>
            <style>.a::after { content: "HIDDEN-10" }</style>
            <svg><text>HIDDEN-11</text><title>HIDDEN-12</title></svg>
            <input type="hidden" value="HIDDEN-13"><select><option>HIDDEN-14</select><button>HIDDEN-15</button>
            <iframe src="x">HIDDEN-16</iframe><canvas>HIDDEN-17</canvas><object>HIDDEN-18</object>
            <h2 hidden id="secret">HIDDEN-19</h2>
            <div hidden><article><h2>HIDDEN-20</h2></article></div>
            <span class="sr-only">Screen reader text</span>
            <div style="display:block">Shown block</div>
            <div aria-hidden="false">Not hidden</div>
            <div style="opacity:0.5">Half visible</div>
            </main>
            """
        let page = HTMLExtractor.extract(html)
        #expect(!page.markdown.contains("HIDDEN"))
        #expect(page.markdown == "Visible.\n\nScreen reader text\n\nShown block\n\nNot hidden\n\nHalf visible")
        #expect(page.headings.isEmpty)
    }

    @Test func pageChromeIsDropped() {
        let html = """
            <body>
            <header><a href="/">Logo</a> Site header</header>
            <nav>Navigation</nav>
            <div role="banner">Banner</div><div role="search">Search</div>
            <div class="breadcrumbs">Home / Docs</div>
            <a class="skip-link" href="#main">Skip to content</a>
            <div class="toc"><ul><li><a href="#a">Section A</a></li><li><a href="#b">Section B</a></li></ul></div>
            <aside>Aside</aside>
            <form><label>Name</label><input name="q"></form>
            <section><header><h1>Kept section header</h1></header><p>Body text.</p>
            <div class="toc">The table of contents of this guide is described below in prose, with no links at all.</div>
            </section>
            <footer>Footer</footer>
            <div role="contentinfo">Copyright</div>
            </body>
            """
        let markdown = HTMLExtractor.extract(html).markdown
        #expect(
            markdown
                == "# Kept section header\n\nBody text.\n\nThe table of contents of this guide is described below in prose, with no links at all."
        )
    }

    @Test func mainContentSelection() {
        let withMain = "<body><div id='content'>Outer</div><main><p>In main</p></main></body>"
        #expect(HTMLExtractor.extract(withMain).markdown == "In main")
        let withRole = "<body><p>Outside</p><div role=main><p>In role main</p></div></body>"
        #expect(HTMLExtractor.extract(withRole).markdown == "In role main")
        let articles = "<body><article><p>Short</p></article><article><p>The longest article wins.</p></article></body>"
        #expect(HTMLExtractor.extract(articles).markdown == "The longest article wins.")
        let content = "<body><div class='menu'>Menu</div><div class='content'><p>Content</p></div></body>"
        #expect(HTMLExtractor.extract(content).markdown == "Content")
        let hiddenMain = "<body><main hidden>Secret</main><p>Body text</p></body>"
        #expect(HTMLExtractor.extract(hiddenMain).markdown == "Body text")
        #expect(HTMLExtractor.extract("Just text, no tags").markdown == "Just text, no tags")
    }

    // MARK: - Markup

    @Test func brokenHTMLIsRecovered() {
        let html = """
            <!DOCTYPE html><HTML><HEAD><TITLE>Broken</TITLE><BODY>
            <H1 ID=top>Broken <EM>page</H1>
            <P>First paragraph<P>Second <B>bold <I>both</B> italic?</I>
            <UL><LI>one<LI>two<UL><LI>nested</UL><LI>three</UL>
            <TABLE><TR><TD>a<TD>b<TR><TD>c<TD>d</TABLE>
            <DL><DT>term<DD>definition<DT>term2<DD>def2</DL>
            </div></span></p></li>
            <p><a href=page.html class=x>unquoted link</a> and <a href='single.html'>single</a>
            <!-- a comment with <p>markup</p> -->
            <![CDATA[ cdata text ]]><?php echo "processing" ?>
            <p>Unclosed at end <img src="x.png" alt="An image" <
            """
        let page = HTMLExtractor.extract(html)
        let expected = """
            # Broken *page*

            First paragraph

            Second **bold *both*** italic?

            - one
            - two
              - nested
            - three

            | a | b |
            | --- | --- |
            | c | d |

            term
            : definition

            term2
            : def2

            [unquoted link](page.html) and [single](single.html)

            Unclosed at end ![An image](x.png)
            """
        #expect(page.markdown == expected)
        #expect(page.title == "Broken")
        #expect(page.headings == [ExtractedHeading(level: 1, text: "Broken page", anchor: "top")])
    }

    @Test func characterReferences() {
        let html = """
            <p>&amp; &lt;tag&gt; &quot;q&quot; &apos;a&apos; a&nbsp;b &copy; &mdash; &ndash; &hellip; &rsquo;&lsquo;&rdquo;&ldquo; \
            &laquo;&raquo; &para; &sect; &times; &#65;&#x42;&#X43; &#128512; &#150; &unknown; &amp x AT&T &#0; &#x110000;</p>
            <p><a href="https://example.com/?a=1&copy=2&amp;b=3">query</a></p>
            <pre>&lt;div class=&quot;x&quot;&gt; &amp;&amp; done</pre>
            """
        let markdown = HTMLExtractor.extract(html).markdown
        #expect(
            markdown == """
                & <tag> "q" 'a' a b © — – … ’‘”“ «» ¶ § × ABC 😀 – &unknown; & x AT&T \u{FFFD} \u{FFFD}

                [query](https://example.com/?a=1&copy=2&b=3)

                ```
                <div class="x"> && done
                ```
                """)
    }

    @Test func listsTablesAndDefinitionLists() {
        let html = """
            <ol start="3"><li>Third</li><li><p>Fourth, with a paragraph.</p><p>And a second one.</p>
            <pre><code class="language-sh">make
              install</code></pre></li></ol>
            <ul><li>Mixed<ol><li>inner one</li><li>inner two</li></ol></li></ul>
            <table>
            <thead><tr><th>Name</th><th>Description</th></tr></thead>
            <tbody><tr><td><code>a|b</code></td><td><p>Pipe <em>inside</em>.</p><p>Two paragraphs.</p></td></tr>
            <tr><td colspan="2">Spanning</td></tr></tbody>
            </table>
            <dl><dt>Term</dt><dt>Alias</dt><dd>First definition.</dd><dd><p>Second definition.</p><p>More.</p></dd></dl>
            <blockquote><p>Quoted</p><blockquote>Nested</blockquote></blockquote>
            <p>Line one<br>Line two</p><hr>
            <p><img src="logo.png" alt=""> <img src="diagram.png" alt="Architecture diagram"></p>
            """
        let expected = """
            3. Third

            4. Fourth, with a paragraph.

               And a second one.

               ```sh
               make
                 install
               ```

            - Mixed
              1. inner one
              2. inner two

            | Name | Description |
            | --- | --- |
            | `a\\|b` | Pipe *inside*. Two paragraphs. |
            | Spanning |  |

            Term
            Alias
            : First definition.
            : Second definition.

              More.

            > Quoted
            >
            > > Nested

            Line one
            Line two

            ---

            ![Architecture diagram](diagram.png)
            """
        #expect(HTMLExtractor.extract(html).markdown == expected)
    }

    @Test func codeBlocksAndInlineCode() {
        let html = """
            <div class="highlight-console notranslate"><div class="highlight"><pre><span></span><span class="gp">$ </span>pip install x
            </pre></div></div>
            <pre class="lang-js"><code>let a = 1;</code></pre>
            <pre><code class="language-markdown">Use ```fences``` like this:

            ```swift
            print("hi")
            ```</code></pre>
            <div class="highlight-default"><pre>plain</pre></div>
            <pre>
            first line after the newline browsers skip
            \tindented with a tab</pre>
            <p>Call <code>a`b</code>, <kbd>Ctrl</kbd>+<kbd>C</kbd>, <tt>old</tt> and <code>`tick</code>.</p>
            """
        let expected = """
            ```console
            $ pip install x
            ```

            ```js
            let a = 1;
            ```

            ````markdown
            Use ```fences``` like this:

            ```swift
            print("hi")
            ```
            ````

            ```
            plain
            ```

            ```
            first line after the newline browsers skip
            \tindented with a tab
            ```

            Call ``a`b``, `Ctrl`+`C`, `old` and `` `tick ``.
            """
        #expect(HTMLExtractor.extract(html).markdown == expected)
    }

    @Test func whitespaceIsCollapsedOutsideCode() {
        let html = "<p>  many\n\n   spaces\tand <strong> bold </strong>text <em></em> here </p>\n\n\n<p>next</p><p>&nbsp;</p><p>last</p>"
        #expect(HTMLExtractor.extract(html).markdown == "many spaces and **bold** text here\n\nnext\n\nlast")
    }

    @Test func pageTitles() {
        func title(_ html: String) -> String? { HTMLExtractor.extract(html).title }
        #expect(title("<title>Models — Django 3.2 documentation</title>") == "Models")
        #expect(title("<title>Installation | Docusaurus</title>") == "Installation")
        #expect(title("<title>Getting started - MkDocs</title>") == "Getting started")
        #expect(title("<title>Foo - Bar | Site</title><h1>Foo - Bar</h1>") == "Foo - Bar")
        #expect(
            title("<title>Python - the programming language that lets you work quickly</title>")
                == "Python - the programming language that lets you work quickly")
        #expect(title("<title>Hello</title><h1>Other</h1>") == "Hello")
        #expect(title("<title>  </title><h2>Not h1</h2><h1>First <code>h1</code></h1>") == "First h1")
        #expect(title("<p>no title</p>") == nil)
    }

    // MARK: - Links

    @Test func linksAreResolvedAgainstTheBaseURL() {
        let html = """
            <html><head><link rel="canonical" href="/docs/guide/intro"></head><body>
            <nav><a href="/about">About</a></nav>
            <main>
            <p><a href="../api/index.html#x">API</a> <a href="?page=2">next</a> <a href="#local">here</a>
            <a href="mailto:a@b.c">mail</a> <a href="javascript:void(0)">js</a> <a href="ftp://x.org/f">ftp</a>
            <a href="https://other.org/x#frag">other</a> <a href="../api/index.html">API again</a> <a href=" /spaced ">spaced</a>
            <a href="HTTPS://UPPER.example/">upper</a> <a>no href</a></p>
            </main></body></html>
            """
        let base = URL(string: "https://example.com/docs/guide/intro.html")
        let page = HTMLExtractor.extract(html, baseURL: base)
        #expect(
            page.links == [
                "https://example.com/about", "https://example.com/docs/api/index.html", "https://example.com/docs/guide/intro.html?page=2",
                "https://other.org/x", "https://example.com/spaced", "HTTPS://UPPER.example/",
            ])
        #expect(page.canonicalURL == "https://example.com/docs/guide/intro")
        #expect(
            page.markdown.hasPrefix(
                "[API](https://example.com/docs/api/index.html#x) [next](https://example.com/docs/guide/intro.html?page=2) here mail js ftp"
            ))

        let relative = HTMLExtractor.extract(html)
        #expect(relative.links == ["/about", "../api/index.html", "?page=2", "https://other.org/x", "/spaced", "HTTPS://UPPER.example/"])
        #expect(relative.canonicalURL == "/docs/guide/intro")
        #expect(relative.markdown.hasPrefix("[API](../api/index.html#x)"))

        let withBaseElement = #"<head><base href="https://cdn.example.org/v2/"></head><a href="page.html">p</a>"#
        #expect(HTMLExtractor.extract(withBaseElement, baseURL: base).links == ["https://cdn.example.org/v2/page.html"])
    }

    // MARK: - Robustness

    @Test func pathologicalInputsFinish() {
        let depth = 100_000
        let nested = String(repeating: "<div>", count: depth) + "deep text" + String(repeating: "</div>", count: depth)
        #expect(HTMLExtractor.extract(nested).markdown == "deep text")

        let mixedNesting = String(repeating: "<span><b><li><td><a href=x><table><p>", count: 20_000) + "end"
        #expect(HTMLExtractor.extract(mixedNesting).markdown.contains("end"))

        let strayEndTags = String(repeating: "</div></p></li></table>", count: 50_000) + "<p>after</p>"
        #expect(HTMLExtractor.extract(strayEndTags).markdown == "after")

        let sentence = String(repeating: "word ", count: 30)
        let longLine = String(repeating: "<p class=x>\(sentence)<b>bold</b> &amp; <a href='/a'>link</a></p>", count: 50_000)
        #expect(longLine.utf8.count > 10_000_000)
        let longPage = HTMLExtractor.extract(longLine)
        #expect(longPage.markdown.hasPrefix("\(sentence)**bold** & [link](/a)\n\nword"))
        #expect(longPage.links == ["/a"])

        var generator = SplitMix64(seed: 42)
        let randomBytes = (0..<1_000_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        _ = HTMLExtractor.extract(String(decoding: randomBytes, as: UTF8.self))
        let alphabet = Array("<>/=\"'&#;!-abpdivlutrsc x\n".utf8)
        let randomMarkup = (0..<1_000_000).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        _ = HTMLExtractor.extract(String(decoding: randomMarkup, as: UTF8.self))

        for unterminated in ["<!--", "<script>", "<p title=\"", "<![CDATA[", "<a href='", "&#", "<style>", "<title>", "<"] {
            _ = HTMLExtractor.extract("<p>before</p>" + unterminated + String(repeating: "x <p> y ", count: 30_000))
        }
        #expect(HTMLExtractor.extract("").markdown == "")
    }
}

/// A small deterministic random number generator, so that the random inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Pages of real documentation sites: an excerpt of the Django 3.2 docs (Sphinx) as shipped by Debian's
/// python-django-doc, and pages written after the markup of MkDocs Material 9 and Docusaurus 3.
private enum HTMLPageSamples {
    static let djangoTutorial = #"""

        <!DOCTYPE html>

        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1.0" />
          </head><body>
            <div class="document">
          <div id="custom-doc" class="yui-t6">
            <div id="hd">
              <h1><a href="../index.html">Django 3.2.25 documentation</a></h1>
              <div id="global-nav">
                <a title="Home page" href="../index.html">Home</a>  |
                <a title="Table of contents" href="../contents.html">Table of contents</a>  |
                <a title="Global index" href="../genindex.html">Index</a>  |
                <a title="Module index" href="../py-modindex.html">Modules</a>
              </div>
              <div class="nav">
            &laquo; <a href="install.html" title="Quick install guide">previous</a>
             |
            <a href="index.html" title="Getting started" accesskey="U">up</a>
           |
            <a href="tutorial02.html" title="Writing your first Django app, part 2">next</a> &raquo;</div>
            </div>

            <div id="bd">
              <div id="yui-main">
                <div class="yui-b">
                  <div class="yui-g" id="intro-tutorial01">

          <div class="section" id="s-writing-your-first-django-app-part-1">
        <span id="writing-your-first-django-app-part-1"></span><h1>Writing your first Django app, part 1<a class="headerlink" href="#writing-your-first-django-app-part-1" title="Permalink to this heading">¶</a></h1>
        <p>Let’s learn by example.</p>
        <p>Throughout this tutorial, we’ll walk you through the creation of a basic
        poll application.</p>
        <p>It’ll consist of two parts:</p>
        <ul class="simple">
        <li>A public site that lets people view polls and vote in them.</li>
        <li>An admin site that lets you add, change, and delete polls.</li>
        </ul>
        </div>
        <div class="section" id="s-write-your-first-view">
        <span id="write-your-first-view"></span><h2>Write your first view<a class="headerlink" href="#write-your-first-view" title="Permalink to this heading">¶</a></h2>
        <p>Let’s write the first view. Open the file <code class="docutils literal notranslate"><span class="pre">polls/views.py</span></code>
        and put the following Python code in it:</p>
        <div class="literal-block-wrapper docutils container" id="id1">
        <div class="code-block-caption"><span class="caption-text"><code class="docutils literal notranslate"><span class="pre">polls/views.py</span></code></span><a class="headerlink" href="#id1" title="Permalink to this code">¶</a></div>
        <div class="highlight-python notranslate"><div class="highlight"><pre><span></span><span class="kn">from</span> <span class="nn">django.http</span> <span class="kn">import</span> <span class="n">HttpResponse</span>


        <span class="k">def</span> <span class="nf">index</span><span class="p">(</span><span class="n">request</span><span class="p">):</span>
            <span class="k">return</span> <span class="n">HttpResponse</span><span class="p">(</span><span class="s2">&quot;Hello, world. You&#39;re at the polls index.&quot;</span><span class="p">)</span>
        </pre></div>
        </div>
        </div>
        <p>This is the simplest view possible in Django. To call the view, we need to map
        it to a URL - and for this we need a URLconf.</p>
        <p>To create a URLconf in the polls directory, create a file called <code class="docutils literal notranslate"><span class="pre">urls.py</span></code>.
        Your app directory should now look like:</p>
        <div class="highlight-default notranslate"><div class="highlight"><pre><span></span><span class="n">polls</span><span class="o">/</span>
            <span class="fm">__init__</span><span class="o">.</span><span class="n">py</span>
            <span class="n">admin</span><span class="o">.</span><span class="n">py</span>
            <span class="n">apps</span><span class="o">.</span><span class="n">py</span>
            <span class="n">migrations</span><span class="o">/</span>
                <span class="fm">__init__</span><span class="o">.</span><span class="n">py</span>
            <span class="n">models</span><span class="o">.</span><span class="n">py</span>
            <span class="n">tests</span><span class="o">.</span><span class="n">py</span>
            <span class="n">urls</span><span class="o">.</span><span class="n">py</span>
            <span class="n">views</span><span class="o">.</span><span class="n">py</span>
        </pre></div>
        </div>
        </div>
        </div>
                  </div>
                </div>
              </div>


                  <div class="yui-b" id="sidebar">

              <div class="sphinxsidebar" role="navigation" aria-label="main navigation">
                <div class="sphinxsidebarwrapper">
          <div>
            <h3><a href="../contents.html">Table of Contents</a></h3>
            <ul>
        <li><a class="reference internal" href="#">Writing your first Django app, part 1</a><ul>
        <li><a class="reference internal" href="#creating-a-project">Creating a project</a></li>
        <li><a class="reference internal" href="#the-development-server">The development server</a></li>
        <li><a class="reference internal" href="#creating-the-polls-app">Creating the Polls app</a></li>
        <li><a class="reference internal" href="#write-your-first-view">Write your first view</a><ul>
        <li><a class="reference internal" href="#path-argument-route"><code class="xref py py-func docutils literal notranslate"><span class="pre">path()</span></code> argument: <code class="docutils literal notranslate"><span class="pre">route</span></code></a></li>
        <li><a class="reference internal" href="#path-argument-view"><code class="xref py py-func docutils literal notranslate"><span class="pre">path()</span></code> argument: <code class="docutils literal notranslate"><span class="pre">view</span></code></a></li>
        <li><a class="reference internal" href="#path-argument-kwargs"><code class="xref py py-func docutils literal notranslate"><span class="pre">path()</span></code> argument: <code class="docutils literal notranslate"><span class="pre">kwargs</span></code></a></li>
        <li><a class="reference internal" href="#path-argument-name"><code class="xref py py-func docutils literal notranslate"><span class="pre">path()</span></code> argument: <code class="docutils literal notranslate"><span class="pre">name</span></code></a></li>
        </ul>
        </li>
        </ul>
        </li>
        </ul>

          </div>
          <div>
            <h4>Previous topic</h4>
            <p class="topless"><a href="install.html"
        <div id="searchbox" style="display: none" role="search">
          <h3 id="searchlabel">Quick search</h3>
            <div class="searchformwrapper">
            <form class="search" action="../search.html" method="get">
              <input type="text" name="q" aria-labelledby="searchlabel" autocomplete="off" autocorrect="off" autocapitalize="off" spellcheck="false"/>
              <input type="submit" value="Go" />
            </form>
            </div>
        </div>
        <script>document.getElementById('searchbox').style.display = "block"</script>
                </div>
              </div>
                      <h3>Last update:</h3>
                      <p class="topless">Nov 11, 2026</p>
                  </div>


            </div>

            <div id="ft">
              <div class="nav">
            &laquo; <a href="install.html" title="Quick install guide">previous</a>
             |
            <a href="index.html" title="Getting started" accesskey="U">up</a>
           |
            <a href="tutorial02.html" title="Writing your first Django app, part 2">next</a> &raquo;</div>
            </div>
          </div>

              <div class="clearer"></div>
            </div>
        """#

    static let mkDocsMaterial = #"""
        <!doctype html>
        <html lang="en" class="no-js">
          <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width,initial-scale=1">
            <link rel="canonical" href="https://squidfunk.github.io/mkdocs-material/getting-started/">
            <link rel="prev" href="..">
            <link rel="next" href="../setup/">
            <link rel="icon" href="../assets/images/favicon.png">
            <meta name="generator" content="mkdocs-1.6.0, mkdocs-material-9.5.30">
            <title>Getting started - Material for MkDocs</title>
            <link rel="stylesheet" href="../assets/stylesheets/main.css">
            <script>__md_scope=new URL("..",location),__md_hash=e=>[...e].reduce((e,_)=>(e<<5)-e+_.charCodeAt(0),0)</script>
          </head>
          <body dir="ltr" data-md-color-scheme="default" data-md-color-primary="indigo" data-md-color-accent="indigo">
            <input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer" autocomplete="off">
            <input class="md-toggle" data-md-toggle="search" type="checkbox" id="__search" autocomplete="off">
            <label class="md-overlay" for="__drawer"></label>
            <div data-md-component="skip">
              <a href="#installation" class="md-skip">Skip to content</a>
            </div>
            <div data-md-component="announce"></div>
            <header class="md-header md-header--shadow" data-md-component="header">
              <nav class="md-header__inner md-grid" aria-label="Header">
                <a href=".." title="Material for MkDocs" class="md-header__button md-logo" aria-label="Material for MkDocs" data-md-component="logo">
                  <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 8a3 3 0 0 0 3-3 3 3 0 0 0-3-3 3 3 0 0 0-3 3 3 3 0 0 0 3 3m0 3.54C9.64 9.35 6.5 8 3 8v11c3.5 0 6.64 1.35 9 3.54 2.36-2.19 5.5-3.54 9-3.54V8c-3.5 0-6.64 1.35-9 3.54Z"/></svg>
                </a>
                <div class="md-header__title" data-md-component="header-title">
                  <div class="md-header__ellipsis">
                    <div class="md-header__topic"><span class="md-ellipsis">Material for MkDocs</span></div>
                    <div class="md-header__topic" data-md-component="header-topic"><span class="md-ellipsis">Getting started</span></div>
                  </div>
                </div>
                <label class="md-header__button md-icon" for="__search"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M9.5 3A6.5 6.5 0 0 1 16 9.5"/></svg></label>
                <div class="md-search" data-md-component="search" role="dialog">
                  <label class="md-search__overlay" for="__search"></label>
                  <div class="md-search__inner" role="search">
                    <form class="md-search__form" name="search">
                      <input type="text" class="md-search__input" name="query" aria-label="Search" placeholder="Search" autocapitalize="off" autocorrect="off" autocomplete="off" spellcheck="false" data-md-component="search-query" required>
                    </form>
                    <div class="md-search__output"><div class="md-search-result" data-md-component="search-result"><div class="md-search-result__meta">Initializing search</div></div></div>
                  </div>
                </div>
                <div class="md-header__source">
                  <a href="https://github.com/squidfunk/mkdocs-material" title="Go to repository" class="md-source" data-md-component="source">
                    <div class="md-source__icon md-icon"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 448 512"><path d="M439.55 236.05 244 40.45a28.87 28.87 0 0 0-40.81 0"/></svg></div>
                    <div class="md-source__repository">squidfunk/mkdocs-material</div>
                  </a>
                </div>
              </nav>
            </header>
            <div class="md-container" data-md-component="container">
              <nav class="md-tabs" aria-label="Tabs" data-md-component="tabs">
                <div class="md-grid"><ul class="md-tabs__list"><li class="md-tabs__item md-tabs__item--active"><a href=".." class="md-tabs__link">Home</a></li><li class="md-tabs__item"><a href="../setup/" class="md-tabs__link">Setup</a></li></ul></div>
              </nav>
              <main class="md-main" data-md-component="main">
                <div class="md-main__inner md-grid">
                  <div class="md-sidebar md-sidebar--primary" data-md-component="sidebar" data-md-type="navigation">
                    <div class="md-sidebar__scrollwrap">
                      <div class="md-sidebar__inner">
                        <nav class="md-nav md-nav--primary md-nav--lifted" aria-label="Navigation" data-md-level="0">
                          <label class="md-nav__title" for="__drawer">Material for MkDocs</label>
                          <ul class="md-nav__list" data-md-scrollfix>
                            <li class="md-nav__item"><a href=".." class="md-nav__link"><span class="md-ellipsis">Home</span></a></li>
                            <li class="md-nav__item md-nav__item--active"><a href="./" class="md-nav__link md-nav__link--active"><span class="md-ellipsis">Getting started</span></a></li>
                            <li class="md-nav__item"><a href="../setup/" class="md-nav__link"><span class="md-ellipsis">Setup</span></a></li>
                          </ul>
                        </nav>
                      </div>
                    </div>
                  </div>
                  <div class="md-sidebar md-sidebar--secondary" data-md-component="sidebar" data-md-type="toc">
                    <div class="md-sidebar__scrollwrap">
                      <div class="md-sidebar__inner">
                        <nav class="md-nav md-nav--secondary" aria-label="Table of contents">
                          <label class="md-nav__title" for="__toc"><span class="md-nav__icon md-icon"></span>Table of contents</label>
                          <ul class="md-nav__list" data-md-component="toc" data-md-scrollfix>
                            <li class="md-nav__item"><a href="#installation" class="md-nav__link"><span class="md-ellipsis">Installation</span></a></li>
                          </ul>
                        </nav>
                      </div>
                    </div>
                  </div>
                  <div class="md-content" data-md-component="content">
                    <article class="md-content__inner md-typeset">
                      <a href="https://github.com/squidfunk/mkdocs-material/edit/master/docs/getting-started.md" title="Edit this page" class="md-content__button md-icon">
                        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M10 20H6V4h7v5h5v3.1l2-2V8l-6-6H6c-1.1 0-2 .9-2 2v16"/></svg>
                      </a>
                      <h1 id="getting-started">Getting started<a class="headerlink" href="#getting-started" title="Permanent link">&para;</a></h1>
                      <p>Material for MkDocs is a powerful documentation framework on top of <a href="https://www.mkdocs.org/">MkDocs</a>,
                      a static site generator for project documentation.</p>
                      <h2 id="installation">Installation<a class="headerlink" href="#installation" title="Permanent link">&para;</a></h2>
                      <h3 id="with-pip"><span class="twemoji"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 448 512"><path d="M439.6 236.1 244 40.5"/></svg></span> with pip<a class="headerlink" href="#with-pip" title="Permanent link">&para;</a></h3>
                      <p>Material for MkDocs is published as a <a href="https://pypi.org/project/mkdocs-material/">Python package</a> and can be installed with
                      <code>pip</code>, ideally by using a <a href="https://realpython.com/what-is-pip/#using-requirement-files">virtual environment</a>. Open up a terminal and install
                      Material for MkDocs with:</p>
                      <div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked="checked" id="__tabbed_1_1" name="__tabbed_1" type="radio" /><input id="__tabbed_1_2" name="__tabbed_1" type="radio" /><div class="tabbed-labels"><label for="__tabbed_1_1">Latest</label><label for="__tabbed_1_2">9.x</label></div>
                      <div class="tabbed-content">
                      <div class="tabbed-block">
                      <div class="language-text highlight"><pre><span></span><code><span id="__span-0-1"><a id="__codelineno-0-1" name="__codelineno-0-1" href="#__codelineno-0-1"></a>pip install mkdocs-material
        </span></code></pre></div>
                      </div>
                      <div class="tabbed-block">
                      <div class="language-text highlight"><pre><span></span><code><span id="__span-1-1"><a id="__codelineno-1-1" name="__codelineno-1-1" href="#__codelineno-1-1"></a>pip install mkdocs-material==&quot;9.*&quot;
        </span></code></pre></div>
                      </div>
                      </div>
                      </div>
                      <div class="admonition tip">
                      <p class="admonition-title">Tip</p>
                      <p>If you don't have prior experience with Python, we recommend reading
                      <a href="https://realpython.com/what-is-pip/">Using Python's pip to Manage Your Projects' Dependencies</a>.</p>
                      </div>
                      <div class="language-yaml highlight"><span class="filename">mkdocs.yml</span><pre><span></span><button class="md-clipboard md-icon" title="Copy to clipboard" data-clipboard-target="#__code_2 > code"></button><code><span id="__span-2-1"><a id="__codelineno-2-1" name="__codelineno-2-1" href="#__codelineno-2-1"></a><span class="nt">theme</span><span class="p">:</span>
        </span><span id="__span-2-2"><a id="__codelineno-2-2" name="__codelineno-2-2" href="#__codelineno-2-2"></a><span class="w">  </span><span class="nt">name</span><span class="p">:</span><span class="w"> </span><span class="l l-Scalar l-Scalar-Plain">material</span>
        </span></code></pre></div>
                      <form class="md-feedback" name="feedback" hidden>
                        <fieldset><legend class="md-feedback__title">Was this page helpful?</legend></fieldset>
                      </form>
                    </article>
                  </div>
                </div>
                <button type="button" class="md-top md-icon" data-md-component="top" hidden>Back to top</button>
              </main>
              <footer class="md-footer">
                <nav class="md-footer__inner md-grid" aria-label="Footer">
                  <a href=".." class="md-footer__link md-footer__link--prev" aria-label="Previous: Home"><div class="md-footer__title"><span class="md-footer__direction">Previous</span><div class="md-ellipsis">Home</div></div></a>
                  <a href="../setup/" class="md-footer__link md-footer__link--next" aria-label="Next: Setup"><div class="md-footer__title"><span class="md-footer__direction">Next</span><div class="md-ellipsis">Setup</div></div></a>
                </nav>
                <div class="md-footer-meta md-typeset"><div class="md-footer-meta__inner md-grid"><div class="md-copyright"><div class="md-copyright__highlight">Copyright &copy; 2016 - 2024 Martin Donath</div>Made with <a href="https://squidfunk.github.io/mkdocs-material/" target="_blank" rel="noopener">Material for MkDocs</a></div></div></div>
              </footer>
            </div>
            <div class="md-dialog" data-md-component="dialog"><div class="md-dialog__inner md-typeset"></div></div>
            <script id="__config" type="application/json">{"base": "..", "features": ["content.code.copy"]}</script>
            <script src="../assets/javascripts/bundle.js"></script>
          </body>
        </html>
        """#

    static let docusaurus = #"""
        <!doctype html>
        <html lang="en" dir="ltr" class="docs-wrapper plugin-docs plugin-id-default docs-version-current docs-doc-page docs-doc-id-intro" data-has-hydrated="false">
        <head>
        <meta charset="UTF-8">
        <meta name="generator" content="Docusaurus v3.5.2">
        <title data-rh="true">Tutorial Intro | My Site</title><meta data-rh="true" name="viewport" content="width=device-width,initial-scale=1"><meta data-rh="true" property="og:title" content="Tutorial Intro | My Site"><link data-rh="true" rel="icon" href="/img/favicon.ico"><link data-rh="true" rel="canonical" href="https://example.com/docs/intro"><link data-rh="true" rel="alternate" href="https://example.com/docs/intro" hreflang="en"><script data-rh="true" type="application/ld+json">{"@context":"https://schema.org","@type":"BreadcrumbList","itemListElement":[]}</script>
        <link rel="stylesheet" href="/assets/css/styles.4a6c5f5e.css">
        <script src="/assets/js/runtime~main.b0d2a8b2.js" defer="defer"></script>
        <script src="/assets/js/main.5a1e1a3e.js" defer="defer"></script>
        </head>
        <body class="navigation-with-keyboard">
        <script>!function(){function t(t){document.documentElement.setAttribute("data-theme",t)}}()</script><div id="__docusaurus"><div role="region" aria-label="Skip to main content"><a class="skipToContent_fXgn" href="#__docusaurus_skipToContent_fallback">Skip to main content</a></div><nav aria-label="Main" class="navbar navbar--fixed-top"><div class="navbar__inner"><div class="navbar__items"><button aria-label="Toggle navigation bar" aria-expanded="false" class="navbar__toggle clean-btn" type="button"><svg width="30" height="30" viewBox="0 0 30 30" aria-hidden="true"><path stroke="currentColor" stroke-linecap="round" stroke-miterlimit="10" stroke-width="2" d="M4 7h22M4 15h22M4 23h22"></path></svg></button><a class="navbar__brand" href="/"><div class="navbar__logo"><img src="/img/logo.svg" alt="My Site Logo" class="themedComponent_mlkZ themedComponent--light_NVdE"></div><b class="navbar__title text--truncate">My Site</b></a><a aria-current="page" class="navbar__item navbar__link navbar__link--active" href="/docs/intro">Tutorial</a><a class="navbar__item navbar__link" href="/blog">Blog</a></div><div class="navbar__items navbar__items--right"><a href="https://github.com/facebook/docusaurus" target="_blank" rel="noopener noreferrer" class="navbar__item navbar__link">GitHub</a><div class="navbarSearchContainer_Bca1"></div></div></div><div role="presentation" class="navbar-sidebar__backdrop"></div></nav><div id="__docusaurus_skipToContent_fallback" class="main-wrapper mainWrapper_z2l0"><div class="docsWrapper_hBAB"><button aria-label="Scroll back to top" class="clean-btn theme-back-to-top-button backToTopButton_sjWU" type="button"></button><div class="docRoot_UBD9"><aside class="theme-doc-sidebar-container docSidebarContainer_YfHR"><div class="sidebarViewport_aRkj"><div class="sidebar_njMd"><nav aria-label="Docs sidebar" class="menu thin-scrollbar menu_SIkG"><ul class="theme-doc-sidebar-menu menu__list"><li class="theme-doc-sidebar-item-link theme-doc-sidebar-item-link-level-1 menu__list-item"><a class="menu__link menu__link--active" aria-current="page" href="/docs/intro">Tutorial Intro</a></li><li class="theme-doc-sidebar-item-category theme-doc-sidebar-item-category-level-1 menu__list-item menu__list-item--collapsed"><div class="menu__list-item-collapsible"><a class="menu__link menu__link--sublist" href="/docs/category/tutorial---basics">Tutorial - Basics</a></div></li></ul></nav></div></div></aside><main class="docMainContainer_TBSr"><div class="container padding-top--md padding-bottom--lg"><div class="row"><div class="col docItemCol_VOVn"><div class="docItemContainer_Djhp"><article><nav class="theme-doc-breadcrumbs breadcrumbsContainer_Z_bl" aria-label="Breadcrumbs"><ul class="breadcrumbs" itemscope="" itemtype="https://schema.org/BreadcrumbList"><li class="breadcrumbs__item"><a aria-label="Home page" class="breadcrumbs__link" href="/"><svg viewBox="0 0 24 24" class="breadcrumbHomeIcon_YNFT"><path d="M10 19v-5h4v5c0 .55.45 1 1 1h3c.55 0 1-.45 1-1v-7h1.7c.46 0 .68-.57.33-.87L12.67 3.6c-.38-.34-.96-.34-1.34 0l-8.36 7.53c-.34.3-.13.87.33.87H5v7c0 .55.45 1 1 1h3c.55 0 1-.45 1-1z" fill="currentColor"></path></svg></a></li><li itemscope="" itemprop="itemListElement" itemtype="https://schema.org/ListItem" class="breadcrumbs__item breadcrumbs__item--active"><span class="breadcrumbs__link" itemprop="name">Tutorial Intro</span><meta itemprop="position" content="1"></li></ul></nav><div class="tocCollapsible_ETCw theme-doc-toc-mobile tocMobile_ITEo"><button type="button" class="clean-btn tocCollapsibleButton_TO0P">On this page</button></div><div class="theme-doc-markdown markdown"><header><h1>Tutorial Intro</h1></header>
        <p>Let&#x27;s discover <strong>Docusaurus in less than 5 minutes</strong>.</p>
        <h2 class="anchor anchorWithStickyNavbar_LWe7" id="getting-started">Getting Started<a href="#getting-started" class="hash-link" aria-label="Direct link to Getting Started" title="Direct link to Getting Started">​</a></h2>
        <p>Get started by <strong>creating a new site</strong>.</p>
        <p>Or <strong>try Docusaurus immediately</strong> with <strong><a href="https://docusaurus.new" target="_blank" rel="noopener noreferrer">docusaurus.new</a></strong>.</p>
        <h3 class="anchor anchorWithStickyNavbar_LWe7" id="what-youll-need">What you&#x27;ll need<a href="#what-youll-need" class="hash-link" aria-label="Direct link to What you&#x27;ll need" title="Direct link to What you&#x27;ll need">​</a></h3>
        <ul>
        <li><a href="https://nodejs.org/en/download/" target="_blank" rel="noopener noreferrer">Node.js</a> version 18.0 or above:
        <ul>
        <li>When installing Node.js, you are recommended to check all checkboxes related to dependencies.</li>
        </ul>
        </li>
        </ul>
        <h2 class="anchor anchorWithStickyNavbar_LWe7" id="generate-a-new-site">Generate a new site<a href="#generate-a-new-site" class="hash-link" aria-label="Direct link to Generate a new site" title="Direct link to Generate a new site">​</a></h2>
        <p>Generate a new Docusaurus site using the <strong>classic template</strong>.</p>
        <div class="language-bash codeBlockContainer_Ckt0 theme-code-block" style="--prism-color:#393A34;--prism-background-color:#f6f8fa"><div class="codeBlockContent_biex"><pre tabindex="0" class="prism-code language-bash codeBlock_bY9V thin-scrollbar" style="color:#393A34;background-color:#f6f8fa"><code class="codeBlockLines_e6Vv"><span class="token-line" style="color:#393A34"><span class="token plain">npm init docusaurus@latest my-website classic</span><br></span><span class="token-line" style="color:#393A34"><span class="token plain">cd my-website</span><br></span></code></pre><div class="buttonGroup__atx"><button type="button" aria-label="Copy code to clipboard" title="Copy" class="clean-btn"><span class="copyButtonIcons_eSgA" aria-hidden="true"><svg viewBox="0 0 24 24" class="copyButtonIcon_y97N"><path fill="currentColor" d="M19,21H8V7H19M19,5H8A2,2 0 0,0 6,7V21A2,2 0 0,0 8,23H19A2,2 0 0,0 21,21V7A2,2 0 0,0 19,5M16,1H4A2,2 0 0,0 2,3V17H4V3H16V1Z"></path></svg></span></button></div></div></div>
        <p>You can type this command into Command Prompt, Powershell, Terminal, or any other integrated terminal of your code editor.</p></div><footer class="theme-doc-footer docusaurus-mt-lg"><div class="theme-doc-footer-edit-meta-row row"><div class="col"><a href="https://github.com/facebook/docusaurus/tree/main/packages/create-docusaurus/templates/shared/docs/intro.md" target="_blank" rel="noopener noreferrer" class="theme-edit-this-page"><svg fill="currentColor" height="20" width="20" viewBox="0 0 40 40" class="iconEdit_Z9Sw" aria-hidden="true"><g><path d="m34.5 11.7l-3 3.1-6.3-6.3 3.1-3q0.5-0.5 1.2-0.5t1.1 0.5l3.9 3.9q0.5 0.4 0.5 1.1t-0.5 1.2z"></path></g></svg>Edit this page</a></div><div class="col lastUpdated_JAkA"></div></div></footer></article><nav class="pagination-nav docusaurus-mt-lg" aria-label="Docs pages"><a class="pagination-nav__link pagination-nav__link--next" href="/docs/category/tutorial---basics"><div class="pagination-nav__sublabel">Next</div><div class="pagination-nav__label">Tutorial - Basics</div></a></nav></div></div><div class="col col--3"><div class="tableOfContents_bqdL thin-scrollbar theme-doc-toc-desktop"><ul class="table-of-contents table-of-contents__left-border"><li><a href="#getting-started" class="table-of-contents__link toc-highlight">Getting Started</a><ul><li><a href="#what-youll-need" class="table-of-contents__link toc-highlight">What you&#x27;ll need</a></li></ul></li><li><a href="#generate-a-new-site" class="table-of-contents__link toc-highlight">Generate a new site</a></li></ul></div></div></div></div></main></div></div></div><footer class="footer footer--dark"><div class="container container-fluid"><div class="row footer__links"><div class="col footer__col"><div class="footer__title">Docs</div><ul class="footer__items clean-list"><li class="footer__item"><a class="footer__link-item" href="/docs/intro">Tutorial</a></li></ul></div></div><div class="footer__bottom text--center"><div class="footer__copyright">Copyright © 2024 My Project, Inc. Built with Docusaurus.</div></div></div></footer></div>
        </body>
        </html>
        """#
}
