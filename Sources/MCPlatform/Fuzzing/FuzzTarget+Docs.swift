import Foundation

extension FuzzTarget {
    /// The page URL the HTML target resolves links against.
    private static let pageURL = URL(string: "https://docs.example.com/guide/page.html")!

    /// Extraction keeps heading levels 1–6 and yields distinct absolute http(s) links without
    /// fragments; the extracted page then parses and chunks as Markdown does.
    static func checkHTML(_ html: String) throws(FuzzViolation) {
        let extracted = HTMLExtractor.extract(html, baseURL: pageURL)
        for heading in extracted.headings {
            try FuzzViolation.require((1...6).contains(heading.level), "heading level \(heading.level)")
        }
        try FuzzViolation.require(Set(extracted.links).count == extracted.links.count, "duplicate links: \(extracted.links)")
        for link in extracted.links {
            let url = URL(string: link)
            try FuzzViolation.require(
                ["http", "https"].contains(url?.scheme?.lowercased()) && url?.host?.isEmpty == false && url?.fragment == nil,
                "link \(link) is not an absolute http(s) URL without fragment")
        }
        try checkParsed(DocumentParser.parse(html, format: .html, fallbackTitle: "Page"))
    }

    /// Every text format parses into sections that point into the page and chunks in order;
    /// `read_page` finds a Markdown page's first and last sections by their anchors.
    static func checkMarkdown(_ text: String) throws(FuzzViolation) {
        for format in [DocumentFormat.markdown, .mdx, .restructuredText, .plainText] {
            try checkParsed(DocumentParser.parse(text, format: format, fallbackTitle: "Page"))
        }
        let document = DocumentParser.parse(text, format: .markdown, fallbackTitle: "Page")
        let length = document.markdown.count
        for anchor in [document.sections.first, document.sections.last].compactMap({ $0?.anchor }) {
            let offset = ReadPageTool.offset(of: anchor, in: document.markdown)
            try FuzzViolation.require(offset.map { (0...length).contains($0) } ?? true, "anchor \(anchor) at \(offset ?? -1) of \(length)")
        }
    }

    private static func checkParsed(_ document: ParsedDocument) throws(FuzzViolation) {
        try FuzzViolation.require(!document.sections.isEmpty, "no sections")
        let length = document.markdown.utf16.count
        var previous = 0
        for (index, section) in document.sections.enumerated() {
            try FuzzViolation.require(
                (previous...max(previous, length)).contains(section.offset), "section \(index) at offset \(section.offset) of \(length)")
            try FuzzViolation.require(index == 0 || !section.headingPath.isEmpty, "section \(index) has no heading")
            previous = section.offset
        }
        let chunks = Chunker().chunks(of: document)
        try FuzzViolation.require(chunks.map(\.position) == Array(chunks.indices), "chunk positions out of order")
    }

    /// An import either reports problems or gives a walkthrough with a title and steps whose
    /// JSON export imports back to the same walkthrough.
    static func checkWalkthroughMarkdown(_ text: String) throws(FuzzViolation) {
        let document: WalkthroughDocument
        do {
            document = try WalkthroughDocument.decode(markdown: text, fallbackSlug: nil)
        } catch {
            try FuzzViolation.require(!error.fields.isEmpty, "refused without a problem")
            return
        }
        try FuzzViolation.require(!document.content.steps.isEmpty, "imported without steps")
        let reimported = try? WalkthroughDocument.decode(json: document.json())
        try FuzzViolation.require(reimported == document, "the JSON export of \(document) imports as \(String(describing: reimported))")
    }

    /// Terms are non-empty, at most ``SearchTokenizer/maximumTermLength`` characters of letters,
    /// digits and `_`, already folded (lowercase, no diacritics: folding again changes nothing);
    /// and text split at a line break gives the terms of its parts, so that
    /// indexing and queries agree. (A line break, unlike a space, never joins the combining
    /// mark that may follow it into one character.) The byte path for ASCII gives the terms of
    /// the `Character` path.
    static func checkTokenizer(_ text: String) throws(FuzzViolation) {
        let terms = SearchTokenizer.terms(text)
        try FuzzViolation.require(
            terms == SearchTokenizer.characterTerms(text),
            "\(text.debugDescription): the byte path's terms differ from the Character path's")
        for term in terms {
            try FuzzViolation.require(!term.isEmpty && term.count <= SearchTokenizer.maximumTermLength, "term length \(term.count)")
            try FuzzViolation.require(
                term.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }, "term \(term.debugDescription) has a separator")
            try FuzzViolation.require(
                term.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil) == term,
                "term \(term.debugDescription) is not folded")
        }
        let characters = Array(text)
        let middle = characters.count / 2
        let (head, tail) = (String(characters[..<middle]), String(characters[middle...]))
        try FuzzViolation.require(
            SearchTokenizer.terms(head + "\n" + tail) == SearchTokenizer.terms(head) + SearchTokenizer.terms(tail),
            "the terms of \((head + "\n" + tail).debugDescription) are not those of its parts")
    }
}
