import Foundation

/// "Onboard a customer" in one step: the organization, an invitation for its owner, its first
/// MCP server and, optionally, a documentation source queued for ingestion. Used by the
/// operator console, `mcplatform onboard` and `POST /api/v1/onboard`.
public struct Onboarding: Sendable {
    public var organizationSlug: String
    public var organizationName: String
    public var ownerEmail: String
    public var serverSlug: String
    public var serverName: String
    /// A website, git repository or OpenAPI URL to ingest; nil for none yet.
    public var docsURL: String?
    public var docsKind: DocSource.Kind = .website

    public init(
        organizationSlug: String, organizationName: String, ownerEmail: String, serverSlug: String, serverName: String,
        docsURL: String? = nil,
        docsKind: DocSource.Kind = .website
    ) {
        (self.organizationSlug, self.organizationName, self.ownerEmail) = (organizationSlug, organizationName, ownerEmail)
        (self.serverSlug, self.serverName, self.docsURL, self.docsKind) = (serverSlug, serverName, docsURL, docsKind)
    }

    /// What onboarding created.
    public struct Result: Sendable {
        public let organization: Organization
        public let server: TenantServer
        /// The owner's invitation link (valid 48 hours).
        public let invitationLink: String
        public let ingestJobID: Int64?
    }

    /// A field that cannot be used, and why.
    public struct Problem: Error, CustomStringConvertible {
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    /// Validates everything first, then creates; if a later step fails, what was created is removed.
    public func run(platform: Platform, invitedBy: Int64? = nil) async throws -> Result {
        let organizationSlug: Slug
        let serverSlug: Slug
        do {
            organizationSlug = try Slug(self.organizationSlug)
        } catch {
            throw Problem(field: "organization", message: error.description)
        }
        do {
            serverSlug = try Slug(self.serverSlug)
        } catch {
            throw Problem(field: "server", message: error.description)
        }
        guard let email = try? UserStore.normalizedEmail(ownerEmail) else {
            throw Problem(field: "owner_email", message: AccountError.invalidEmail.description)
        }
        let docs = docsURL.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let docs {
            do {
                try SourceRequest.validateRemote(kind: docsKind, location: docs)
            } catch {
                throw Problem(field: "docs_url", message: error.message)
            }
        }
        if try await platform.tenancy.server(slug: serverSlug.value) != nil {
            throw Problem(field: "server", message: TenancyError.serverExists(serverSlug.value).description)
        }
        let organization: Organization
        do {
            organization = try await platform.tenancy.createOrganization(slug: organizationSlug, name: organizationName)
        } catch {
            throw Problem(field: "organization", message: error.description)
        }
        do {
            return try await populate(
                organization, serverSlug: serverSlug, email: email, docs: docs, platform: platform, invitedBy: invitedBy)
        } catch {
            _ = try? await platform.tenancy.deleteServer(slug: serverSlug.value)
            _ = try? await platform.tenancy.deleteOrganization(id: organization.id)
            if let error = error as? TenancyError { throw Problem(field: "server", message: error.description) }
            throw error
        }
    }

    private func populate(
        _ organization: Organization, serverSlug: Slug, email: String, docs: String?, platform: Platform, invitedBy: Int64?
    ) async throws -> Result {
        let server = try await platform.tenancy.createServer(slug: serverSlug, name: serverName, organization: organization)
        let (_, token) = try await platform.accounts.invitations.create(
            organizationID: organization.id, email: email, role: .owner, invitedBy: invitedBy)
        var jobID: Int64?
        if let docs {
            jobID = try await SourceRequest(kind: docsKind, location: docs).queue(serverID: server.id, database: platform.database).1.id
        }
        return Result(
            organization: organization, server: server, invitationLink: platform.configuration.publicOrigin + "/invitations/" + token,
            ingestJobID: jobID)
    }
}
