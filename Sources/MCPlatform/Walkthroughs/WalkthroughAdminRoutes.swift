import Foundation
import Hummingbird
import Logging

/// Admin API for walkthroughs: import (the JSON walkthrough file or Markdown), export, edit the
/// draft, publish, unpublish, archive, restore, delete, and read a version's funnel.
///
/// Problems with the input are answered 422 with `fields`, one message per field, as the
/// dashboard shows them.
struct WalkthroughAdminRoutes {
    let platform: Platform

    private var store: WalkthroughStore { WalkthroughStore(database: platform.database) }
    private var analytics: WalkthroughAnalytics { WalkthroughAnalytics(database: platform.database) }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("servers/{slug}/walkthroughs") { _, context in try await list(context) }
        group.post("servers/{slug}/walkthroughs") { request, context in try await importFile(request, context) }
        group.get("servers/{slug}/walkthroughs/{walkthrough}") { request, context in try await export(request, context) }
        group.put("servers/{slug}/walkthroughs/{walkthrough}") { request, context in try await saveDraft(request, context) }
        group.delete("servers/{slug}/walkthroughs/{walkthrough}") { _, context in try await delete(context) }
        group.post("servers/{slug}/walkthroughs/{walkthrough}/publish") { _, context in
            try await change(context) { entry in try await store.publish(entry) }
        }
        group.post("servers/{slug}/walkthroughs/{walkthrough}/unpublish") { _, context in
            try await change(context) { entry in try await store.setStatus(.draft, of: entry.walkthrough) }
        }
        group.post("servers/{slug}/walkthroughs/{walkthrough}/archive") { _, context in
            try await change(context) { entry in try await store.setStatus(.archived, of: entry.walkthrough) }
        }
        group.post("servers/{slug}/walkthroughs/{walkthrough}/restore") { _, context in
            try await change(context) { entry in try await store.restore(entry) }
        }
        group.get("servers/{slug}/walkthroughs/{walkthrough}/analytics") { request, context in try await funnel(request, context) }
    }

    // MARK: Views

    /// A walkthrough as lists and status changes show it.
    struct SummaryView: Encodable {
        let slug: String
        let title: String
        let type: String
        let status: String
        @NullWhenAbsent var publishedVersion: Int?
        @NullWhenAbsent var draftVersion: Int?
        let steps: Int
        let starts: Int
        let completions: Int

        init(_ entry: WalkthroughStore.Entry, totals: WalkthroughTotals?) {
            slug = entry.walkthrough.slug
            title = entry.latest.content.title
            type = entry.latest.content.kind.rawValue
            status = entry.walkthrough.status.rawValue
            publishedVersion = entry.published?.number
            draftVersion = entry.draft?.number
            steps = entry.latest.content.steps.count
            starts = totals?.starts ?? 0
            completions = totals?.completions ?? 0
        }

        enum CodingKeys: String, CodingKey {
            case slug, title, type, status, publishedVersion = "published_version", draftVersion = "draft_version", steps, starts,
                completions
        }
    }

    struct ImportedView: Encodable {
        let created: Bool
        let walkthrough: SummaryView
    }

    /// Outcomes by name, zero included.
    struct OutcomesView: Encodable {
        let done, skipped, failed: Int

        init(_ outcomes: [WalkthroughOutcome: Int]) {
            done = outcomes[.done] ?? 0
            skipped = outcomes[.skipped] ?? 0
            failed = outcomes[.failed] ?? 0
        }
    }

    struct FunnelView: Encodable {
        let version: Int
        let starts: Int
        let completions: Int
        let completionRate: Double
        let steps: [StepView]
        let outcomes: OutcomesView
        let notes: [NoteView]

        enum CodingKeys: String, CodingKey {
            case version, starts, completions, completionRate = "completion_rate", steps, outcomes, notes
        }

        init(_ funnel: WalkthroughFunnel) {
            version = funnel.versionNumber
            starts = funnel.starts
            completions = funnel.completions
            completionRate = funnel.completionRate
            steps = funnel.steps.map(StepView.init)
            outcomes = OutcomesView(funnel.outcomes)
            notes = funnel.notes.map { NoteView(step: $0.step, outcome: $0.outcome.rawValue, text: $0.text, at: $0.at) }
        }
    }

    struct StepView: Encodable {
        let number: Int
        let title: String
        let reached: Int
        let completed: Int
        let droppedOff: Int
        /// `null` for a step nobody finished.
        @NullWhenAbsent var medianSeconds: Double?
        let outcomes: OutcomesView

        enum CodingKeys: String, CodingKey {
            case number, title, reached, completed, droppedOff = "dropped_off", medianSeconds = "median_seconds", outcomes
        }

        init(_ step: WalkthroughFunnel.Step) {
            number = step.number
            title = step.title
            reached = step.reached
            completed = step.completed
            droppedOff = step.droppedOff
            medianSeconds = step.medianSeconds
            outcomes = OutcomesView(step.outcomes)
        }

    }

    struct NoteView: Encodable {
        let step: Int
        let outcome: String
        let text: String
        let at: Date
    }

    // MARK: Handlers

    private func list(_ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        let totals = try await analytics.totals(serverID: server.id)
        let walkthroughs = try await store.list(serverID: server.id).map { SummaryView($0, totals: totals[$0.walkthrough.id]) }
        return try APIResponse.json(["walkthroughs": walkthroughs])
    }

    /// Imports a file: a new walkthrough (201), or a new draft of the one with its slug (200).
    private func importFile(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let server = try await platform.tenancy.server(inPathOf: context)
        let document = try await document(of: request, slug: request.uri.queryParameters.get("slug"))
        let (entry, created) = try await reportingProblems { try await store.importDocument(document, serverID: server.id) }
        context.logger.info(
            "walkthrough imported through the API",
            metadata: ["tenant": .string(server.slug), "walkthrough": .string(entry.walkthrough.slug)])
        return try APIResponse.json(
            ImportedView(created: created, walkthrough: try await summary(of: entry)), status: created ? .created : .ok)
    }

    /// The file of the newest version (the draft, if any), or of `?version=`.
    private func export(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let entry = try await entry(inPathOf: context)
        let version = try await requestedVersion(request, of: entry) ?? entry.latest
        let document = WalkthroughDocument(slug: entry.walkthrough.slug, content: version.content, version: version.number)
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document.json())))
    }

    /// Replaces the draft (a new version when the walkthrough has none) with the file in the body.
    private func saveDraft(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let entry = try await entry(inPathOf: context)
        let slug = entry.walkthrough.slug
        let document = try await document(of: request, slug: slug)
        guard document.slug == slug else {
            throw APIError.invalid(fields: ["slug": "must be '\(slug)' (the walkthrough's slug) or left out"])
        }
        try await reportingProblems { try await store.saveDraft(document.content, of: entry.walkthrough) }
        return try APIResponse.json(try await summary(of: try await current(entry)))
    }

    private func delete(_ context: AppRequestContext) async throws -> Response {
        try await store.delete(try await entry(inPathOf: context).walkthrough)
        return Response(status: .noContent)
    }

    /// Applies a status change, then answers the walkthrough's summary.
    private func change(_ context: AppRequestContext, _ apply: (WalkthroughStore.Entry) async throws -> Void) async throws -> Response {
        let entry = try await entry(inPathOf: context)
        try await reportingProblems { try await apply(entry) }
        return try APIResponse.json(try await summary(of: try await current(entry)))
    }

    /// The funnel of `?version=`, by default of the published version, else of the newest.
    private func funnel(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let entry = try await entry(inPathOf: context)
        let version = try await requestedVersion(request, of: entry) ?? entry.published ?? entry.latest
        return try APIResponse.json(FunnelView(try await analytics.funnel(of: version)))
    }

    // MARK: Helpers

    /// The walkthrough named by the path, on a server the caller may access; otherwise a 404.
    private func entry(inPathOf context: AppRequestContext) async throws -> WalkthroughStore.Entry {
        let server = try await platform.tenancy.server(inPathOf: context)
        let slug = context.parameters.get("walkthrough") ?? ""
        guard let entry = try await store.entry(slug: slug, serverID: server.id) else {
            throw APIError.notFound("no walkthrough '\(slug.prefix(100))' on '\(server.slug)'")
        }
        return entry
    }

    /// The entry as it is now (after a change); gone meanwhile is a 404.
    private func current(_ entry: WalkthroughStore.Entry) async throws -> WalkthroughStore.Entry {
        guard let current = try await store.entry(slug: entry.walkthrough.slug, serverID: entry.walkthrough.serverID) else {
            throw APIError.notFound("the walkthrough '\(entry.walkthrough.slug)' was deleted meanwhile")
        }
        return current
    }

    private func summary(of entry: WalkthroughStore.Entry) async throws -> SummaryView {
        SummaryView(entry, totals: try await analytics.totals(serverID: entry.walkthrough.serverID)[entry.walkthrough.id])
    }

    /// The version `?version=N` asks for; nil without the parameter.
    private func requestedVersion(_ request: Request, of entry: WalkthroughStore.Entry) async throws -> WalkthroughVersion? {
        guard let text = request.uri.queryParameters.get("version") else { return nil }
        guard let number = Int(text), number >= 1 else { throw APIError.badRequest("version must be a version number (1, 2, …)") }
        guard let version = try await store.version(number: number, of: entry.walkthrough) else {
            throw APIError.notFound("the walkthrough '\(entry.walkthrough.slug)' has no version \(number)")
        }
        return version
    }

    /// The walkthrough file in the body: JSON (the format export writes) or Markdown. A file
    /// without a slug gets `slug`.
    private func document(of request: Request, slug: String?) async throws -> WalkthroughDocument {
        let mediaType = request.headers[.contentType].map {
            $0.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        }
        let markdown: Bool
        switch mediaType {
        case nil, "application/json": markdown = false
        case "text/markdown", "text/x-markdown": markdown = true
        default:
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "send the walkthrough as application/json (the walkthrough file) or as text/markdown")
        }
        let body = try await request.bodyBytes(limit: WalkthroughDocument.maximumBytes)
        return try await reportingProblems {
            guard markdown else { return try WalkthroughDocument.decode(json: body.readableBytesView, fallbackSlug: slug) }
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw WalkthroughProblems(["file": "not UTF-8 text"])
            }
            return try WalkthroughDocument.decode(markdown: text, fallbackSlug: slug)
        }
    }

    /// Runs `body`, answering its ``WalkthroughProblems`` as a 422 by field.
    @discardableResult
    private func reportingProblems<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let problems as WalkthroughProblems {
            throw APIError.invalid(fields: problems.fields)
        }
    }
}
