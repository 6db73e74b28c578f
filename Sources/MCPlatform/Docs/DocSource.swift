import Foundation

/// Where a server's documentation comes from; re-ingestible, with a version label.
public struct DocSource: Sendable, Equatable {
    public let id: Int64
    public let serverID: Int64
    public let kind: Kind
    /// A folder or file path (folder sources), or a URL.
    public let location: String
    public let version: String
    public let settings: SourceSettings
    public let createdAt: Date
    public let lastIngestedAt: Date?

    public enum Kind: String, Sendable, CaseIterable {
        /// A local folder or single file.
        case folder
        /// A website crawled from a start URL.
        case website
        /// A git repository (URL or path), optionally a subfolder at a ref.
        case git
        /// An OpenAPI 3 specification (file or URL): one page per operation.
        case openapi
        /// Files uploaded in the dashboard (a .zip archive, files or a folder), kept in the database.
        case upload

        /// Whether a source of this kind is added by its URL (admin API, dashboard form, onboarding).
        public var isAddedByURL: Bool {
            [.website, .git, .openapi].contains(self)
        }
    }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        serverID = try row.decode("server_id")
        let kind: String = try row.decode("kind")
        self.kind = Kind(rawValue: kind) ?? .folder
        location = try row.decode("location")
        version = try row.decode("version")
        settings =
            (try? JSONDecoder().decode(SourceSettings.self, from: Data(try row.decode("settings", as: String.self).utf8)))
            ?? SourceSettings()
        createdAt = try row.decode("created_at")
        lastIngestedAt = try row.decode("last_ingested_at")
    }
}

/// Options of a source, stored as JSON.
public struct SourceSettings: Sendable, Equatable, Codable {
    /// Git: branch, tag or commit to ingest (default: the remote's default branch).
    public var gitRef: String?
    /// Git: the docs subfolder within the repository.
    public var gitPath: String?
    /// Website: most pages to fetch.
    public var maximumPages: Int?
    /// Website: most links to follow from the start URL.
    public var maximumDepth: Int?
    /// Website: milliseconds between request starts (robots.txt's `Crawl-delay` wins when longer).
    public var crawlDelayMilliseconds: Int?
    /// Upload: what the last upload held.
    public var upload: UploadSummary?

    public init(
        gitRef: String? = nil, gitPath: String? = nil, maximumPages: Int? = nil, maximumDepth: Int? = nil,
        crawlDelayMilliseconds: Int? = nil, upload: UploadSummary? = nil
    ) {
        self.gitRef = gitRef
        self.gitPath = gitPath
        self.maximumPages = maximumPages
        self.maximumDepth = maximumDepth
        self.crawlDelayMilliseconds = crawlDelayMilliseconds
        self.upload = upload
    }

}

/// The files of an upload source's last upload, and those it left out with why.
public struct UploadSummary: Sendable, Equatable, Codable {
    public var files: Int
    public var bytes: Int
    /// The first skipped files (at most ``maximumListed``).
    public var skipped: [UploadSkippedFile]
    public var skippedCount: Int

    static let maximumListed = 200
}

/// A file an upload did not keep.
public struct UploadSkippedFile: Sendable, Equatable, Codable {
    public var path: String
    public var reason: String
}

/// A page as stored: its canonical URL, title and Markdown.
public struct DocPage: Sendable, Equatable {
    public let id: Int64
    public let sourceID: Int64
    public let version: String
    /// Canonical URL; for a folder source, the path relative to the folder.
    public let url: String
    public let title: String
    public let content: String
    public let contentHash: String
    public let updatedAt: Date

    init(row: SQLRow) throws {
        id = try row.decode("id")
        sourceID = try row.decode("source_id")
        version = try row.decode("version")
        url = try row.decode("url")
        title = try row.decode("title")
        content = try row.decode("content")
        contentHash = try row.decode("content_hash")
        updatedAt = try row.decode("updated_at")
    }

    static let columns = "id, source_id, version, url, title, content, content_hash, updated_at"
}
