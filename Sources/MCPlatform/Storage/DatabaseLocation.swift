import Foundation
import Logging

/// Where the data lives: an SQLite file (default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// Parses `--database`: `postgres://…` / `postgresql://…`, `sqlite:PATH`, or a file path.
    /// Without a value the SQLite file `mcplatform.sqlite` in `dataDirectory` is used.
    public init(_ value: String?, dataDirectory: String) throws(DatabaseError) {
        guard let value, !value.isEmpty else {
            self = .sqlite(path: (dataDirectory as NSString).appendingPathComponent("mcplatform.sqlite"))
            return
        }
        if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
            self = .postgres(url: value)
        } else if value.hasPrefix("sqlite://") {
            self = .sqlite(path: String(value.dropFirst("sqlite://".count)))
        } else if value.hasPrefix("sqlite:") {
            self = .sqlite(path: String(value.dropFirst("sqlite:".count)))
        } else if value.contains("://") {
            throw .invalidURL("unsupported scheme in '\(value)'; use postgres://… or a SQLite file path")
        } else {
            self = .sqlite(path: value)
        }
    }

    /// A printable form with any password masked.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres://…" }
            if components.password != nil { components.password = "****" }
            return components.string ?? "postgres://…"
        }
    }

    /// Opens the database, migrates it unless told not to, runs `body`, and closes it whether
    /// `body` succeeded or not. For commands and tests; the server keeps its database open.
    public func withDatabase<T>(
        poolSize: Int, migrate: Bool = true, connectionWait: Duration = PostgresDatabase.defaultConnectionWait, logger: Logger,
        _ body: (any Database) async throws -> T
    ) async throws -> T {
        let database = try await open(poolSize: poolSize, connectionWait: connectionWait, logger: logger)
        do {
            if migrate { try await Migrator().migrate(database) }
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    /// Opens the database. SQLite's parent directory is created when missing. On PostgreSQL a
    /// statement waits at most `connectionWait` for a pooled connection.
    public func open(
        poolSize: Int, connectionWait: Duration = PostgresDatabase.defaultConnectionWait, logger: Logger
    ) async throws -> any Database {
        switch self {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            return try await SQLiteDatabase(path: path, readerCount: min(max(poolSize, 1), 8), logger: logger)
        case .postgres(let url):
            return try await PostgresDatabase(url: url, poolSize: poolSize, connectionWait: connectionWait, logger: logger)
        }
    }
}
