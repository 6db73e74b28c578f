import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A field of the step editor, with what the agent does with it.
enum StepField: String, CaseIterable, Sendable {
    case title, introduction, context, operations, content, check

    var keyPath: WritableKeyPath<WalkthroughStep, String> {
        switch self {
        case .title: \.title
        case .introduction: \.introduction
        case .context: \.context
        case .operations: \.operations
        case .content: \.content
        case .check: \.check
        }
    }

    var label: String {
        switch self {
        case .title: "Title"
        case .introduction: "Introduction"
        case .context: "Context for the agent"
        case .operations: "Operations"
        case .content: "Content for the user (Markdown)"
        case .check: "Check"
        }
    }

    var hint: String {
        switch self {
        case .title: "Names the step in the list of steps and when the agent announces it."
        case .introduction: "How the agent introduces the step to the user: what is about to happen, and why."
        case .context: "Background only the agent reads: what the user has by now, why this step matters, pitfalls."
        case .operations: "What the agent does itself: commands to run, files to create or edit. Markdown."
        case .content: "What the agent shows the user: explanations, code to copy, links."
        case .check:
            "How the agent verifies that the step worked before moving on: a command and its expected output, a file that must exist."
        }
    }

    /// Markdown fields get a live preview next to them.
    var isPreviewed: Bool { self == .operations || self == .content }
}

/// What can be done to one step from the walkthrough page, each a small POST form.
enum StepAction: String, CaseIterable, Sendable {
    case moveUp = "move-up", moveDown = "move-down", delete

    /// Applies the action to step `index`; false when it means nothing (the first step moving up).
    func apply(to steps: inout [WalkthroughStep], at index: Int) -> Bool {
        switch self {
        case .moveUp, .moveDown:
            let other = self == .moveUp ? index - 1 : index + 1
            guard steps.indices.contains(other) else { return false }
            steps.swapAt(index, other)
        case .delete:
            steps.remove(at: index)
        }
        return true
    }
}

/// Editing a walkthrough: its details, adding, moving and deleting steps, the step editor,
/// and the Markdown preview. Every change is saved to the draft (a published walkthrough gets
/// a new draft version; agents keep the published one until it is published again).
extension WalkthroughPages {
    func saveDetails(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry, form) = try await change(request, context)
        var content = entry.latest.content
        let errors = Self.readDetails(form, into: &content)
        guard errors.isEmpty else { return try await page(scope, entry, form: form, errors: errors, status: .unprocessableContent) }
        return try await save(content, of: entry, then: redirect(scope.url(entry.walkthrough.slug), .saved)) { problems in
            try await page(scope, entry, form: form, errors: problems.fields, status: .unprocessableContent)
        }
    }

    /// Adds a step with the title given, then opens it in the step editor.
    func addStep(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry, form) = try await change(request, context)
        var content = entry.latest.content
        content.steps.append(WalkthroughStep(title: form["step_title"] ?? ""))
        let number = content.steps.count
        let editor = redirect(scope.url(entry.walkthrough.slug, "/steps/\(number)"), .stepAdded)
        return try await save(content, of: entry, then: editor) { problems in
            let error = problems.fields["steps.\(number).title"] ?? problems.fields["steps"] ?? problems.description
            return try await page(scope, entry, errors: ["step_title": error], status: .unprocessableContent)
        }
    }

    func perform(_ action: StepAction, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry, _) = try await change(request, context)
        let index = try stepIndex(context, of: entry)
        var content = entry.latest.content
        let location = scope.url(entry.walkthrough.slug)
        guard action.apply(to: &content.steps, at: index) else { return redirect(location, anchor: "steps") }
        let notice: Notice = action == .delete ? .stepDeleted : .stepMoved
        return try await save(content, of: entry, then: redirect(location, notice, anchor: "steps")) { problems in
            try await page(scope, entry, problems: problems, status: .unprocessableContent)
        }
    }

    /// Saves `content` as the draft, then answers `response`; when the content has problems,
    /// `failure` shows them (and nothing is saved).
    func save(
        _ content: WalkthroughContent, of entry: WalkthroughStore.Entry, then response: Response,
        failure: (WalkthroughProblems) async throws -> Response
    ) async throws -> Response {
        do {
            try await store.saveDraft(content, of: entry.walkthrough)
            return response
        } catch let problems as WalkthroughProblems {
            return try await failure(problems)
        }
    }

    /// The 0-based index of the step in the path (1-based there): 404 when there is none.
    func stepIndex(_ context: AppRequestContext, of entry: WalkthroughStore.Entry) throws -> Int {
        guard let number = context.parameters.get("step").flatMap(Int.init), entry.latest.content.steps.indices.contains(number - 1)
        else { throw dashboard.notFound() }
        return number - 1
    }

    // MARK: The step editor

    func stepPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry) = try await walkthrough(request, context)
        let index = try stepIndex(context, of: entry)
        return stepEditor(scope, entry, number: index + 1, step: entry.latest.content.steps[index], notice: Notice(request))
    }

    /// The editor of step `number` showing `step`; after a failed save, with `errors` by field.
    func stepEditor(
        _ scope: Scope, _ entry: WalkthroughStore.Entry, number: Int, step: WalkthroughStep, errors: [String: String] = [:],
        notice: Notice? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let slug = entry.walkthrough.slug
        let fields = StepField.allCases.map { field -> [String: Any] in
            let value = step[keyPath: field.keyPath]
            var values: [String: Any] = [
                "name": field.rawValue, "label": field.label, "hint": field.hint, "value": value, "singleLine": field == .title,
                "previewed": field.isPreviewed, "rows": field == .content || field == .operations ? 12 : 4,
            ]
            values["error"] = errors[field.rawValue]
            if field.isPreviewed { values["previewHTML"] = MarkdownHTML.render(value) }
            return values
        }
        let count = entry.latest.content.steps.count
        var values: [String: Any] = [
            "slug": slug, "walkthroughTitle": entry.latest.content.title, "url": scope.url(slug), "number": number, "count": count,
            "stepTitle": step.title, "fields": fields, "saveURL": scope.url(slug, "/steps/\(number)"),
            "previewURL": scope.url(slug, "/preview"), "editsPublished": entry.draft == nil,
        ]
        values["stepError"] = errors["step"]
        if number > 1 { values["previousURL"] = scope.url(slug, "/steps/\(number - 1)") }
        if number < count { values["nextURL"] = scope.url(slug, "/steps/\(number + 1)") }
        return render(
            "walkthrough_step", values, scope, title: "Step \(number) · \(entry.latest.content.title)", notice: notice, status: status)
    }

    func saveStep(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, entry, form) = try await change(request, context)
        let index = try stepIndex(context, of: entry)
        var step = WalkthroughStep(title: "")
        for field in StepField.allCases { step[keyPath: field.keyPath] = form[field.rawValue] ?? "" }
        var content = entry.latest.content
        content.steps[index] = step
        return try await save(content, of: entry, then: redirect(scope.url(entry.walkthrough.slug), .stepSaved, anchor: "steps")) {
            problems in
            // `steps.3.title` is the editor's `title`; anything else (too many steps) goes on top.
            let prefix = "steps.\(index + 1)."
            var errors: [String: String] = [:]
            for (field, message) in problems.fields {
                errors[field.hasPrefix(prefix) ? String(field.dropFirst(prefix.count)) : "step"] = message
            }
            return stepEditor(scope, entry, number: index + 1, step: step, errors: errors, status: .unprocessableContent)
        }
    }

    // MARK: Preview

    /// The HTML of the form's `markdown` (at most 64 KiB), as the step editor's preview shows it.
    func preview(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (scope, _) = try await walkthrough(request, context)
        let form = try await dashboard.form(request, visitor: scope.visitor)
        var headers = HTMLPages.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        let html = MarkdownHTML.render(form["markdown"] ?? "")
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
