import Foundation
import Logging
import NIOPosix
import SQLiteNIO

/// An SQLite file seen from outside the application's ``SQLiteDatabase``: what backups and
/// restores read, check and copy. Each operation opens its own connection on its own thread,
/// so a long copy or check never takes the threads the server's queries run on.
struct SQLiteFile: Sendable {
    let path: String

    /// The first 16 bytes of every SQLite 3 database.
    static let header = Array("SQLite format 3\0".utf8)

    /// Whether the file starts with the SQLite header.
    var hasSQLiteHeader: Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: Self.header.count)).map { Array($0) == Self.header } ?? false
    }

    /// Writes a consistent copy to `destination` (which must not exist) with `VACUUM INTO`: one
    /// read transaction, so writers carry on and the copy is the database as of its start. The
    /// copy is then checked with `PRAGMA integrity_check` and flushed to disk. On failure the
    /// partial copy is removed.
    func copy(to destination: String) async throws {
        do {
            try await withConnection { connection in
                _ = try await connection.query("VACUUM INTO ?", [.text(destination)])
            }
            try await SQLiteFile(path: destination).checkIntegrity()
            try Self.synchronize(destination)
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    /// Throws ``BackupError/corrupt(_:_:)`` unless `PRAGMA integrity_check` answers `ok`.
    func checkIntegrity() async throws {
        let problems = try await withConnection { connection in
            try await connection.query("PRAGMA integrity_check(5)", []).compactMap { $0.columns.first?.data.string }
        }
        guard problems == ["ok"] else {
            throw BackupError.corrupt(path, problems.joined(separator: "; "))
        }
    }

    /// The newest migration recorded in `schema_migrations`; nil when the table is missing (not
    /// an MCPlatform database).
    func schemaVersion() async throws -> Int? {
        try await withConnection { connection in
            let tables = try await connection.query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'schema_migrations'", [])
            guard tables.first?.column("n")?.integer == 1 else { return nil }
            let rows = try await connection.query("SELECT max(version) AS version FROM schema_migrations", [])
            return rows.first?.column("version")?.integer.map { Int($0) } ?? 0
        }
    }

    /// Moves what the write-ahead log holds into the file and empties the log.
    func checkpoint() async throws {
        try await withConnection { connection in
            _ = try await connection.query("PRAGMA wal_checkpoint(TRUNCATE)", [])
        }
    }

    /// Runs `body` on a new connection, then closes it. The file is never created: a missing one
    /// is an error. Like any connection, the last one to close checkpoints a write-ahead log.
    private func withConnection<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        defer { threads.shutdownGracefully { _ in } }
        var logger = Logger(label: "mcplatform.backup")
        logger.logLevel = .warning
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: Self.existingFileURI(path)), threadPool: threads, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
        } catch let error as SQLiteError {
            throw BackupError.unreadable(path, error.message)
        }
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 10000", [])
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch let error as SQLiteError {
            try? await connection.close()
            throw BackupError.unreadable(path, error.message)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// `file:<path>?mode=rw` (open, never create), the path percent-encoded (`?`, `#` and `%`
    /// would end it).
    private static func existingFileURI(_ path: String) -> String {
        "file:\(path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path)?mode=rw"
    }

    /// `fsync` of a file or directory, so a rename that follows (or precedes) survives a power cut.
    static func synchronize(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BackupError.posix("cannot open \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw BackupError.posix("cannot flush \(path) to disk") }
    }

    /// Renames `source` to `destination` (replacing it atomically) and flushes the directory.
    static func rename(_ source: String, to destination: String) throws {
        guard Foundation.rename(source, destination) == 0 else {
            throw BackupError.posix("cannot rename \(source) to \(destination)")
        }
        let directory = (destination as NSString).deletingLastPathComponent
        try synchronize(directory.isEmpty ? "." : directory)
    }
}
