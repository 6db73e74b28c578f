import Foundation

/// Pages of the lists held in memory (`tools/list`, `prompts/list`).
extension PageCursor {
    /// Items per page. Clients must not assume a page size; they follow `nextCursor`.
    static let listPageSize = 50

    /// The page of `items` at `cursor` (an invalid one is an invalid-params error; one past the
    /// end, from a list that shrank, an empty page) and the cursor of the next page, if any.
    static func page<Item>(of items: [Item], cursor: String?, size: Int = listPageSize) throws -> (items: [Item], nextCursor: String?) {
        let offset = min(try decode(cursor), items.count)
        let end = min(offset + size, items.count)
        return (Array(items[offset..<end]), end < items.count ? encode(offset: end) : nil)
    }
}
