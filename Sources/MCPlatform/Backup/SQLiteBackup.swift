import Foundation

/// An online backup of the SQLite database, for `mcplatform backup` and the scheduled
/// backups: a consistent copy taken while the server keeps reading and writing (see
/// ``SQLiteFile/copy(to:)``), written under a hidden name, checked, then renamed into place.
public struct SQLiteBackup: Sendable {
    /// What a backup wrote.
    public struct Report: Sendable {
        public let path: String
        public let bytes: Int
        public let duration: Duration
    }

    public let databasePath: String

    public init(databasePath: String) {
        self.databasePath = databasePath
    }

    /// Copies the database to `destination`, replacing any file there only once the copy is
    /// complete and checked. Its directory is created when missing.
    public func write(to destination: String) async throws -> Report {
        let started = ContinuousClock.now
        guard FileManager.default.fileExists(atPath: databasePath) else { throw BackupError.missingDatabase(databasePath) }
        guard let lock = try SQLiteUseLock.acquire(databasePath: databasePath, mode: .shared) else {
            throw BackupError.beingRestored(databasePath)
        }
        defer { lock.release() }
        try await PartialCopy.write(SQLiteFile(path: databasePath), for: destination) { partial in
            try SQLiteFile.rename(partial, to: destination)
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        return Report(path: destination, bytes: bytes, duration: ContinuousClock.now - started)
    }
}
