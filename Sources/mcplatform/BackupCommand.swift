import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform backup`: an online, consistent copy of the SQLite database.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database consistently, also while the server runs.",
        discussion: """
            The copy is written under a hidden name next to its destination, checked (PRAGMA integrity_check), \
            then renamed into place: a file under the final name is always complete. Keep the secret key \
            (<data-dir>/secret.key or MCPLATFORM_SECRET_KEY) too: the backup's secrets are encrypted with it. \
            PostgreSQL: use scripts/pg-backup (see docs/operations.md).
            """
    )

    @Option(help: "The file to write (a directory: a new file in it). Default: <backup-dir>/mcplatform-<UTC time>.sqlite.")
    var output: String?
    @Option(help: "Directory of the backups. Env: MCPLATFORM_BACKUP_DIR. Default: <data-dir>/backups.") var backupDir: String?
    @OptionGroup var storage: DatabaseOptions

    func run() async throws {
        let configuration = try storage.configuration(adding: backupDir.map { [.backupDir: $0] } ?? [:])
        guard case .sqlite(let path) = try configuration.databaseLocation() else { throw BackupError.postgres(command: "backup") }
        var destination = BackupDirectory(path: configuration.backupDirectory).newFilePath()
        if let output {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory)
            destination = exists && isDirectory.boolValue ? BackupDirectory(path: output).newFilePath() : output
        }
        let report = try await SQLiteBackup(databasePath: absolute(path)).write(to: absolute(destination))
        let seconds = Double(report.duration.components.seconds) + Double(report.duration.components.attoseconds) / 1e18
        print(
            "backed up \(absolute(path)) to \(report.path): \(report.bytes) bytes (\(ProgressBar.megabytes(report.bytes))) in "
                + String(format: "%.2f s", seconds))
    }
}

/// `path` made absolute against the working directory, for messages an operator can act on.
func absolute(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}
