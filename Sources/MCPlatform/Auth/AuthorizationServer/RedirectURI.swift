import Foundation

/// The rules for clients' redirect URIs (OAuth 2.1 §2.3, RFC 8252 for native apps).
enum RedirectURI {
    static let maximumLength = 2000

    /// Why `uri` cannot be registered, or nil when it can: `https`, `http` only to a loopback
    /// address, or a private-use scheme of a native app (`cursor://…`); never a fragment, and
    /// never a scheme that runs code or reads files.
    static func problem(with uri: String) -> String? {
        guard uri.utf8.count <= maximumLength else { return "longer than \(maximumLength) characters" }
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased() else {
            return "not an absolute URI"
        }
        guard components.fragment == nil else { return "must not contain a fragment" }
        switch scheme {
        case "https":
            return components.host.map { $0.isEmpty } == false ? nil : "has no host"
        case "http":
            return isLoopback(components) ? nil : "http is only allowed for loopback addresses (127.0.0.1, [::1], localhost)"
        case "javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss":
            return "the \(scheme): scheme is not allowed"
        default:
            return nil
        }
    }

    /// Whether `presented` matches the registered `registered`: exactly, except that for loopback
    /// redirects any port is accepted (RFC 8252 §7.3), since native apps pick a free port each time.
    static func matches(_ presented: String, registered: String) -> Bool {
        if presented == registered { return true }
        guard var a = URLComponents(string: presented), var b = URLComponents(string: registered),
            a.scheme == "http", b.scheme == "http", isLoopback(a), isLoopback(b)
        else { return false }
        a.port = nil
        b.port = nil
        return a.string == b.string
    }

    /// The host shown on the consent page.
    static func displayHost(of uri: String) -> String {
        guard let components = URLComponents(string: uri) else { return uri }
        if let host = components.host, !host.isEmpty { return host }
        return (components.scheme ?? uri) + ":"
    }

    private static func isLoopback(_ components: URLComponents) -> Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(components.host?.lowercased() ?? "")
    }
}
