import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An advisory lock (`flock`) on `<database>.lock` next to an SQLite file, telling processes
/// that use the database from one that replaces it: every ``SQLiteDatabase`` and every backup
/// holds it shared, `mcplatform restore` holds it exclusively. Never waits: a conflict is an
/// error at once. The kernel releases it when the process ends, even on `kill -9`.
public final class SQLiteUseLock: Sendable {
    /// How the lock is held.
    public enum Mode: Sendable {
        /// Using the database (several processes at once).
        case shared
        /// Replacing the database (nobody else).
        case exclusive
    }

    private let descriptor: Mutex<Int32?>

    /// Takes the lock of the database at `databasePath`, or returns nil when another process (or
    /// another open of it in this process) holds it in a conflicting mode.
    public static func acquire(databasePath: String, mode: Mode) throws(DatabaseError) -> SQLiteUseLock? {
        let path = lockPath(of: databasePath)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unavailable("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 else {
            let reason = errno
            close(descriptor)
            if reason == EWOULDBLOCK { return nil }
            throw .unavailable("cannot lock \(path): \(String(cString: strerror(reason)))")
        }
        return SQLiteUseLock(descriptor: descriptor)
    }

    /// `<database>.lock`.
    public static func lockPath(of databasePath: String) -> String {
        databasePath + ".lock"
    }

    private init(descriptor: Int32) {
        self.descriptor = Mutex(descriptor)
    }

    /// Releases the lock (once; later calls do nothing). Unlocked before closing: a child process
    /// forked meanwhile (git) holds a copy of the descriptor until it execs, and closing ours
    /// alone would leave the lock held by that copy.
    public func release() {
        if let descriptor = descriptor.withLock({ $0.take() }) {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }

    deinit {
        release()
    }
}
