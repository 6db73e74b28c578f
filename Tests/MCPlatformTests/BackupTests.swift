import Foundation
import Synchronization
import Testing

@testable import MCPlatform

/// Backups and restores of the SQLite database, on real files: consistency under concurrent
/// writes, retention, the scheduler's outcomes, and what restore refuses.
@Suite struct BackupTests {
    /// A fresh directory with a migrated database at `<directory>/mcplatform.sqlite`. Its name has
    /// the characters a `file:` URI would stumble on.
    struct Fixture {
        let directory: String
        var databasePath: String { directory + "/mcplatform.sqlite" }

        init() async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcplatform backup #1 ?%-\(UUID().uuidString)").path
            try await withDatabase { _ in }
        }

        func path(_ name: String) -> String { directory + "/" + name }

        func withDatabase<T>(at path: String? = nil, _ body: (any Database) async throws -> T) async throws -> T {
            try await DatabaseLocation.sqlite(path: path ?? databasePath).withDatabase(poolSize: 2, logger: .quiet, body)
        }

        func organizations(at path: String? = nil) async throws -> [String] {
            try await withDatabase(at: path) { database in try await TenancyStore(database: database).organizations().map(\.slug) }
        }

        func createOrganization(_ slug: String, at path: String? = nil) async throws {
            try await withDatabase(at: path) { database in
                _ = try await TenancyStore(database: database).createOrganization(slug: Slug(slug), name: slug)
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test func copyIsConsistentWhileWritesContinue() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        let database = try await DatabaseLocation.sqlite(path: fixture.databasePath).open(poolSize: 2, logger: .quiet)
        try await Migrator().migrate(database)
        // Every transaction adds a row and counts it: a consistent copy has as many rows as its count says.
        try await database.query("CREATE TABLE ledger (id INTEGER PRIMARY KEY, padding TEXT NOT NULL)")
        try await database.query("CREATE TABLE tally (total INTEGER NOT NULL)")
        try await database.query("INSERT INTO tally (total) VALUES (0)")
        let padding = String(repeating: "x", count: 2000)
        func write() async throws {
            try await database.transaction { db in
                try await db.query("INSERT INTO ledger (padding) VALUES (\(padding))")
                try await db.query("UPDATE tally SET total = total + 1")
            }
        }
        for _ in 0..<3000 { try await write() }
        let stop = StopFlag()
        let writer = Task {
            while !stop.isSet { try await write() }
        }
        var writtenDuringBackups = 0
        for index in 0..<3 {
            let before = try await database.one("SELECT total FROM tally").decode("total", as: Int.self)
            let report = try await SQLiteBackup(databasePath: fixture.databasePath).write(to: fixture.path("backup-\(index).sqlite"))
            writtenDuringBackups += try await database.one("SELECT total FROM tally").decode("total", as: Int.self) - before
            #expect(report.bytes > 6_000_000)
            try await fixture.withDatabase(at: report.path) { copy in
                let row = try await copy.one("SELECT (SELECT count(*) FROM ledger) AS rows, (SELECT total FROM tally) AS total")
                #expect(try row.decode("rows", as: Int.self) == row.decode("total", as: Int.self))
                #expect(try row.decode("rows", as: Int.self) >= 3000)
                #expect(try await copy.one("PRAGMA integrity_check").decode("integrity_check", as: String.self) == "ok")
                #expect(try await Migrator().appliedVersions(copy) == Migrations.all.map(\.version))
            }
        }
        stop.set()
        try await writer.value
        await database.close()
        #expect(writtenDuringBackups > 0, "the writer was blocked while the backups ran")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty)
    }

    @Test func backupRefusesAMissingDatabaseAndCleansUpAbandonedCopies() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        let missing = await #expect(throws: BackupError.self) {
            try await SQLiteBackup(databasePath: fixture.path("nothing.sqlite")).write(to: fixture.path("out.sqlite"))
        }
        #expect(missing?.description == "there is no database at \(fixture.path("nothing.sqlite"))")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("nothing.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: fixture.path("out.sqlite")))

        // A copy abandoned by a process that is gone is removed; one of a live process is not.
        let abandoned = fixture.path("backups/.mcplatform-old.sqlite.partial-\(Int32.max)")
        let inProgress = fixture.path("backups/.mcplatform-other.sqlite.partial-1")
        try FileManager.default.createDirectory(atPath: fixture.path("backups"), withIntermediateDirectories: true)
        let journal = abandoned + "-journal"
        for path in [abandoned, journal, inProgress] { #expect(FileManager.default.createFile(atPath: path, contents: Data("half".utf8))) }
        let report = try await SQLiteBackup(databasePath: fixture.databasePath).write(to: fixture.path("backups/new.sqlite"))
        #expect(report.path == fixture.path("backups/new.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(!FileManager.default.fileExists(atPath: journal))
        #expect(FileManager.default.fileExists(atPath: inProgress))
    }

    @Test func schedulerKeepsExactlyTheNewestBackupsAndReportsSuccess() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        try await fixture.withDatabase { database in
            let platform = Platform.test(database: database)
            var settings = BackupSettings()
            settings.keep = 3
            let directory = fixture.path("backups")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: directory + "/notes.txt", contents: Data("mine".utf8)))
            let scheduler = BackupScheduler(
                databasePath: fixture.databasePath, settings: settings, directory: directory, platform: platform, logger: .quiet)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            for hour in 0..<5 {
                #expect(await scheduler.backUpOnce(at: start.addingTimeInterval(Double(hour) * 3600)))
            }
            let kept = BackupDirectory(path: directory).backups().map { ($0 as NSString).lastPathComponent }
            #expect(
                kept == [
                    "mcplatform-20270115T100000.000Z.sqlite", "mcplatform-20270115T110000.000Z.sqlite",
                    "mcplatform-20270115T120000.000Z.sqlite",
                ])
            #expect(FileManager.default.fileExists(atPath: directory + "/notes.txt"))
            let exposition = String(decoding: await platform.metrics.exposition(of: platform), as: UTF8.self)
            #expect(exposition.contains("mcplatform_backup_last_success_timestamp_seconds "))
            #expect(platform.errors.totals.recorded == 0)
            // The schedule follows the newest backup on disk.
            let latest = try #require(BackupDirectory(path: directory).latestDate())
            #expect(scheduler.firstDue(latest: latest) == latest.addingTimeInterval(24 * 3600))
            let now = Date()
            #expect(scheduler.firstDue(latest: nil, now: now) == now.addingTimeInterval(BackupScheduler.firstBackupDelay))
        }
    }

    @Test func failedScheduledBackupIsReportedNotThrown() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        try await fixture.withDatabase { database in
            let platform = Platform.test(database: database)
            // The backup directory cannot be created: a file is in the way.
            #expect(FileManager.default.createFile(atPath: fixture.path("blocked"), contents: Data()))
            let scheduler = BackupScheduler(
                databasePath: fixture.databasePath, settings: BackupSettings(), directory: fixture.path("blocked/backups"),
                platform: platform, logger: .quiet)
            #expect(await scheduler.backUpOnce() == false)
            #expect(platform.errors.totals.recorded == 1)
            let exposition = String(decoding: await platform.metrics.exposition(of: platform), as: UTF8.self)
            #expect(exposition.contains("mcplatform_backup_failures_total 1"))
            #expect(!exposition.contains("mcplatform_backup_last_success_timestamp_seconds "))
        }
    }

    @Test func settingsHaveDefaultsAndLimits() throws {
        let defaults = try AppConfiguration(flags: [.dataDir: "/srv/data"], environment: [:])
        #expect(defaults.backups.intervalHours == 24 && defaults.backups.keep == 7)
        #expect(defaults.backupDirectory == "/srv/data/backups")
        let set = try AppConfiguration(
            flags: [.backupIntervalHours: "0", .backupKeep: "30"], environment: ["MCPLATFORM_BACKUP_DIR": "/mnt/backups"])
        #expect(set.backups.intervalHours == 0 && set.backups.keep == 30 && set.backupDirectory == "/mnt/backups")
        for (setting, value) in [(AppConfiguration.Setting.backupIntervalHours, "-1"), (.backupKeep, "0"), (.backupIntervalHours, "daily")]
        {
            #expect(throws: ConfigurationError.self) { try AppConfiguration(flags: [setting: value], environment: [:]) }
        }
    }

    @Test func restoreReplacesTheDatabaseAndKeepsTheCurrentOneWithItsLog() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        try await fixture.createOrganization("alpha")
        let backup = try await SQLiteBackup(databasePath: fixture.databasePath).write(to: fixture.path("backup.sqlite")).path
        // The current database as a crash leaves it: its last write only in the write-ahead log.
        let crashed = fixture.path("crashed.sqlite")
        try await fixture.withDatabase { database in
            _ = try await TenancyStore(database: database).createOrganization(slug: Slug("beta"), name: "Beta")
            let walBytes = try FileManager.default.attributesOfItem(atPath: fixture.databasePath + "-wal")[.size] as? Int ?? 0
            #expect(walBytes > 0)
            for suffix in ["", "-wal", "-shm"] {
                try FileManager.default.copyItem(atPath: fixture.databasePath + suffix, toPath: crashed + suffix)
            }
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let report = try await SQLiteRestore(databasePath: crashed).restore(from: backup, at: now)
        #expect(report.schemaVersion == Migrations.all.map(\.version).max())
        let previous = crashed + ".before-restore-20270115T080000Z"
        #expect(report.previousPath == previous)
        #expect(try await fixture.organizations(at: crashed) == ["alpha"])
        #expect(try await fixture.organizations(at: previous) == ["alpha", "beta"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty)
    }

    @Test func restoreRefusesANewerSchemaAndDamagedFiles() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        try await fixture.createOrganization("alpha")
        let restore = SQLiteRestore(databasePath: fixture.databasePath)
        let supported = Migrations.all.map(\.version).max() ?? 0

        let newer = try await SQLiteBackup(databasePath: fixture.databasePath).write(to: fixture.path("newer.sqlite")).path
        try await fixture.withDatabase(at: newer) { database in
            _ = try await database.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(supported + 1), 'future', 0)")
        }
        let tooNew = await #expect(throws: BackupError.self) { try await restore.restore(from: newer) }
        #expect(tooNew?.description.contains("schema version \(supported + 1), newer than this mcplatform knows (\(supported))") == true)

        // A backup with pages overwritten in the middle.
        let damaged = try await SQLiteBackup(databasePath: fixture.databasePath).write(to: fixture.path("damaged.sqlite")).path
        let handle = try #require(FileHandle(forUpdatingAtPath: damaged))
        try handle.seek(toOffset: 4096 * 2)
        handle.write(Data(repeating: 0xA5, count: 4096 * 4))
        try handle.close()
        let corrupt = await #expect(throws: BackupError.self) { try await restore.restore(from: damaged) }
        #expect(corrupt.map { "\($0)".contains("damaged") || "\($0)".contains("cannot read") } == true, "\(String(describing: corrupt))")

        let text = fixture.path("notes.txt")
        #expect(FileManager.default.createFile(atPath: text, contents: Data("not a database".utf8)))
        let notSQLite = await #expect(throws: BackupError.self) { try await restore.restore(from: text) }
        #expect(notSQLite?.description == "\(text) is not an SQLite database")

        let empty = fixture.path("empty.sqlite")
        try await DatabaseLocation.sqlite(path: empty).withDatabase(poolSize: 1, migrate: false, logger: .quiet) { _ in }
        let foreign = await #expect(throws: BackupError.self) { try await restore.restore(from: empty) }
        #expect(foreign?.description.contains("not an MCPlatform database") == true)

        // Nothing changed.
        #expect(try await fixture.organizations() == ["alpha"])
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.directory)
        #expect(!names.contains { $0.contains("before-restore") || $0.contains(".partial-") })
    }

    @Test func restoreRefusesWhileTheDatabaseIsInUseAndNobodyOpensItDuringOne() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        try await fixture.createOrganization("alpha")
        let backup = try await SQLiteBackup(databasePath: fixture.databasePath).write(to: fixture.path("backup.sqlite")).path
        let restore = SQLiteRestore(databasePath: fixture.databasePath)
        try await fixture.withDatabase { database in
            _ = try await TenancyStore(database: database).createOrganization(slug: Slug("beta"), name: "Beta")
            let inUse = await #expect(throws: BackupError.self) { try await restore.restore(from: backup) }
            #expect(inUse?.description.contains("is in use by a running mcplatform") == true)
        }
        #expect(try await fixture.organizations() == ["alpha", "beta"])

        // While a restore holds the database, neither a server nor a backup opens it.
        // Retried for a moment: another test's child process may be between fork and exec.
        var acquired: SQLiteUseLock?
        for _ in 0..<100 where acquired == nil {
            acquired = try SQLiteUseLock.acquire(databasePath: fixture.databasePath, mode: .exclusive)
            if acquired == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let exclusive = try #require(acquired)
        await #expect(throws: DatabaseError.self) { try await fixture.organizations() }
        await #expect(throws: BackupError.self) {
            try await SQLiteBackup(databasePath: fixture.databasePath).write(to: fixture.path("during.sqlite"))
        }
        exclusive.release()

        _ = try await restore.restore(from: backup)
        #expect(try await fixture.organizations() == ["alpha"])
    }
}

/// Tells a loop on another task to stop.
private final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
