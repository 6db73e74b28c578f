import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The customer dashboard driven through the router (no sockets), with bcrypt at its lowest
/// cost. People are ``Browser``s: each keeps its own cookies and posts forms with the `_csrf`
/// of the last page it was shown.
struct DashboardHarness: Sendable {
    let client: any TestClientProtocol
    let platform: Platform

    static let password = "correct horse battery"

    static func run(
        _ backend: Backend = .sqlite, configure: @escaping @Sendable (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (DashboardHarness) async throws -> Void
    ) async throws {
        try await backend.withDatabase { database in
            let platform = Platform.test(database: database) { configuration in
                configuration.passwordHashCost = 4
                configure(&configuration)
            }
            try await Application(router: buildRouter(platform: platform), logger: .quiet).test(.router) { client in
                try await body(DashboardHarness(client: client, platform: platform))
            }
        }
    }

    /// A browser with no cookies yet.
    func browser() -> Browser { Browser(client: client) }

    // MARK: Through the forms

    /// Signs `email` up through the form (a new user, signed in, without organization).
    func signUp(_ email: String, name: String = "Test User", password: String = password) async throws -> Browser {
        let browser = browser()
        let response = try await browser.submit("/signup", ["name": name, "email": email, "password": password])
        try #require(response.status == .seeOther, "sign-up of \(email): \(response.status) \(response.html)")
        return browser
    }

    /// Signs `email` up and creates the organization `name` with `slug`: its owner.
    func owner(_ email: String, organization name: String, slug: String) async throws -> Browser {
        let browser = try await signUp(email)
        let response = try await browser.submit("/orgs/new", ["name": name, "slug": slug])
        try #require(response.location == "/orgs/\(slug)", "organization \(slug): \(response.status) \(response.html)")
        return browser
    }

    /// Creates a server through the form of `organization`.
    @discardableResult
    func createServer(
        by browser: Browser, in organization: String, slug: String, name: String = "Docs", description: String = ""
    ) async throws -> WebPage {
        let path = "/orgs/\(organization)/servers/new"
        let response = try await browser.submit(path, ["name": name, "slug": slug, "description": description])
        try #require(response.location == "/orgs/\(organization)/servers/\(slug)", "server \(slug): \(response.status) \(response.html)")
        return response
    }

    /// Creates an invitation through the members page of `organization`; returns the path of its link.
    func invite(_ email: String, as role: Role, to organization: String, by browser: Browser) async throws -> String {
        let response = try await browser.submit(
            "/orgs/\(organization)/members", to: "/orgs/\(organization)/invitations", ["email": email, "role": role.rawValue])
        try #require(response.status == .ok, "invitation: \(response.status) \(response.html)")
        let link = try #require(response.text(ofID: "invitation-link"), "no invitation link: \(response.html)")
        let expected = platform.configuration.publicOrigin + "/invitations/"
        try #require(link.hasPrefix(expected), "\(link)")
        return "/invitations/" + link.dropFirst(expected.count)
    }

    /// Signs `email` up and has them accept an invitation to `organization` with `role`.
    func member(_ email: String, as role: Role, of organization: String, invitedBy inviter: Browser) async throws -> Browser {
        let path = try await invite(email, as: role, to: organization, by: inviter)
        let browser = try await signUp(email)
        let accepted = try await browser.submit(path, [:])
        try #require(accepted.location == "/orgs/\(organization)", "accepting: \(accepted.status) \(accepted.html)")
        return browser
    }

    // MARK: Storage

    /// Rows of `table` (an identifier of the schema), optionally `where` a condition.
    func count(_ table: String, where condition: String? = nil) async throws -> Int {
        let filter = condition.map { " WHERE " + $0 } ?? ""
        let row = try await platform.database.one("SELECT COUNT(*) AS n FROM \(raw: table)\(raw: filter)")
        return Int(try row.decode("n", as: Int64.self))
    }

    /// The role `email` has in the organization `slug`, from the database.
    func role(of email: String, in slug: String) async throws -> Role? {
        guard let user = try await platform.accounts.users.find(email: email) else { return nil }
        return try await platform.accounts.memberships.membership(userID: user.id, organizationSlug: slug)?.role
    }
}

/// A browser over the router's test client: a cookie jar, and forms posted with the `_csrf`
/// hidden field of the last HTML page it was shown.
actor Browser {
    let client: any TestClientProtocol
    private(set) var cookies: [String: String] = [:]
    private(set) var lastPage: WebPage?

    init(client: any TestClientProtocol) {
        self.client = client
    }

    /// Which `_csrf` a form is posted with.
    enum CSRF: Sendable, CustomTestStringConvertible {
        /// The hidden field of the last page.
        case fromLastPage
        /// None at all.
        case omitted
        case value(String)

        var testDescription: String {
            switch self {
            case .fromLastPage: "from the page"
            case .omitted: "omitted"
            case .value: "wrong"
            }
        }
    }

    /// The `_csrf` hidden field of the last page.
    var csrf: String? { lastPage?.hiddenInput("_csrf") }

    @discardableResult
    func get(_ path: String) async throws -> WebPage {
        try await send(path, method: .get, body: nil)
    }

    /// Posts `fields` as a form, with the `_csrf` that `csrf` says.
    @discardableResult
    func post(_ path: String, _ fields: [String: String] = [:], csrf: CSRF = .fromLastPage) async throws -> WebPage {
        var fields = fields
        switch csrf {
        case .fromLastPage:
            guard let token = self.csrf else { throw Failure("the last page (\(lastPage?.status as Any)) has no _csrf field") }
            fields["_csrf"] = token
        case .omitted: break
        case .value(let value): fields["_csrf"] = value
        }
        return try await send(path, method: .post, body: FormEncoding.encode(fields))
    }

    /// Shows `page`, then posts its form (to `action`, by default the same path) with `fields`.
    @discardableResult
    func submit(_ page: String, to action: String? = nil, _ fields: [String: String], csrf: CSRF = .fromLastPage) async throws -> WebPage {
        let shown = try await get(page)
        guard shown.status == .ok else { throw Failure("GET \(page): \(shown.status) \(shown.html)") }
        return try await post(action ?? page, fields, csrf: csrf)
    }

    /// Follows the redirect of `page`.
    func follow(_ page: WebPage) async throws -> WebPage {
        guard let location = page.location else { throw Failure("not a redirect: \(page.status)") }
        return try await get(location)
    }

    /// A step of the browser that could not be taken.
    struct Failure: Error, CustomStringConvertible {
        let description: String

        init(_ description: String) {
            self.description = description
        }
    }

    func setCookie(_ name: String, _ value: String?) {
        cookies[name] = value
    }

    /// Posts a `multipart/form-data` body as it is (see ``MultipartBody``).
    @discardableResult
    func post(_ path: String, multipart: MultipartBody) async throws -> WebPage {
        try await send(path, method: .post, body: multipart.buffer, contentType: multipart.contentType)
    }

    private func send(_ path: String, method: HTTPRequest.Method, body: String?) async throws -> WebPage {
        try await send(path, method: method, body: body.map { ByteBuffer(string: $0) }, contentType: "application/x-www-form-urlencoded")
    }

    private func send(_ path: String, method: HTTPRequest.Method, body: ByteBuffer?, contentType: String) async throws -> WebPage {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        if body != nil { headers[.contentType] = contentType }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        let page = WebPage(status: response.status, headers: response.headers, html: String(buffer: response.body))
        for setCookie in page.setCookies {
            let pair = setCookie.prefix { $0 != ";" }.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let expired = setCookie.lowercased().contains("max-age=0") || pair[1].isEmpty
            cookies[String(pair[0])] = expired ? nil : String(pair[1])
        }
        if page.headers[.contentType]?.hasPrefix("text/html") == true { lastPage = page }
        return page
    }
}

/// A response as a browser sees it, with what the tests look for in its HTML.
struct WebPage: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let html: String

    var location: String? { headers[.location] }
    var setCookies: [String] { headers[values: .setCookie] }

    /// The `Set-Cookie` value that sets `name`.
    func setCookie(_ name: String) -> String? {
        setCookies.first { $0.hasPrefix(name + "=") }
    }

    /// Whether an element has `id`.
    func has(id: String) -> Bool {
        html.contains("id=\"\(id)\"")
    }

    /// The value of the hidden input `name`, unescaped.
    func hiddenInput(_ name: String) -> String? {
        html.hiddenInput(name).map(Self.unescape)
    }

    /// The text of the element with `id` (up to its first child tag), unescaped.
    func text(ofID id: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\""), let open = html[start.upperBound...].firstIndex(of: ">") else { return nil }
        let rest = html[html.index(after: open)...]
        return Self.unescape(String(rest.prefix { $0 != "<" }))
    }

    /// The value of the first `attribute` after the element with `id` starts (in it, or in its children), unescaped.
    func attribute(_ attribute: String, after id: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\""), let value = html[start.upperBound...].range(of: " \(attribute)=\"") else {
            return nil
        }
        return Self.unescape(String(html[value.upperBound...].prefix { $0 != "\"" }))
    }

    /// The texts of the elements of class `field-error`.
    var fieldErrors: [String] {
        html.components(separatedBy: "class=\"field-error\"").dropFirst().map {
            Self.unescape(String($0.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" }))
        }
    }

    /// The kind (`success`, `error`) and text of the flash message.
    var flash: (kind: String, text: String)? {
        guard let start = html.range(of: "class=\"flash ") else { return nil }
        let kind = String(html[start.upperBound...].prefix { $0 != "\"" })
        let text = html[start.upperBound...].drop { $0 != ">" }.dropFirst().prefix { $0 != "<" }
        return (kind, Self.unescape(String(text)))
    }

    /// The values of `<input name="…" value="…">`: what a form keeps after an error.
    func inputValue(_ name: String) -> String? {
        guard let start = html.range(of: "name=\"\(name)\"") else { return nil }
        let tag = html[start.upperBound...].prefix { $0 != ">" }
        guard let value = tag.range(of: "value=\"") else { return nil }
        return Self.unescape(String(tag[value.upperBound...].prefix { $0 != "\"" }))
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
