import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// What can be done to a walkthrough as a whole, each a small POST form on its page.
enum LifecycleAction: String, CaseIterable, Sendable {
    case publish, unpublish, archive, restore, discardDraft = "discard-draft", duplicate

    var label: String {
        switch self {
        case .publish: "Publish"
        case .unpublish: "Unpublish"
        case .archive: "Archive"
        case .restore: "Restore"
        case .discardDraft: "Discard draft"
        case .duplicate: "Duplicate"
        }
    }

    /// The question asked before acting (by app.js), for what cannot be undone or hides the walkthrough.
    var confirmation: String? {
        switch self {
        case .unpublish: "Unpublish? Agents stop seeing this walkthrough until you publish it again."
        case .archive: "Archive? Agents stop seeing this walkthrough, and runs in progress end."
        case .discardDraft: "Discard the draft? Its changes are lost; the published version stays."
        case .publish, .restore, .duplicate: nil
        }
    }

    /// Whether the action means something for the walkthrough as it is (the page offers only those).
    func isAvailable(for entry: WalkthroughStore.Entry) -> Bool {
        let status = entry.walkthrough.status
        return switch self {
        case .publish: entry.draft != nil || status != .published
        case .unpublish: status == .published
        case .archive: status != .archived
        case .restore: status == .archived
        case .discardDraft: entry.draft != nil && entry.published != nil
        case .duplicate: true
        }
    }

    var notice: WalkthroughPages.Notice {
        switch self {
        case .publish: .published
        case .unpublish: .unpublished
        case .archive: .archived
        case .restore: .restored
        case .discardDraft: .draftDiscarded
        case .duplicate: .duplicated
        }
    }
}

/// One walkthrough's page (header, actions, details form, steps, versions), its lifecycle
/// actions, deletion, JSON export, and its analytics page.
extension WalkthroughPages {
    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry) = try await walkthrough(request, context)
        return try await page(scope, entry, notice: Notice(request))
    }

    /// The walkthrough's page. After a failed form: what was entered in the details form,
    /// `errors` by field, and `problems` (of publishing, or of the content) listed at the top.
    func page(
        _ scope: Scope, _ entry: WalkthroughStore.Entry, form: [String: String]? = nil, errors: [String: String] = [:],
        problems: WalkthroughProblems? = nil, notice: Notice? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let slug = entry.walkthrough.slug
        let content = entry.latest.content
        let fields =
            form ?? [
                "title": content.title, "kind": content.kind.rawValue, "description": content.description,
                "estimated_minutes": content.estimatedMinutes.map(String.init) ?? "",
            ]
        let steps = content.steps.enumerated().map { index, step -> [String: Any] in
            let number = index + 1
            let url = scope.url(slug, "/steps/\(number)")
            var values: [String: Any] = [
                "number": number, "title": step.title, "editURL": url, "deleteURL": "\(url)/\(StepAction.delete.rawValue)",
                "contentHTML": MarkdownHTML.render(step.content), "hasContent": !step.content.isEmpty,
                "operationsHTML": MarkdownHTML.render(step.operations), "hasOperations": !step.operations.isEmpty,
            ]
            if index > 0 { values["moveUpURL"] = "\(url)/\(StepAction.moveUp.rawValue)" }
            if number < content.steps.count { values["moveDownURL"] = "\(url)/\(StepAction.moveDown.rawValue)" }
            return values
        }
        let versions = try await store.versions(of: entry.walkthrough).map { version -> [String: Any] in
            [
                "number": version.number, "draft": version.isDraft, "publishedAt": version.publishedAt.map(MemberPages.format) ?? "",
                "live": version.id == entry.live?.id, "exportURL": scope.url(slug, "/export.json?version=\(version.number)"),
            ]
        }
        let actions = LifecycleAction.allCases.filter { $0.isAvailable(for: entry) }.map { action -> [String: Any] in
            var values: [String: Any] = [
                "id": action.rawValue, "label": action.label, "url": scope.url(slug, "/\(action.rawValue)"),
                "style": action == .publish ? "primary" : "secondary",
            ]
            values["confirm"] = action.confirmation
            return values
        }
        var values: [String: Any] = [
            "slug": slug, "walkthroughTitle": content.title, "status": entry.walkthrough.status.rawValue,
            "versions": Self.versions(of: entry),
            "isLive": entry.live != nil, "editsPublished": entry.draft == nil,
            "actions": actions, "fields": fields, "errors": errors, "kinds": Self.kindOptions(selected: fields["kind"]),
            "steps": steps, "hasSteps": !steps.isEmpty, "versionRows": versions, "url": scope.url(slug),
            "detailsURL": scope.url(slug, "/details"), "addStepURL": scope.url(slug, "/steps"), "deleteURL": scope.url(slug, "/delete"),
            "exportURL": scope.url(slug, "/export.json"), "analyticsURL": scope.url(slug, "/analytics"),
        ]
        values["liveVersion"] = entry.live?.number
        if let problems {
            values["problems"] = Self.problemList(problems, scope: (scope, slug))
            values["hasProblems"] = true
        }
        return render("walkthrough", values, scope, title: content.title, notice: notice, status: status)
    }

    func perform(_ action: LifecycleAction, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry, _) = try await change(request, context)
        let location = scope.url(entry.walkthrough.slug)
        // Offered only when it means something; a repeated click changes nothing.
        guard action.isAvailable(for: entry) else { return redirect(location) }
        do {
            switch action {
            case .publish: try await store.publish(entry)
            case .unpublish: try await store.setStatus(.draft, of: entry.walkthrough)
            // As the admin API does: shown again when it has a published version, else a draft.
            case .restore: try await store.restore(entry)
            case .archive: try await store.setStatus(.archived, of: entry.walkthrough)
            case .discardDraft: _ = try await store.discardDraft(of: entry.walkthrough)
            case .duplicate:
                let copy = try await store.duplicate(entry)
                log("walkthrough duplicated", copy, scope, context)
                return redirect(scope.url(copy.walkthrough.slug), action.notice)
            }
        } catch let problems as WalkthroughProblems {
            return try await page(scope, entry, problems: problems, status: .unprocessableContent)
        }
        log("walkthrough \(action.rawValue)", entry, scope, context)
        return redirect(location, action.notice)
    }

    /// Deletes the walkthrough with its versions and runs, after the visitor typed its slug.
    func delete(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry, form) = try await change(request, context)
        guard form["confirm"]?.trimmingCharacters(in: .whitespaces) == entry.walkthrough.slug else {
            return try await page(
                scope, entry, errors: ["confirm": "type \(entry.walkthrough.slug) to confirm"], status: .unprocessableContent)
        }
        try await store.delete(entry.walkthrough)
        log("walkthrough deleted", entry, scope, context)
        return redirect(scope.listURL, .deleted)
    }

    // MARK: Export

    /// The walkthrough file (JSON) of a version: `?version=N`, by default the newest.
    func export(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (_, entry) = try await walkthrough(request, context)
        let version = try await version(request, of: entry, default: entry.latest)
        let slug = entry.walkthrough.slug
        let document = WalkthroughDocument(slug: slug, content: version.content, version: version.number)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(slug)-v\(version.number).json\"",
                .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: document.json())))
    }

    /// The version `?version=N` names (404 when it has none), else `fallback`.
    func version(_ request: Request, of entry: WalkthroughStore.Entry, default fallback: WalkthroughVersion) async throws
        -> WalkthroughVersion
    {
        guard let text = request.uri.queryParameters.get("version") else { return fallback }
        guard let number = Int(text), let version = try await store.version(number: number, of: entry.walkthrough) else {
            throw dashboard.notFound()
        }
        return version
    }

    // MARK: Analytics

    /// How end users fare with a version (`?version=N`; by default the published one, else the
    /// newest): starts, completions, and per step the funnel, outcomes, times and notes.
    func analytics(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry) = try await walkthrough(request, context)
        let shown = try await version(request, of: entry, default: entry.published ?? entry.latest)
        let funnel = try await WalkthroughAnalytics(database: platform.database).funnel(of: shown)
        let versions = try await store.versions(of: entry.walkthrough).map { version -> [String: Any] in
            [
                "number": version.number, "label": "v\(version.number)" + (version.isDraft ? " (draft)" : ""),
                "selected": version.number == shown.number,
            ]
        }
        let steps = funnel.steps.map { step -> [String: Any] in
            [
                "number": step.number, "title": step.title, "reached": step.reached, "completed": step.completed,
                "droppedOff": step.droppedOff, "median": step.medianSeconds.map(Self.duration) ?? "–",
                "done": step.outcomes[.done] ?? 0, "skipped": step.outcomes[.skipped] ?? 0, "failed": step.outcomes[.failed] ?? 0,
                "percent": funnel.starts == 0 ? 0 : step.reached * 100 / funnel.starts,
            ]
        }
        let notes = funnel.notes.map { note -> [String: Any] in
            ["step": note.step, "outcome": note.outcome.rawValue, "text": note.text, "at": MemberPages.format(note.at)]
        }
        let values: [String: Any] = [
            "slug": entry.walkthrough.slug, "walkthroughTitle": entry.latest.content.title, "url": scope.url(entry.walkthrough.slug),
            "analyticsURL": scope.url(entry.walkthrough.slug, "/analytics"), "versionOptions": versions, "version": shown.number,
            "starts": funnel.starts, "completions": funnel.completions,
            "completionRate": Self.percent(funnel.completions, of: funnel.starts),
            "done": funnel.outcomes[.done] ?? 0, "skipped": funnel.outcomes[.skipped] ?? 0, "failed": funnel.outcomes[.failed] ?? 0,
            "steps": steps, "hasSteps": !steps.isEmpty, "notes": notes, "hasNotes": !notes.isEmpty, "hasStarts": funnel.starts > 0,
        ]
        return render("walkthrough_analytics", values, scope, title: "Analytics · \(entry.latest.content.title)")
    }

    /// "45 s", "3 min 20 s", "2 h 5 min".
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min" + (total % 60 == 0 ? "" : " \(total % 60) s") }
        return "\(total / 3600) h" + (total % 3600 / 60 == 0 ? "" : " \(total % 3600 / 60) min")
    }
}
