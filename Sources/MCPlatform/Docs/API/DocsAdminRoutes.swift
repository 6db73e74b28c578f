import Foundation
import Hummingbird

/// Admin API for documentation: add sources and start, follow and inspect ingestion jobs.
///
/// Jobs are queued in the database and run by the ingestion worker of whichever instance claims
/// them. Only remote sources can be added here (website, git over the network, OpenAPI URL): a
/// path on the server's disk is never readable through the API.
struct DocsAdminRoutes {
    let platform: Platform

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("servers/{slug}/sources") { _, context in try await listSources(context) }
        group.post("servers/{slug}/sources") { request, context in try await addSource(request, context) }
        group.post("servers/{slug}/sources/{id}/ingest") { _, context in try await reingest(context) }
        group.get("jobs/{id}") { _, context in try await job(context) }
        group.get("jobs/{id}/pages") { request, context in try await jobPages(request, context) }
    }

    struct SourceView: Encodable {
        let id: Int64
        let kind: String
        let location: String
        let version: String
        let pages: Int
        let bytes: Int
        let lastIngestedAt: Date?
    }

    struct JobView: Encodable {
        let id: Int64
        let sourceID: Int64
        let status: String
        let pagesTotal, pagesIndexed, pagesUnchanged, pagesFailed, pagesRemoved, bytes: Int
        let error: String?
        let createdAt: Date
        let finishedAt: Date?

        init(_ job: IngestJob) {
            id = job.id
            sourceID = job.sourceID
            status = job.status.rawValue
            pagesTotal = job.pagesTotal
            pagesIndexed = job.pagesIndexed
            pagesUnchanged = job.pagesUnchanged
            pagesFailed = job.pagesFailed
            pagesRemoved = job.pagesRemoved
            bytes = job.bytes
            error = job.error
            createdAt = job.createdAt
            finishedAt = job.finishedAt
        }
    }

    private func server(_ context: AppRequestContext) async throws -> TenantServer {
        try await platform.tenancy.server(inPathOf: context)
    }

    private func listSources(_ context: AppRequestContext) async throws -> Response {
        let server = try await server(context)
        let docs = DocsStore(database: platform.database)
        let statistics = try await docs.sourceStatistics(serverID: server.id)
        let sources = try await docs.sources(serverID: server.id).map { source in
            let (pages, bytes) = statistics[source.id] ?? (0, 0)
            return SourceView(
                id: source.id, kind: source.kind.rawValue, location: source.location, version: source.version, pages: pages, bytes: bytes,
                lastIngestedAt: source.lastIngestedAt
            )
        }
        return try APIResponse.json(["sources": sources])
    }

    private func addSource(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let server = try await server(context)
        let sourceRequest = try await request.decodeJSON(as: SourceRequest.self, limit: 64 * 1024)
        do {
            let (source, job) = try await sourceRequest.queue(serverID: server.id, database: platform.database)
            return try APIResponse.json(SourceCreated(sourceID: source.id, job: JobView(job)), status: .accepted)
        } catch let problem as SourceRequest.Problem {
            throw APIError.badRequest(problem.message)
        }
    }

    private func reingest(_ context: AppRequestContext) async throws -> Response {
        let server = try await server(context)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let row = try await platform.database.first("SELECT * FROM doc_sources WHERE id = \(id) AND server_id = \(server.id)")
        else { throw APIError.notFound("no such source on '\(server.slug)'") }
        let job = try await IngestJobStore(database: platform.database).create(source: try DocSource(row: row), running: false)
        return try APIResponse.json(JobView(job), status: .accepted)
    }

    private func job(_ context: AppRequestContext) async throws -> Response {
        try APIResponse.json(JobView(try await findJob(context)))
    }

    private func jobPages(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let job = try await findJob(context)
        let statusName = request.uri.queryParameters.get("status") ?? IngestJobPage.Status.failed.rawValue
        guard let status = IngestJobPage.Status(rawValue: statusName) else {
            throw APIError.badRequest("status must be indexed, unchanged, failed or removed")
        }
        let pages = try await IngestJobStore(database: platform.database).pages(jobID: job.id, status: status)
        return try APIResponse.json(["pages": pages.map { ["url": $0.url, "status": $0.status.rawValue, "error": $0.error ?? ""] }])
    }

    /// The job in the path, when it belongs to a server the caller may access.
    private func findJob(_ context: AppRequestContext) async throws -> IngestJob {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let job = try await IngestJobStore(database: platform.database).job(id: id),
            let server = try await platform.tenancy.server(id: job.serverID),
            context.apiCaller?.canAccess(organizationID: server.organizationID) == true
        else { throw APIError.notFound("no such job") }
        return job
    }

    struct SourceCreated: Encodable {
        let sourceID: Int64
        let job: JobView
    }
}

extension DocSource.Kind: Decodable {}
