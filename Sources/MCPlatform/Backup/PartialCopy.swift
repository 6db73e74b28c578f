import Foundation

/// The hidden name a copy is written under before it is renamed into place,
/// `.<name>.partial-<pid>`, so that no half-written file ever carries the final name. Copies
/// left behind by a process that was killed are removed by the next backup or restore into
/// the same directory.
enum PartialCopy {
    private static let marker = ".partial-"

    /// Where the copy that will become `destination` is written, in the same directory (so the
    /// final rename is atomic).
    static func path(for destination: String) -> String {
        let directory = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        return (directory as NSString).appendingPathComponent(".\(name)\(marker)\(getpid())")
    }

    /// Writes a checked copy of `source` under the partial name of `destination` (creating its
    /// directory), then runs `install`, which moves it into place; removes the partial copy when
    /// anything fails. Abandoned copies in that directory are removed first.
    static func write<T: Sendable>(
        _ source: SQLiteFile, for destination: String, install: (_ partial: String) async throws -> T
    ) async throws -> T {
        let directory = (destination as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error
            let reason = underlying.map { String(cString: strerror(Int32(($0 as NSError).code))) } ?? error.localizedDescription
            throw BackupError.io("cannot create the directory \(directory): \(reason)")
        }
        removeAbandoned(in: directory.isEmpty ? "." : directory)
        let partial = path(for: destination)
        try await source.copy(to: partial)
        do {
            return try await install(partial)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Removes the partial copies in `directory` whose process no longer runs, and the rollback
    /// journals SQLite was writing them with; returns their paths.
    @discardableResult
    static func removeAbandoned(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> String? in
            guard name.hasPrefix("."), let range = name.range(of: marker, options: .backwards) else { return nil }
            let tail = name[range.upperBound...]
            let digits = tail.prefix { $0.isASCII && $0.isNumber }
            guard ["", "-journal"].contains(tail.dropFirst(digits.count)), let pid = pid_t(digits), pid > 0, pid != getpid(),
                kill(pid, 0) != 0, errno == ESRCH
            else { return nil }
            let path = (directory as NSString).appendingPathComponent(name)
            return (try? FileManager.default.removeItem(atPath: path)) == nil ? nil : path
        }
    }
}
