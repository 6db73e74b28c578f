import Foundation

/// The SMTP relay the platform hands its email to, from `--smtp-url`:
///
/// - `smtp://user:pass@host:587`: STARTTLS when the server offers it (`?starttls=require`: fail
///   when it does not; `?starttls=never`: plain text, only for relays on this machine or network).
/// - `smtps://user:pass@host:465`: TLS from the first byte.
/// - `smtp://host:25`: no credentials (a relay that trusts this host).
///
/// The default port is 25 for `smtp` and 465 for `smtps`. User and password are percent-decoded
/// (`%40` for `@`). Credentials are never sent in clear to a host other than a loopback one.
public struct SMTPConfiguration: Sendable, Equatable {
    /// How the connection is protected.
    public enum Security: String, Sendable {
        /// TLS from the start (`smtps://`).
        case implicitTLS
        /// STARTTLS when the server offers it (`smtp://`).
        case startTLSWhenOffered
        /// STARTTLS or nothing: fail when the server does not offer it (`?starttls=require`).
        case startTLSRequired
        /// Plain text (`?starttls=never`).
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }

    /// Parses an `smtp://` or `smtps://` URL; the error is what was expected instead.
    public init(url text: String) throws(MailFormatError) {
        func invalid(_ reason: String) -> MailFormatError { MailFormatError(description: reason) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["smtp", "smtps"].contains(scheme)
        else {
            throw invalid("smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]")
        }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw invalid("a host name: smtp://[user:password@]host[:port]") }
        guard components.path.isEmpty || components.path == "/", components.fragment == nil else {
            throw invalid("no path: smtp://[user:password@]host[:port][?starttls=require|never]")
        }
        if let port = components.port, !(1...65535).contains(port) { throw invalid("a port from 1 to 65535") }
        var security: Security = scheme == "smtps" ? .implicitTLS : .startTLSWhenOffered
        for item in components.queryItems ?? [] {
            guard item.name.lowercased() == "starttls", scheme == "smtp" else {
                throw invalid(
                    scheme == "smtps" && item.name.lowercased() == "starttls"
                        ? "no ?starttls with smtps:// (TLS from the start)" : "no query but ?starttls=require or ?starttls=never")
            }
            switch item.value?.lowercased() {
            case "require": security = .startTLSRequired
            case "never": security = .none
            default: throw invalid("?starttls=require or ?starttls=never")
            }
        }
        let username = components.user.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0 }
        guard (username == nil) == (password == nil) else {
            throw invalid("both a user and a password (smtp://user:password@host), or neither")
        }
        self.init(
            host: host, port: components.port ?? (scheme == "smtps" ? 465 : 25), security: security, username: username, password: password)
        if username != nil, security == .none, !isLoopback {
            throw invalid("TLS to send a password to \(host): drop ?starttls=never, or use smtps://")
        }
    }

    /// Whether the relay is on this machine, where credentials may travel in clear.
    var isLoopback: Bool {
        host.lowercased() == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    /// The URL without the password, for logs and the operator console: `smtp://user:****@host:587`.
    public var redactedURL: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = username.map { "\($0.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? $0):****@" } ?? ""
        let query = [Security.startTLSRequired: "?starttls=require", .none: "?starttls=never"][security] ?? ""
        return "\(scheme)://\(user)\(host.contains(":") ? "[\(host)]" : host):\(port)\(query)"
    }

    /// `text` with whatever follows `user:` in the URL's user information masked, for error messages
    /// about URLs that did not parse.
    static func redact(_ text: String) -> String {
        guard let start = text.range(of: "://")?.upperBound, let at = text[start...].lastIndex(of: "@") else { return text }
        let userInfo = text[start..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "****" + String(text[at...])
    }
}
