import Foundation

/// `mcplatform restore`: puts a backup in the place of the SQLite database, once nothing uses
/// it. The backup is verified first (an SQLite file, intact, an MCPlatform schema no newer
/// than this binary's); the current database is kept as `<name>.before-restore-<time>` (with
/// its write-ahead log, should one remain); the verified copy then replaces it with one rename.
public struct SQLiteRestore: Sendable {
    /// What a restore did.
    public struct Report: Sendable {
        /// The schema version of the restored database (`serve` migrates it when older).
        public let schemaVersion: Int
        /// Where the replaced database was kept; nil when there was none.
        public let previousPath: String?
        public let bytes: Int
    }

    public let databasePath: String
    /// The newest schema version this binary knows.
    let supportedSchemaVersion: Int

    public init(databasePath: String, supportedSchemaVersion: Int = Migrations.all.map(\.version).max() ?? 0) {
        self.databasePath = databasePath
        self.supportedSchemaVersion = supportedSchemaVersion
    }

    /// Verifies `backup`, then makes it the database. Throws before changing anything when the
    /// backup is unusable or the database is in use.
    public func restore(from backup: String, at now: Date = Date()) async throws -> Report {
        let version = try await verify(backup)
        guard let lock = try SQLiteUseLock.acquire(databasePath: databasePath, mode: .exclusive) else {
            throw BackupError.databaseInUse(databasePath)
        }
        defer { lock.release() }
        let previous = try await PartialCopy.write(SQLiteFile(path: backup), for: databasePath) { partial in
            let previous = try await keepCurrent(at: now)
            try SQLiteFile.rename(partial, to: databasePath)
            return previous
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: databasePath)[.size] as? Int) ?? 0
        return Report(schemaVersion: version, previousPath: previous, bytes: bytes)
    }

    /// Checks that `backup` can be restored; returns its schema version.
    public func verify(_ backup: String) async throws -> Int {
        let file = SQLiteFile(path: backup)
        guard FileManager.default.fileExists(atPath: backup) else { throw BackupError.missingDatabase(backup) }
        guard file.hasSQLiteHeader else { throw BackupError.notSQLite(backup) }
        try await file.checkIntegrity()
        guard let version = try await file.schemaVersion() else { throw BackupError.notMCPlatform(backup) }
        guard version <= supportedSchemaVersion else {
            throw BackupError.newerSchema(path: backup, version: version, supported: supportedSchemaVersion)
        }
        return version
    }

    /// Keeps the current database (if any) under `<name>.before-restore-<time>`: its log is
    /// checkpointed into it first; a database that cannot be opened is kept as it is, its
    /// `-wal` and `-shm` renamed along, so a log never outlives its database.
    private func keepCurrent(at now: Date) async throws -> String? {
        let manager = FileManager.default
        guard manager.fileExists(atPath: databasePath) else { return nil }
        let kept = "\(databasePath).before-restore-\(BackupDirectory.timestamp(now))"
        try? await SQLiteFile(path: databasePath).checkpoint()
        do {
            try manager.linkItem(atPath: databasePath, toPath: kept)
        } catch {
            throw BackupError.io("cannot keep the current database as \(kept): \(error.localizedDescription)")
        }
        for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: databasePath + suffix) {
            try SQLiteFile.rename(databasePath + suffix, to: kept + suffix)
        }
        return kept
    }
}
