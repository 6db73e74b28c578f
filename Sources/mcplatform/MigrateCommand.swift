import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform migrate`: applies pending schema migrations (serve also does on start).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var storage: DatabaseOptions

    func run() async throws {
        let configuration = try AppConfiguration(flags: storage.flags, environment: ProcessInfo.processInfo.environment)
        let location = try configuration.databaseLocation()
        let (applied, versions) = try await storage.withDatabase(migrate: false) { database in
            let applied = try await Migrator().migrate(database)
            return (applied, try await Migrator().appliedVersions(database))
        }
        for migration in applied {
            print("applied \(migration.version) \(migration.name)")
        }
        print("\(location): schema at version \(versions.last ?? 0)\(applied.isEmpty ? " (already up to date)" : "")")
    }
}
