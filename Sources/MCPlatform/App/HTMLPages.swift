import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The server-rendered pages (Mustache templates under `Resources/Templates`) and their assets
/// (`Resources/Assets`: one stylesheet, one small script). Values are HTML-escaped by the
/// templates; pages are never cached or framed, and run no script but ours.
public struct HTMLPages: Sendable {
    private let library: MustacheLibrary
    private let assets: [String: (contentType: String, body: ByteBuffer)]

    /// Loads the templates and stylesheet bundled with the module. Should they be missing (a
    /// broken installation), pages degrade to plain text rather than failing requests.
    public init() {
        var library = MustacheLibrary()
        let resources = Bundle.module.resourceURL
        let templates = resources?.appendingPathComponent("Templates")
        let files = templates.flatMap { try? FileManager.default.contentsOfDirectory(at: $0, includingPropertiesForKeys: nil) } ?? []
        for file in files where file.pathExtension == "mustache" {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            try? library.register(text, named: file.deletingPathExtension().lastPathComponent)
        }
        self.library = library
        var assets: [String: (String, ByteBuffer)] = [:]
        for (name, contentType) in [
            ("app.css", "text/css; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"), ("openapi.json", "application/json"),
        ] {
            let data = resources.flatMap { try? Data(contentsOf: $0.appendingPathComponent("Assets/\(name)")) } ?? Data()
            assets[name] = (contentType, ByteBuffer(bytes: data))
        }
        self.assets = assets
    }

    /// Renders template `name` with `values` as an HTML response.
    func render(_ name: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(values, withTemplate: name) ?? "<!doctype html><title>Error</title><p>This page could not be shown.</p>"
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page with a heading and a message: errors and notices of the sign-in flow.
    func message(
        _ heading: String, _ message: String, detail: String? = nil, hint: String? = nil, eyebrow: String = "Sign-in",
        status: HTTPResponse.Status
    ) -> Response {
        var values: [String: Any] = ["heading": heading, "message": message, "eyebrow": eyebrow]
        values["detail"] = detail
        values["hint"] = hint
        return render("message", values, status: status)
    }

    /// Serves `/assets/app.css`, `/assets/app.js`, and the admin API's OpenAPI document at
    /// `/api/v1/openapi.json` (public: it describes, it does not grant).
    func addRoutes(to router: Router<some RequestContext>) {
        if let document = assets["openapi.json"] {
            router.get("/api/v1/openapi.json") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: document.contentType, .cacheControl: "public, max-age=300"],
                    body: .init(byteBuffer: document.body))
            }
        }
        for (name, asset) in assets where name != "openapi.json" {
            router.get("/assets/\(name)") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"],
                    body: .init(byteBuffer: asset.body))
            }
        }
    }

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
        .xFrameOptions: "DENY",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .cacheControl: "no-store",
    ]
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
