@testable import MCPlatform

/// Rows with a `page_id` rank as chunks, for ranking tests that build chunks from SQL.
extension SQLRow: PageChunk {
    public var pageID: Int64 {
        get throws { try decode("page_id") }
    }
}
