import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform server create|list|delete`.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Manage hosted MCP servers.",
        subcommands: [Create.self, List.self, Delete.self]
    )

    /// `--base-domain` and `--public-url`, to print endpoint URLs as clients will use them.
    struct EndpointOptions: ParsableArguments {
        @Option(help: "Env: MCPLATFORM_BASE_DOMAIN. Default: localhost.") var baseDomain: String?
        @Option(help: "Env: MCPLATFORM_PUBLIC_URL.") var publicURL: String?
        @Option(help: "Env: MCPLATFORM_PORT. Default: 8080.") var port: String?

        func configuration(_ storage: DatabaseOptions) throws -> AppConfiguration {
            var flags = storage.flags
            flags[.baseDomain] = baseDomain
            flags[.publicURL] = publicURL
            flags[.port] = port
            return try AppConfiguration(flags: flags, environment: ProcessInfo.processInfo.environment)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an MCP server for an organization.")

        @Argument(help: "Identifier, also the subdomain: 2-63 lowercase letters, digits or '-'.") var slug: String
        @Option(help: "Slug of the owning organization.") var org: String
        @Option(help: "Display name. Default: the slug.") var name: String?
        @Option(help: "How end users connect: none or oauth.") var auth: String = AuthMode.none.rawValue
        @Option(help: "One paragraph describing the docs, shown to agents.") var description: String?
        @Option(name: .customLong("allowed-origin"), help: "Browser origin allowed to call the endpoint (repeatable).") var allowedOrigins:
            [String] = []
        @Option(help: "MCP servers one organization may have. Env: MCPLATFORM_MAX_SERVERS_PER_ORG. Default: 20.") var maxServersPerOrg:
            String?
        @OptionGroup var storage: DatabaseOptions
        @OptionGroup var endpoint: EndpointOptions

        func run() async throws {
            let slug = try Slug(slug)
            guard let authMode = AuthMode(rawValue: auth) else {
                throw ValidationError("--auth must be one of: \(AuthMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let configuration = try endpoint.configuration(storage)
            let maximum = try storage.configuration(adding: maxServersPerOrg.map { [.maxServersPerOrganization: $0] } ?? [:])
                .maxServersPerOrganization
            let server = try await storage.withDatabase { database in
                let tenancy = TenancyStore(database: database, maximumServersPerOrganization: maximum)
                guard let organization = try await tenancy.organization(slug: org) else {
                    throw TenancyError.organizationNotFound(org)
                }
                return try await tenancy.createServer(
                    slug: slug, name: name ?? "", organization: organization, authMode: authMode,
                    settings: ServerSettings(allowedOrigins: allowedOrigins, description: description)
                )
            }
            print("created MCP server \(server.slug) (\(server.name)) for \(server.organizationSlug)")
            print("endpoint: \(configuration.endpointURL(for: server.slug))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List MCP servers.")

        @Option(help: "Only the servers of this organization.") var org: String?
        @OptionGroup var storage: DatabaseOptions
        @OptionGroup var endpoint: EndpointOptions

        func run() async throws {
            let configuration = try endpoint.configuration(storage)
            let servers = try await storage.withDatabase { database in
                let tenancy = TenancyStore(database: database)
                guard let org else { return try await tenancy.servers() }
                guard let organization = try await tenancy.organization(slug: org) else { throw TenancyError.organizationNotFound(org) }
                return try await tenancy.servers(organizationID: organization.id)
            }
            guard !servers.isEmpty else { return print("no MCP servers yet: mcplatform server create SLUG --org ORG") }
            printTable(
                ["SLUG", "NAME", "ORG", "AUTH", "ENDPOINT"],
                servers.map { [$0.slug, $0.name, $0.organizationSlug, $0.authMode.rawValue, configuration.endpointURL(for: $0.slug)] }
            )
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an MCP server and everything it owns.")

        @Argument(help: "Slug of the server.") var slug: String
        @OptionGroup var storage: DatabaseOptions

        func run() async throws {
            let deleted = try await storage.withDatabase { database in
                try await TenancyStore(database: database).deleteServer(slug: slug)
            }
            guard deleted else { throw TenancyError.serverNotFound(slug) }
            print("deleted MCP server \(slug)")
        }
    }
}
