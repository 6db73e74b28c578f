import Foundation
import NIOPosix

/// A git repository (URL or local path) at a ref, optionally only a docs subfolder of it.
///
/// The repository is cloned shallowly into a cache folder (one per repository URL) and fetched
/// again on every ingestion; the checkout is then read like a ``FolderSource``. The `git` CLI
/// does the work, with transports limited to https, ssh, git and local paths.
struct GitSource: DocumentSource {
    let repository: String
    let ref: String?
    let subfolder: String?
    let cacheDirectory: String
    let maximumPageBytes: Int

    func pages(known: [String: KnownPage]) -> ListedPages<FolderSource.Entry> {
        let maximumPageBytes = self.maximumPageBytes
        return ListedPages(
            list: { try FolderSource(root: try await checkout(), maximumPageBytes: maximumPageBytes).entries() },
            page: { FolderSource.page($0, maximumBytes: maximumPageBytes) }
        )
    }

    /// Clones or updates the repository and returns the folder to read.
    func checkout() async throws(IngestError) -> String {
        guard !repository.hasPrefix("-"), !repository.contains("::") else {
            throw .sourceUnavailable("unsupported git repository address '\(repository)'")
        }
        if let ref, ref.hasPrefix("-") || ref.contains("..") { throw .sourceUnavailable("invalid git ref '\(ref)'") }
        let directory = (cacheDirectory as NSString).appendingPathComponent(DocsStore.hash(Array(repository.utf8)).prefix(24) + "")
        let fileManager = FileManager.default
        try? fileManager.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        if !fileManager.fileExists(atPath: (directory as NSString).appendingPathComponent(".git")) {
            try? fileManager.removeItem(atPath: directory)
            try await Self.git(["init", "--quiet", directory])
            try await Self.git(["-C", directory, "remote", "add", "origin", "--", repository])
        }
        try await Self.git(["-C", directory, "fetch", "--quiet", "--depth", "1", "origin", "--", ref ?? "HEAD"])
        try await Self.git(["-C", directory, "checkout", "--quiet", "--force", "FETCH_HEAD"])
        try await Self.git(["-C", directory, "clean", "--quiet", "-d", "--force", "-x"])
        guard let subfolder, !subfolder.isEmpty else { return directory }
        let root = URL(fileURLWithPath: directory).appendingPathComponent(subfolder).standardizedFileURL.path
        guard root.hasPrefix(directory + "/") || root == directory else {
            throw .sourceUnavailable("the docs path '\(subfolder)' leaves the repository")
        }
        return root
    }

    /// Runs git (on NIO's thread pool: it blocks) without prompts or hooks; a failure carries
    /// git's own message.
    private static func git(_ arguments: [String]) async throws(IngestError) {
        do {
            try await NIOThreadPool.singleton.runIfActive { try runGit(arguments) }
        } catch let error as IngestError {
            throw error
        } catch {
            throw .sourceUnavailable("cannot run git: \(error)")
        }
    }

    private static func runGit(_ arguments: [String]) throws(IngestError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "git", "-c", "core.hooksPath=/dev/null", "-c", "protocol.allow=never", "-c", "protocol.https.allow=always",
                "-c", "protocol.http.allow=always", "-c", "protocol.ssh.allow=always", "-c", "protocol.git.allow=always",
                "-c", "protocol.file.allow=always",
            ] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_ASKPASS"] = "/bin/false"
        environment["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .sourceUnavailable("cannot run git: \(error.localizedDescription)")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let command = arguments.first == "-C" ? arguments.dropFirst(2).first : arguments.first
            throw .sourceUnavailable("git \(command ?? "") failed: \(text.prefix(500))")
        }
    }
}
