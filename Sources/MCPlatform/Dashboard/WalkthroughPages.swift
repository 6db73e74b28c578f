import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A server's walkthroughs in the dashboard: the list with each one's status, versions, starts
/// and completion rate, creating one, and importing a file (a JSON export or Markdown). One
/// walkthrough's page, lifecycle, export and analytics are in WalkthroughDetailPages.swift; its
/// editing (details, steps, the step editor and its Markdown preview) in
/// WalkthroughEditorPages.swift. Owners and admins change things; members see every page with
/// the forms disabled, and get 403 when they post.
struct WalkthroughPages: Sendable {
    let dashboard: Dashboard
    var platform: Platform { dashboard.platform }
    var store: WalkthroughStore { WalkthroughStore(database: platform.database) }

    /// A page or action: a method of the pages, given the request.
    typealias Handler = @Sendable (WalkthroughPages) -> (Request, AppRequestContext) async throws -> Response
    typealias Route = (method: HTTPRequest.Method, path: String, handler: Handler)

    /// Every route, below `/orgs/{org}/servers/{server}/walkthroughs`.
    static let routes: [Route] =
        [
            (.get, "", Self.list), (.post, "", Self.create), (.post, "/import", Self.importFile),
            (.get, "/{slug}", Self.show), (.get, "/{slug}/export.json", Self.export), (.get, "/{slug}/analytics", Self.analytics),
            (.post, "/{slug}/delete", Self.delete), (.post, "/{slug}/details", Self.saveDetails), (.post, "/{slug}/steps", Self.addStep),
            (.get, "/{slug}/steps/{step}", Self.stepPage), (.post, "/{slug}/steps/{step}", Self.saveStep),
            (.post, "/{slug}/preview", Self.preview),
        ]
        + LifecycleAction.allCases.map { action -> Route in
            (.post, "/{slug}/\(action.rawValue)", { pages in { try await pages.perform(action, $0, $1) } })
        }
        + StepAction.allCases.map { action -> Route in
            (.post, "/{slug}/steps/{step}/\(action.rawValue)", { pages in { try await pages.perform(action, $0, $1) } })
        }

    func addRoutes(to router: Router<AppRequestContext>) {
        for (method, path, handler) in Self.routes {
            router.on(RouterPath("/orgs/{org}/servers/{server}/walkthroughs\(path)"), method: method) { request, context in
                try await handler(self)(request, context)
            }
        }
    }

    // MARK: Scope

    /// Who asks, in which organization, about which server; and the paths of its walkthrough pages.
    struct Scope {
        let visitor: Visitor
        let membership: Membership
        let server: TenantServer

        var canManage: Bool { membership.role.canManageServers }
        var listURL: String { "/orgs/\(membership.organization.slug)/servers/\(server.slug)/walkthroughs" }

        /// The path of walkthrough `slug`'s page, or of one below it.
        func url(_ slug: String, _ path: String = "") -> String { "\(listURL)/\(slug)\(path)" }
    }

    func scope(_ request: Request, _ context: AppRequestContext) async throws -> Scope {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        return Scope(visitor: visitor, membership: membership, server: server)
    }

    /// The scope and the walkthrough in the path: 404 when the server has none by that slug.
    func walkthrough(_ request: Request, _ context: AppRequestContext) async throws -> (Scope, WalkthroughStore.Entry) {
        let scope = try await scope(request, context)
        return (scope, try await entry(scope, context))
    }

    func entry(_ scope: Scope, _ context: AppRequestContext) async throws -> WalkthroughStore.Entry {
        guard let entry = try await store.entry(slug: context.parameters.get("slug") ?? "", serverID: scope.server.id) else {
            throw dashboard.notFound()
        }
        return entry
    }

    /// A change to the walkthrough in the path: 403 for members, the form after its CSRF
    /// check, then the walkthrough (404 when unknown).
    func change(_ request: Request, _ context: AppRequestContext) async throws -> (Scope, WalkthroughStore.Entry, [String: String]) {
        let scope = try await scope(request, context)
        try dashboard.require(scope.canManage, scope.visitor, scope.membership, what: "change walkthroughs")
        let form = try await dashboard.form(request, visitor: scope.visitor)
        return (scope, try await entry(scope, context), form)
    }

    /// Renders a walkthrough template in the app layout, with the notice the query names.
    func render(
        _ template: String, _ values: [String: Any], _ scope: Scope, title: String, notice: Notice? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        values["canManage"] = scope.canManage
        values["listURL"] = scope.listURL
        if let notice { values["flash"] = ["kind": "success", "text": notice.text] }
        return dashboard.render(
            template, values, visitor: scope.visitor, membership: scope.membership, server: scope.server,
            title: "\(title) · \(scope.server.name)", section: "walkthroughs", status: status)
    }

    /// The redirect after a change: to `location`, which then shows `notice`.
    func redirect(_ location: String, _ notice: Notice? = nil, anchor: String? = nil) -> Response {
        let query = notice.map { "?notice=\($0.rawValue)" } ?? ""
        return PageResponse.redirect(location + query + (anchor.map { "#\($0)" } ?? "")).response
    }

    /// What a page says after a change redirected to it.
    enum Notice: String, PageNotice {
        case created, imported, importedDraft = "imported-draft", duplicated, deleted, saved
        case published, unpublished, archived, restored, draftDiscarded = "draft-discarded"
        case stepAdded = "step-added", stepSaved = "step-saved", stepMoved = "step-moved", stepDeleted = "step-deleted"

        var text: String {
            switch self {
            case .created: "Walkthrough created as a draft. Add its steps, then publish it."
            case .imported: "Imported as a new draft."
            case .importedDraft: "Imported as a new draft of this walkthrough; the published version is unchanged."
            case .duplicated: "Duplicated: this copy is a new draft."
            case .deleted: "Walkthrough deleted."
            case .saved: "Saved to the draft."
            case .published: "Published: agents now see this version."
            case .unpublished: "Unpublished: agents no longer see this walkthrough."
            case .archived: "Archived: agents no longer see this walkthrough."
            case .restored: "Restored from the archive."
            case .draftDiscarded: "Draft discarded: back to the published version."
            case .stepAdded: "Step added to the draft."
            case .stepSaved: "Step saved to the draft."
            case .stepMoved: "Step moved."
            case .stepDeleted: "Step deleted from the draft."
            }
        }
    }

    // MARK: The list

    func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await listPage(try await scope(request, context), notice: Notice(request))
    }

    /// The list with its forms; after a failed form, what was entered and the problems.
    func listPage(
        _ scope: Scope, form: [String: String] = [:], errors: [String: String] = [:], importProblems: WalkthroughProblems? = nil,
        notice: Notice? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let totals = try await WalkthroughAnalytics(database: platform.database).totals(serverID: scope.server.id)
        let rows = try await store.list(serverID: scope.server.id).map { entry -> [String: Any] in
            let total = totals[entry.walkthrough.id] ?? WalkthroughTotals()
            return [
                "title": entry.latest.content.title, "slug": entry.walkthrough.slug, "url": scope.url(entry.walkthrough.slug),
                "kind": entry.latest.content.kind.rawValue, "status": entry.walkthrough.status.rawValue,
                "versions": Self.versions(of: entry),
                "steps": entry.latest.content.steps.count, "starts": total.starts,
                "completionRate": Self.percent(total.completions, of: total.starts),
            ]
        }
        var fields = form
        fields["kind"] = fields["kind"] ?? Walkthrough.Kind.quickstart.rawValue
        return render(
            "walkthroughs",
            [
                "walkthroughs": rows, "hasWalkthroughs": !rows.isEmpty, "fields": fields, "errors": errors,
                "kinds": Self.kindOptions(selected: fields["kind"]), "importURL": "\(scope.listURL)/import",
                "importProblems": importProblems.map { Self.problemList($0, scope: nil) } ?? [], "importFailed": importProblems != nil,
            ],
            scope, title: "Walkthroughs", notice: notice, status: status)
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        try dashboard.require(scope.canManage, scope.visitor, scope.membership, what: "create walkthroughs")
        var form = try await dashboard.form(request, visitor: scope.visitor)
        var content = WalkthroughContent(title: "")
        var errors = Self.readDetails(form, into: &content)
        let typed = (form["slug"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let slug = typed.isEmpty ? WalkthroughDocument.suggestedSlug(for: content.title) : typed
        if errors.isEmpty {
            do {
                let entry = try await store.create(slug: slug, content: content, serverID: scope.server.id)
                log("walkthrough created", entry, scope, context)
                return redirect(scope.url(entry.walkthrough.slug), .created)
            } catch let problems as WalkthroughProblems {
                errors = problems.fields
                // A slug made from the title that is refused: show it, so that it can be changed.
                if errors["slug"] != nil { form["slug"] = slug }
            }
        }
        return try await listPage(scope, form: form, errors: errors, status: .unprocessableContent)
    }

    // MARK: Import

    /// Room for the import form around its file.
    static let importFormOverhead = 64 << 10

    /// Imports an uploaded `.json` (an export) or `.md`/`.markdown` file: a new draft
    /// walkthrough, or a new draft of the walkthrough with the file's slug.
    func importFile(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scope = try await scope(request, context)
        try dashboard.require(scope.canManage, scope.visitor, scope.membership, what: "import walkthroughs")
        func refuse(_ problems: [String: String], status: HTTPResponse.Status = .unprocessableContent) async throws -> Response {
            try await listPage(scope, importProblems: WalkthroughProblems(problems), status: status)
        }
        guard let boundary = request.headers[.contentType].flatMap(MultipartFormData.boundary(contentType:)) else {
            _ = try await dashboard.form(request, visitor: scope.visitor)
            return try await refuse(["file": "the form was not sent as multipart/form-data: choose a file with the form below"])
        }
        let form: MultipartFormData
        do {
            let body = try await request.body.collect(upTo: WalkthroughDocument.maximumBytes + Self.importFormOverhead)
            form = try MultipartFormData(body: body, boundary: boundary, maximumParts: 8)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return try await refuse(["file": "larger than 1 MiB"], status: .contentTooLarge)
        } catch {
            return try await refuse(["file": "the upload could not be read; reload the page and try again"], status: .badRequest)
        }
        guard form.field("_csrf") == scope.visitor.csrfToken else { throw dashboard.csrfFailure() }
        guard let file = form.files("file").first else { return try await refuse(["file": "choose a .json or .md file"]) }
        let document: WalkthroughDocument
        do {
            document = try Self.document(named: file.filename ?? "", bytes: Array(buffer: file.body))
        } catch {
            return try await refuse(error.fields)
        }
        do {
            let (entry, created) = try await store.importDocument(document, serverID: scope.server.id)
            log("walkthrough imported", entry, scope, context)
            return redirect(scope.url(entry.walkthrough.slug), created ? .imported : .importedDraft)
        } catch let problems as WalkthroughProblems {
            return try await refuse(problems.fields)
        }
    }

    /// The walkthrough in a file, read by its extension.
    static func document(named filename: String, bytes: [UInt8]) throws(WalkthroughProblems) -> WalkthroughDocument {
        let name = (filename as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        switch (name as NSString).pathExtension.lowercased() {
        case "json":
            return try WalkthroughDocument.decode(json: bytes)
        case "md", "markdown":
            guard let text = String(validating: bytes, as: UTF8.self) else { throw WalkthroughProblems(["file": "not UTF-8 text"]) }
            return try WalkthroughDocument.decode(markdown: text, fallbackSlug: WalkthroughDocument.suggestedSlug(for: stem))
        default:
            throw WalkthroughProblems(["file": "choose a .json file (an export) or a .md or .markdown file"])
        }
    }

    // MARK: Helpers

    /// Reads the details fields (title, type, estimated minutes, description) of `form` into
    /// `content`; returns the problems that keep them from being read (the rest are found when saving).
    static func readDetails(_ form: [String: String], into content: inout WalkthroughContent) -> [String: String] {
        var errors: [String: String] = [:]
        content.title = form["title"] ?? ""
        content.description = form["description"] ?? ""
        if let kind = Walkthrough.Kind(rawValue: form["kind"] ?? "") {
            content.kind = kind
        } else {
            errors["kind"] = "choose a type"
        }
        let minutes = (form["estimated_minutes"] ?? "").trimmingCharacters(in: .whitespaces)
        content.estimatedMinutes = Int(minutes)
        if !minutes.isEmpty, content.estimatedMinutes == nil { errors["estimated_minutes"] = "a whole number of minutes, or empty" }
        return errors
    }

    static func kindOptions(selected: String?) -> [[String: Any]] {
        Walkthrough.Kind.allCases.map { ["value": $0.rawValue, "label": $0.rawValue.capitalized, "selected": $0.rawValue == selected] }
    }

    /// "v3 published · v4 draft".
    static func versions(of entry: WalkthroughStore.Entry) -> String {
        [entry.published.map { "v\($0.number) published" }, entry.draft.map { "v\($0.number) draft" }].compactMap { $0 }
            .joined(separator: " · ")
    }

    /// "67%", or "–" when there is nothing to divide.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "–" : "\(Int((Double(part) * 100 / Double(whole)).rounded()))%"
    }

    /// Problems as a template lists them: the field as people read it (`steps.2.title` is
    /// "Step 2: title"), the message, and for a step's problem the link to its editor.
    static func problemList(_ problems: WalkthroughProblems, scope: (Scope, String)?) -> [[String: Any]] {
        problems.fields.sorted { $0.key.localizedStandardCompare($1.key) == .orderedAscending }.map { field, message in
            let parts = field.split(separator: ".")
            var problem: [String: Any] = ["field": field.replacingOccurrences(of: "_", with: " "), "message": message]
            if parts.count == 3, parts[0] == "steps", let number = Int(parts[1]) {
                problem["field"] = "Step \(number): \(parts[2])"
                if let (scope, slug) = scope { problem["stepURL"] = scope.url(slug, "/steps/\(number)") }
            }
            return problem
        }
    }

    func log(_ message: Logger.Message, _ entry: WalkthroughStore.Entry, _ scope: Scope, _ context: AppRequestContext) {
        context.logger.info(
            message, metadata: ["tenant": .string(scope.server.slug), "walkthrough": .string(entry.walkthrough.slug)])
    }
}
