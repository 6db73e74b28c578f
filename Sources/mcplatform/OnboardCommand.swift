import ArgumentParser
import Foundation
import MCPlatform

/// `mcplatform onboard`: a pilot customer in one step.
struct OnboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onboard",
        abstract: "Create a customer's organization, first MCP server and owner invitation (and queue their docs).",
        discussion: """
            Prints the owner's invitation link (valid 48 hours): send it to the customer, who signs up \
            and lands in their dashboard. With --docs-url, the running server's ingestion worker \
            fetches the documentation.
            """
    )

    @Option(help: "Organization identifier (2-63 of a-z, 0-9, '-').") var org: String
    @Option(help: "Organization display name. Default: the identifier.") var orgName: String?
    @Option(help: "Email of the customer's owner, who receives the invitation link.") var ownerEmail: String
    @Option(help: "MCP server identifier, also its subdomain. Default: the organization identifier.") var server: String?
    @Option(help: "MCP server display name. Default: '<organization name> Docs'.") var serverName: String?
    @Option(help: "Documentation to ingest: a website, git repository or OpenAPI URL.") var docsURL: String?
    @Option(help: "website, git or openapi. Default: website.") var docsKind: String = "website"
    @Option(help: "The platform's URL as clients see it (for the link). Env: MCPLATFORM_PUBLIC_URL.") var publicURL: String?
    @OptionGroup var storage: DatabaseOptions

    func run() async throws {
        guard let kind = DocSource.Kind(rawValue: docsKind), kind.isAddedByURL else {
            throw ValidationError("--docs-kind must be website, git or openapi")
        }
        let configuration = try storage.configuration(adding: publicURL.map { [.publicURL: $0] } ?? [:])
        let secretKey = try SecretKey.load(configured: configuration.secretKey, dataDirectory: configuration.dataDirectory)
        let organizationName = orgName ?? org
        let onboarding = Onboarding(
            organizationSlug: org, organizationName: organizationName, ownerEmail: ownerEmail, serverSlug: server ?? org,
            serverName: serverName ?? "\(organizationName) Docs", docsURL: docsURL, docsKind: kind)
        let result = try await storage.withDatabase { database in
            try await onboarding.run(platform: Platform(configuration: configuration, secretKey: secretKey, database: database))
        }
        print("onboarded \(result.organization.name) (\(result.organization.slug))")
        print("MCP server: \(result.server.slug), endpoint \(configuration.endpointURL(for: result.server.slug))")
        if let job = result.ingestJobID { print("documentation queued: ingestion job \(job)") }
        print("owner invitation for \(ownerEmail) (valid 48 hours):")
        print(result.invitationLink)
    }
}
