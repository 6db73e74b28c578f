import Foundation
import Logging

/// The `demo` organization and server that `mcplatform serve --demo` creates, with the
/// project's own `docs/` ingested, so that a fresh install has real content to search at once.
public enum DemoTenant {
    public static let slug = "demo"

    /// Creates what is missing and returns the demo server.
    @discardableResult
    public static func ensure(in tenancy: TenancyStore) async throws -> TenantServer {
        if let server = try await tenancy.server(slug: slug) { return server }
        let slug = try Slug(Self.slug)
        let organization: Organization
        if let existing = try await tenancy.organization(slug: slug.value) {
            organization = existing
        } else {
            organization = try await tenancy.createOrganization(slug: slug, name: "Demo Company")
        }
        return try await tenancy.createServer(
            slug: slug,
            name: "Demo Docs",
            organization: organization,
            settings: ServerSettings(description: "A demo server created by `mcplatform serve --demo`.")
        )
    }

    /// The demo's dashboard account: owner of the demo organization and operator, so that every
    /// page can be tried at once. Only `--demo` creates it; the password is public.
    public static let accountEmail = "demo@mcplatform.local"
    public static let accountPassword = "mcplatform-demo"

    /// Creates the demo account when missing and makes it the demo organization's owner.
    static func ensureAccount(of server: TenantServer, platform: Platform) async throws {
        let user: User
        if let existing = try await platform.accounts.users.find(email: accountEmail) {
            user = existing
        } else {
            user = try await platform.accounts.users.create(
                email: accountEmail, name: "Demo Owner", password: accountPassword, isOperator: true)
        }
        try await platform.accounts.memberships.add(userID: user.id, organizationID: server.organizationID, role: .owner)
    }

    /// Queues ingestion of `./docs` (the project's documentation, when run from a checkout)
    /// into the demo server; the ingestion worker picks it up, and unchanged pages are skipped.
    static func queueDocs(of server: TenantServer, database: any Database, logger: Logger) async throws {
        let folder = URL(fileURLWithPath: "docs").standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: folder) else {
            logger.notice("no ./docs folder here: the demo server starts without documentation")
            return
        }
        let source = try await DocsStore(database: database).source(serverID: server.id, kind: .folder, location: folder, version: "latest")
        _ = try await IngestJobStore(database: database).create(source: source, running: false)
    }

    /// Publishes the demo walkthrough, which takes an agent through this platform's own tools,
    /// unless the demo server already has it.
    static func ensureWalkthrough(of server: TenantServer, database: any Database) async throws {
        let store = WalkthroughStore(database: database)
        guard try await store.entry(slug: walkthroughSlug, serverID: server.id) == nil else { return }
        try await store.publish(try await store.create(slug: walkthroughSlug, content: walkthrough, serverID: server.id))
    }

    static let walkthroughSlug = "tour"

    /// A short tour of what an MCPlatform server offers, as a walkthrough an agent can follow here.
    static let walkthrough = WalkthroughContent(
        title: "Tour of this documentation server",
        description: "Three short steps through what this MCP server offers: searching the docs, reading a page, and finding walkthroughs.",
        kind: .quickstart, estimatedMinutes: 3,
        steps: [
            WalkthroughStep(
                title: "Search the documentation",
                introduction: "Tell the user you will show them how this server answers questions from the documentation.",
                operations:
                    "Call `search_docs` with the query \"how are walkthroughs versioned\" and show the user the titles of the first three results.",
                content: "Every answer comes from the **published documentation**, with a link to the section it came from.",
                check: "`search_docs` returned at least one result."),
            WalkthroughStep(
                title: "Read a page",
                operations: "Call `read_page` with the `url` of the best result from step 1 and summarize the section in two sentences.",
                content: "`read_page` returns the whole section, so answers can quote the documentation exactly.",
                check: "You read the page and the summary answers the question from step 1."),
            WalkthroughStep(
                title: "Find the walkthroughs",
                operations: "Call `list_walkthroughs` and tell the user which walkthroughs exist and how far they are in each.",
                content: "Walkthroughs like this one are written by the documentation team in the MCPlatform dashboard.",
                check: "The list shows this tour as in progress."),
        ])
}
