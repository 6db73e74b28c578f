import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP

/// A server's documentation: its sources, adding one by URL or by uploading files, ingestion
/// jobs with live progress, and the search playground that shows what an agent would get.
struct DocumentationPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }

    func addRoutes(to router: Router<AppRequestContext>) {
        let base = "/orgs/{org}/servers/{server}"
        router.get("\(base)/docs") { request, context in try await sources(request, context) }
        router.post("\(base)/docs/sources") { request, context in try await addSource(request, context) }
        router.post("\(base)/docs/uploads") { request, context in try await upload(request, context) }
        router.post("\(base)/docs/sources/{id}/ingest") { request, context in try await reingest(request, context) }
        router.post("\(base)/docs/sources/{id}/delete") { request, context in try await deleteSource(request, context) }
        router.get("\(base)/docs/jobs/{id}") { request, context in try await job(request, context) }
        router.get("\(base)/playground") { request, context in try await playground(request, context) }
    }

    // MARK: Sources

    private func sources(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        return try await sourcesPage(visitor, membership, server)
    }

    /// The sources page; with `errors`, the form that failed, with what was entered.
    func sourcesPage(
        _ visitor: Visitor, _ membership: Membership, _ server: TenantServer, form: [String: String] = [:], errors: [String: String] = [:],
        status: HTTPResponse.Status? = nil
    ) async throws -> Response {
        let docs = DocsStore(database: platform.database)
        let statistics = try await docs.sourceStatistics(serverID: server.id)
        let jobs = try await IngestJobStore(database: platform.database).recent(serverID: server.id, limit: 20)
        let base = "/orgs/\(membership.organization.slug)/servers/\(server.slug)"
        let canManage = membership.role.canManageServers
        let sources = try await docs.sources(serverID: server.id).map { source -> [String: Any] in
            let (pages, bytes) = statistics[source.id] ?? (0, 0)
            return [
                "kind": source.kind.rawValue, "location": source.location, "version": source.version, "pages": pages,
                "size": ByteCountFormatter.string(fromByteCount: Int64(bytes), countStyle: .file),
                "lastIngested": source.lastIngestedAt.map(MemberPages.format) ?? "never",
                "ingestURL": "\(base)/docs/sources/\(source.id)/ingest", "deleteURL": "\(base)/docs/sources/\(source.id)/delete",
                "canManage": canManage,
            ]
        }
        let kinds = [("website", "Website to crawl"), ("git", "Git repository"), ("openapi", "OpenAPI document")].map {
            ["value": $0.0, "label": $0.1, "selected": (form["kind"] ?? "website") == $0.0]
        }
        return dashboard.render(
            "docs",
            [
                "sources": sources, "hasSources": !sources.isEmpty, "jobs": jobs.map { Self.jobValues($0, base: base) },
                "hasJobs": !jobs.isEmpty, "canManage": canManage, "addURL": "\(base)/docs/sources", "kinds": kinds,
                "location": form["location"] ?? "", "version": form["version"] ?? "", "maxPages": form["maxPages"] ?? "", "errors": errors,
                "uploadURL": "\(base)/docs/uploads", "uploadName": form["uploadName"] ?? "", "uploadVersion": form["uploadVersion"] ?? "",
                "maxUpload": DocumentUpload.megabytes(platform.configuration.maxUploadBytes),
            ],
            visitor: visitor, membership: membership, server: server, title: "Documentation · \(server.name)", section: "docs",
            status: status ?? (errors.isEmpty ? .ok : .unprocessableContent))
    }

    private func addSource(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "add documentation sources")
        let form = try await dashboard.form(request, visitor: visitor)
        guard let kind = DocSource.Kind(rawValue: form["kind"] ?? ""), kind.isAddedByURL else {
            return try await sourcesPage(visitor, membership, server, form: form, errors: ["kind": "choose a kind of source"])
        }
        let maxPagesText = (form["maxPages"] ?? "").trimmingCharacters(in: .whitespaces)
        guard maxPagesText.isEmpty || Int(maxPagesText) != nil else {
            return try await sourcesPage(visitor, membership, server, form: form, errors: ["maxPages": "enter a number"])
        }
        let sourceRequest = SourceRequest(
            kind: kind, location: form["location"] ?? "", version: form["version"], maxPages: Int(maxPagesText))
        do {
            let (_, job) = try await sourceRequest.queue(serverID: server.id, database: platform.database)
            context.logger.info("documentation source added in the dashboard", metadata: ["tenant": .string(server.slug)])
            return PageResponse.redirect("/orgs/\(membership.organization.slug)/servers/\(server.slug)/docs/jobs/\(job.id)").response
        } catch let problem as SourceRequest.Problem {
            return try await sourcesPage(visitor, membership, server, form: form, errors: [problem.field: problem.message])
        }
    }

    private func reingest(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "re-ingest documentation")
        _ = try await dashboard.form(request, visitor: visitor)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let source = try await DocsStore(database: platform.database).sources(serverID: server.id).first(where: { $0.id == id })
        else { throw dashboard.notFound() }
        let job = try await IngestJobStore(database: platform.database).create(source: source, running: false)
        return PageResponse.redirect("/orgs/\(membership.organization.slug)/servers/\(server.slug)/docs/jobs/\(job.id)").response
    }

    /// Deletes a source and its pages, after the confirmation prompt.
    private func deleteSource(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "delete documentation sources")
        _ = try await dashboard.form(request, visitor: visitor)
        let docs = DocsStore(database: platform.database)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let source = try await docs.sources(serverID: server.id).first(where: { $0.id == id })
        else { throw dashboard.notFound() }
        try await docs.deleteSource(source)
        context.logger.info("documentation source deleted in the dashboard", metadata: ["tenant": .string(server.slug)])
        return PageResponse.redirect("/orgs/\(membership.organization.slug)/servers/\(server.slug)/docs").response
    }

    // MARK: Jobs

    /// A job's progress and its failed pages; `?format=json` for the page's live updates.
    private func job(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        let store = IngestJobStore(database: platform.database)
        guard let id = context.parameters.get("id").flatMap(Int64.init), let job = try await store.job(id: id), job.serverID == server.id
        else {
            throw dashboard.notFound()
        }
        let base = "/orgs/\(membership.organization.slug)/servers/\(server.slug)"
        let values = Self.jobValues(job, base: base)
        if request.uri.queryParameters.get("format") == "json" {
            return try APIResponse.json(
                JobProgress(
                    status: job.status.rawValue, finished: job.finishedAt != nil, done: job.pagesDone, total: job.pagesTotal,
                    indexed: job.pagesIndexed, unchanged: job.pagesUnchanged, failed: job.pagesFailed,
                    percent: values["percent"] as? Int ?? 0,
                    error: job.error))
        }
        let failed = try await store.pages(jobID: job.id, status: .failed).prefix(200).map { ["url": $0.url, "error": $0.error ?? ""] }
        let source = try await DocsStore(database: platform.database).sources(serverID: server.id).first { $0.id == job.sourceID }
        let upload = source?.kind == .upload ? source?.settings.upload : nil
        return dashboard.render(
            "docs_job",
            [
                "job": values, "failedPages": Array(failed), "hasFailedPages": !failed.isEmpty, "source": source?.location ?? "",
                "skippedFiles": upload?.skipped.map { ["path": $0.path, "reason": $0.reason] } ?? [],
                "hasSkippedFiles": (upload?.skippedCount ?? 0) > 0, "skippedCount": upload?.skippedCount ?? 0,
                "skippedMore": max(0, (upload?.skippedCount ?? 0) - (upload?.skipped.count ?? 0)),
                "hasSkippedMore": (upload?.skippedCount ?? 0) > (upload?.skipped.count ?? 0),
                "docsURL": "\(base)/docs", "progressURL": "\(base)/docs/jobs/\(job.id)?format=json", "playgroundURL": "\(base)/playground",
            ],
            visitor: visitor, membership: membership, server: server, title: "Ingestion job \(job.id)", section: "docs")
    }

    private struct JobProgress: Encodable {
        let status: String
        let finished: Bool
        let done, total, indexed, unchanged, failed, percent: Int
        let error: String?
    }

    static func jobValues(_ job: IngestJob, base: String) -> [String: Any] {
        let percent = job.finishedAt != nil ? 100 : job.pagesTotal > 0 ? min(99, job.pagesDone * 100 / job.pagesTotal) : 0
        var values: [String: Any] = [
            "id": job.id, "status": job.status.rawValue, "running": job.finishedAt == nil, "percent": percent,
            "done": job.pagesDone, "total": job.pagesTotal, "indexed": job.pagesIndexed, "unchanged": job.pagesUnchanged,
            "failed": job.pagesFailed, "removed": job.pagesRemoved, "created": MemberPages.format(job.createdAt),
            "url": "\(base)/docs/jobs/\(job.id)",
        ]
        values["error"] = job.error
        return values
    }

    // MARK: Playground

    /// Runs `search_docs` exactly as an agent would, and shows both what the model reads and
    /// the structured results.
    private func playground(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        // A GET form encodes spaces as `+`: decode the query as a form.
        let query = String((FormEncoding.decode(request.uri.query ?? "").values["q"] ?? "").prefix(1000))
        var values: [String: Any] = ["query": query, "searched": !query.isEmpty]
        if !query.isEmpty {
            let toolContext = ToolContext(
                server: server, session: .transient(serverID: server.id), platform: platform, logger: context.logger)
            let started = ContinuousClock.now
            do {
                let result = try await SearchDocsTool().call(arguments: ["query": .string(query), "limit": 10], context: toolContext)
                values["milliseconds"] = Int((ContinuousClock.now - started) / .milliseconds(1))
                if case .text(let text, _, _)? = result.content.first { values["modelText"] = text }
                if case .object(let structured)? = result.structuredContent, case .array(let results)? = structured["results"] {
                    values["results"] = results.compactMap { result -> [String: Any]? in
                        guard case .object(let fields) = result else { return nil }
                        return [
                            "title": fields["title"]?.stringValue ?? "", "section": fields["section"]?.stringValue ?? "",
                            "url": fields["url"]?.stringValue ?? "", "snippet": fields["snippet"]?.stringValue ?? "",
                            "score": fields["score"].flatMap {
                                if case .double(let score) = $0 { String(format: "%.2f", score) } else { nil }
                            } ?? "",
                        ]
                    }
                }
            } catch let error as ToolError {
                values["toolError"] = error.message
            }
        }
        return dashboard.render(
            "playground", values, visitor: visitor, membership: membership, server: server, title: "Search playground · \(server.name)",
            section: "playground")
    }
}
