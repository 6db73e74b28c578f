import Foundation
import NIOPosix

/// A git repository (URL or local path) at a ref, optionally only a docs subfolder of it.
///
/// The repository is cloned shallowly into a cache folder (one per repository URL) and fetched
/// again on every ingestion; the checkout is then read like a ``FolderSource``. The `git` CLI
/// does the work, with transports limited to https, ssh, git and local paths. A remote's host
/// must be a public address unless private networks are allowed (SSRF), and then git follows
/// no HTTP redirects (which could lead to a private address). Each git command is killed (with
/// whatever it started) after ``timeout``, so a remote that stops answering fails the job
/// instead of holding the ingestion worker.
struct GitSource: DocumentSource {
    let repository: String
    let ref: String?
    let subfolder: String?
    let cacheDirectory: String
    let maximumPageBytes: Int
    let allowPrivateNetworks: Bool
    var timeout: Duration = .seconds(300)

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
        if !allowPrivateNetworks, let host = Self.remoteHost(of: repository), !NetworkAddress.isPublic(host: host) {
            throw .sourceUnavailable("\(host) is a private, loopback or unresolvable address")
        }
        let redirects = allowPrivateNetworks ? [] : ["http.followRedirects=false"]
        let directory = (cacheDirectory as NSString).appendingPathComponent(DocsStore.hash(Array(repository.utf8)).prefix(24) + "")
        let fileManager = FileManager.default
        try? fileManager.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        if !fileManager.fileExists(atPath: (directory as NSString).appendingPathComponent(".git")) {
            try? fileManager.removeItem(atPath: directory)
            try await git(["init", "--quiet", directory])
            try await git(["-C", directory, "remote", "add", "origin", "--", repository])
        }
        try await git(["-C", directory, "fetch", "--quiet", "--depth", "1", "origin", "--", ref ?? "HEAD"], config: redirects)
        try await git(["-C", directory, "checkout", "--quiet", "--force", "FETCH_HEAD"])
        try await git(["-C", directory, "clean", "--quiet", "-d", "--force", "-x"])
        guard let subfolder, !subfolder.isEmpty else { return directory }
        // Symlinks resolved (realpath): a repository's `docs` may be a link to `/` or to another
        // tenant's checkout.
        guard let checkout = Self.realPath(directory),
            let root = Self.realPath(URL(fileURLWithPath: directory).appendingPathComponent(subfolder).path)
        else { throw .sourceUnavailable("the docs path '\(subfolder)' is not in the repository") }
        guard root.hasPrefix(checkout + "/") || root == checkout else {
            throw .sourceUnavailable("the docs path '\(subfolder)' leaves the repository")
        }
        return root
    }

    /// `path` with every symlink and `..` resolved; nil when it does not exist.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The host of a remote repository address (`scheme://[user@]host[:port]/…` or scp-like
    /// `[user@]host:path`); nil for a local path.
    static func remoteHost(of repository: String) -> String? {
        if repository.contains("://") {
            return URL(string: repository)?.host ?? ""
        }
        guard let colon = repository.firstIndex(of: ":"), !repository[..<colon].contains("/") else { return nil }
        let authority = repository[..<colon]
        return String(authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority)
    }

    /// Runs git (on NIO's thread pool: it blocks) without prompts or hooks; a failure carries
    /// git's own message. `config`: more `key=value` settings for this command.
    private func git(_ arguments: [String], config: [String] = []) async throws(IngestError) {
        let seconds = Int(timeout.components.seconds)
        do {
            try await NIOThreadPool.singleton.runIfActive { try Self.runGit(arguments, config: config, timeoutSeconds: seconds) }
        } catch let error as IngestError {
            throw error
        } catch {
            throw .sourceUnavailable("cannot run git: \(error)")
        }
    }

    private static func runGit(_ arguments: [String], config: [String], timeoutSeconds: Int) throws(IngestError) {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_ASKPASS"] = "/bin/false"
        environment["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        // coreutils' timeout runs git in a process group of its own and signals the whole group
        // (git's transport helpers too).
        let commandLine =
            [
                "timeout", "--kill-after=2", "\(timeoutSeconds)", "git", "-c", "core.hooksPath=/dev/null", "-c", "protocol.allow=never",
                "-c", "protocol.https.allow=always",
                "-c", "protocol.http.allow=always", "-c", "protocol.ssh.allow=always", "-c", "protocol.git.allow=always",
                "-c", "protocol.file.allow=always",
            ] + config.flatMap { ["-c", $0] } + arguments
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run("/usr/bin/env", commandLine, environment: environment)
        } catch {
            throw .sourceUnavailable("cannot run git: \(error)")
        }
        guard outcome.exitStatus == 0 else {
            let text = String(decoding: outcome.standardError, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let command = arguments.first == "-C" ? arguments.dropFirst(2).first : arguments.first
            // 124: timeout stopped git; killed by a signal: timeout's --kill-after took its whole group.
            if outcome.exitStatus == 124 || outcome.exitStatus == nil {
                throw .sourceUnavailable("git \(command ?? "") did not finish within \(timeoutSeconds) s")
            }
            throw .sourceUnavailable("git \(command ?? "") failed: \(text.prefix(500))")
        }
    }
}
