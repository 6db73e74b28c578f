import Foundation

/// How a request names its tenant, and which browser origins a tenant accepts.
public enum TenantRouting {
    /// The slug in a host `<slug>.<base-domain>[:port]`; nil for the base domain itself or any
    /// other host. Comparison is case-insensitive.
    public static func slug(fromHost host: String?, baseDomain: String) -> String? {
        guard let host = host.map(hostname)?.lowercased() else { return nil }
        let suffix = "." + baseDomain.lowercased()
        guard host.hasSuffix(suffix) else { return nil }
        let slug = host.dropLast(suffix.count)
        guard !slug.isEmpty, !slug.contains(".") else { return nil }
        return String(slug)
    }

    /// Whether a browser at `origin` may call `server`'s endpoint: the platform's own hosts
    /// (base domain and the server's subdomain), the server's allow-list, and, when the platform
    /// itself runs on `localhost`, pages served from the loopback addresses. Comparing with the
    /// `Host` header instead would let a DNS-rebinding page through.
    public static func isAllowed(origin: String, server: TenantServer, baseDomain: String) -> Bool {
        let normalized = origin.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if server.settings.allowedOrigins.contains(where: {
            $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/")) == normalized
        }) {
            return true
        }
        guard let components = URLComponents(string: normalized), let host = components.host,
            ["http", "https"].contains(components.scheme)
        else { return false }
        let base = baseDomain.lowercased()
        if base == "localhost", ["127.0.0.1", "[::1]", "::1"].contains(host) { return true }
        return host == base || host == "\(server.slug).\(base)"
    }

    /// `example.com` from `example.com:8080` or `[::1]:8080`.
    static func hostname(_ host: String) -> String {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<end])
        }
        return String(host.split(separator: ":", maxSplits: 1).first ?? "")
    }
}
