import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform org create|list`.
struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Manage organizations (customers).",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.")

        @Argument(help: "Identifier: 2-63 lowercase letters, digits or '-'.") var slug: String
        @Option(help: "Display name. Default: the slug.") var name: String?
        @OptionGroup var storage: DatabaseOptions

        func run() async throws {
            let slug = try Slug(slug)
            let organization = try await storage.withDatabase { database in
                try await TenancyStore(database: database).createOrganization(slug: slug, name: name ?? "")
            }
            print("created organization \(organization.slug) (\(organization.name))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organizations.")

        @OptionGroup var storage: DatabaseOptions

        func run() async throws {
            let rows = try await storage.withDatabase { database in
                let tenancy = TenancyStore(database: database)
                let servers = try await tenancy.servers()
                return try await tenancy.organizations().map { organization in
                    [
                        organization.slug, organization.name, String(servers.filter { $0.organizationID == organization.id }.count),
                        organization.createdAt.formatted(.iso8601),
                    ]
                }
            }
            guard !rows.isEmpty else { return print("no organizations yet: mcplatform org create SLUG") }
            printTable(["SLUG", "NAME", "SERVERS", "CREATED"], rows)
        }
    }
}
