import Foundation

/// An OpenAPI 3 specification (a local file or an http(s) URL), one page per operation.
struct OpenAPISource: DocumentSource {
    let location: String
    let fetcher: WebFetcher

    func pages(known: [String: KnownPage]) -> ListedPages<FetchedDocument> {
        ListedPages(list: { try OpenAPIPages.pages(from: try await load(), name: name) }, page: { .document($0) })
    }

    /// The spec's file name, used in page URLs.
    var name: String {
        URL(string: location)?.lastPathComponent ?? (location as NSString).lastPathComponent
    }

    private func load() async throws(IngestError) -> Data {
        guard location.hasPrefix("http://") || location.hasPrefix("https://") else {
            guard let data = FileManager.default.contents(atPath: location) else {
                throw .sourceUnavailable("cannot read the OpenAPI spec \(location)")
            }
            return data
        }
        guard let url = URL(string: location) else { throw .sourceUnavailable("invalid URL \(location)") }
        switch await fetcher.fetch(url) {
        case .page(_, _, let body, _, _): return body
        case .failed(let reason), .unreachable(let reason): throw .sourceUnavailable("cannot fetch \(location): \(reason)")
        case .notModified: throw .sourceUnavailable("cannot fetch \(location): unexpected 304")
        }
    }
}
