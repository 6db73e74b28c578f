import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The production backend: PostgreSQL through a pooled `PostgresClient`, shareable by several
/// `mcplatform` instances. A statement waits at most ``connectionWait`` for a connection: while
/// PostgreSQL is down the pool would queue it until PostgreSQL returns, and the request behind it
/// would hang instead of failing with a clear error.
public final class PostgresDatabase: Database {
    public var dialect: SQLDialect { .postgres }

    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    /// `host:port`, for error messages.
    private let server: String

    /// Connects to the database at `url` (`postgres://user:password@host:port/database?sslmode=…`)
    /// with at most `poolSize` connections; a statement waits at most `connectionWait` for one.
    public init(url: String, poolSize: Int, connectionWait: Duration = defaultConnectionWait, logger: Logger) async throws {
        var configuration = try Self.configuration(from: url)
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        // The pool only serves leases once `run()` has begun; wait until the task is there.
        // Detached: the pool must not inherit the creator's task-locals (a ServiceGroup's
        // graceful-shutdown handler would stop it when that group shuts down).
        let (started, starting) = AsyncStream<Void>.makeStream()
        self.runTask = Task.detached {
            starting.finish()
            await client.run()
        }
        for await _ in started {}
        self.client = client
        self.connectionWait = connectionWait
        self.logger = logger
        self.server = "\(configuration.host ?? "?"):\(configuration.port ?? 5432)"
    }

    /// How long a statement waits for a pooled connection before failing with
    /// ``DatabaseError/unavailable(_:)``: long enough for a burst to drain, short enough that an
    /// outage answers 503 instead of holding requests.
    public static let defaultConnectionWait = Duration.seconds(10)
    private let connectionWait: Duration

    @discardableResult
    public func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        do {
            return try await withConnection { [logger] connection in
                try await Self.collect { try await connection.query(Self.postgresQuery(statement), logger: logger) }
            }
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError.unavailable("cannot reach PostgreSQL at \(server)")
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        do {
            return try await withConnection { [logger] connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await body(TransactionConnection(connection: connection, logger: logger))
                }
            }
        } catch let error as DatabaseError {
            throw error
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            let cause = error.beginError ?? error.commitError ?? error.rollbackError
            throw (cause as? PSQLError).map(Self.databaseError) ?? DatabaseError.backend(String(describing: cause))
        } catch {
            // Errors of the body arrive wrapped in PostgresTransactionError: this is the pool's.
            throw DatabaseError.unavailable("cannot reach PostgreSQL at \(server)")
        }
    }

    /// Runs `body` on a pooled connection, failing with ``DatabaseError/unavailable(_:)`` when
    /// none is available within ``connectionWait``. A connection leased after that is given back
    /// unused, so `body` never runs for a caller that was told it failed.
    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let lease = LeaseState()
        return try await withDeadline(
            connectionWait,
            expired: { [server, connectionWait] in
                lease.expire()
                    ? DatabaseError.unavailable(
                        "no connection to PostgreSQL at \(server) within \(connectionWait.components.seconds) s")
                    : nil
            }
        ) { [client] in
            try await client.withConnection { connection in
                guard lease.begin() else { throw CancellationError() }
                return try await body(connection)
            }
        }
    }

    public func ping() async throws {
        _ = try await query("SELECT 1")
    }

    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    fileprivate static func postgresQuery(_ statement: SQLStatement) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: statement.binds.count)
        for value in statement.binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: statement.sql(for: .postgres), binds: bindings)
    }

    fileprivate static func collect(_ run: () async throws -> PostgresRowSequence) async throws -> [SQLRow] {
        do {
            var rows: [SQLRow] = []
            for try await row in try await run() {
                var columns: [String] = []
                var values: [SQLValue] = []
                for cell in row {
                    columns.append(cell.columnName)
                    values.append(try sqlValue(cell))
                }
                rows.append(SQLRow(columns: columns, values: values))
            }
            return rows
        } catch let error as PSQLError {
            throw databaseError(error)
        }
    }

    private static func sqlValue(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .numeric: return .double(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }

    private static func databaseError(_ error: PSQLError) -> DatabaseError {
        guard error.code == .server else {
            return .unavailable("PostgreSQL connection failed (\(error.code))")
        }
        let message = error.serverInfo?[.message] ?? "unknown server error"
        switch error.serverInfo?[.sqlState] {
        case "23505": return .uniqueViolation(message)
        case "23502", "23503", "23514": return .constraintViolation(message)
        case let state? where state.hasPrefix("08") || state.hasPrefix("57"): return .unavailable(message)
        default: return .backend(message)
        }
    }

    private static func configuration(from url: String) throws(DatabaseError) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
            ["postgres", "postgresql"].contains(components.scheme)
        else {
            throw .invalidURL("expected postgres://user[:password]@host[:port]/database")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw .invalidURL("unknown sslmode '\(sslMode)'")
        }
        return PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
    }

    /// A pooled connection inside `withTransaction`.
    private struct TransactionConnection: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        var dialect: SQLDialect { .postgres }

        func query(_ statement: SQLStatement) async throws -> [SQLRow] {
            try await PostgresDatabase.collect {
                try await connection.query(PostgresDatabase.postgresQuery(statement), logger: logger)
            }
        }
    }
}

/// Whether a statement got its connection before its deadline (see ``PostgresDatabase``'s
/// connection wait): exactly one of ``begin()`` and ``expire()`` wins.
private final class LeaseState: Sendable {
    private enum Phase { case waiting, leased, expired }
    private let phase = Mutex(Phase.waiting)

    /// The connection arrived: true when the statement may run (its deadline has not passed).
    func begin() -> Bool {
        phase.withLock { phase in
            guard phase == .waiting else { return false }
            phase = .leased
            return true
        }
    }

    /// The deadline passed: true when no connection had arrived, so the statement fails.
    func expire() -> Bool {
        phase.withLock { phase in
            guard phase == .waiting else { return false }
            phase = .expired
            return true
        }
    }
}
