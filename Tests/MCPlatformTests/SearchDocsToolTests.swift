import MCP
import Testing

@testable import MCPlatform

/// `search_docs` builds its `structuredContent` directly: the value the SDK's `Codable` round trip made of it.
@Suite struct SearchDocsToolTests {
    static func result(title: String = "Settings", score: Double) -> SearchResult {
        SearchResult(
            url: "https://docs.example.com/ref/settings.html#timeout", title: title, section: "Settings › TIMEOUT",
            snippet: "… the timeout “in seconds” …", score: score)
    }

    @Test(arguments: [12.345, 3.0, 0.0, 0.001, 1e-7, 123456.789, 1e16, 1e20])
    func resultValueIsItsJSON(score: Double) throws {
        let result = Self.result(score: score)
        #expect(SearchDocsTool.value(of: result) == (try Value(result)))
    }

    /// The round trip read a field that looks like a data URL as binary data and wrote it back
    /// as base64; built directly, it stays the text it is.
    @Test func dataURLLookalikeStaysText() {
        let value = SearchDocsTool.value(of: Self.result(title: "data: the field, its uses", score: 1.5))
        #expect(value.objectValue?["title"] == .string("data: the field, its uses"))
    }
}
