import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform keys rotate`: the access-token signing keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the keys that sign end users' access tokens.",
        subcommands: [Rotate.self]
    )

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start signing with a new key. The old key keeps verifying (and stays in the JWKS) for a day.",
            discussion: "Every instance picks the new key up within five minutes; no restart is needed.")

        @OptionGroup var storage: DatabaseOptions

        func run() async throws {
            let configuration = try storage.configuration()
            let secretKey = try SecretKey.load(configured: configuration.secretKey, dataDirectory: configuration.dataDirectory)
            let kid = try await storage.withDatabase { database in
                try await SigningKeys(database: database, secretKey: secretKey).rotate()
            }
            print("signing with new key \(kid); previous keys retire within a day")
        }
    }
}
