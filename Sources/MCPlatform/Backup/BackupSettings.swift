import Foundation

/// When and where `serve` backs up its SQLite database (``BackupScheduler``).
public struct BackupSettings: Sendable {
    /// Hours between backups; 0 turns scheduled backups off.
    public var intervalHours = 24
    /// Where backups go; nil: `<data-dir>/backups`.
    public var directory: String?
    /// How many backups are kept; older ones are deleted after each successful backup.
    public var keep = 7

    public init() {}
}

extension AppConfiguration {
    /// Where backups go: `--backup-dir`, else `<data-dir>/backups`.
    public var backupDirectory: String {
        backups.directory ?? (dataDirectory as NSString).appendingPathComponent("backups")
    }
}
