import ArgumentParser
import Foundation
import Logging
import MCPlatform

/// `--database` and `--data-dir`, shared by every command that touches storage.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "postgres://user:pass@host:port/db, or a SQLite file path. Env: MCPLATFORM_DATABASE_URL. Default: <data-dir>/mcplatform.sqlite."
    )
    var database: String?

    @Option(
        name: .long, help: "Directory for the SQLite database and the secret key. Env: MCPLATFORM_DATA_DIR. Default: ./mcplatform-data.")
    var dataDir: String?

    var flags: [AppConfiguration.Setting: String] {
        var flags: [AppConfiguration.Setting: String] = [:]
        flags[.database] = database
        flags[.dataDir] = dataDir
        return flags
    }

    /// The configuration these options, `more` flags and the environment describe.
    func configuration(adding more: [AppConfiguration.Setting: String] = [:]) throws -> AppConfiguration {
        try AppConfiguration(flags: flags.merging(more) { _, added in added }, environment: ProcessInfo.processInfo.environment)
    }

    /// Opens the configured database (migrating it unless told not to), runs `body`, and closes it.
    func withDatabase<T>(migrate: Bool = true, _ body: (any Database) async throws -> T) async throws -> T {
        let configuration = try configuration()
        var logger = Logger(label: "mcplatform")
        logger.logLevel = .warning
        return try await configuration.databaseLocation().withDatabase(poolSize: 2, migrate: migrate, logger: logger, body)
    }
}

/// Prints rows as aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        print(
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(
                in: .whitespaces))
    }
}
