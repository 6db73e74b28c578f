import Foundation
import Hummingbird
import Logging

/// Admin API for MCP servers: list, create and delete the caller's servers, and the API's own
/// OpenAPI document.
struct ServerAdminRoutes {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("servers") { _, context in try await list(context) }
        group.post("servers") { request, context in try await create(request, context) }
        group.delete("servers/{slug}") { _, context in try await delete(context) }
    }

    /// A server as the API shows it.
    struct ServerView: Encodable {
        let slug: String
        let name: String
        let organization: String
        let authMode: String
        let endpoint: String
        let description: String?

        enum CodingKeys: String, CodingKey {
            case slug, name, organization, authMode = "auth_mode", endpoint, description
        }

        init(_ server: TenantServer, configuration: AppConfiguration) {
            slug = server.slug
            name = server.name
            organization = server.organizationSlug
            authMode = server.authMode.rawValue
            endpoint = configuration.endpointURL(for: server.slug)
            description = server.settings.description
        }
    }

    /// The body of `POST /servers`.
    struct NewServer: Decodable {
        let slug: String
        var name: String?
        var description: String?
        /// Required for the operator's token; an organization key creates in its organization.
        var organization: String?
    }

    private func list(_ context: AppRequestContext) async throws -> Response {
        let servers: [TenantServer]
        switch context.apiCaller {
        case .organization(let id): servers = try await platform.tenancy.servers(organizationID: id)
        case .operator: servers = try await platform.tenancy.servers()
        case nil: servers = []
        }
        return try APIResponse.json(["servers": servers.map { ServerView($0, configuration: platform.configuration) }])
    }

    private func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: NewServer.self, limit: 16 << 10)
        let organization: Organization?
        switch context.apiCaller {
        case .organization(let id): organization = try await platform.tenancy.organization(id: id)
        case .operator:
            guard let slug = body.organization else { throw APIError.badRequest("organization is required with the operator's token") }
            organization = try await platform.tenancy.organization(slug: slug)
        case nil: organization = nil
        }
        guard let organization else { throw APIError.notFound("no such organization") }
        guard (body.description?.count ?? 0) <= 1000 else { throw APIError.badRequest("description must be at most 1000 characters") }
        do {
            let server = try await platform.tenancy.createServer(
                slug: try Slug(body.slug), name: body.name ?? "", organization: organization,
                settings: ServerSettings(description: body.description))
            context.logger.info("server created through the API", metadata: ["tenant": .string(server.slug)])
            return try APIResponse.json(ServerView(server, configuration: platform.configuration), status: .created)
        } catch let error as SlugError {
            throw APIError.badRequest(error.description)
        } catch TenancyError.serverExists(let slug) {
            throw APIError(status: .conflict, code: "conflict", message: TenancyError.serverExists(slug).description)
        } catch TenancyError.serverQuotaReached(let organization, let maximum) {
            throw APIError(
                status: .conflict, code: "quota_exceeded",
                message: TenancyError.serverQuotaReached(organization, maximum: maximum).description)
        } catch let error as TenancyError {
            throw APIError.badRequest(error.description)
        }
    }

    private func delete(_ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        _ = try await platform.tenancy.deleteServer(slug: server.slug)
        context.logger.notice("server deleted through the API", metadata: ["tenant": .string(server.slug)])
        return Response(status: .noContent)
    }
}
