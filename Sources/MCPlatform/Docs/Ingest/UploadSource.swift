import Foundation

/// The files uploaded in the dashboard for a source, read from the database (any instance can
/// run the job): documentation files as pages, OpenAPI documents as one page per operation.
/// The upload was checked when it was received (``DocumentUpload``); a file whose hash matches
/// the stored page is reported unchanged without being read.
struct UploadSource: DocumentSource {
    enum Item: Sendable {
        case file(path: String, format: DocumentFormat)
        case unchanged(path: String)
        case page(SourcePage)
    }

    let store: UploadStore
    let sourceID: Int64
    let serverID: Int64
    let maximumPageBytes: Int

    func pages(known: [String: KnownPage]) -> ListedPages<Item> {
        let (store, sourceID, serverID, maximumPageBytes) = (store, sourceID, serverID, maximumPageBytes)
        return ListedPages(
            list: {
                let files = try await store.files(sourceID: sourceID, serverID: serverID)
                guard !files.isEmpty else { throw IngestError.sourceUnavailable("the uploaded files are gone: upload them again") }
                var items: [Item] = []
                for (path, hash) in files {
                    if let format = DocumentFormat(path: path) {
                        items.append(known[path]?.contentHash == hash ? .unchanged(path: path) : .file(path: path, format: format))
                    } else if DocumentUpload.isSpec(path) {
                        // A spec's operations are rendered now, as for an OpenAPI URL source.
                        guard let data = try await store.content(sourceID: sourceID, serverID: serverID, path: path) else { continue }
                        do {
                            items += try OpenAPIPages.pages(from: data, name: path).map { .page(.document($0)) }
                        } catch {
                            items.append(.page(.failed(url: path, reason: "\(error)")))
                        }
                    }
                }
                return items
            },
            page: { item in
                switch item {
                case .unchanged(let path): return .unchanged(url: path)
                case .page(let page): return page
                case .file(let path, let format):
                    do {
                        guard let data = try await store.content(sourceID: sourceID, serverID: serverID, path: path) else {
                            return .failed(url: path, reason: "no longer in the upload (uploaded again meanwhile)")
                        }
                        guard data.count <= maximumPageBytes else {
                            return .failed(url: path, reason: "larger than the \(maximumPageBytes >> 10) KiB page limit")
                        }
                        let title = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                        return .document(FetchedDocument(url: path, format: format, data: data, fallbackTitle: title))
                    } catch {
                        return .failed(url: path, reason: "cannot be read from the database: \(error)")
                    }
                }
            }
        )
    }
}
