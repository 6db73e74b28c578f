import Foundation

/// What a source yields for one page during ingestion.
public enum SourcePage: Sendable {
    /// The source now knows of `total` pages in all (for progress; a crawl discovers as it goes).
    case discovered(total: Int)
    /// Content to parse and index.
    case document(FetchedDocument)
    /// The source says the page has not changed since the last ingestion (e.g. HTTP 304).
    case unchanged(url: String)
    /// The page could not be read; the reason is recorded and the page is not indexed.
    case failed(url: String, reason: String)
}

/// One page's raw content as read from its source.
public struct FetchedDocument: Sendable {
    /// Canonical URL (for a folder: the path relative to the folder).
    public var url: String
    public var format: DocumentFormat
    public var data: Data
    /// Title to use when the page names none (e.g. the file name).
    public var fallbackTitle: String
    /// HTTP validators for conditional re-fetching, stored with the page.
    public var etag: String?
    public var lastModified: String?
    /// Links the page holds (crawled pages), stored so that a later crawl can follow them even
    /// when the server answers "not modified".
    public var links: [String]?
}

/// Stored facts about a page that a source can use to skip unchanged pages.
public struct KnownPage: Sendable {
    public let contentHash: String
    public let etag: String?
    public let lastModified: String?
    public let links: [String]
    /// The stored page's size, which a new version replaces in the server's quota.
    public let bytes: Int
}

/// A kind of documentation source (folder, website, git repository, OpenAPI spec).
///
/// ``pages(known:)`` yields every page the source holds now, one at a time as the runner asks
/// (so a large source is never held in memory); the ingestion runner indexes them and, once the
/// sequence ends without error, removes stored pages it did not yield. Throwing ends the whole
/// ingestion as failed (the source could not be read at all).
public protocol DocumentSource: Sendable {
    associatedtype Pages: AsyncSequence<SourcePage, any Error>
    func pages(known: [String: KnownPage]) -> Pages
}

/// Pages produced one at a time from a list made on first use: the list is cheap (paths,
/// rendered specs), the pages are read only as the runner asks for them.
struct ListedPages<Item: Sendable>: AsyncSequence {
    /// Makes the list (e.g. walks a folder); throwing fails the whole source.
    let list: @Sendable () async throws -> [Item]
    /// Produces one item's page (e.g. reads the file).
    let page: @Sendable (Item) async -> SourcePage

    func makeAsyncIterator() -> Iterator {
        Iterator(pages: self)
    }

    struct Iterator: AsyncIteratorProtocol {
        let pages: ListedPages
        var items: [Item]?
        var index = 0

        mutating func next() async throws -> SourcePage? {
            guard let items else {
                let listed = try await pages.list()
                items = listed
                return .discovered(total: listed.count)
            }
            guard index < items.count else { return nil }
            index += 1
            return await pages.page(items[index - 1])
        }
    }
}
