import Foundation

/// Why a backup or a restore did not happen, in words for the operator (the CLI prints it as
/// its one-line error).
public enum BackupError: Error, Sendable, CustomStringConvertible {
    /// `mcplatform backup` / `restore` on PostgreSQL, which has its own tools.
    case postgres(command: String)
    /// The database to back up does not exist.
    case missingDatabase(String)
    /// The file is not an SQLite database.
    case notSQLite(String)
    /// The file could not be opened or read as an SQLite database.
    case unreadable(String, String)
    /// `PRAGMA integrity_check` found problems.
    case corrupt(String, String)
    /// The file has no `schema_migrations`: not an MCPlatform database.
    case notMCPlatform(String)
    /// The file's schema is newer than this binary knows.
    case newerSchema(path: String, version: Int, supported: Int)
    /// A server (or another command) has the database open.
    case databaseInUse(String)
    /// A restore is replacing the database.
    case beingRestored(String)
    /// A file operation failed.
    case io(String)

    public var description: String {
        switch self {
        case .postgres(let command):
            let script = command == "backup" ? "scripts/pg-backup" : "scripts/pg-restore"
            return "mcplatform \(command) works on SQLite databases; for PostgreSQL use \(script) "
                + "(pg_dump/pg_restore) or point-in-time recovery, see docs/operations.md#backup-and-restore"
        case .missingDatabase(let path): return "there is no database at \(path)"
        case .notSQLite(let path): return "\(path) is not an SQLite database"
        case .unreadable(let path, let detail): return "cannot read \(path) as an SQLite database: \(detail)"
        case .corrupt(let path, let detail): return "\(path) is damaged (integrity check: \(detail))"
        case .notMCPlatform(let path): return "\(path) is not an MCPlatform database (no schema_migrations table)"
        case .newerSchema(let path, let version, let supported):
            return "\(path) is at schema version \(version), newer than this mcplatform knows (\(supported)): "
                + "restore it with the release that wrote it"
        case .databaseInUse(let path):
            return "\(path) is in use by a running mcplatform (serve, or another command): stop it, then restore"
        case .beingRestored(let path): return "\(path) is being restored; try again when the restore has finished"
        case .io(let detail): return detail
        }
    }

    /// A failed system call: `what`, then the reason `errno` gives.
    static func posix(_ what: String) -> BackupError {
        .io("\(what): \(String(cString: strerror(errno)))")
    }
}
