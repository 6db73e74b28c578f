import Logging
import NIOCore
import SQLiteNIO
import Synchronization

/// The embedded backend: one SQLite file in WAL mode.
///
/// Writes go through a single writer connection, serialised by a lock so that transactions
/// never interleave; reads (`SELECT` statements outside a transaction) are spread over a few
/// reader connections, which WAL lets run concurrently with the writer. While open it holds the
/// file's ``SQLiteUseLock`` shared, so that `mcplatform restore` cannot replace it underneath.
public final class SQLiteDatabase: Database {
    public var dialect: SQLDialect { .sqlite }

    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let writeLock = AsyncSerialLock()
    private let nextReader = Atomic<Int>(0)
    private let useLock: SQLiteUseLock

    /// Opens (creating if needed) the database at `path`.
    /// - Parameters:
    ///   - readerCount: connections reserved for reads; `0` sends everything to the writer.
    ///   - busyTimeoutMilliseconds: how long a statement waits for another process's lock.
    public init(
        path: String,
        readerCount: Int = 4,
        busyTimeoutMilliseconds: Int = 5000,
        logger: Logger
    ) async throws {
        guard let useLock = try SQLiteUseLock.acquire(databasePath: path, mode: .shared) else {
            throw DatabaseError.unavailable("\(path) is being restored (mcplatform restore); try again when the restore has finished")
        }
        self.useLock = useLock
        let storage = SQLiteConnection.Storage.file(path: path)
        writer = try await Self.open(storage, busyTimeoutMilliseconds: busyTimeoutMilliseconds, logger: logger)
        _ = try await writer.query("PRAGMA journal_mode = WAL", [])
        _ = try await writer.query("PRAGMA synchronous = NORMAL", [])
        var readers: [SQLiteConnection] = []
        for _ in 0..<readerCount {
            let reader = try await Self.open(storage, busyTimeoutMilliseconds: busyTimeoutMilliseconds, logger: logger)
            _ = try await reader.query("PRAGMA query_only = ON", [])
            readers.append(reader)
        }
        self.readers = readers
    }

    private static func open(
        _ storage: SQLiteConnection.Storage,
        busyTimeoutMilliseconds: Int,
        logger: Logger
    ) async throws -> SQLiteConnection {
        do {
            let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
            _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", [])
            _ = try await connection.query("PRAGMA foreign_keys = ON", [])
            return connection
        } catch let error as SQLiteError {
            throw DatabaseError.unavailable(error.message)
        }
    }

    @discardableResult
    public func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        if !readers.isEmpty, Self.isRead(statement) {
            let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
            return try await Self.run(statement, on: readers[index % readers.count])
        }
        return try await writeLock.withLock { try await Self.run(statement, on: writer) }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writeLock.withLock {
            let connection = TransactionConnection(connection: writer)
            try await Self.run("BEGIN IMMEDIATE", on: writer)
            do {
                let result = try await body(connection)
                try await Self.run("COMMIT", on: writer)
                return result
            } catch {
                _ = try? await Self.run("ROLLBACK", on: writer)
                throw error
            }
        }
    }

    public func ping() async throws {
        _ = try await query("SELECT 1")
    }

    public func close() async {
        for connection in readers + [writer] {
            try? await connection.close()
        }
        useLock.release()
    }

    /// Plain `SELECT`s may use a reader connection; everything else is a write.
    private static func isRead(_ statement: SQLStatement) -> Bool {
        guard case .sql(let head)? = statement.fragments.first else { return false }
        return head.drop(while: \.isWhitespace).prefix(6).uppercased() == "SELECT"
    }

    @discardableResult
    fileprivate static func run(_ statement: SQLStatement, on connection: SQLiteConnection) async throws -> [SQLRow] {
        let binds = statement.binds.map(Self.sqliteData)
        do {
            let rows = try await connection.query(statement.sql(for: .sqlite), binds)
            return rows.map { row in
                let columns = row.columns
                return SQLRow(columns: columns.map(\.name), values: columns.map { Self.sqlValue($0.data) })
            }
        } catch let error as SQLiteError {
            throw Self.databaseError(error)
        }
    }

    private static func sqliteData(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .integer(let value): .integer(SQLiteInt64(value))
        case .double(let value): .float(value)
        case .text(let value): .text(value)
        case .blob(let bytes): .blob(ByteBuffer(bytes: bytes))
        }
    }

    private static func sqlValue(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .null: .null
        case .integer(let value): .integer(Int64(value))
        case .float(let value): .double(value)
        case .text(let value): .text(value)
        case .blob(let buffer): .blob(Array(buffer.readableBytesView))
        }
    }

    private static func databaseError(_ error: SQLiteError) -> DatabaseError {
        switch error.reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed: .uniqueViolation(error.message)
        case .constraint, .constraintCheckFailed, .constraintForeignKeyFailed, .constraintNotNullFailed:
            .constraintViolation(error.message)
        case .cantOpen, .ioError, .full, .readOnly, .busy, .busyTimeout, .locked: .unavailable(error.message)
        default: .backend(error.message)
        }
    }

    /// The writer connection, seen from inside a transaction (the lock is already held).
    private struct TransactionConnection: SQLExecutor {
        let connection: SQLiteConnection
        var dialect: SQLDialect { .sqlite }

        func query(_ statement: SQLStatement) async throws -> [SQLRow] {
            try await SQLiteDatabase.run(statement, on: connection)
        }
    }
}
