import ArgumentParser
import Foundation
import Logging
import MCPlatform

/// `mcplatform ingest SERVER SOURCE`: ingests a docs source with a progress bar, prints the
/// summary, and exits non-zero when the source or any page failed.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest documentation into an MCP server (incremental: unchanged pages are skipped).",
        discussion: """
            SOURCE is a folder or file (.md, .mdx, .rst, .txt, .html), an http(s) URL to crawl, an OpenAPI 3 spec \
            (.json, .yaml or .yml, file or URL: one page per operation), or a git repository (a URL ending in .git, \
            git@host:path, ssh://…, or any repository with --git).
            """
    )

    @Argument(help: "Slug of the MCP server.") var server: String
    @Argument(help: "What to ingest: a folder, a file, a website URL, or a git repository.") var source: String
    @Option(help: "Version label of these docs.") var version: String = "latest"
    @Flag(help: "Treat SOURCE as a git repository.") var git = false
    @Flag(help: "Treat SOURCE as an OpenAPI 3 spec (implied by .json, .yaml and .yml).") var openapi = false
    @Option(help: "Git branch, tag or commit (default: the repository's default branch).") var gitRef: String?
    @Option(help: "The docs subfolder of the git repository.") var gitPath: String?
    @Option(help: "Website: most pages to fetch.") var maxPages: Int = 1000
    @Option(help: "Website: most links to follow from the start URL.") var maxDepth: Int = 10
    @Option(help: "Website: milliseconds between requests (robots.txt's Crawl-delay wins when longer).") var crawlDelayMs: Int = 200
    @OptionGroup var storage: DatabaseOptions
    @OptionGroup var embeddings: EmbeddingOptions

    func run() async throws {
        let version = version.trimmingCharacters(in: .whitespaces)
        guard !version.isEmpty, version.count <= 100 else { throw ValidationError("--version must be 1 to 100 characters") }
        let (kind, location) = try sourceKindAndLocation()
        guard (1...100_000).contains(maxPages), (0...100).contains(maxDepth), (0...60_000).contains(crawlDelayMs) else {
            throw ValidationError("--max-pages must be 1 to 100000, --max-depth 0 to 100 and --crawl-delay-ms 0 to 60000")
        }
        let settings = SourceSettings(
            gitRef: gitRef, gitPath: gitPath, maximumPages: maxPages, maximumDepth: maxDepth, crawlDelayMilliseconds: crawlDelayMs
        )
        let configuration = try storage.configuration(adding: embeddings.flags)
        let interactive = isatty(STDERR_FILENO) == 1
        let (finished, failed) = try await storage.withDatabase { database in
            guard let server = try await TenancyStore(database: database).server(slug: server) else {
                throw TenancyError.serverNotFound(server)
            }
            let source = try await DocsStore(database: database).source(
                serverID: server.id, kind: kind, location: location, version: version, settings: settings
            )
            let jobs = IngestJobStore(database: database)
            let job = try await jobs.create(source: source, running: true)
            var logger = Logger(label: "mcplatform")
            logger.logLevel = .warning
            // The operator's own command may crawl sites on private networks (staging, intranet docs).
            var limits = configuration.ingestLimits
            limits.allowPrivateNetworks = true
            let runner = IngestRunner(
                database: database, limits: limits, embeddings: configuration.embeddings, cacheDirectory: configuration.dataDirectory,
                logger: logger)
            let finished = try await runner.run(job) { job, url in
                ProgressBar.draw(job, current: url, interactive: interactive)
            }
            if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
            return (finished, try await jobs.pages(jobID: finished.id, status: .failed))
        }
        if let error = finished.error {
            throw IngestFailure(message: "ingestion failed: \(error)")
        }
        print(
            "\(server): \(finished.pagesIndexed) indexed, \(finished.pagesUnchanged) unchanged, \(finished.pagesRemoved) removed, "
                + "\(finished.pagesFailed) failed (\(ProgressBar.megabytes(finished.bytes)), version \(version))"
        )
        if configuration.embeddings != nil {
            print("  embeddings: \(finished.chunksEmbedded) chunks embedded")
            if let error = finished.embeddingError {
                print("  embeddings skipped after an error (pages are searchable by keywords; ingest again to retry): \(error)")
            }
        }
        for page in failed.prefix(50) {
            print("  failed: \(page.url): \(page.error ?? "unknown error")")
        }
        if failed.count > 50 { print("  … and \(failed.count - 50) more") }
        if finished.pagesFailed > 0 { throw ExitCode(1) }
    }

    /// What SOURCE names, and where it is (local paths made absolute).
    private func sourceKindAndLocation() throws -> (DocSource.Kind, String) {
        let isGitAddress = source.hasSuffix(".git") || source.hasPrefix("git@") || source.hasPrefix("ssh://") || source.hasPrefix("git://")
        if git || isGitAddress {
            let isLocal = !source.contains("://") && !source.hasPrefix("git@")
            return (.git, isLocal ? URL(fileURLWithPath: source).standardizedFileURL.path : source)
        }
        let isSpec = openapi || ["json", "yaml", "yml"].contains((source as NSString).pathExtension.lowercased())
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            guard let url = URL(string: source), url.host != nil else { throw ValidationError("invalid URL: \(source)") }
            return (isSpec ? .openapi : .website, url.absoluteString)
        }
        let path = URL(fileURLWithPath: source).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no such file or folder: \(source)") }
        return (isSpec ? .openapi : .folder, path)
    }
}

/// A one-line message for a failed command.
struct IngestFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Progress on standard error: a redrawn bar on a terminal, a line every 100 pages otherwise.
enum ProgressBar {
    static func draw(_ job: IngestJob, current: String, interactive: Bool) {
        let done = job.pagesDone
        let total = max(job.pagesTotal, 1)
        if interactive {
            let width = 30
            let filled = min(width, done * width / total)
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            let name = current.count > 40 ? "…" + current.suffix(39) : current
            let line = "\r[\(bar)] \(done)/\(job.pagesTotal) pages  \(megabytes(job.bytes))  \(name)"
            FileHandle.standardError.write(Data((line.padding(toLength: 110, withPad: " ", startingAt: 0)).utf8))
        } else if done % 100 == 0 || done == job.pagesTotal {
            FileHandle.standardError.write(Data("\(done)/\(job.pagesTotal) pages, \(megabytes(job.bytes))\n".utf8))
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
