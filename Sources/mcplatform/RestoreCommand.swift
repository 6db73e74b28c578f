import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform restore FILE`: replaces the SQLite database with a backup.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the SQLite database with a backup (stop the server first).",
        discussion: """
            FILE is verified first (an SQLite file, PRAGMA integrity_check, a schema no newer than this \
            mcplatform's); nothing changes when it fails, or while a server or another command uses the database. \
            The current database is kept as <name>.before-restore-<UTC time>. The restored database must be used \
            with the secret key it was made with. PostgreSQL: use scripts/pg-restore (see docs/operations.md).
            """
    )

    @Argument(help: "The backup to restore, e.g. a file written by mcplatform backup.") var file: String
    @OptionGroup var storage: DatabaseOptions

    func run() async throws {
        let configuration = try storage.configuration()
        guard case .sqlite(let path) = try configuration.databaseLocation() else { throw BackupError.postgres(command: "restore") }
        let restore = SQLiteRestore(databasePath: absolute(path))
        let report = try await restore.restore(from: absolute(file))
        print("verified \(absolute(file)): integrity ok, schema version \(report.schemaVersion)")
        if let previous = report.previousPath {
            print("kept the previous database as \(previous)")
        }
        print("restored \(absolute(path)) (\(report.bytes) bytes); start mcplatform serve (it applies any newer migrations)")
    }
}
