import Foundation

/// One versioned, forward-only schema change.
public struct Migration: Sendable {
    /// Position in the history; applied in ascending order, each exactly once.
    public let version: Int
    public let name: String
    /// The DDL, rendered for the backend's dialect. One statement per element.
    public let statements: @Sendable (SQLDialect) -> [String]
}

/// Applies pending ``Migration``s, recording each in `schema_migrations`.
///
/// All pending migrations run in one transaction, so a failure leaves the schema as it was. On
/// PostgreSQL a transaction-scoped advisory lock makes instances that start together take turns.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migrations.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is pending and returns the migrations applied now (empty when up to date).
    @discardableResult
    public func migrate(_ database: any Database) async throws -> [Migration] {
        try await database.transaction { db in
            if db.dialect == .postgres {
                try await db.query("SELECT pg_advisory_xact_lock(\(raw: String(Self.advisoryLockKey)))")
            }
            try await db.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )
                """
            )
            let applied = try await Set(db.query("SELECT version FROM schema_migrations").map { try $0.decode("version", as: Int.self) })
            let pending = migrations.filter { !applied.contains($0.version) }
            for migration in pending {
                for statement in migration.statements(db.dialect) {
                    try await db.query(SQLStatement(stringLiteral: statement))
                }
                try await db.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(Date()))"
                )
            }
            return pending
        }
    }

    /// The versions recorded as applied, ascending.
    public func appliedVersions(_ database: any Database) async throws -> [Int] {
        let exists = try await database.first(
            database.dialect == .postgres
                ? "SELECT to_regclass('schema_migrations') IS NOT NULL AS present"
                : "SELECT count(*) AS present FROM sqlite_master WHERE name = 'schema_migrations'"
        )
        guard try exists?.decode("present", as: Bool.self) == true else { return [] }
        return try await database.query("SELECT version FROM schema_migrations ORDER BY version").map {
            try $0.decode("version", as: Int.self)
        }
    }

    private static let advisoryLockKey: Int64 = 0x4D43_5050_4C41_5446  // "MCPPLATF"
}
