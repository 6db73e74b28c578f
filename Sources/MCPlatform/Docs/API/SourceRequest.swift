import Foundation

/// A documentation source to add from the admin API (this is its JSON body) or the dashboard:
/// validated once, here.
/// Only sources fetched over the network are accepted (website, git, OpenAPI URL): a path on
/// the server's disk is never readable this way (uploads have their own form).
struct SourceRequest: Sendable, Decodable {
    var kind: DocSource.Kind
    var location: String
    var version: String?
    var gitRef: String?
    var gitPath: String?
    var maxPages: Int?
    var maxDepth: Int?

    /// A field that cannot be used, and why.
    struct Problem: Error {
        let field: String
        let message: String
    }

    /// Stores the source (or finds the same one) and queues an ingestion job for it.
    func queue(serverID: Int64, database: any Database) async throws -> (DocSource, IngestJob) {
        let location = location.trimmingCharacters(in: .whitespaces)
        try Self.validateRemote(kind: kind, location: location)
        let version = (version ?? "").trimmingCharacters(in: .whitespaces)
        guard version.count <= 100 else { throw Problem(field: "version", message: "version must be at most 100 characters") }
        guard (1...100_000).contains(maxPages ?? 1) else { throw Problem(field: "maxPages", message: "maxPages must be 1 to 100000") }
        guard (0...100).contains(maxDepth ?? 0) else { throw Problem(field: "maxDepth", message: "maxDepth must be 0 to 100") }
        let settings = SourceSettings(gitRef: gitRef, gitPath: gitPath, maximumPages: maxPages, maximumDepth: maxDepth)
        let source = try await DocsStore(database: database).source(
            serverID: serverID, kind: kind, location: location, version: version.isEmpty ? "latest" : version, settings: settings)
        let job = try await IngestJobStore(database: database).create(source: source, running: false)
        return (source, job)
    }

    static func validateRemote(kind: DocSource.Kind, location: String) throws(Problem) {
        let isHTTP = location.hasPrefix("https://") || location.hasPrefix("http://")
        guard location.utf8.count <= 2000 else { throw Problem(field: "location", message: "location must be at most 2000 characters") }
        switch kind {
        case .website, .openapi:
            guard isHTTP, URL(string: location)?.host != nil else {
                throw Problem(field: "location", message: "location must be an http(s) URL")
            }
        case .git:
            guard isHTTP || location.hasPrefix("ssh://") || location.hasPrefix("git@") else {
                throw Problem(field: "location", message: "location must be a remote git URL (https://, ssh:// or git@host:path)")
            }
        case .folder:
            throw Problem(field: "kind", message: "folder sources can only be ingested with `mcplatform ingest` on the server")
        case .upload:
            throw Problem(field: "kind", message: "upload sources are added by uploading files in the dashboard")
        }
    }
}
