/// The `demo` organization and server that `mcplatform serve --demo` creates, so that a fresh
/// install has an endpoint to connect an MCP client to.
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
}
