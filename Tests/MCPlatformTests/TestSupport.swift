import Foundation
import Logging
import Testing

@testable import MCPlatform

/// The storage backends the suites run against: SQLite always, PostgreSQL when
/// `MCPLATFORM_TEST_POSTGRES_URL` points at a server (`scripts/test` starts one). With
/// `MCPLATFORM_REQUIRE_POSTGRES=1` (CI) a missing server fails the run instead of skipping.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static let postgresURL = ProcessInfo.processInfo.environment["MCPLATFORM_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let postgresRequired = ProcessInfo.processInfo.environment["MCPLATFORM_REQUIRE_POSTGRES"] == "1"

    /// The backends available here.
    static var available: [Backend] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }

    /// How long a test's statement may wait for a pooled PostgreSQL connection: tests run in
    /// parallel and some deliberately queue hundreds of statements on a small pool, so on a
    /// loaded machine the production bound (10 s) would fail them for being slow.
    static let connectionWait = Duration.seconds(120)

    /// Runs `body` with a new, empty, migrated database of this backend, then drops it.
    func withDatabase<T>(migrate: Bool = true, _ body: (any Database) async throws -> T) async throws -> T {
        try await withLocation { location in
            try await location.withDatabase(
                poolSize: self == .sqlite ? 2 : 4, migrate: migrate, connectionWait: Self.connectionWait, logger: .quiet, body)
        }
    }

    /// Runs `body` with a new, migrated database of this backend opened twice: two separate pools
    /// of `poolSize` connections, as two instances sharing one database have. Then drops it.
    func withTwoPools<T>(poolSize: Int, _ body: (any Database, any Database) async throws -> T) async throws -> T {
        try await withLocation { location in
            try await location.withDatabase(poolSize: poolSize, connectionWait: Self.connectionWait, logger: .quiet) { first in
                try await location.withDatabase(poolSize: poolSize, migrate: false, connectionWait: Self.connectionWait, logger: .quiet) {
                    second in try await body(first, second)
                }
            }
        }
    }

    /// Runs `body` with the location of a new, empty database of this backend (not opened, not
    /// migrated), then drops it. For opening it more than once, like several instances (`withTwoPools`).
    func withLocation<T>(_ body: (DatabaseLocation) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcplatform-test-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await body(.sqlite(path: directory.appendingPathComponent("test.sqlite").path))
        case .postgres:
            let url = try #require(Self.postgresURL)
            let name = "test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            let admin = try await PostgresDatabase(url: url, poolSize: 1, logger: .quiet)
            try await admin.query("CREATE DATABASE \(raw: name)")
            var components = try #require(URLComponents(string: url))
            components.path = "/\(name)"
            func dropDatabase() async {
                _ = try? await admin.query("DROP DATABASE IF EXISTS \(raw: name) WITH (FORCE)")
                await admin.close()
            }
            do {
                let result = try await body(.postgres(url: try #require(components.string)))
                await dropDatabase()
                return result
            } catch {
                await dropDatabase()
                throw error
            }
        }
    }
}

@Test func postgresIsAvailableWhenRequired() {
    if Backend.postgresRequired {
        #expect(Backend.postgresURL != nil, "MCPLATFORM_REQUIRE_POSTGRES=1 but MCPLATFORM_TEST_POSTGRES_URL is not set")
    }
}

extension Platform {
    /// A platform over `database` with test defaults.
    static func test(
        database: any Database, tools: ToolRegistry = .standard, configure: (inout AppConfiguration) -> Void = { _ in }
    ) -> Platform {
        var configuration = AppConfiguration()
        configuration.port = 8080
        configure(&configuration)
        return Platform(
            configuration: configuration, secretKey: try! SecretKey(base64: Data(repeating: 7, count: 32).base64EncodedString()),
            database: database, tools: tools)
    }
}

extension Logger {
    /// Warnings and errors only, to keep test output readable.
    static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }
}

extension RateLimiter.Limit {
    /// Sleeps into the next window when less than `margin` seconds are left of the current one
    /// (`.infinity`: always). Windows are fixed and a count starts again when one ends, so a test
    /// that counts up to a limit must not run across an end (such tests took 45 s on a loaded machine).
    func waitForRoom(_ margin: Double = 120) async throws {
        let window = Double(self.window)
        let remaining = window - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: window)
        if remaining < margin { try await Task.sleep(for: .seconds(remaining + 0.05)) }
    }
}
