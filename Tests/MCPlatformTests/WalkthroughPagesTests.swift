import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The walkthrough pages of the dashboard through the router: authoring (create, steps, edit,
/// reorder, publish, drafts of published walkthroughs), export and import, roles, tenant
/// isolation, CSRF, and that what authors write is never markup on the page.
@Suite struct WalkthroughPagesTests {
    typealias Harness = DashboardHarness

    static let list = "/orgs/acme/servers/guide/walkthroughs"
    static let page = list + "/deploy-your-first-app"

    /// Ada, owner of acme, with the server guide.
    static func owner(_ harness: Harness) async throws -> Browser {
        let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
        try await harness.createServer(by: ada, in: "acme", slug: "guide", name: "Acme Docs")
        return ada
    }

    /// Creates "Deploy your first app" through the form; returns the redirect.
    @discardableResult
    static func create(by browser: Browser, in list: String = list, title: String = "Deploy your first app") async throws -> WebPage {
        try await browser.submit(
            list,
            ["title": title, "slug": "", "kind": "installer", "estimated_minutes": "15", "description": "From zero to a running app."])
    }

    /// Adds a step through the form and saves its fields through the step editor.
    static func addStep(_ title: String, content: String, operations: String = "", by browser: Browser, to page: String = page) async throws
    {
        let added = try await browser.submit(page, to: page + "/steps", ["step_title": title])
        let editor = try #require(added.location)
        #expect(editor.hasPrefix(page + "/steps/") && editor.hasSuffix("?notice=step-added"), "\(added.status) \(added.html)")
        let saved = try await browser.submit(
            editor, to: String(editor.prefix { $0 != "?" }),
            ["title": title, "introduction": "", "context": "", "operations": operations, "content": content, "check": "It runs."])
        #expect(saved.location == page + "?notice=step-saved#steps", "\(saved.status) \(saved.html)")
    }

    /// Ada's "Deploy your first app" with one step, its page shown.
    static func walkthroughWithAStep(_ harness: Harness) async throws -> Browser {
        let ada = try await owner(harness)
        try await create(by: ada)
        try await addStep("Install", content: "Install it.", by: ada)
        _ = try await ada.get(page)
        return ada
    }

    static func entry(_ harness: Harness, slug: String = "deploy-your-first-app", server: String = "guide") async throws
        -> WalkthroughStore.Entry
    {
        let server = try #require(try await harness.platform.tenancy.server(slug: server))
        return try #require(try await WalkthroughStore(database: harness.platform.database).entry(slug: slug, serverID: server.id))
    }

    // MARK: Authoring

    @Test(arguments: Backend.available)
    func createAddStepsEditReorderPublishAndEditAgain(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = try await Self.owner(harness)
            let empty = try await ada.get(Self.list)
            #expect(empty.status == .ok)
            #expect(empty.has(id: "walkthroughs-empty"))
            #expect(empty.html.contains(#"<a href="/orgs/acme/servers/guide/walkthroughs" aria-current="page">Walkthroughs</a>"#))
            #expect(empty.html.contains(#"<a href="/orgs/acme/servers/guide/analytics">Analytics</a>"#))

            let created = try await Self.create(by: ada)
            #expect(created.location == Self.page + "?notice=created")
            let draft = try await ada.follow(created)
            #expect(draft.status == .ok)
            #expect(draft.text(ofID: "walkthrough-title") == "Deploy your first app")
            #expect(draft.text(ofID: "walkthrough-status") == "draft")
            #expect(draft.text(ofID: "walkthrough-versions") == "v1 draft")
            #expect(draft.flash?.kind == "success")
            #expect(draft.has(id: "no-steps"))

            let empties = try await ada.post(Self.page + "/publish")
            #expect(empties.status == .unprocessableContent)
            #expect(empties.html.contains("add at least one step before publishing"))
            #expect(try await Self.entry(harness).walkthrough.status == .draft)

            try await Self.addStep("Install the CLI", content: "Run **this** first.", operations: "npm i -g acme", by: ada)
            try await Self.addStep("Deploy", content: "Type `acme deploy`.", by: ada)
            let untitled = try await ada.submit(
                Self.page + "/steps/2", ["title": " ", "content": "kept", "operations": "", "introduction": "", "context": "", "check": ""])
            #expect(untitled.status == .unprocessableContent)
            #expect(untitled.fieldErrors == ["required"])
            #expect(untitled.html.contains(">kept</textarea>"))

            let moved = try await ada.submit(Self.page, to: Self.page + "/steps/2/move-up", [:])
            #expect(moved.location == Self.page + "?notice=step-moved#steps")
            #expect(try await Self.entry(harness).latest.content.steps.map(\.title) == ["Deploy", "Install the CLI"])
            let nothing = try await ada.submit(Self.page, to: Self.page + "/steps/1/move-up", [:])
            #expect(nothing.location == Self.page + "#steps")
            let withSteps = try await ada.get(Self.page)
            #expect(withSteps.html.contains("<p>Run <strong>this</strong> first.</p>"))
            #expect(withSteps.has(id: "step-1-down") && !withSteps.has(id: "step-1-up") && withSteps.has(id: "step-2-up"))

            let published = try await ada.post(Self.page + "/publish")
            #expect(published.location == Self.page + "?notice=published")
            let live = try await ada.follow(published)
            #expect(live.text(ofID: "walkthrough-status") == "published")
            #expect(live.text(ofID: "walkthrough-versions") == "v1 published")
            #expect(live.text(ofID: "agents-see") == "Agents see version 1.")
            #expect(live.has(id: "draft-hint"))

            // Editing the published walkthrough makes draft v2; agents keep v1.
            let edited = try await ada.post(
                Self.page + "/details", ["title": "Deploy your app", "kind": "installer", "estimated_minutes": "20", "description": ""])
            #expect(edited.location == Self.page + "?notice=saved")
            let entry = try await Self.entry(harness)
            #expect(entry.walkthrough.status == .published)
            #expect(entry.published?.number == 1)
            #expect(entry.published?.content.title == "Deploy your first app")
            #expect(entry.draft?.number == 2)
            #expect(entry.draft?.content.title == "Deploy your app")
            #expect(entry.draft?.content.steps == entry.published?.content.steps)
            let both = try await ada.get(Self.page)
            #expect(both.text(ofID: "walkthrough-versions") == "v1 published · v2 draft")
            #expect(both.has(id: "discard-draft") && both.has(id: "unpublish") && both.has(id: "publish"))
            #expect(!both.has(id: "draft-hint"))

            let listed = try await ada.get(Self.list)
            #expect(listed.html.contains(#"<a class="walkthrough-link" href="\#(Self.page)">Deploy your app</a>"#))
            #expect(listed.html.contains("v1 published · v2 draft"))

            let analytics = try await ada.get(Self.page + "/analytics")
            #expect(analytics.status == .ok)
            #expect(analytics.has(id: "no-starts"))
            #expect(analytics.html.contains(#"<option value="1" selected>v1</option>"#))

            #expect(try await ada.post(Self.page + "/discard-draft").location == Self.page + "?notice=draft-discarded")
            #expect(try await Self.entry(harness).draft == nil)
            #expect(try await ada.get(Self.page).text(ofID: "walkthrough-versions") == "v1 published")
        }
    }

    @Test func unpublishArchiveRestoreDuplicateAndDelete() async throws {
        try await Harness.run { harness in
            let ada = try await Self.walkthroughWithAStep(harness)
            #expect(try await ada.post(Self.page + "/publish").status == .seeOther)
            #expect(try await ada.post(Self.page + "/unpublish").location == Self.page + "?notice=unpublished")
            #expect(try await Self.entry(harness).walkthrough.status == .draft)
            #expect(try await ada.post(Self.page + "/archive").location == Self.page + "?notice=archived")
            let archived = try await ada.get(Self.page)
            #expect(archived.has(id: "restore") && !archived.has(id: "archive") && !archived.has(id: "unpublish"))
            // Restored as the admin API restores: shown again, as it has a published version.
            #expect(try await ada.post(Self.page + "/restore").location == Self.page + "?notice=restored")
            #expect(try await Self.entry(harness).walkthrough.status == .published)

            let copy = try await ada.post(Self.page + "/duplicate")
            #expect(copy.location == Self.page + "-copy?notice=duplicated")
            #expect(
                try await Self.entry(harness, slug: "deploy-your-first-app-copy").latest.content.title == "Copy of Deploy your first app")
            // Never published: restored as a draft.
            _ = try await ada.get(Self.page + "-copy")
            #expect(try await ada.post(Self.page + "-copy/archive").status == .seeOther)
            #expect(try await ada.post(Self.page + "-copy/restore").status == .seeOther)
            #expect(try await Self.entry(harness, slug: "deploy-your-first-app-copy").walkthrough.status == .draft)

            let wrong = try await ada.post(Self.page + "/delete", ["confirm": "deploy"])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.fieldErrors == ["type deploy-your-first-app to confirm"])
            let deleted = try await ada.post(Self.page + "/delete", ["confirm": "deploy-your-first-app"])
            #expect(deleted.location == Self.list + "?notice=deleted")
            #expect(try await ada.get(Self.page).status == .notFound)
            #expect(try await ada.get(Self.list).html.contains("deploy-your-first-app-copy"))
        }
    }

    @Test func formsKeepWhatWasEnteredAndShowProblemsByField() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let bad = try await ada.submit(Self.list, ["title": "", "slug": "Not A Slug", "kind": "course", "estimated_minutes": "soon"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.fieldErrors == ["a whole number of minutes, or empty"])
            #expect(bad.inputValue("estimated_minutes") == "soon")
            let untitled = try await ada.post(Self.list, ["title": "", "slug": "x-y", "kind": "course"])
            #expect(untitled.fieldErrors == ["required"])
            try await Self.create(by: ada)
            let taken = try await Self.create(by: ada)
            #expect(taken.status == .unprocessableContent)
            #expect(taken.fieldErrors == ["this server already has a walkthrough 'deploy-your-first-app'"])
            #expect(taken.inputValue("slug") == "deploy-your-first-app")
            let minutes = try await ada.submit(
                Self.page, to: Self.page + "/details", ["title": "T", "kind": "quickstart", "estimated_minutes": "0"])
            #expect(minutes.status == .unprocessableContent)
            #expect(minutes.fieldErrors == ["between 1 and 1440 minutes"])
            let step = try await ada.post(Self.page + "/steps", ["step_title": ""])
            #expect(step.status == .unprocessableContent)
            #expect(step.fieldErrors == ["required"])
        }
    }

    @Test func analyticsShowTheFunnelOfRunsThroughTheMCPEndpoint() async throws {
        try await Harness.run { harness in
            let ada = try await Self.walkthroughWithAStep(harness)
            try await Self.addStep("Deploy", content: "Deploy it.", by: ada)
            _ = try await ada.get(Self.page)
            #expect(try await ada.post(Self.page + "/publish").status == .seeOther)
            // Three end users: one finishes, one fails the second step and leaves a note, one only starts.
            let mcp = MCPClient(client: harness.client)
            let slug = "deploy-your-first-app"
            for steps in [[("done", 1), ("done", 2)], [("done", 1), ("failed", 2)], []] {
                let (session, _) = try await mcp.initialize()
                _ = try await mcp.tool("start_walkthrough", ["slug": slug], session: session)
                for (outcome, step) in steps {
                    let note = outcome == "failed" ? "<b>no browser</b>" : "fine"
                    _ = try await mcp.tool(
                        "complete_step", ["slug": slug, "step": step, "outcome": outcome, "note": note], session: session)
                }
            }
            let analytics = try await ada.get(Self.page + "/analytics")
            #expect(analytics.text(ofID: "stat-starts") == "3")
            #expect(analytics.text(ofID: "stat-completions") == "1")
            #expect(analytics.text(ofID: "stat-rate") == "33%")
            #expect(analytics.html.contains(#"<div class="bar" data-percent="100"></div>"#))
            #expect(analytics.html.contains(#"<div class="bar" data-percent="66"></div>"#))
            #expect(analytics.html.contains("<td>2. Deploy</td><td>2</td><td>1</td><td>1</td>"))
            #expect(analytics.html.contains("Step 2: &lt;b&gt;no browser&lt;/b&gt;"))
            let list = try await ada.get(Self.list)
            #expect(list.html.contains("<td>2</td><td>3</td><td>33%</td>"))
        }
    }

    // MARK: Export and import

    @Test func anExportImportedIntoAnotherServerHasTheSameContent() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            try await harness.createServer(by: ada, in: "acme", slug: "staging", name: "Staging")
            try await Self.create(by: ada)
            try await Self.addStep("Install", content: "Run:\n\n```sh\nnpm i -g acme\n```", operations: "Install the CLI.", by: ada)
            try await Self.addStep("Deploy", content: "Then **deploy**.", by: ada)
            _ = try await ada.get(Self.page)
            #expect(try await ada.post(Self.page + "/publish").status == .seeOther)
            let original = try await Self.entry(harness)

            let export = try await ada.get(Self.page + "/export.json")
            #expect(export.status == .ok)
            #expect(export.headers[.contentType] == "application/json; charset=utf-8")
            #expect(export.headers[.contentDisposition] == "attachment; filename=\"deploy-your-first-app-v1.json\"")
            let document = try WalkthroughDocument.decode(json: Array(export.html.utf8))
            #expect(document == WalkthroughDocument(slug: "deploy-your-first-app", content: original.latest.content, version: 1))
            #expect(try await ada.get(Self.page + "/export.json?version=1").html == export.html)
            #expect(try await ada.get(Self.page + "/export.json?version=7").status == .notFound)

            let staging = "/orgs/acme/servers/staging/walkthroughs"
            let imported = try await Self.upload("deploy-your-first-app-v1.json", Array(export.html.utf8), to: staging, by: ada)
            #expect(imported.location == staging + "/deploy-your-first-app?notice=imported")
            let copy = try await Self.entry(harness, server: "staging")
            #expect(copy.latest.content == original.latest.content)
            #expect(copy.walkthrough.status == .draft)
            #expect(try await ada.follow(imported).flash?.text == "Imported as a new draft.")

            // Importing it again makes a new draft of the walkthrough with that slug.
            var changed = document
            changed.content.steps.removeLast()
            let again = try await Self.upload("changed.json", Array(changed.json()), to: Self.list, by: ada)
            #expect(again.location == Self.page + "?notice=imported-draft")
            let updated = try await Self.entry(harness)
            #expect(updated.published == original.published)
            #expect(updated.draft?.number == 2)
            #expect(updated.draft?.content.steps.count == 1)
        }
    }

    @Test func aMarkdownImportMakesAStepOfEachSecondLevelHeading() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let markdown = """
                # Getting started

                Set up the SDK in five minutes.

                ## Install

                Add the package.

                ### Operations

                Run `npm i acme`.

                ## Say hello

                ```js
                acme.hello()
                ```

                ### Check

                It prints hello.
                """
            let imported = try await Self.upload("Getting Started.md", Array(markdown.utf8), to: Self.list, by: ada)
            #expect(imported.location == Self.list + "/getting-started?notice=imported")
            let content = try await Self.entry(harness, slug: "getting-started").latest.content
            #expect(content.title == "Getting started")
            #expect(content.description == "Set up the SDK in five minutes.")
            #expect(content.steps.map(\.title) == ["Install", "Say hello"])
            #expect(content.steps[0].content == "Add the package.")
            #expect(content.steps[0].operations == "Run `npm i acme`.")
            #expect(content.steps[1].content == "```js\nacme.hello()\n```")
            #expect(content.steps[1].check == "It prints hello.")
        }
    }

    @Test func importProblemsAreListedByFieldWith422() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            let json = #"{"format_version": 1, "slug": "x-y", "title": "T", "type": "quickstart", "steps": [{"content": "no title"}]}"#
            let missing = try await Self.upload("x.json", Array(json.utf8), to: Self.list, by: ada)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.has(id: "import-error"))
            #expect(missing.html.contains("<strong>Step 1: title</strong>: required"))
            let future = try await Self.upload("x.json", Array(#"{"format_version": 9}"#.utf8), to: Self.list, by: ada)
            #expect(future.status == .unprocessableContent)
            #expect(future.html.contains("version 9 is not supported"))
            let text = try await Self.upload("notes.txt", Array("hello".utf8), to: Self.list, by: ada)
            #expect(text.status == .unprocessableContent)
            #expect(text.html.contains("choose a .json file"))
            let noHeadings = try await Self.upload("notes.md", Array("just text".utf8), to: Self.list, by: ada)
            #expect(noHeadings.status == .unprocessableContent)
            #expect(noHeadings.html.contains("second-level heading"))
            var forged = MultipartBody()
            forged.fields = [("_csrf", "forged")]
            forged.files = [("file", "x.json", Array(json.utf8))]
            #expect(try await ada.post(Self.list + "/import", multipart: forged).status == .forbidden)
            #expect(try await harness.count("walkthroughs") == 0)
        }
    }

    static func upload(_ filename: String, _ content: [UInt8], to list: String, by browser: Browser) async throws -> WebPage {
        _ = try await browser.get(list)
        var body = MultipartBody()
        body.fields = [("_csrf", try #require(await browser.csrf))]
        body.files = [("file", filename, content)]
        return try await browser.post(list + "/import", multipart: body)
    }

    // MARK: Roles, tenants, CSRF

    @Test func membersReadEverythingButChangeNothing() async throws {
        try await Harness.run { harness in
            let max = try await harness.member(
                "max@example.com", as: .member, of: "acme", invitedBy: try await Self.walkthroughWithAStep(harness))
            let list = try await max.get(Self.list)
            #expect(list.status == .ok && !list.has(id: "new-walkthrough") && !list.has(id: "import-walkthrough"))
            let page = try await max.get(Self.page)
            #expect(page.status == .ok)
            #expect(page.html.contains(#"<fieldset class="plain" disabled>"#))
            #expect(!page.has(id: "lifecycle") && !page.has(id: "add-step-form") && !page.has(id: "delete-walkthrough-form"))
            #expect(!page.has(id: "step-1-delete"))
            #expect(try await max.get(Self.page + "/steps/1").html.contains(#"<fieldset class="plain" disabled>"#))
            #expect(try await max.get(Self.page + "/export.json").status == .ok)
            #expect(try await max.get(Self.page + "/analytics").status == .ok)
            _ = try await max.get(Self.page)
            for path in [
                Self.list, Self.page + "/publish", Self.page + "/archive", Self.page + "/duplicate", Self.page + "/details",
                Self.page + "/steps", Self.page + "/steps/1", Self.page + "/steps/1/delete", Self.page + "/delete",
            ] {
                let response = try await max.post(path, ["title": "Mine", "kind": "course", "confirm": "deploy-your-first-app"])
                #expect(response.status == .forbidden, "POST \(path)")
            }
            var body = MultipartBody()
            body.fields = [("_csrf", try #require(await max.csrf))]
            body.files = [("file", "x.md", Array("# T\n\n## S\n\nx".utf8))]
            #expect(try await max.post(Self.list + "/import", multipart: body).status == .forbidden)
            let entry = try await Self.entry(harness)
            #expect(entry.walkthrough.status == .draft && entry.latest.content.steps.count == 1)
            #expect(try await harness.count("walkthroughs") == 1)
        }
    }

    @Test func anotherOrganizationAndUnknownWalkthroughsOrStepsGet404() async throws {
        try await Harness.run { harness in
            let ada = try await Self.walkthroughWithAStep(harness)
            let bob = try await harness.owner("bob@example.com", organization: "Other", slug: "other")
            try await harness.createServer(by: bob, in: "other", slug: "theirs")
            for path in [Self.list, Self.page, Self.page + "/steps/1", Self.page + "/export.json", Self.page + "/analytics"] {
                #expect(try await bob.get(path).status == .notFound, "GET \(path)")
            }
            // Their own server's path, with our slug: not found either.
            let theirs = "/orgs/other/servers/theirs/walkthroughs/deploy-your-first-app"
            #expect(try await bob.get(theirs).status == .notFound)
            for path in [
                Self.page + "/publish", Self.page + "/delete", Self.page + "/steps/1", Self.page + "/preview", theirs + "/publish",
            ] {
                _ = try await bob.get("/orgs/other/servers/theirs/walkthroughs")
                #expect(
                    try await bob.post(path, ["confirm": "deploy-your-first-app", "markdown": "x"]).status == .notFound, "POST \(path)")
            }
            for path in [
                Self.list + "/nope", Self.page + "/steps/0", Self.page + "/steps/2", Self.page + "/steps/x",
                Self.page + "/export.json?version=x",
            ] {
                #expect(try await ada.get(path).status == .notFound, "GET \(path)")
            }
            #expect(try await Self.entry(harness).walkthrough.status == .draft)
        }
    }

    @Test func everyChangeNeedsTheFormsCSRFToken() async throws {
        try await Harness.run { harness in
            let ada = try await Self.walkthroughWithAStep(harness)
            for path in ["/publish", "/details", "/steps", "/steps/1/delete", "/delete", "/preview"] {
                for csrf in [Browser.CSRF.omitted, .value("forged")] {
                    let response = try await ada.post(Self.page + path, ["confirm": "deploy-your-first-app"], csrf: csrf)
                    #expect(response.status == .forbidden, "POST \(path), CSRF \(csrf)")
                    _ = try await ada.get(Self.page)
                }
            }
            #expect(try await Self.entry(harness).latest.content.steps.count == 1)
        }
    }

    // MARK: Markdown and what authors write

    @Test func theLivePreviewRendersMarkdownSafely() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            try await Self.create(by: ada)
            let preview = try await ada.submit(
                Self.page, to: Self.page + "/preview", ["markdown": "**Bold** <b>not</b> [x](javascript:alert(1))"])
            #expect(preview.status == .ok)
            #expect(preview.headers[.contentType] == "text/html; charset=utf-8")
            #expect(preview.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(preview.html == "<p><strong>Bold</strong> &lt;b&gt;not&lt;/b&gt; [x](javascript:alert(1))</p>\n")
            _ = try await ada.get(Self.page)
            let large = try await ada.post(Self.page + "/preview", ["markdown": String(repeating: "a", count: 70_000)])
            #expect(large.status == .contentTooLarge)
        }
    }

    @Test func scriptsAndJavaScriptLinksInStepsAreShownAsText() async throws {
        try await Harness.run { harness in
            let ada = try await Self.owner(harness)
            try await Self.create(by: ada, title: "<img src=x onerror=alert(1)>")
            let page = Self.list + "/img-src-x-onerror-alert-1"
            let hostile = "<script>alert(1)</script>\n\n[click me](javascript:alert(1)) <a href=\"javascript:alert(2)\">a</a>"
            try await Self.addStep("<script>alert(3)</script>", content: hostile, operations: "[x](JavaScript:alert(4))", by: ada, to: page)
            for path in [page, page + "/steps/1", Self.list, page + "/analytics"] {
                let html = try await ada.get(path).html
                for injected in ["<script>alert", "<img src=x", "href=\"javascript:", "href=\"JavaScript:", "<a href=\"javascript"] {
                    #expect(!html.contains(injected), "\(path): \(injected)")
                }
                #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "\(path)")
            }
            let shown = try await ada.get(page)
            #expect(shown.html.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"))
            #expect(shown.html.contains("[click me](javascript:alert(1)) &lt;a href=&quot;javascript:alert(2)&quot;&gt;a&lt;/a&gt;"))
            let editor = try await ada.get(page + "/steps/1")
            #expect(editor.html.contains(#"<div class="preview markdown" id="preview-content""#))
            #expect(editor.html.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"))
        }
    }
}
