import Foundation
import Hummingbird

/// `POST /api/v1/onboard`: the operator's one call to onboard a customer.
struct OnboardingAdminRoutes {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("onboard") { request, context in
            try context.requireOperator()
            return try await onboard(request)
        }
    }

    struct Body: Decodable {
        let organization: String
        var organizationName: String?
        let ownerEmail: String
        var server: String?
        var serverName: String?
        var docsURL: String?
        var docsKind: String?

        enum CodingKeys: String, CodingKey {
            case organization, organizationName = "organization_name", ownerEmail = "owner_email", server, serverName = "server_name"
            case docsURL = "docs_url", docsKind = "docs_kind"
        }
    }

    struct Created: Encodable {
        let organization: String
        let server: String
        let endpoint: String
        let invitationLink: String
        let ingestJobID: Int64?

        enum CodingKeys: String, CodingKey {
            case organization, server, endpoint, invitationLink = "invitation_link", ingestJobID = "ingest_job_id"
        }
    }

    private func onboard(_ request: Request) async throws -> Response {
        let body = try await request.decodeJSON(as: Body.self, limit: 16 << 10)
        guard let kind = DocSource.Kind(rawValue: body.docsKind ?? "website"), kind.isAddedByURL else {
            throw APIError.badRequest("docs_kind must be website, git or openapi")
        }
        let name = body.organizationName ?? body.organization
        let onboarding = Onboarding(
            organizationSlug: body.organization, organizationName: name, ownerEmail: body.ownerEmail,
            serverSlug: body.server ?? body.organization,
            serverName: body.serverName ?? "\(name) Docs", docsURL: body.docsURL, docsKind: kind)
        do {
            let result = try await onboarding.run(platform: platform)
            return try APIResponse.json(
                Created(
                    organization: result.organization.slug, server: result.server.slug,
                    endpoint: platform.configuration.endpointURL(for: result.server.slug), invitationLink: result.invitationLink,
                    ingestJobID: result.ingestJobID), status: .created)
        } catch let problem as Onboarding.Problem {
            let conflict = problem.message.contains("already exists")
            throw APIError(
                status: conflict ? .conflict : .badRequest, code: conflict ? "conflict" : "invalid_request", message: problem.description)
        }
    }
}
