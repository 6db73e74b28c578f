/// Something that runs SQL statements: a database, or a connection inside a transaction.
public protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }

    /// Runs `statement` and returns all its rows.
    @discardableResult
    func query(_ statement: SQLStatement) async throws -> [SQLRow]
}

extension SQLExecutor {
    /// Runs `statement` and returns its first row, if any.
    public func first(_ statement: SQLStatement) async throws -> SQLRow? {
        try await query(statement).first
    }

    /// Runs a statement that must return a row (`INSERT … RETURNING`) and returns it.
    public func one(_ statement: SQLStatement) async throws -> SQLRow {
        guard let row = try await query(statement).first else {
            throw DatabaseError.backend("the statement returned no row")
        }
        return row
    }
}

/// A database backend: SQLite (embedded) or PostgreSQL (shared by several instances).
///
/// Every feature talks to storage through this protocol and writes its SQL once; backend
/// differences are limited to ``SQLDialect``.
public protocol Database: SQLExecutor {
    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T

    /// Checks that the database answers; throws ``DatabaseError/unavailable(_:)`` otherwise.
    func ping() async throws

    /// Closes every connection. The database is unusable afterwards.
    func close() async
}
