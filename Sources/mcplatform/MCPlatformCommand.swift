import ArgumentParser
import Foundation
import Logging
import MCPlatform

/// `mcplatform`: runs the platform and administers its tenants.
@main
struct MCPlatformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcplatform",
        abstract: "Hosted MCP servers for developer-tools documentation.",
        version: Platform.version,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, OrgCommand.self, ServerCommand.self, IngestCommand.self, OnboardCommand.self,
            UserCommand.self, KeysCommand.self, BackupCommand.self, RestoreCommand.self,
        ]
    )
}
