import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The customer dashboard through the router: accounts, organizations, servers, members and
/// invitations; CSRF, tenant isolation and roles enforced on the server.
@Suite struct DashboardTests {
    typealias Harness = DashboardHarness

    // MARK: The journey

    @Test(arguments: Backend.available)
    func signUpCreateAnOrganizationAndAServerInviteAndSignOut(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let ada = harness.browser()
            #expect(try await ada.get("/").location == "/login")
            #expect(try await ada.get("/orgs/acme-inc").location == "/login?next=%2Forgs%2Facme-inc")

            let form = try await ada.get("/signup")
            #expect(form.status == .ok)
            #expect(form.has(id: "signup-submit"))
            for field in ["name", "email", "password"] { #expect(form.html.contains("<label for=\"\(field)\">"), "\(field)") }
            let signedUp = try await ada.post("/signup", ["name": "Ada", "email": "Ada@Example.com", "password": Harness.password])
            #expect(signedUp.status == .seeOther)
            #expect(signedUp.location == "/orgs/new")
            let cookie = try #require(signedUp.setCookie(Dashboard.sessionCookie))
            let attributes = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            #expect(attributes.contains("httponly"))
            #expect(attributes.contains("samesite=lax"))
            #expect(attributes.contains("path=/"))
            #expect(!attributes.contains("secure"), "the test platform is on http")

            let hash = try await harness.platform.database.one("SELECT email, password_hash FROM users")
            #expect(try hash.decode("email", as: String.self) == "ada@example.com")
            let stored = try hash.decode("password_hash", as: String.self)
            #expect(stored != Harness.password)
            #expect(!stored.contains(Harness.password))
            #expect(stored.hasPrefix("$2"))

            #expect(try await ada.get("/").location == "/orgs/new")
            let created = try await ada.submit("/orgs/new", ["name": "Acme, Inc.", "slug": ""])
            #expect(created.location == "/orgs/acme-inc")
            #expect(try await harness.role(of: "ada@example.com", in: "acme-inc") == .owner)
            #expect(try await ada.get("/").location == "/orgs/acme-inc")

            let home = try await ada.get("/orgs/acme-inc")
            #expect(home.status == .ok)
            #expect(home.html.contains("<main id=\"main\""))
            #expect(home.attribute("href", after: "new-server") == "/orgs/acme-inc/servers/new")
            #expect(home.has(id: "org-switcher"))
            #expect(home.has(id: "logout"))

            try await harness.createServer(by: ada, in: "acme-inc", slug: "guide", name: "Acme Docs", description: "The SDK")
            let listed = try await ada.get("/orgs/acme-inc")
            #expect(listed.html.contains(#"<a class="server-link" href="/orgs/acme-inc/servers/guide">"#))
            let overview = try await ada.get("/orgs/acme-inc/servers/guide")
            #expect(overview.status == .ok)
            #expect(
                overview.text(ofID: "endpoint-url") == ServerEndpoints(slug: "guide", configuration: harness.platform.configuration).primary
            )

            let invitation = try await harness.invite("grace@example.com", as: .admin, to: "acme-inc", by: ada)
            let grace = try await harness.signUp("grace@example.com")
            let invited = try await grace.get(invitation)
            #expect(invited.status == .ok)
            #expect(invited.has(id: "accept-invitation"))
            #expect(try await grace.post(invitation).location == "/orgs/acme-inc")
            #expect(try await harness.role(of: "grace@example.com", in: "acme-inc") == .admin)
            let members = try await grace.get("/orgs/acme-inc/members")
            #expect(members.html.contains("ada@example.com"))
            #expect(members.html.contains("grace@example.com"))

            let signedOut = try await ada.post("/logout")
            #expect(signedOut.location == "/login")
            let cleared = try #require(signedOut.setCookie(Dashboard.sessionCookie))
            #expect(cleared.hasPrefix("\(Dashboard.sessionCookie)=;"))
            #expect(cleared.contains("Max-Age=0"))
            #expect(try await ada.get("/orgs/acme-inc").location?.hasPrefix("/login") == true)

            let signedIn = try await ada.submit("/login", ["email": "ada@example.com", "password": Harness.password])
            #expect(signedIn.location == "/")
            #expect(try await ada.follow(signedIn).location == "/orgs/acme-inc")
        }
    }

    // MARK: Sign-up

    @Test func signUpWithATakenEmailKeepsTheEmailButNotThePassword() async throws {
        try await Harness.run { harness in
            _ = try await harness.signUp("ada@example.com")
            let again = harness.browser()
            let password = "another secret password"
            let response = try await again.submit("/signup", ["name": "Ada Again", "email": "ADA@example.com", "password": password])
            #expect(response.status == .unprocessableContent)
            #expect(response.fieldErrors == [AccountError.emailTaken.description])
            #expect(response.inputValue("email") == "ADA@example.com")
            #expect(response.inputValue("name") == "Ada Again")
            #expect(!response.html.contains(password))
            #expect(response.setCookie(Dashboard.sessionCookie) == nil)
            #expect(try await harness.count("users") == 1)
        }
    }

    struct InvalidSignUp: Sendable, CustomTestStringConvertible {
        let email: String
        let password: String
        let error: AccountError

        var testDescription: String { "\(email) / \(password.count) characters" }
    }

    @Test(arguments: [
        InvalidSignUp(email: "not-an-email", password: DashboardHarness.password, error: .invalidEmail),
        InvalidSignUp(email: "ada@localhost", password: DashboardHarness.password, error: .invalidEmail),
        InvalidSignUp(email: "<b>@example.com", password: DashboardHarness.password, error: .invalidEmail),
        InvalidSignUp(email: "ada@example.com", password: "too short", error: .weakPassword(minimum: UserStore.minimumPasswordLength)),
    ])
    func signUpValidatesTheEmailAndThePasswordLength(signUp: InvalidSignUp) async throws {
        try await Harness.run { harness in
            let browser = harness.browser()
            let response = try await browser.submit("/signup", ["name": "Ada", "email": signUp.email, "password": signUp.password])
            #expect(response.status == .unprocessableContent)
            #expect(response.html.contains(#"<p class="field-error" role="alert">"#))
            #expect(response.fieldErrors == [signUp.error.description])
            #expect(response.inputValue("email") == signUp.email)
            #expect(!response.html.contains(signUp.password))
            #expect(response.setCookie(Dashboard.sessionCookie) == nil)
            #expect(try await harness.count("users") == 0)
        }
    }

    @Test func theSessionCookieIsSecureBehindHTTPS() async throws {
        try await Harness.run(configure: { $0.publicURL = URL(string: "https://mcp.example.com") }) { harness in
            let response = try await harness.browser().submit(
                "/signup", ["name": "Ada", "email": "ada@example.com", "password": Harness.password])
            #expect(response.setCookie(Dashboard.sessionCookie)?.hasSuffix("; HttpOnly; SameSite=Lax; Secure") == true)
        }
    }

    // MARK: Sign-in

    @Test func wrongPasswordAndUnknownEmailGetTheSame401() async throws {
        try await Harness.run { harness in
            _ = try await harness.signUp("ada@example.com")
            let browser = harness.browser()
            let wrong = try await browser.submit("/login", ["email": "ada@example.com", "password": "not the password"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.flash?.kind == "error")
            #expect(wrong.has(id: "login-submit"))
            #expect(wrong.inputValue("email") == "ada@example.com")
            #expect(!wrong.html.contains("not the password"))
            let unknown = try await browser.submit("/login", ["email": "nobody@example.com", "password": "not the password"])
            #expect(unknown.status == .unauthorized)
            #expect(unknown.flash?.text == wrong.flash?.text)
            #expect(unknown.flash?.text == "Wrong email or password.")
            #expect(wrong.setCookie(Dashboard.sessionCookie) == nil)
            #expect(try await harness.count("web_sessions") == 1, "only the sign-up's")
        }
    }

    @Test func fiveFailuresBlockSignInForAWhileEvenWithTheRightPassword() async throws {
        try await AccountPages.loginLimit.waitForRoom()
        try await Harness.run { harness in
            _ = try await harness.signUp("ada@example.com")
            let browser = harness.browser()
            for attempt in 1...5 {
                let response = try await browser.submit("/login", ["email": "ada@example.com", "password": "guess number \(attempt)"])
                #expect(response.status == .unauthorized, "attempt \(attempt)")
            }
            let blocked = try await browser.submit("/login", ["email": "ada@example.com", "password": Harness.password])
            #expect(blocked.status == .tooManyRequests)
            let retryAfter = try #require(blocked.headers[.retryAfter].flatMap(Int.init))
            #expect((1...900).contains(retryAfter))
            #expect(blocked.flash?.kind == "error")
            #expect(blocked.flash?.text.contains("Try again in") == true)
            #expect(blocked.setCookie(Dashboard.sessionCookie) == nil)
            #expect(try await harness.count("web_sessions") == 1, "only the sign-up's")
        }
    }

    /// Failures are counted per address as typed: spaces or capitals around it must not start a new count.
    @Test func theFailureCountIsPerNormalizedEmail() async throws {
        try await AccountPages.loginLimit.waitForRoom()
        try await Harness.run { harness in
            _ = try await harness.signUp("ada@example.com")
            // Five failures from elsewhere (other client addresses) against this account.
            for _ in 1...5 {
                _ = try await harness.platform.auth.rateLimiter.hit("login-email:ada@example.com", limit: AccountPages.loginLimit)
            }
            for email in ["ada@example.com", " ada@example.com", "ADA@example.com\t"] {
                let response = try await harness.browser().submit("/login", ["email": email, "password": Harness.password])
                #expect(response.status == .tooManyRequests, "\(email.debugDescription)")
            }
        }
    }

    @Test func signingOutEndsTheSessionOnTheServer() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            let token = try #require(await ada.cookies[Dashboard.sessionCookie])
            _ = try await ada.get("/orgs/acme")
            let signedOut = try await ada.post("/logout")
            #expect(signedOut.location == "/login")
            #expect(signedOut.setCookie(Dashboard.sessionCookie)?.contains("Max-Age=0") == true)
            #expect(await ada.cookies[Dashboard.sessionCookie] == nil)
            #expect(try await harness.count("web_sessions") == 0)

            // The old cookie, replayed, no longer signs anyone in.
            let thief = harness.browser()
            await thief.setCookie(Dashboard.sessionCookie, token)
            let response = try await thief.get("/orgs/acme")
            #expect(response.status == .seeOther)
            #expect(response.location == "/login?next=%2Forgs%2Facme")
            #expect(try await thief.get("/").location == "/login")
        }
    }

    // MARK: CSRF

    enum BadToken: String, CaseIterable, Sendable { case omitted, wrong }

    /// Every POST without the form's `_csrf`, or with another's, answers 403 and changes nothing.
    @Test(arguments: BadToken.allCases)
    func postsWithoutTheRightCSRFTokenAreRefused(bad: BadToken) async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            try await harness.createServer(by: ada, in: "acme", slug: "guide")
            let invitation = try await harness.invite("eve@example.com", as: .member, to: "acme", by: ada)
            let invitationID = try #require(
                try await harness.platform.accounts.invitations.find(token: String(invitation.dropFirst(13)))?.id)
            let eve = try await harness.signUp("eve@example.com")
            _ = try await eve.get("/orgs/new")
            let eveToken = try #require(await eve.csrf)
            _ = try await ada.get("/orgs/acme")
            let adaToken = try #require(await ada.csrf)

            func csrf(other: String) -> Browser.CSRF { bad == .omitted ? .omitted : .value(other) }
            func counts() async throws -> [Int] {
                var counts: [Int] = []
                for table in ["users", "web_sessions", "organizations", "memberships", "mcp_servers", "invitations"] {
                    counts.append(try await harness.count(table))
                }
                counts.append(try await harness.count("invitations", where: "revoked_at IS NOT NULL OR accepted_at IS NOT NULL"))
                return counts
            }
            let before = try await counts()

            // Signed in: each form with the other user's (valid) token, or none.
            let signedIn: [(Browser, String, [String: String], String)] = [
                (ada, "/orgs/new", ["name": "Other", "slug": "other"], eveToken),
                (ada, "/orgs/acme/servers/new", ["name": "More", "slug": "more"], eveToken),
                (ada, "/orgs/acme/invitations", ["email": "mallory@example.com", "role": "owner"], eveToken),
                (ada, "/orgs/acme/invitations/\(invitationID)/revoke", [:], eveToken),
                (eve, invitation, [:], adaToken),
                (ada, "/logout", [:], eveToken),
            ]
            for (browser, path, fields, other) in signedIn {
                let response = try await browser.post(path, fields, csrf: csrf(other: other))
                #expect(response.status == .forbidden, "\(path)")
            }

            // Signed out: the double-submit cookie is there, the field is missing or different.
            let stranger = harness.browser()
            let signedOut: [(String, [String: String])] = [
                ("/signup", ["name": "Mallory", "email": "mallory@example.com", "password": Harness.password]),
                ("/login", ["email": "ada@example.com", "password": Harness.password]),
            ]
            for (path, fields) in signedOut {
                _ = try await stranger.get(path)
                #expect(await stranger.cookies[Dashboard.anonymousCSRFCookie] != nil)
                let response = try await stranger.post(path, fields, csrf: csrf(other: RandomToken.make()))
                #expect(response.status == .forbidden, "\(path)")
                #expect(response.setCookie(Dashboard.sessionCookie) == nil, "\(path)")
            }

            #expect(try await counts() == before)
            #expect(try await ada.get("/orgs/acme").status == .ok, "ada is still signed in")
            #expect(try await eve.get(invitation).has(id: "accept-invitation"), "the invitation still works")
        }
    }

    @Test func signedOutFormsNeedTheirCookieToo() async throws {
        try await Harness.run { harness in
            _ = try await harness.signUp("ada@example.com")
            let page = try await harness.browser().get("/login")
            let token = try #require(page.hiddenInput("_csrf"))
            #expect(page.setCookie(Dashboard.anonymousCSRFCookie)?.hasPrefix("\(Dashboard.anonymousCSRFCookie)=\(token);") == true)
            // Another browser (no cookie) replays the field.
            let response = try await harness.browser().post(
                "/login", ["email": "ada@example.com", "password": Harness.password], csrf: .value(token))
            #expect(response.status == .forbidden)
            #expect(response.setCookie(Dashboard.sessionCookie) == nil)
        }
    }

    // MARK: Returning after sign-in

    @Test(arguments: [
        "//evil.example", "https://evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)",
        "evil.example",
    ])
    func nextNeverLeavesThePlatform(next: String) async throws {
        try await Harness.run { harness in
            _ = try await harness.signUp("ada@example.com")
            let browser = harness.browser()
            let form = try await browser.get("/login?next=" + FormEncoding.escape(next))
            #expect(form.hiddenInput("next") == "")
            let logIn = try await browser.post("/login", ["email": "ada@example.com", "password": Harness.password, "next": next])
            #expect(logIn.location == "/")

            let newcomer = harness.browser()
            #expect(try await newcomer.get("/signup?next=" + FormEncoding.escape(next)).hiddenInput("next") == "")
            let signUp = try await newcomer.post(
                "/signup", ["name": "Bob", "email": "bob@example.com", "password": Harness.password, "next": next])
            #expect(signUp.location == "/orgs/new")

            // The organization switcher's `?org=` is held to the same rule.
            #expect(try await newcomer.get("/?org=" + FormEncoding.escape(next)).location == "/orgs/new")
        }
    }

    @Test func nextOnThisSiteIsFollowed() async throws {
        try await Harness.run { harness in
            _ = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            let browser = harness.browser()
            let redirected = try await browser.get("/orgs/acme/members")
            #expect(redirected.location == "/login?next=%2Forgs%2Facme%2Fmembers")
            let form = try await browser.follow(redirected)
            #expect(form.hiddenInput("next") == "/orgs/acme/members")
            let next = try #require(form.hiddenInput("next"))
            let logIn = try await browser.post("/login", ["email": "ada@example.com", "password": Harness.password, "next": next])
            #expect(logIn.location == "/orgs/acme/members")
        }
    }

    // MARK: Organizations

    @Test func organizationSlugsAreDerivedFromTheNameAndUnique() async throws {
        try await Harness.run { harness in
            let ada = try await harness.signUp("ada@example.com")
            let form = try await ada.get("/orgs/new")
            #expect(form.has(id: "create-org"))
            #expect(try await ada.post("/orgs/new", ["name": "Acme, Inc.", "slug": ""]).location == "/orgs/acme-inc")
            #expect(OrganizationPages.slug(from: "Crème Brûlée  Co.") == "creme-brulee-co")

            let members = try await ada.get("/orgs/acme-inc/members")
            #expect(members.html.contains(#"<span class="role role-owner">owner</span>"#))
            #expect(try await harness.role(of: "ada@example.com", in: "acme-inc") == .owner)

            let bob = try await harness.signUp("bob@example.com")
            let taken = try await bob.submit("/orgs/new", ["name": "ACME Inc", "slug": ""])
            #expect(taken.status == .unprocessableContent)
            #expect(taken.fieldErrors.count == 1)
            #expect(taken.inputValue("name") == "ACME Inc")
            let explicit = try await bob.submit("/orgs/new", ["name": "Other", "slug": "acme-inc"])
            #expect(explicit.status == .unprocessableContent)
            #expect(explicit.inputValue("slug") == "acme-inc")
            for slug in ["Not A Slug!", "-dash", "x"] {
                #expect(try await bob.submit("/orgs/new", ["name": "Bob's", "slug": slug]).status == .unprocessableContent, "\(slug)")
            }
            #expect(try await harness.count("organizations") == 1)
            #expect(try await harness.role(of: "bob@example.com", in: "acme-inc") == nil)
            #expect(try await bob.get("/orgs/acme-inc").status == .notFound)
        }
    }

    /// `/orgs/new` and `/orgs/<org>/servers/new` are pages: an organization or server called `new` could never be reached.
    @Test func newIsNotAnIdentifier() async throws {
        try await Harness.run { harness in
            let ada = try await harness.signUp("ada@example.com")
            let organization = try await ada.submit("/orgs/new", ["name": "New", "slug": ""])
            #expect(organization.status == .unprocessableContent)
            #expect(organization.fieldErrors.count == 1)
            #expect(try await ada.submit("/orgs/new", ["name": "Acme", "slug": "new"]).status == .unprocessableContent)
            #expect(try await ada.submit("/orgs/new", ["name": "Acme", "slug": "acme"]).location == "/orgs/acme")
            let server = try await ada.submit("/orgs/acme/servers/new", ["name": "New", "slug": ""])
            #expect(server.status == .unprocessableContent)
            #expect(server.fieldErrors.count == 1)
            #expect(try await harness.count("organizations") == 1)
            #expect(try await harness.count("mcp_servers") == 0)
        }
    }

    // MARK: Tenant isolation

    @Test(arguments: Backend.available)
    func otherOrganizationsDoNotExistForYou(backend: Backend) async throws {
        try await Harness.run(backend) { harness in
            let alice = try await harness.owner("alice@example.com", organization: "Alpha", slug: "alpha")
            try await harness.createServer(by: alice, in: "alpha", slug: "alpha-docs")
            let bob = try await harness.owner("bob@example.com", organization: "Beta", slug: "beta")
            try await harness.createServer(by: bob, in: "beta", slug: "beta-docs")
            let invitation = try await harness.invite("carol@example.com", as: .member, to: "beta", by: bob)
            let invitationID = try #require(
                try await harness.platform.accounts.invitations.find(token: String(invitation.dropFirst(13)))?.id)

            _ = try await alice.get("/orgs/alpha")
            let missing = try await alice.get("/orgs/no-such-org")
            #expect(missing.status == .notFound)
            let before = try await [
                harness.count("mcp_servers"), harness.count("invitations"), harness.count("invitations", where: "revoked_at IS NOT NULL"),
            ]

            let pages = [
                "/orgs/beta", "/orgs/beta/servers/new", "/orgs/beta/servers/beta-docs", "/orgs/beta/members",
                "/orgs/alpha/servers/beta-docs",
                "/orgs/beta/servers/alpha-docs",
            ]
            for path in pages {
                let response = try await alice.get(path)
                #expect(response.status == .notFound, "GET \(path)")
                #expect(response.html == missing.html, "GET \(path) reveals something")
            }
            _ = try await alice.get("/orgs/alpha")
            let token = try #require(await alice.csrf)
            let posts: [(String, [String: String])] = [
                ("/orgs/beta/servers/new", ["name": "Intruder", "slug": "intruder"]),
                ("/orgs/beta/invitations", ["email": "alice2@example.com", "role": "owner"]),
                ("/orgs/beta/invitations/\(invitationID)/revoke", [:]),
            ]
            for (path, fields) in posts {
                let response = try await alice.post(path, fields, csrf: .value(token))
                #expect(response.status == .notFound, "POST \(path)")
                #expect(response.html == missing.html, "POST \(path) reveals something")
            }
            // Through her own organization's path, Bob's invitation is out of reach too (IDOR).
            let revoked = try await alice.post("/orgs/alpha/invitations/\(invitationID)/revoke", csrf: .value(token))
            #expect(revoked.status == .notFound)

            #expect(
                try await [
                    harness.count("mcp_servers"), harness.count("invitations"),
                    harness.count("invitations", where: "revoked_at IS NOT NULL"),
                ] == before)
            #expect(try await harness.role(of: "alice@example.com", in: "beta") == nil)
            let home = try await alice.get("/orgs/alpha")
            #expect(!home.html.contains("beta"))
            #expect(try await bob.get("/orgs/beta/servers/beta-docs").status == .ok)
        }
    }

    // MARK: Roles

    @Test func membersSeeButCannotChange() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            try await harness.createServer(by: ada, in: "acme", slug: "guide")
            let pending = try await harness.invite("later@example.com", as: .member, to: "acme", by: ada)
            let pendingID = try #require(try await harness.platform.accounts.invitations.find(token: String(pending.dropFirst(13)))?.id)
            let max = try await harness.member("max@example.com", as: .member, of: "acme", invitedBy: ada)
            #expect(try await harness.role(of: "max@example.com", in: "acme") == .member)

            let home = try await max.get("/orgs/acme")
            #expect(home.status == .ok)
            #expect(home.html.contains("/orgs/acme/servers/guide"))
            #expect(!home.has(id: "new-server"))
            #expect(!home.html.contains("/orgs/acme/servers/new"))
            #expect(try await max.get("/orgs/acme/servers/guide").status == .ok)
            let members = try await max.get("/orgs/acme/members")
            #expect(members.status == .ok)
            #expect(!members.has(id: "invite"))
            #expect(!members.html.contains("/invitations"), "no invite or revoke forms")
            #expect(!members.html.contains("later@example.com"), "pending invitations are not listed")

            let before = try await [
                harness.count("mcp_servers"), harness.count("invitations"), harness.count("invitations", where: "revoked_at IS NOT NULL"),
            ]
            #expect(try await max.get("/orgs/acme/servers/new").status == .forbidden)
            _ = try await max.get("/orgs/acme")
            let token = try #require(await max.csrf)
            let posts: [(String, [String: String])] = [
                ("/orgs/acme/servers/new", ["name": "Mine", "slug": "mine"]),
                ("/orgs/acme/invitations", ["email": "friend@example.com", "role": "member"]),
                ("/orgs/acme/invitations/\(pendingID)/revoke", [:]),
            ]
            for (path, fields) in posts {
                let response = try await max.post(path, fields, csrf: .value(token))
                #expect(response.status == .forbidden, "POST \(path)")
                #expect(response.html.contains("Your role (member)"), "POST \(path)")
            }
            #expect(
                try await [
                    harness.count("mcp_servers"), harness.count("invitations"),
                    harness.count("invitations", where: "revoked_at IS NOT NULL"),
                ] == before)
        }
    }

    @Test func adminsManageServersAndInviteButCannotMakeOwners() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            let grace = try await harness.member("grace@example.com", as: .admin, of: "acme", invitedBy: ada)

            #expect(try await grace.get("/orgs/acme").has(id: "new-server"))
            try await harness.createServer(by: grace, in: "acme", slug: "graces-docs")
            let members = try await grace.get("/orgs/acme/members")
            #expect(members.has(id: "invite"))
            #expect(!members.html.contains(#"<option value="owner""#))
            _ = try await harness.invite("member@example.com", as: .member, to: "acme", by: grace)
            _ = try await harness.invite("admin@example.com", as: .admin, to: "acme", by: grace)

            let before = try await harness.count("invitations")
            let owner = try await grace.submit(
                "/orgs/acme/members", to: "/orgs/acme/invitations", ["email": "boss@example.com", "role": "owner"])
            #expect(owner.status == .unprocessableContent)
            #expect(owner.fieldErrors.count == 1)
            #expect(!owner.has(id: "invitation-link"))
            let nonsense = try await grace.submit(
                "/orgs/acme/members", to: "/orgs/acme/invitations", ["email": "boss@example.com", "role": "emperor"])
            #expect(nonsense.status == .unprocessableContent)
            let badEmail = try await grace.submit("/orgs/acme/members", to: "/orgs/acme/invitations", ["email": "boss", "role": "member"])
            #expect(badEmail.status == .unprocessableContent)
            #expect(badEmail.fieldErrors == [AccountError.invalidEmail.description])
            #expect(try await harness.count("invitations") == before)
        }
    }

    @Test func ownersCanMakeOwners() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            #expect(try await ada.get("/orgs/acme/members").html.contains(#"<option value="owner""#))
            let linus = try await harness.member("linus@example.com", as: .owner, of: "acme", invitedBy: ada)
            #expect(try await harness.role(of: "linus@example.com", in: "acme") == .owner)
            #expect(try await linus.get("/orgs/acme/members").html.contains(#"<option value="owner""#))
        }
    }

    // MARK: Invitations

    @Test func anInvitationLinkWorksOnce() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            let path = try await harness.invite("max@example.com", as: .member, to: "acme", by: ada)
            let max = try await harness.signUp("max@example.com")
            #expect(try await max.submit(path, [:]).location == "/orgs/acme")

            let eve = try await harness.signUp("eve@example.com")
            _ = try await eve.get("/orgs/new")
            let again = try await eve.post(path)
            #expect(again.status == .gone)
            #expect(try await eve.get(path).status == .gone)
            #expect(try await max.get(path).status == .gone)
            #expect(try await harness.role(of: "eve@example.com", in: "acme") == nil)
            #expect(try await harness.count("memberships") == 2)
        }
    }

    @Test func aRevokedInvitationIsGone() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            let path = try await harness.invite("max@example.com", as: .member, to: "acme", by: ada)
            let members = try await ada.get("/orgs/acme/members")
            #expect(members.html.contains("max@example.com"))
            let id = try #require(try await harness.platform.accounts.invitations.find(token: String(path.dropFirst(13)))?.id)
            let revokeURL = "/orgs/acme/invitations/\(id)/revoke"
            #expect(members.html.contains("action=\"\(revokeURL)\""))
            #expect(try await ada.post(revokeURL).location == "/orgs/acme/members")
            #expect(try await ada.get("/orgs/acme/members").html.contains("max@example.com") == false)

            let max = try await harness.signUp("max@example.com")
            #expect(try await max.get(path).status == .gone)
            _ = try await max.get("/orgs/new")
            #expect(try await max.post(path).status == .gone)
            #expect(try await harness.role(of: "max@example.com", in: "acme") == nil)
        }
    }

    @Test func anExpiredInvitationIsGone() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            let organization = try #require(try await harness.platform.tenancy.organization(slug: "acme"))
            let user = try #require(try await harness.platform.accounts.users.find(email: "ada@example.com"))
            let (_, token) = try await harness.platform.accounts.invitations.create(
                organizationID: organization.id, email: "max@example.com", role: .admin, invitedBy: user.id,
                now: Date().addingTimeInterval(-InvitationStore.lifetime - 60))
            #expect(try await ada.get("/orgs/acme/members").html.contains("max@example.com") == false, "not pending any more")

            let max = try await harness.signUp("max@example.com")
            let page = try await max.get("/invitations/\(token)")
            #expect(page.status == .gone)
            _ = try await max.get("/orgs/new")
            #expect(try await max.post("/invitations/\(token)").status == .gone)
            #expect(try await harness.role(of: "max@example.com", in: "acme") == nil)
            #expect(try await harness.browser().get("/invitations/\(token)").status == .gone)
            #expect(try await harness.browser().get("/invitations/not-a-token").status == .gone)
        }
    }

    @Test func acceptingNeedsAnAccountAndComesBackToTheInvitation() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            let path = try await harness.invite("max@example.com", as: .admin, to: "acme", by: ada)
            let max = harness.browser()
            let page = try await max.get(path)
            #expect(page.status == .ok)
            #expect(!page.has(id: "accept-invitation"))
            #expect(page.html.contains("Acme"))
            let next = "?next=" + FormEncoding.escape(path)
            #expect(page.attribute("href", after: "invitation-signup") == "/signup" + next)
            #expect(page.attribute("href", after: "invitation-login") == "/login" + next)

            // Posting signed out only leads to signing in.
            #expect(try await max.post(path, csrf: .omitted).location == "/login" + next)
            #expect(try await harness.count("memberships") == 1)

            let signUpForm = try await max.get("/signup" + next)
            #expect(signUpForm.hiddenInput("next") == path)
            let signedUp = try await max.post(
                "/signup", ["name": "Max", "email": "max@example.com", "password": Harness.password, "next": path])
            #expect(signedUp.location == path)
            let invitation = try await max.follow(signedUp)
            #expect(invitation.has(id: "accept-invitation"))
            #expect(invitation.attribute("action", after: "main") == path)
            #expect(try await max.post(path).location == "/orgs/acme")
            #expect(try await harness.role(of: "max@example.com", in: "acme") == .admin)
        }
    }

    // MARK: Server overview

    /// Where the public URL is not on the base domain (here an address, as the e2e tests run it),
    /// tenant subdomains cannot resolve: the path form is shown.
    @Test func theOverviewShowsThePathEndpointAndHowToInstallIt() async throws {
        try await Harness.run(configure: { $0.publicURL = URL(string: "http://127.0.0.1:8080") }) { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            try await harness.createServer(by: ada, in: "acme", slug: "guide", name: "Acme Docs")
            let page = try await ada.get("/orgs/acme/servers/guide")
            #expect(page.status == .ok)
            let endpoint = "http://127.0.0.1:8080/mcp/guide"
            #expect(page.text(ofID: "endpoint-url") == endpoint)
            #expect(page.attribute("data-copy", after: "endpoint-url") == endpoint)
            #expect(try await ada.get("/orgs/acme").html.contains("<code class=\"endpoint\">\(endpoint)</code>"))

            let cursor = try #require(page.attribute("href", after: "install-cursor"))
            #expect(cursor.hasPrefix("cursor://anysphere.cursor-deeplink/mcp/install?name="))
            let query = Dictionary(
                (URLComponents(string: cursor)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            #expect(query["name"] == "guide")
            let base64 = try #require(query["config"])
            let config = try #require(Data(base64Encoded: base64))
            let decoded = try #require(try JSONSerialization.jsonObject(with: config) as? [String: String])
            #expect(decoded == ["url": endpoint])

            let vscode = try #require(page.attribute("href", after: "install-vscode"))
            #expect(vscode.hasPrefix("vscode:mcp/install?"))
            let vscodeJSON = try #require(String(vscode.dropFirst("vscode:mcp/install?".count)).removingPercentEncoding)
            let vscodeConfig = try #require(try JSONSerialization.jsonObject(with: Data(vscodeJSON.utf8)) as? [String: String])
            #expect(vscodeConfig == ["name": "guide", "type": "http", "url": endpoint])

            #expect(page.attribute("data-copy", after: "install-claude-code") == "claude mcp add --transport http guide \(endpoint)")
            let json = try #require(page.attribute("data-copy", after: "install-json"))
            let servers = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: [String: String]]])
            #expect(servers["mcpServers"]?["guide"] == ["type": "http", "url": endpoint])
            let desktop = try #require(page.attribute("data-copy", after: "install-claude-desktop"))
            #expect(desktop.contains("\"mcp-remote\", \"\(endpoint)\""))
            #expect(page.html.components(separatedBy: "class=\"copy button small\"").count == 1 + 1 + 5)
        }
    }

    /// By default the public URL is on the base domain (`http://localhost:8080`): the host form is shown.
    @Test func theOverviewShowsTheHostEndpointWhenSubdomainsResolve() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            try await harness.createServer(by: ada, in: "acme", slug: "guide")
            let page = try await ada.get("/orgs/acme/servers/guide")
            #expect(page.text(ofID: "endpoint-url") == "http://guide.localhost:8080/mcp")
            #expect(page.html.contains("<code>http://localhost:8080/mcp/guide</code>"), "the path form as the alternative")

            var production = AppConfiguration()
            production.baseDomain = "mcp.example.com"
            production.publicURL = URL(string: "https://mcp.example.com")
            #expect(ServerEndpoints(slug: "guide", configuration: production).primary == "https://guide.mcp.example.com/mcp")
            production.publicURL = URL(string: "https://app.example.com")
            #expect(ServerEndpoints(slug: "guide", configuration: production).primary == "https://app.example.com/mcp/guide")
        }
    }

    @Test func namesAndDescriptionsAreEscaped() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "<script>alert('org')</script>", slug: "acme")
            try await harness.createServer(
                by: ada, in: "acme", slug: "guide", name: "<script>alert(1)</script>", description: "\"><script>alert(2)</script>")
            for path in ["/orgs/acme", "/orgs/acme/servers/guide", "/orgs/acme/members"] {
                let page = try await ada.get(path)
                #expect(page.status == .ok)
                #expect(!page.html.contains("<script>alert"), "\(path)")
                #expect(page.html.contains("&lt;script&gt;alert("), "\(path)")
            }
            let overview = try await ada.get("/orgs/acme/servers/guide")
            #expect(overview.html.contains("<p class=\"lead\">&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>"))
            #expect(overview.html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; · MCPlatform</title>"))
        }
    }

    // MARK: Headers

    @Test func dashboardPagesAreNeitherCachedFramedNorScripted() async throws {
        try await Harness.run { harness in
            let ada = try await harness.owner("ada@example.com", organization: "Acme", slug: "acme")
            try await harness.createServer(by: ada, in: "acme", slug: "guide")
            let max = try await harness.member("max@example.com", as: .member, of: "acme", invitedBy: ada)
            var pages: [(String, WebPage)] = []
            for path in ["/orgs/acme", "/orgs/acme/servers/guide", "/orgs/acme/members", "/orgs/new", "/orgs/other"] {
                pages.append((path, try await ada.get(path)))
            }
            pages.append(("member: /orgs/acme/servers/new", try await max.get("/orgs/acme/servers/new")))
            for path in ["/login", "/signup", "/invitations/unknown"] {
                pages.append((path, try await harness.browser().get(path)))
            }
            #expect(pages.map { $0.1.status } == [.ok, .ok, .ok, .ok, .notFound, .forbidden, .ok, .ok, .gone])
            for (path, page) in pages {
                let policy = page.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("script-src 'self'"), "\(path)")
                #expect(policy.contains("frame-ancestors 'none'"), "\(path)")
                #expect(!policy.contains("unsafe-inline"), "\(path)")
                #expect(page.headers[.xFrameOptions] == "DENY", "\(path)")
                #expect(page.headers[.cacheControl] == "no-store", "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(page.html.contains("<main id=\"main\""), "\(path)")
                #expect(page.html.contains("<h1"), "\(path)")
                #expect(!page.html.contains("<script>"), "\(path): no inline script")
            }
        }
    }
}

extension DashboardTests {
    /// `next` is URL-encoded in the links between sign-in and sign-up, so a path with `&` or `#`
    /// survives the trip; in the hidden field it is only HTML-escaped.
    @Test func nextIsURLEncodedInLinks() async throws {
        try await DashboardHarness.run { harness in
            let browser = harness.browser()
            let page = try await browser.get("/login?next=" + FormEncoding.escape("/invitations/a&b#c"))
            #expect(page.status == .ok)
            #expect(page.html.contains(#"href="/signup?next=%2Finvitations%2Fa%26b%23c""#), "\(page.html)")
            #expect(page.html.contains(#"name="next" value="/invitations/a&amp;b#c""#))
        }
    }
}
