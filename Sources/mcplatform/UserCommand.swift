import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform user create|list`: dashboard accounts, e.g. the platform's operator.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage dashboard accounts.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a dashboard account.",
            discussion: "The password is read from MCPLATFORM_USER_PASSWORD, or from the first line of standard input.")

        @Argument(help: "Email address (the sign-in name).") var email: String
        @Option(help: "Display name.") var name: String
        @Flag(help: "The platform's operator: sees every organization in the operator console (/operator).") var `operator` = false
        @OptionGroup var storage: DatabaseOptions

        func run() async throws {
            let password = ProcessInfo.processInfo.environment["MCPLATFORM_USER_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
            let user = try await storage.withDatabase { database in
                try await UserStore(database: database).create(email: email, name: name, password: password, isOperator: `operator`)
            }
            print("created \(user.isOperator ? "operator " : "")account \(user.email)")
        }
    }
}
