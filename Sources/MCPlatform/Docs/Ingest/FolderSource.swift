import Foundation

/// The documentation files of a local folder (or a single file), as pages to ingest.
///
/// Only files with a documentation extension (``DocumentFormat``) are pages. Hidden entries
/// and `node_modules` are skipped, and so is anything whose real path lies outside the folder
/// (a symlink pointing elsewhere), so a source can never read beyond its root.
struct FolderSource: DocumentSource {
    /// One file to ingest.
    struct Entry: Sendable {
        /// Path relative to the root, `/`-separated: the page's URL.
        let url: String
        let path: String
        let format: DocumentFormat
    }

    let root: String
    let maximumPageBytes: Int

    func pages(known: [String: KnownPage]) -> ListedPages<Entry> {
        let maximumBytes = maximumPageBytes
        return ListedPages(list: entries, page: { Self.page($0, maximumBytes: maximumBytes) })
    }

    /// Reads one file as a page, or the reason it cannot be one.
    static func page(_ entry: Entry, maximumBytes: Int) -> SourcePage {
        do {
            let data = try read(entry, maximumBytes: maximumBytes)
            let title = ((entry.url as NSString).lastPathComponent as NSString).deletingPathExtension
            return .document(FetchedDocument(url: entry.url, format: entry.format, data: data, fallbackTitle: title))
        } catch {
            return .failed(url: entry.url, reason: error.description)
        }
    }

    /// The pages, sorted by URL; throws when the root is missing or unreadable.
    func entries() throws(IngestError) -> [Entry] {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw .sourceUnavailable("no such file or folder: \(root)")
        }
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath()
        guard isDirectory.boolValue else {
            guard let format = DocumentFormat(path: root) else {
                throw .sourceUnavailable("\(root) is not a documentation file (.md, .mdx, .rst, .txt, .html)")
            }
            return [Entry(url: rootURL.lastPathComponent, path: rootURL.path, format: format)]
        }
        guard
            let enumerator = fileManager.enumerator(
                at: rootURL, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey],
                options: [.skipsHiddenFiles, .skipsPackageDescendants]
            )
        else { throw .sourceUnavailable("cannot read the folder \(root)") }
        let rootPath = rootURL.path.hasSuffix("/") ? rootURL.path : rootURL.path + "/"
        var entries: [Entry] = []
        for case let url as URL in enumerator {
            if url.lastPathComponent == "node_modules" {
                enumerator.skipDescendants()
                continue
            }
            guard let format = DocumentFormat(path: url.path),
                (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true
            else { continue }
            let real = url.resolvingSymlinksInPath().path
            guard real.hasPrefix(rootPath) else { continue }
            entries.append(Entry(url: String(url.standardizedFileURL.path.dropFirst(rootPath.count)), path: real, format: format))
        }
        return entries.sorted { $0.url < $1.url }
    }

    /// Reads a page, refusing what is too large or is not UTF-8 text.
    static func read(_ entry: Entry, maximumBytes: Int) throws(IngestError) -> Data {
        let size = (try? FileManager.default.attributesOfItem(atPath: entry.path)[.size] as? Int) ?? 0
        guard size <= maximumBytes else {
            throw .pageRejected("larger than the \(maximumBytes / 1024) KiB page limit (\(size / 1024) KiB)")
        }
        guard let data = FileManager.default.contents(atPath: entry.path) else { throw .pageRejected("unreadable") }
        guard data.count <= maximumBytes else { throw .pageRejected("larger than the \(maximumBytes / 1024) KiB page limit") }
        guard !data.prefix(8192).contains(0), String(data: data, encoding: .utf8) != nil else {
            throw .pageRejected("binary or not UTF-8 text")
        }
        return data
    }
}

/// Why ingestion of a source or of one page failed.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// The source as a whole cannot be read (missing folder, unreachable site).
    case sourceUnavailable(String)
    /// One page was skipped, with the recorded reason.
    case pageRejected(String)

    public var description: String {
        switch self {
        case .sourceUnavailable(let reason), .pageRejected(let reason): reason
        }
    }
}
