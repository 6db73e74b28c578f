import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// Backs the SQLite database up every ``BackupSettings/intervalHours`` into the backup
/// directory and deletes the oldest backups beyond ``BackupSettings/keep``. The schedule
/// follows the newest backup on disk, so restarts neither skip nor repeat one; without any, the
/// first is made a minute after start. A failed backup is logged, recorded by error tracking
/// (place `scheduled backup`), counted in `mcplatform_backup_failures_total`, and retried
/// after at most an hour; it never stops the server.
struct BackupScheduler: Service {
    let databasePath: String
    let directory: BackupDirectory
    let interval: TimeInterval
    let keep: Int
    let metrics: PlatformMetrics
    let errors: ErrorTracker
    let logger: Logger

    static let firstBackupDelay: TimeInterval = 60
    static let retryDelay: TimeInterval = 3600

    init(databasePath: String, settings: BackupSettings, directory: String, platform: Platform, logger: Logger) {
        self.databasePath = databasePath
        self.directory = BackupDirectory(path: directory)
        self.interval = TimeInterval(settings.intervalHours) * 3600
        self.keep = settings.keep
        self.metrics = platform.metrics
        self.errors = platform.errors
        self.logger = logger
    }

    func run() async throws {
        _ = metrics.backupFailures()
        let latest = directory.latestDate()
        if let latest { metrics.backupSucceeded(at: latest) }
        var due = firstDue(latest: latest)
        while !Task.isShuttingDownGracefully {
            let wait = max(0, due.timeIntervalSinceNow)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(wait)) }
            } catch {
                return
            }
            let succeeded = await backUpOnce()
            due = Date().addingTimeInterval(succeeded ? interval : min(interval, Self.retryDelay))
        }
    }

    /// When the first backup after start is due: an interval after the newest backup, else soon.
    func firstDue(latest: Date?, now: Date = Date()) -> Date {
        latest.map { $0.addingTimeInterval(interval) } ?? now.addingTimeInterval(Self.firstBackupDelay)
    }

    /// Makes one backup and prunes the old ones; returns whether it succeeded.
    @discardableResult
    func backUpOnce(at now: Date = Date()) async -> Bool {
        do {
            let report = try await SQLiteBackup(databasePath: databasePath).write(to: directory.newFilePath(at: now))
            let removed = try directory.prune(keep: keep)
            metrics.backupSucceeded(at: Date())
            logger.info(
                "database backed up",
                metadata: [
                    "path": .string(report.path), "bytes": "\(report.bytes)", "duration_ms": "\(report.duration / .milliseconds(1))",
                    "deleted": "\(removed.count)",
                ])
            return true
        } catch {
            metrics.backupFailures().increment()
            errors.record(error, at: "scheduled backup", requestID: nil, context: ["database": databasePath])
            logger.error("scheduled backup failed", metadata: ["error": .string(String(describing: error))])
            return false
        }
    }
}
